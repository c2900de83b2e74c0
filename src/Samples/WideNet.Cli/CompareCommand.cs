using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training;
using Spectre.Console;

namespace WideNet.Cli;

/// <summary>`widenet compare`: ML.NET's own LightGbm and SdcaMaximumEntropy beside our WideNet, Brainformer and
/// baseline (ViT for images, the dense Transformer for text) on one split, in one run: a table, JSON and a chart.</summary>
internal static class CompareCommand
{
    /// <summary>One trainer's result on the test split.</summary>
    internal sealed record Row(string Trainer, double Accuracy, double MacroAccuracy, double LogLoss, double FitSeconds, long? Parameters);

    const string FashionFolder = "/usr/share/datasets/fashion-mnist";

    internal static Command Create()
    {
        var Opt = ModelCommands.Opt;
        var task = Opt("--task", "image | text");
        var data = Opt("--data", "training data (a folder of class subfolders, a TSV/CSV with a header, IDX images)");
        var testData = Opt("--test-data", "test data in the same format (default: a stratified 20% of --data, seed 0)");
        var demo = Opt("--demo", "image | text: the demos' data (Fashion-MNIST 60,000/10,000; fortunes 24 categories, 80/20)");
        var label = Opt("--label-column", "label column of a TSV/CSV", "Label");
        var text = Opt("--text-column", "text column of a TSV/CSV", "Text");
        var image = Opt("--image-column", "image path column of a TSV/CSV", "ImagePath");
        var epochs = new Option<int>("--epochs") { Description = "maximum epochs of our networks (0: automatic, the trainers' default)" };
        var budget = new Option<double>("--budget-seconds") { Description = "training time of each of our networks (0: no limit; they stop after the last epoch that fits)" };
        var limit = new Option<int>("--limit") { Description = "use only the first N training rows (0: all)" };
        var seed = new Option<int>("--seed") { Description = "seed", DefaultValueFactory = _ => 0 };
        var report = Opt("--report", "folder for compare.json, compare.svg and index.html");
        var json = new Option<bool>("--json") { Description = "print the table as one JSON object (last line)" };
        var set = ModelCommands.SetOption();
        var cmd = new Command("compare", "ML.NET's LightGbm and SdcaMaximumEntropy beside WideNet, Brainformer and a baseline on the same split")
            { task, data, testData, demo, label, text, image, epochs, budget, limit, seed, report, json, set };
        cmd.SetAction(r =>
        {
            var (t, train, test) = (r.GetValue(task), r.GetValue(data), r.GetValue(testData));
            switch (r.GetValue(demo))
            {
                case null: break;
                case "image": (t, train, test) = ("image", $"{FashionFolder}/train-images-idx3-ubyte.gz", $"{FashionFolder}/t10k-images-idx3-ubyte.gz"); break;
                case "text": (t, train, test) = ("text", "fortunes:train", "fortunes:test"); break;
                case var d: throw new UsageException($"--demo {d}: expected image or text");
            }
            if (t is not ("image" or "text")) throw new UsageException("give --task image|text with --data, or --demo image|text");
            if (train is null) throw new UsageException("--data is required (or --demo image|text)");
            if (r.GetValue(budget) < 0) throw new UsageException("--budget-seconds must not be negative");
            return Run(t, train, test, r.GetValue(label)!, r.GetValue(text)!, r.GetValue(image)!, r.GetValue(epochs), r.GetValue(budget),
                       r.GetValue(limit), r.GetValue(seed), r.GetValue(report), r.GetValue(json), r.GetValue(set) ?? []);
        });
        return cmd;
    }

