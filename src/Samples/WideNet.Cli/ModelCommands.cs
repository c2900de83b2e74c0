using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;
using Spectre.Console;

namespace WideNet.Cli;

/// <summary>`widenet train`, `evaluate` and `predict`: the estimators from the command line.</summary>
internal static class ModelCommands
{
    /// <summary>A string option with a description and an optional default (shared by the commands).</summary>
    internal static Option<string> Opt(string name, string help, string? def = null) =>
        def is null ? new(name) { Description = help } : new(name) { Description = help, DefaultValueFactory = _ => def };

    static ModelArchitecture ParseArch(string s) => s.ToLowerInvariant() switch
    {
        "widenet" => ModelArchitecture.WideNet, "brainformer" => ModelArchitecture.Brainformer, "vit" => ModelArchitecture.ViT,
        "vit-moe" or "vitmoe" => ModelArchitecture.ViTMoE, "transformer" => ModelArchitecture.Transformer, "albert" => ModelArchitecture.Albert,
        _ => throw new UsageException($"--arch {s}: expected widenet, brainformer, vit, vit-moe, transformer or albert"),
    };

    internal static Preset ParsePreset(string s) => Enum.TryParse<Preset>(s, ignoreCase: true, out var p)
        ? p : throw new UsageException($"--preset {s}: expected tiny, small, base, large or huge");

    static string ParseTask(string s) => s.ToLowerInvariant() is "image" or "text" ? s.ToLowerInvariant() : throw new UsageException($"--task {s}: expected image or text");

    static TrainingDevice ParseDevice(string s) => Enum.TryParse<TrainingDevice>(s, ignoreCase: true, out var d)
        ? d : throw new UsageException($"--device {s}: expected auto, cpu or cuda");

    // ---- train ------------------------------------------------------------------------------------------------

    internal static Command Train()
    {
        var task = Opt("--task", "image | text") ; task.Required = true;
        var data = Opt("--data", "training data: a folder of class subfolders, a TSV/CSV with a header, or IDX images"); data.Required = true;
        var testData = Opt("--test-data", "data to evaluate on after training (same format)");
        var label = Opt("--label-column", "label column of a TSV/CSV", "Label");
        var text = Opt("--text-column", "text column of a TSV/CSV", "Text");
        var image = Opt("--image-column", "image path column of a TSV/CSV (relative to the file)", "ImagePath");
        var arch = Opt("--arch", "widenet | brainformer | vit | vit-moe | transformer | albert", "widenet");
        var preset = Opt("--preset", "tiny | small | base | large | huge", "tiny");
        var epochs = new Option<int>("--epochs") { Description = "maximum epochs (0: automatic: 10, more on small data)" };
        var batch = new Option<int>("--batch-size") { Description = "examples per step (0: 64 images, 32 texts)" };
        var lr = new Option<double>("--lr") { Description = "peak learning rate (0: the default)" };
        var device = Opt("--device", "auto | cpu | cuda", "auto");
        var seed = new Option<int>("--seed") { Description = "seed", DefaultValueFactory = _ => 0 };
        var output = Opt("--out", "model file to write (.zip)"); output.Required = true;
        var report = Opt("--report", "folder for the report: curves, confusion matrix, metrics.json");
        var limit = new Option<int>("--limit") { Description = "use only the first N training rows (0: all)" };
        var set = SetOption();
        var nproc = new Option<int>("--nproc") { Description = "train data-parallel in N processes on this machine (short for `widenet launch --nproc N -- widenet train ...`)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("train", "train a classifier and save it") { task, data, testData, label, text, image, arch, preset, epochs, batch, lr, device, seed, output, report, limit, set, nproc };
        cmd.SetAction(r => LaunchCommand.Relaunches(r.GetValue(nproc)) ? LaunchCommand.Relaunch(r, r.GetValue(nproc))
            : RunTrain(ParseTask(r.GetValue(task)!), r.GetValue(data)!, r.GetValue(testData), r.GetValue(label)!, r.GetValue(text)!, r.GetValue(image)!,
                                    ParseArch(r.GetValue(arch)!), ParsePreset(r.GetValue(preset)!), r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr),
                                    ParseDevice(r.GetValue(device)!), r.GetValue(seed), r.GetValue(output)!, r.GetValue(report), r.GetValue(limit), r.GetValue(set) ?? []));
        return cmd;
    }

