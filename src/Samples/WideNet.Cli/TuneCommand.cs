using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;
using Spectre.Console;

namespace WideNet.Cli;

/// <summary>`widenet tune`: the multi-fidelity tuner (WideNetAutoTrainer) from the command line.</summary>
internal static class TuneCommand
{
    internal static Command Create()
    {
        var Opt = ModelCommands.Opt;
        var task = Opt("--task", "image | text"); task.Required = true;
        var data = Opt("--data", "training data: a folder of class subfolders, a TSV/CSV, IDX images, or fortunes:train (the text demo's split)"); data.Required = true;
        var testData = Opt("--test-data", "data to evaluate the chosen model on (same formats; fortunes:test)");
        var label = Opt("--label-column", "label column of a TSV/CSV", "Label");
        var text = Opt("--text-column", "text column of a TSV/CSV", "Text");
        var image = Opt("--image-column", "image path column of a TSV/CSV", "ImagePath");
        var budget = new Option<double>("--budget-seconds") { Description = "wall-time budget of the search", DefaultValueFactory = _ => 600 };
        var trials = new Option<int>("--max-trials") { Description = "most configurations (0: as many as the budget allows)" };
        var strategy = Opt("--strategy", "sha (successive halving) | random", "sha");
        var minEpochs = new Option<int>("--min-epochs") { Description = "epochs of the first rung", DefaultValueFactory = _ => 1 };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "epochs of the last rung", DefaultValueFactory = _ => 9 };
        var eta = new Option<int>("--eta") { Description = "reduction factor η", DefaultValueFactory = _ => 3 };
        var limit = new Option<int>("--limit") { Description = "use only the first N training rows (0: all)" };
        var seed = new Option<int>("--seed") { Description = "seed", DefaultValueFactory = _ => 0 };
        var output = Opt("--out", "model file to write (.zip)"); output.Required = true;
        var report = Opt("--report", "folder for the report: trial table, validation metric against time");
        var json = new Option<bool>("--json") { Description = "end with one JSON line: best, validation_accuracy, test_accuracy, trials, seconds" };
        var cold = new Option<bool>("--no-warm-start") { Description = "train every rung from scratch instead of promoting configurations from their checkpoints" };
        var local = new Option<double>("--local-search") { Description = "share of new successive-halving configurations drawn near the best so far (0: all uniform)", DefaultValueFactory = _ => 0.5 };
        var cmd = new Command("tune", "search architectures and settings within a time budget, save the best model")
        {
            task, data, testData, label, text, image, budget, trials, strategy, minEpochs, maxEpochs, eta, limit, seed, output, report, json, cold, local,
        };
        cmd.SetAction(r =>
        {
            var s = r.GetValue(strategy)!.ToLowerInvariant() switch
            {
                "sha" or "successive-halving" => TuningStrategy.SuccessiveHalving,
                "random" => TuningStrategy.Random,
                var x => throw new UsageException($"--strategy {x}: expected sha or random"),
            };
            var t = r.GetValue(task)!.ToLowerInvariant();
            if (t is not ("image" or "text")) throw new UsageException($"--task {t}: expected image or text");
            return Run(t, r.GetValue(data)!, r.GetValue(testData), r.GetValue(label)!, r.GetValue(text)!, r.GetValue(image)!, r.GetValue(budget),
                       r.GetValue(trials), s, r.GetValue(minEpochs), r.GetValue(maxEpochs), r.GetValue(eta), r.GetValue(limit), r.GetValue(seed),
                       r.GetValue(output)!, r.GetValue(report), r.GetValue(json), !r.GetValue(cold), r.GetValue(local));
        });
        return cmd;
    }

    static int Run(string task, string dataPath, string? testPath, string labelColumn, string textColumn, string imageColumn, double budget, int maxTrials,
                   TuningStrategy strategy, int minEpochs, int maxEpochs, int eta, int limit, int seed, string output, string? report, bool json,
                   bool warmStart, double localSearch)
    {
        if (budget <= 0) throw new UsageException("--budget-seconds must be positive");
        if (localSearch is < 0 or > 1) throw new UsageException($"--local-search {localSearch}: expected a share between 0 and 1");
        var ml = new MLContext(seed);
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("WideNetAutoTrainer", StringComparison.Ordinal)) Console.WriteLine($"  {e.RawMessage}"); };
        var data = ModelCommands.TrainingData(task, dataPath, labelColumn, textColumn, imageColumn, limit);
        var view = data.ToDataView(ml);
        var keys = LabelKeys.For(ml, data.Rows.Select(r => r.Label)).Fit(view);
        var estimator = ModelCommands.WithImageLoading(ml, data, ml.MulticlassClassification.Trainers.WideNetAuto(new WideNetAutoTrainer.Options
        {
            TrainerOptions = ModelCommands.OptionsFor(task, data), Strategy = strategy, BudgetSeconds = budget, MaxTrials = maxTrials,
            MinEpochs = minEpochs, MaxEpochs = maxEpochs, ReductionFactor = eta, Seed = seed, WarmStart = warmStart, LocalSearchFraction = localSearch,
        }));
        AnsiConsole.MarkupLineInterpolated($"tuning ({strategy}) on {data.Rows.Count} {(task == "image" ? "images" : "texts")} from {dataPath} within {budget:F0} s");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = data.NamingFiles(() => estimator.Fit(keys.Transform(view)));
        var seconds = clock.Elapsed.TotalSeconds;
        var classifier = ModelCommands.Classifier(model);
        var tuning = classifier.Tuning!;
        var dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir is not null) Directory.CreateDirectory(dir);
        ml.Model.Save(model, view.Schema, output);
        // A trial is stopped between steps when the budget ends, so the search may overrun by about the shortest unit of
        // work it cannot cut: building a model and training it for the first rung (the longest such trial is the bound).
        var unit = tuning.Trials.Where(x => x.Rung == 0 && x.Error is null).Select(x => x.Seconds).DefaultIfEmpty(0).Max();
        var within = tuning.Seconds <= budget + unit ? "within" : "OVER";
        Console.WriteLine(FormattableString.Invariant(
            $"tuning used {tuning.Seconds:F1} s of the {budget:F0} s budget ({within} the budget plus the longest first-rung trial, {unit:F1} s; {seconds:F1} s with reading the data); {tuning.Trials.Count} trials; best: trial {tuning.Best.Trial}, validation accuracy {tuning.Best.ValidationAccuracy:F4}"));
        Console.WriteLine($"best: {WideNetAutoTrainer.FormatParameters(tuning.Best.Parameters)}");
        Console.WriteLine($"saved {output}: {classifier.ModelDescription}, {classifier.ParameterCount:N0} parameters");
        Metrics? metrics = null;
        if (testPath is not null)
        {
            var test = DataSources.Load(testPath, task, labelColumn, textColumn, imageColumn).NameIdxLabels(classifier.ClassNames, testPath);
            metrics = Metrics.Compute(ml, classifier, test);
            Console.WriteLine(FormattableString.Invariant($"test accuracy: {metrics.Accuracy:F4}"));
        }
        if (report is not null) WriteReport(report, classifier, tuning, metrics, $"widenet tune --task {task} --data {dataPath} --budget-seconds {budget} --strategy {strategy}");
        if (json)
            Console.WriteLine(MetricsJson.Serialize(new Dictionary<string, object?>
            {
                ["best"] = tuning.Best.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value is Enum e ? e.ToString() : kv.Value),
                ["validation_accuracy"] = tuning.Best.ValidationAccuracy,
                ["test_accuracy"] = metrics?.Accuracy,
                ["trials"] = tuning.Trials.Count,
                ["configurations"] = tuning.Trials.Select(x => x.Configuration).Distinct().Count(),
                ["seconds"] = seconds,
                ["budget_seconds"] = budget,
                ["strategy"] = strategy.ToString(),
            }, "tune", indented: false));
        (model as IDisposable)?.Dispose();
        return 0;
    }

    static readonly string[] RungColors = ["#9ecae1", "#4292c6", "#08519c", "#08306b", "#000000"];

    /// <summary>index.html with the trial table and trials.svg (validation accuracy of every trial against the time it
    /// ended, by rung, with the best so far), trials.json.</summary>
    static void WriteReport(string dir, WideNetClassificationTransformer classifier, TuningResult tuning, Metrics? metrics, string command)
    {
        Directory.CreateDirectory(dir);
        var done = tuning.Trials.Where(t => t.ValidationAccuracy is not null).ToList();
        var groups = done.GroupBy(t => t.Rung).OrderBy(g => g.Key)
            .Select(g => ($"rung {g.Key} ({g.First().EpochsPlanned} epochs)", RungColors[Math.Min(g.Key, RungColors.Length - 1)],
                          (IReadOnlyList<(double, double)>)g.Select(t => (t.StartedAtSeconds + t.Seconds, t.ValidationAccuracy!.Value)).ToList()))
            .ToList();
        var best = new List<(double, double)>();
        foreach (var t in done.OrderBy(t => t.StartedAtSeconds + t.Seconds))
            if (best.Count == 0 || t.ValidationAccuracy!.Value > best[^1].Item2) best.Add((t.StartedAtSeconds + t.Seconds, t.ValidationAccuracy!.Value));
        SvgCharts.WriteScatter(Path.Combine(dir, "trials.svg"), $"{tuning.Strategy}: validation accuracy of each trial", "seconds since the search began",
                               "validation accuracy", groups, ("best so far", "#d62728", best));
        var rows = new StringBuilder();
        foreach (var t in tuning.Trials)
        {
            var style = t.Trial == tuning.Best.Trial ? " style=\"font-weight:bold\"" : "";
            var accuracy = t.ValidationAccuracy is { } a ? a.ToString("F4", CultureInfo.InvariantCulture) : "—";
            var notes = (t.Promoted ? "yes" : "") + (t.StoppedEarly ? " stopped early" : "");
            var what = WebUtility.HtmlEncode(t.Error ?? WideNetAutoTrainer.FormatParameters(t.Parameters));
            rows.Append(FormattableString.Invariant(
                $"<tr{style}><td>{t.Trial}</td><td>{t.Configuration}</td><td>{t.Bracket}</td><td>{t.Rung}</td><td>{(t.ResumedFromEpoch > 0 ? $"{t.ResumedFromEpoch}→" : "")}{t.EpochsTrained}/{t.EpochsPlanned}</td><td>{accuracy}</td><td>{t.Seconds:F1}</td><td>{notes}</td><td>{what}</td></tr>\n"));
        }
        var html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>WideNet tuning report</title>" +
                   "<style>table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>" +
                   $"<h1>Tuning: {WebUtility.HtmlEncode(classifier.ModelDescription)}</h1><p>{WebUtility.HtmlEncode(command)}</p>" +
                   FormattableString.Invariant($"<p>{tuning.Trials.Count} trials in {tuning.Seconds:F0} s of a {tuning.BudgetSeconds:F0} s budget; best trial {tuning.Best.Trial}, validation accuracy {tuning.Best.ValidationAccuracy:F4}") +
                   (metrics is null ? "" : FormattableString.Invariant($", test accuracy {metrics.Accuracy:F4}")) + "</p>" +
                   "<img src=\"trials.svg\" alt=\"validation accuracy of each trial against time\">" +
                   "<h2>Trials</h2><table><tr><th>trial</th><th>config</th><th>bracket</th><th>rung</th><th>epochs</th><th>validation</th><th>seconds</th><th>promoted</th><th>parameters</th></tr>\n" +
                   rows + "</table><p><a href=\"trials.json\">trials.json</a></p></body></html>";
        File.WriteAllText(Path.Combine(dir, "trials.json"), MetricsJson.Serialize(tuning.Trials.Select(t => new Dictionary<string, object?>
        {
            ["trial"] = t.Trial, ["configuration"] = t.Configuration, ["bracket"] = t.Bracket, ["rung"] = t.Rung, ["epochs_planned"] = t.EpochsPlanned,
            ["epochs_trained"] = t.EpochsTrained, ["resumed_from_epoch"] = t.ResumedFromEpoch, ["validation_accuracy"] = t.ValidationAccuracy, ["seconds"] = t.Seconds, ["started_at"] = t.StartedAtSeconds,
            ["stopped_early"] = t.StoppedEarly, ["promoted"] = t.Promoted, ["error"] = t.Error,
            ["parameters"] = t.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value is Enum e ? e.ToString() : kv.Value),
        }).ToList(), Path.Combine(dir, "trials.json")));
        File.WriteAllText(Path.Combine(dir, "index.html"), html);
        Console.WriteLine($"report written to {Path.Combine(dir, "index.html")}");
    }
}