    static int Run(string task, string trainPath, string? testPath, string labelColumn, string textColumn, string imageColumn,
                   int epochs, double budget, int limit, int seed, string? reportDir, bool json, string[] settings)
    {
        var ml = new MLContext(seed);
        var all = ModelCommands.TrainingData(task, trainPath, labelColumn, textColumn, imageColumn, limit);
        CliData train, test;
        if (testPath is null)
        {
            var (a, b) = Microsoft.ML.WideNet.Text.StratifiedSplit.Split(all.Rows, row => row.Label, 0.2, seed);
            (train, test) = (all with { Rows = a }, all with { Rows = b });
        }
        else (train, test) = (all, ModelCommands.TrainingData(task, testPath, labelColumn, textColumn, imageColumn, 0));
        if (test.Rows.Count == 0) throw new UsageException("the test split is empty: give more data or --test-data");
        var keys = LabelKeys.For(ml, train.Rows.Select(x => x.Label));
        var (trainView, testView) = (train.ToDataView(ml), test.ToDataView(ml));
        if (!json) Console.WriteLine($"{task}: {train.Rows.Count} training rows, {test.Rows.Count} test rows, {train.Rows.Select(x => x.Label).Distinct().Count()} classes");

        var rows = new List<Row>();
        void Measure(string name, IEstimator<ITransformer> pipeline)
        {
            if (!json) Console.WriteLine($"  fitting {name} ...");
            var sw = Stopwatch.StartNew();
            var model = pipeline.Fit(trainView);
            var fit = sw.Elapsed.TotalSeconds;
            var m = ml.MulticlassClassification.Evaluate(model.Transform(testView));
            rows.Add(new Row(name, m.MicroAccuracy, m.MacroAccuracy, m.LogLoss, Math.Round(fit, 1), Parameters(model)));
            if (!json) Console.WriteLine(FormattableString.Invariant($"  {name}: accuracy {m.MicroAccuracy:F4}, fit {fit:F0} s"));
            (model as IDisposable)?.Dispose();
        }

        // ML.NET's own trainers on features ML.NET makes: pixels (ExtractPixels' numbers) or FeaturizeText.
        var features = Features(ml, task, train);
        Measure("LightGbm", keys.Append(features).Append(ml.MulticlassClassification.Trainers.LightGbm("Label", "Features")));
        Measure("SdcaMaximumEntropy", keys.Append(features).Append(ml.Transforms.NormalizeMinMax("Features"))
                                          .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features")));
        // Ours with default settings (Tiny preset), the same maximum epochs and time budget.
        var baseline = task == "image" ? ModelArchitecture.ViT : ModelArchitecture.Transformer;
        foreach (var arch in new[] { ModelArchitecture.WideNet, ModelArchitecture.Brainformer, baseline })
        {
            var o = ModelCommands.OptionsFor(task, train);
            (o.Architecture, o.MaxEpochs, o.MaxTrainingSeconds, o.Seed) = (arch, epochs > 0 ? epochs : null, budget, seed);
            ModelCommands.Apply(o, settings);                                      // the same settings for each network
            IEstimator<ITransformer> trainer = o is WideNetImageClassificationTrainer.Options io
                ? ml.MulticlassClassification.Trainers.WideNet(io)
                : ml.MulticlassClassification.Trainers.WideNet((WideNetTextClassificationTrainer.Options)o);
            Measure($"{arch} (Tiny)", keys.Append(ModelCommands.WithImageLoading(ml, train, trainer)));
        }

        if (json)
            Console.WriteLine(MetricsJson.Serialize(Summary(task, train, test, epochs, budget, rows), "compare", indented: false));
        else Print(rows);
        if (reportDir is not null) WriteReport(reportDir, task, train, test, epochs, budget, rows);
        return 0;
    }

    /// <summary>The features ML.NET's trainers read: image files loaded, resized (to the first image's size, at most 64)
    /// and extracted as pixels (one channel for grey images); IDX pixels as they are; FeaturizeText for text.</summary>
    static IEstimator<ITransformer> Features(MLContext ml, string task, CliData data)
    {
        if (task == "text") return ml.Transforms.Text.FeaturizeText("Features", "Text");
        if (data.Pixels) return ml.Transforms.CopyColumns("Features", "Pixels");
        using var first = MLImage.CreateFromFile(data.Rows[0].ImagePath);
        var size = Math.Min(64, Math.Max(first.Width, first.Height));
        var grey = IsGrey(first);
        return ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", size, size))
            .Append(ml.Transforms.ExtractPixels("Features", "Image",
                    colorsToExtract: grey ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb));
    }

    static bool IsGrey(MLImage image)
    {
        var p = image.Pixels;
        var step = image.BitsPerPixel / 8;
        for (var i = 0; i + 2 < p.Length; i += step)
            if (p[i] != p[i + 1] || p[i] != p[i + 2]) return false;
        return true;
    }

    /// <summary>Trainable parameters: ours from the network; SDCA's weights and biases; null for LightGbm's trees.</summary>
    static long? Parameters(ITransformer model)
    {
        var parts = model is IEnumerable<ITransformer> chain ? chain.ToArray() : [model];
        if (parts.OfType<WideNetClassificationTransformer>().LastOrDefault() is { } ours) return ours.ParameterCount;
        if (parts.OfType<MulticlassPredictionTransformer<MaximumEntropyModelParameters>>().LastOrDefault() is { } linear)
        {
            VBuffer<float>[] weights = [];
            linear.Model.GetWeights(ref weights, out var classes);
            return weights.Sum(w => (long)w.Length) + classes;
        }
        return null;
    }

    static Dictionary<string, object> Summary(string task, CliData train, CliData test, int epochs, double budget, List<Row> rows) => new()
    {
        ["task"] = task, ["train_rows"] = train.Rows.Count, ["test_rows"] = test.Rows.Count, ["max_epochs"] = epochs, ["budget_seconds"] = budget,
        ["threads"] = global::WideNet.Torch.torch.get_num_threads(),
        ["rows"] = rows.Select(x => new Dictionary<string, object?>
        {
            ["trainer"] = x.Trainer, ["accuracy"] = Math.Round(x.Accuracy, 4), ["macro_accuracy"] = Math.Round(x.MacroAccuracy, 4),
            ["log_loss"] = Math.Round(x.LogLoss, 4), ["fit_seconds"] = x.FitSeconds, ["parameters"] = x.Parameters,
        }).ToList(),
    };

    static void Print(List<Row> rows)
    {
        var table = new Table().AddColumn("trainer").AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("macro").RightAligned())
                               .AddColumn(new TableColumn("log-loss").RightAligned()).AddColumn(new TableColumn("fit").RightAligned()).AddColumn(new TableColumn("parameters").RightAligned());
        foreach (var x in rows)
            table.AddRow(Markup.Escape(x.Trainer), x.Accuracy.ToString("P2", CultureInfo.InvariantCulture), x.MacroAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                         x.LogLoss.ToString("F3", CultureInfo.InvariantCulture), x.FitSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s",
                         x.Parameters?.ToString("N0", CultureInfo.InvariantCulture) ?? "trees");
        AnsiConsole.Write(table);
    }