    static int RunTrain(string task, string dataPath, string? testPath, string labelColumn, string textColumn, string imageColumn, ModelArchitecture arch,
                        Preset preset, int epochs, int batch, double lr, TrainingDevice device, int seed, string output, string? report, int limit, string[] settings)
    {
        var ml = new MLContext(seed);
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("WideNet", StringComparison.Ordinal)) Console.WriteLine($"  {e.RawMessage}"); };
        var data = TrainingData(task, dataPath, labelColumn, textColumn, imageColumn, limit);
        var view = data.ToDataView(ml);
        var keys = LabelKeys.For(ml, data.Rows.Select(r => r.Label)).Fit(view);
        var o = OptionsFor(task, data);
        (o.Architecture, o.Preset, o.MaxEpochs, o.Seed, o.Device) = (arch, preset, epochs > 0 ? epochs : null, seed, device);
        if (batch > 0) o.BatchSize = batch;
        if (lr > 0) o.LearningRate = lr;
        Apply(o, settings);
        var estimator = WithImageLoading(ml, data, o switch
        {
            WideNetImageClassificationTrainer.Options io => ml.MulticlassClassification.Trainers.WideNet(io),
            WideNetTextClassificationTrainer.Options to => (IEstimator<ITransformer>)ml.MulticlassClassification.Trainers.WideNet(to),
            _ => throw new InvalidOperationException("unreachable"),
        });
        AnsiConsole.MarkupLineInterpolated($"training {arch} ({preset}) on {data.Rows.Count} {(task == "image" ? "images" : "texts")} from {dataPath}");
        var sw = Stopwatch.StartNew();
        var model = data.NamingFiles(() => estimator.Fit(keys.Transform(view)));
        var classifier = Classifier(model);
        if (!DistributedEnvironment.IsPrimary)
        {
            (model as IDisposable)?.Dispose();   // rank 0 saves, evaluates and reports for the group
            return 0;
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir is not null) Directory.CreateDirectory(dir);
        ml.Model.Save(model, view.Schema, output);
        AnsiConsole.MarkupLineInterpolated($"saved {output}: {classifier.ModelDescription}, {classifier.ParameterCount:N0} parameters, trained in {sw.Elapsed:hh\\:mm\\:ss}");
        Metrics? metrics = null;
        if (testPath is not null)
        {
            var test = DataSources.Load(testPath, task, labelColumn, textColumn, imageColumn).NameIdxLabels(classifier.ClassNames, testPath);
            metrics = Metrics.Compute(ml, classifier, test);
            metrics.Print();
        }
        if (report is not null) ReportWriter.Write(report, classifier, metrics, $"widenet train --task {task} --data {dataPath} --arch {arch} --preset {preset}");
        if (metrics is not null) Console.WriteLine(FormattableString.Invariant($"test accuracy: {metrics.Accuracy:F4}"));
        (model as IDisposable)?.Dispose();
        return 0;
    }

    /// <summary>Labelled training rows as `train` and `tune` read them (IDX labels named by the path: no model yet;
    /// the first <paramref name="limit"/> rows when it is positive).</summary>
    internal static CliData TrainingData(string task, string path, string labelColumn, string textColumn, string imageColumn, int limit)
    {
        var data = DataSources.Load(path, task, labelColumn, textColumn, imageColumn);
        // No model to name IDX labels yet: Fashion-MNIST by the path, digits otherwise.
        data = data.NameIdxLabels(Path.GetFullPath(path).Contains("fashion", StringComparison.OrdinalIgnoreCase)
            ? IdxReader.FashionMnistClasses : Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray(), path);
        return limit > 0 && limit < data.Rows.Count ? data with { Rows = data.Rows.Take(limit).ToList() } : data;
    }

    /// <summary>`--set NAME=VALUE` (repeatable): any public field of the trainer's options.</summary>
    internal static Option<string[]> SetOption() => new("--set")
    {
        Description = "set an option of the trainer by its name, e.g. --set NumLayers=3 --set EmaDecay=0.999 (repeatable; the public fields of " +
                      "WideNetImageClassificationTrainer.Options / WideNetTextClassificationTrainer.Options)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Sets the named public fields of <paramref name="options"/> (numbers, booleans, enums, strings, nullable ones
    /// with "null"); an unknown name or a bad value is a usage error naming it.</summary>
    internal static void Apply(WideNetTrainerOptionsBase options, IEnumerable<string> settings)
    {
        var fields = options.GetType().GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        foreach (var setting in settings)
        {
            var eq = setting.IndexOf('=');
            if (eq < 1) throw new UsageException($"--set {setting}: expected NAME=VALUE");
            var (name, text) = (setting[..eq].Trim(), setting[(eq + 1)..].Trim());
            var field = fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"--set {name}: no such option; options: {string.Join(", ", fields.Where(f => Settable(f.FieldType)).Select(f => f.Name).Order())}");
            var type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
            if (!Settable(field.FieldType)) throw new UsageException($"--set {name}: the option is of type {field.FieldType.Name}, which the command line cannot give");
            try
            {
                object? value = text.Equals("null", StringComparison.OrdinalIgnoreCase) && (Nullable.GetUnderlyingType(field.FieldType) is not null || !field.FieldType.IsValueType) ? null
                    : type.IsEnum ? Enum.Parse(type, text, ignoreCase: true)
                    : type == typeof(float[]) ? text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()
                    : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
                field.SetValue(options, value);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidCastException or OverflowException)
            {
                throw new UsageException($"--set {name}={text}: not a valid {type.Name}" + (type.IsEnum ? $" ({string.Join(", ", Enum.GetNames(type))})" : ""));
            }
        }

        static bool Settable(Type t)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(double) || t == typeof(float[]);
        }
    }

    /// <summary>Trainer options for the columns of <paramref name="data"/> (pixel geometry or column names).</summary>
    internal static WideNetTrainerOptionsBase OptionsFor(string task, CliData data)
    {
        if (task != "image") return new WideNetTextClassificationTrainer.Options { Sentence1ColumnName = "Text" };
        var o = new WideNetImageClassificationTrainer.Options { ImageColumnName = data.Pixels ? "Pixels" : "Image" };
        if (data.Pixels) { o.ImageWidth = data.Width; o.ImageHeight = data.Height; o.Channels = 1; }
        return o;
    }

    /// <summary><paramref name="trainer"/>, behind LoadRawImageBytes when the data lists image files.</summary>
    internal static IEstimator<ITransformer> WithImageLoading(MLContext ml, CliData data, IEstimator<ITransformer> trainer) =>
        data.Rows.Count > 0 && data.Rows[0].ImagePath.Length > 0 ? ml.Transforms.LoadRawImageBytes("Image", null, "ImagePath").Append(trainer) : trainer;

    internal static WideNetClassificationTransformer Classifier(ITransformer model) =>
        (model is IEnumerable<ITransformer> chain ? chain.OfType<WideNetClassificationTransformer>().LastOrDefault() : model as WideNetClassificationTransformer)
        ?? throw new UsageException("the model file holds no WideNet classifier");

    // ---- evaluate -----------------------------------------------------------------------------------------

    internal static Command Evaluate()
    {
        var model = Opt("--model", "model file (.zip)"); model.Required = true;
        var data = Opt("--data", "labelled data in a format `train` reads"); data.Required = true;
        var label = Opt("--label-column", "label column of a TSV/CSV", "Label");
        var text = Opt("--text-column", "text column of a TSV/CSV", "Text");
        var image = Opt("--image-column", "image path column of a TSV/CSV", "ImagePath");
        var json = new Option<bool>("--json") { Description = "print the metrics as JSON" };
        var cmd = new Command("evaluate", "metrics, per-class table and confusion matrix of a saved model on labelled data") { model, data, label, text, image, json };
        cmd.SetAction(r =>
        {
            var ml = new MLContext(0);
            var (loaded, classifier, task) = Load(ml, r.GetValue(model)!);
            var path = r.GetValue(data)!;
            var d = DataSources.Load(path, task, r.GetValue(label)!, r.GetValue(text)!, r.GetValue(image)!).NameIdxLabels(classifier.ClassNames, path);
            var m = Metrics.Compute(ml, classifier, d);
            if (r.GetValue(json)) Console.WriteLine(MetricsJson.Serialize(m.ToJson()));
            else m.Print();
            (loaded as IDisposable)?.Dispose();
            return 0;
        });
        return cmd;
    }

    internal static (ITransformer model, WideNetClassificationTransformer classifier, string task) Load(MLContext ml, string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{path}: no such model file");
        var model = ModelFiles.Load(ml, path, out _);
        var classifier = Classifier(model);
        return (model, classifier, classifier is WideNetImageClassificationTransformer ? "image" : "text");
    }

    // ---- predict ------------------------------------------------------------------------------------------

    internal static Command Predict()
    {
        var model = Opt("--model", "model file (.zip)"); model.Required = true;
        var input = Opt("--input", "image models: an image file, a folder of images (subfolders too), a TSV/CSV of image paths or IDX images; " +
                                   "text models: a text file (one text per line) or the text itself"); input.Required = true;
        var image = Opt("--image-column", "image path column of a TSV/CSV", "ImagePath");
        var top = new Option<int>("--top") { Description = "classes to show per input", DefaultValueFactory = _ => 3 };
        var cmd = new Command("predict", "label and top-K probabilities of new inputs") { model, input, image, top };
        cmd.SetAction(r =>
        {
            var ml = new MLContext(0);
            var (loaded, classifier, task) = Load(ml, r.GetValue(model)!);
            var arg = r.GetValue(input)!;
            var data = task == "text"
                ? new CliData((File.Exists(arg) ? File.ReadAllLines(arg).Where(l => l.Length > 0) : new[] { arg }).Select(t => new CliRow { Text = t }).ToList(), false, 0, 0)
                : Directory.Exists(arg) ? DataSources.ImageFiles(arg)
                : File.Exists(arg) && DataSources.IsImage(arg) ? new CliData(new() { new CliRow { ImagePath = arg } }, false, 0, 0)
                : DataSources.Load(arg, "image", "Label", null, r.GetValue(image)!, labelsRequired: false);
            var rows = data.Rows;
            var probabilities = Scores(ml, classifier, data);
            var k = Math.Clamp(r.GetValue(top), 1, classifier.ClassCount);
            for (var i = 0; i < rows.Count; i++)
            {
                var best = probabilities[i].Select((p, c) => (p, c)).OrderByDescending(x => x.p).Take(k).ToArray();
                var name = task == "text" ? Shorten(rows[i].Text) : rows[i].ImagePath.Length > 0 ? rows[i].ImagePath : $"#{i}";
                Console.WriteLine($"{name}\t{classifier.ClassNames[best[0].c]}\t" +
                                  string.Join("  ", best.Select(b => FormattableString.Invariant($"{classifier.ClassNames[b.c]} {b.p:F3}"))));
            }
            (loaded as IDisposable)?.Dispose();
            return 0;
        });
        return cmd;
    }

    static string Shorten(string s) => (s.Length > 40 ? s[..37] + "..." : s).Replace('\n', ' ').Replace('\t', ' ');

    /// <summary>The Score vector of every row, from the classifier alone: the steps before it in a model file may
    /// expect columns (such as Label) that new data lacks.</summary>
    internal static List<float[]> Scores(MLContext ml, WideNetClassificationTransformer classifier, CliData data) => data.NamingFiles(() =>
    {
        var input = classifier switch
        {
            WideNetImageClassificationTransformer image => data.ImageView(ml, image),
            WideNetTextClassificationTransformer text => data.TextView(ml, text),
            _ => throw new UsageException($"the model's {classifier.GetType().Name} is neither an image nor a text classifier"),
        };
        var scored = classifier.Transform(input);
        var col = scored.Schema[classifier.ScoreColumnName];
        using var cursor = scored.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<VBuffer<float>>(col);
        var result = new List<float[]>();
        VBuffer<float> v = default;
        while (cursor.MoveNext()) { get(ref v); result.Add(v.DenseValues().ToArray()); }
        return result;
    });
}