    static void WriteReport(string dir, string task, CliData train, CliData test, int epochs, double budget, List<Row> rows)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "compare.json"), MetricsJson.Serialize(Summary(task, train, test, epochs, budget, rows), "compare"));
        SvgCharts.WriteBars(Path.Combine(dir, "compare.svg"), $"test accuracy, {task}: {train.Rows.Count} training / {test.Rows.Count} test rows",
                            rows.Select(x => (x.Trainer, x.Accuracy, FormattableString.Invariant($"{x.Accuracy:P1}, fit {x.FitSeconds:F0} s"))).ToList());
        var cells = string.Join("\n", rows.Select(x => FormattableString.Invariant(
            $"<tr><td>{WebUtility.HtmlEncode(x.Trainer)}</td><td>{x.Accuracy:P2}</td><td>{x.MacroAccuracy:P2}</td><td>{x.LogLoss:F3}</td><td>{x.FitSeconds:F0} s</td><td>{(x.Parameters is { } p ? p.ToString("N0", CultureInfo.InvariantCulture) : "trees")}</td></tr>")));
        File.WriteAllText(Path.Combine(dir, "index.html"),
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>widenet compare</title>" +
            "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:4px 8px;text-align:right} td:first-child,th:first-child{text-align:left}</style></head><body>" +
            $"<h1>{task}: ML.NET's trainers and ours on one split</h1>" +
            $"<p>{train.Rows.Count} training rows, {test.Rows.Count} test rows; our networks: Tiny preset, {(epochs > 0 ? $"at most {epochs}" : "automatic")} epochs{(budget > 0 ? FormattableString.Invariant($", {budget:F0} s each") : "")}.</p>" +
            $"<table><tr><th>trainer</th><th>accuracy</th><th>macro accuracy</th><th>log-loss</th><th>fit</th><th>parameters</th></tr>\n{cells}</table>" +
            "<p><img src=\"compare.svg\" alt=\"test accuracy of each trainer\"></p><p><a href=\"compare.json\">compare.json</a></p></body></html>");
    }
}