/// <summary>Metrics of a classifier on labelled rows (computed from the Score column; the labels are matched to the
/// model's class names).</summary>
internal sealed class Metrics
{
    public required string[] Classes;
    public required long[,] Confusion;
    public double Accuracy, MacroAccuracy, LogLoss;
    public int Count;

    public static Metrics Compute(MLContext ml, WideNetClassificationTransformer classifier, CliData data)
    {
        var index = classifier.ClassNames.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        foreach (var row in data.Rows)
            if (!index.ContainsKey(row.Label))
                throw new UsageException($"label '{row.Label}' is not one of the model's {classifier.ClassCount} classes ({string.Join(", ", classifier.ClassNames.Take(10))}{(classifier.ClassCount > 10 ? ", ..." : "")})");
        var scores = ModelCommands.Scores(ml, classifier, data);
        var k = classifier.ClassCount;
        var confusion = new long[k, k];
        double logLoss = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var truth = index[data.Rows[i].Label];
            var predicted = Array.IndexOf(scores[i], scores[i].Max());
            confusion[truth, predicted]++;
            logLoss -= Math.Log(Math.Max(1e-15, scores[i][truth]));
        }
        var recalls = Enumerable.Range(0, k).Select(c => Row(confusion, c)).Where(n => n > 0).Count() == 0 ? 0
            : Enumerable.Range(0, k).Where(c => Row(confusion, c) > 0).Average(c => (double)confusion[c, c] / Row(confusion, c));
        return new Metrics
        {
            Classes = classifier.ClassNames.ToArray(), Confusion = confusion, Count = scores.Count,
            Accuracy = scores.Count == 0 ? 0 : Enumerable.Range(0, k).Sum(c => confusion[c, c]) / (double)scores.Count,
            MacroAccuracy = recalls, LogLoss = scores.Count == 0 ? 0 : logLoss / scores.Count,
        };
    }

    static long Row(long[,] m, int r) => Enumerable.Range(0, m.GetLength(1)).Sum(c => m[r, c]);
    static long Column(long[,] m, int c) => Enumerable.Range(0, m.GetLength(0)).Sum(r => m[r, c]);

    public double Recall(int c) => Row(Confusion, c) == 0 ? 0 : (double)Confusion[c, c] / Row(Confusion, c);
    public double Precision(int c) => Column(Confusion, c) == 0 ? 0 : (double)Confusion[c, c] / Column(Confusion, c);

    public void Print()
    {
        var summary = new Table().AddColumn("metric").AddColumn("value");
        summary.AddRow("examples", Count.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("accuracy", Accuracy.ToString("F4", CultureInfo.InvariantCulture));
        summary.AddRow("macro accuracy", MacroAccuracy.ToString("F4", CultureInfo.InvariantCulture));
        summary.AddRow("log loss", LogLoss.ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);
        var perClass = new Table().AddColumn("class").AddColumn("count").AddColumn("recall").AddColumn("precision");
        for (var c = 0; c < Classes.Length; c++)
            perClass.AddRow(Markup.Escape(Classes[c]), Row(Confusion, c).ToString(CultureInfo.InvariantCulture),
                            Recall(c).ToString("F3", CultureInfo.InvariantCulture), Precision(c).ToString("F3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(perClass);
        var cm = new Table().AddColumn("true \\ predicted");
        for (var c = 0; c < Classes.Length; c++) cm.AddColumn(Markup.Escape(Classes[c]));
        for (var t = 0; t < Classes.Length; t++)
            cm.AddRow(new[] { Markup.Escape(Classes[t]) }.Concat(Enumerable.Range(0, Classes.Length).Select(p => Confusion[t, p].ToString(CultureInfo.InvariantCulture))).ToArray());
        AnsiConsole.Write(cm);
    }

    public Dictionary<string, object> ToJson() => new()
    {
        ["examples"] = Count, ["accuracy"] = Accuracy, ["macro_accuracy"] = MacroAccuracy, ["log_loss"] = LogLoss,
        ["classes"] = Classes,
        ["per_class"] = Classes.Select((n, c) => new Dictionary<string, object> { ["class"] = n, ["recall"] = Recall(c), ["precision"] = Precision(c) }).ToArray(),
        ["confusion"] = Enumerable.Range(0, Classes.Length).Select(t => Enumerable.Range(0, Classes.Length).Select(p => Confusion[t, p]).ToArray()).ToArray(),
    };
}

/// <summary>`--report DIR`: curves and confusion matrix as SVG, metrics.json, and an index.html that shows them.</summary>
internal static class ReportWriter
{
    public static void Write(string dir, WideNetClassificationTransformer classifier, Metrics? metrics, string command)
    {
        Directory.CreateDirectory(dir);
        var parts = new List<string>();
        if (classifier.TrainingResult is { } result)
        {
            SvgCharts.WriteTrainingCurves(Path.Combine(dir, "curves.svg"), result.History, classifier.ModelDescription);
            parts.Add("<h2>Training</h2><img src=\"curves.svg\" alt=\"loss and accuracy per epoch\">");
        }
        if (metrics is not null)
        {
            SvgCharts.WriteConfusionMatrix(Path.Combine(dir, "confusion.svg"), metrics.Confusion, metrics.Classes, "Test set");
            parts.Add(FormattableString.Invariant($"<h2>Test set</h2><p>accuracy {metrics.Accuracy:F4}, macro accuracy {metrics.MacroAccuracy:F4}, log loss {metrics.LogLoss:F4} on {metrics.Count} examples</p>") +
                      "<img src=\"confusion.svg\" alt=\"confusion matrix\">");
        }
        var json = new Dictionary<string, object?>
        {
            ["command"] = command, ["model"] = classifier.ModelDescription, ["parameters"] = classifier.ParameterCount, ["device"] = classifier.Device,
            ["history"] = classifier.TrainingResult?.History, ["test"] = metrics?.ToJson(),
        };
        Atomic(Path.Combine(dir, "metrics.json"), MetricsJson.Serialize(json, Path.Combine(dir, "metrics.json")));
        var html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>WideNet report</title></head><body><h1>{System.Net.WebUtility.HtmlEncode(classifier.ModelDescription)}</h1>" +
                   $"<p>{classifier.ParameterCount:N0} parameters, {System.Net.WebUtility.HtmlEncode(command)}</p>{string.Join("", parts)}<p><a href=\"metrics.json\">metrics.json</a></p></body></html>";
        Atomic(Path.Combine(dir, "index.html"), html);
        Console.WriteLine($"report written to {Path.Combine(dir, "index.html")}");
    }

    static void Atomic(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>Metrics as JSON. NaN and ±Infinity (the log loss of a model that scores NaN, say) are no JSON numbers:
/// they are written as null, with a warning on stderr.</summary>
internal static class MetricsJson
{
    public static string Serialize(object value, string? what = null, bool indented = true)
    {
        var nonFinite = new NonFiniteAsNull();
        var text = JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = indented, Converters = { nonFinite } });
        if (nonFinite.Count > 0)
            Console.Error.WriteLine($"warning: {what ?? "metrics"}: {nonFinite.Count} non-finite number(s) (NaN or ±Infinity) written as JSON null");
        return text;
    }

    sealed class NonFiniteAsNull : JsonConverterFactory
    {
        public int Count;
        public override bool CanConvert(Type t) => t == typeof(double) || t == typeof(float);
        public override JsonConverter CreateConverter(Type t, JsonSerializerOptions o) => t == typeof(double) ? new Double(this) : new Single(this);

        sealed class Double(NonFiniteAsNull owner) : JsonConverter<double>
        {
            public override double Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => r.GetDouble();
            public override void Write(Utf8JsonWriter w, double v, JsonSerializerOptions o)
            {
                if (double.IsFinite(v)) w.WriteNumberValue(v);
                else { owner.Count++; w.WriteNullValue(); }
            }
        }

        sealed class Single(NonFiniteAsNull owner) : JsonConverter<float>
        {
            public override float Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => r.GetSingle();
            public override void Write(Utf8JsonWriter w, float v, JsonSerializerOptions o)
            {
                if (float.IsFinite(v)) w.WriteNumberValue(v);
                else { owner.Count++; w.WriteNullValue(); }
            }
        }
    }
}
