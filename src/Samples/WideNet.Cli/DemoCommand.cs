using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;
using Spectre.Console;

namespace WideNet.Cli;

/// <summary>`widenet demo`: WideNet-Tiny trained through the ML.NET API on the full Fashion-MNIST train set, evaluated on
/// the full test set, saved, reloaded and used for one prediction (<c>--text</c>: the fortunes categories).</summary>
internal static class DemoCommand
{
    internal static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 0 };
        var text = new Option<bool>("--text") { Description = "classify Debian fortunes by category instead of Fashion-MNIST images" };
        var arch = new Option<string>("--arch") { Description = "widenet | brainformer | vit | vit-moe | transformer | albert", DefaultValueFactory = _ => "widenet" };
        var output = new Option<string>("--out") { Description = "folder for the model and the report", DefaultValueFactory = _ => "artifacts/demo" };
        var nproc = new Option<int>("--nproc")
        {
            Description = "images: train data-parallel in N processes (0: 2 on a CPU with 2 or more cores, 1 with a GPU)", DefaultValueFactory = _ => 0,
        };
        var cmd = new Command("demo", "train, evaluate, save and use a model on real data (CPU or GPU)") { epochs, text, arch, output, nproc };
        cmd.SetAction(r =>
        {
            var a = Enum.Parse<ModelArchitecture>(r.GetValue(arch)!.Replace("-", ""), ignoreCase: true);
            var processes = r.GetValue(nproc) is > 0 and var n ? n : WideNet.Torch.torch.cuda.is_available() ? 1 : Math.Min(2, Environment.ProcessorCount);
            if (!r.GetValue(text) && LaunchCommand.Relaunches(processes)) return LaunchCommand.Relaunch(r, processes);
            return r.GetValue(text) ? RunText(r.GetValue(epochs), a, r.GetValue(output)!) : RunImages(r.GetValue(epochs), a, r.GetValue(output)!);
        });
        return cmd;
    }

    sealed class ImageRow
    {
        [VectorType(784)] public float[] Pixels = [];
        public string Label = "";
    }

    sealed class TextRow
    {
        public string Sentence1 = "";
        public string Label = "";
    }

    sealed class Prediction
    {
        [ColumnName("PredictedLabel")] public string Predicted = "";
        public float[] Score = [];
    }

    static List<ImageRow> Rows(bool train)
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train);
        return Enumerable.Range(0, labels.Length).Select(i => new ImageRow
        {
            Pixels = Array.ConvertAll(images.Data[(i * 784)..((i + 1) * 784)], b => (float)b),
            Label = IdxReader.FashionMnistClasses[labels[i]],
        }).ToList();
    }

    static MLContext Context()
    {
        var ml = new MLContext(seed: 0);
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("WideNet", StringComparison.Ordinal)) Console.WriteLine($"  {e.RawMessage}"); };
        return ml;
    }

    static int RunImages(int epochs, ModelArchitecture arch, string output)
    {
        var ml = Context();
        var trainRows = Rows(train: true);
        var testRows = Rows(train: false);
        Console.WriteLine($"Fashion-MNIST: {trainRows.Count} training and {testRows.Count} test images, {WideNet.Torch.torch.get_num_threads()} threads, LibTorch {WideNet.Torch.torch.version}");
        var train = ml.Data.LoadFromEnumerable(trainRows);
        var test = ml.Data.LoadFromEnumerable(testRows);
        // The recipe (docs/benchmarks.md): WideNet's shared attention and MoE applied in 2 blocks instead of the Tiny preset's
        // 6, each token sent to its best expert only (top-1, as Switch), and 2 processes of one thread each on a CPU (data
        // parallel) give 24 epochs in the time 5 took; light mixup (α 0.2) against the overfitting of the last epochs; a
        // moving average of the weights, the best validation epoch kept (no early stop: the cosine schedule ends better);
        // no random crop at this budget; training stops before 10 minutes.
        var options = new WideNetImageClassificationTrainer.Options
        {
            Architecture = arch, ImageColumnName = "Pixels", ImageWidth = 28, ImageHeight = 28, Channels = 1,
            NumLayers = arch == ModelArchitecture.WideNet ? 2 : null, TopK = arch == ModelArchitecture.WideNet ? 1 : null, EmaDecay = 0.999,
            MaxEpochs = epochs > 0 ? epochs : 24, EarlyStoppingPatience = 0, MaxTrainingSeconds = epochs > 0 ? 0 : 595, BatchSize = 128, LearningRate = 2e-3, ValidationFraction = 0.05, Seed = 0, LogEverySteps = 100,
            RandomCrop = false, MixupAlpha = 0.2,
        };
        // Classes in Fashion-MNIST's label order 0–9 (T-shirt/top, Trouser, ...), not in order of first appearance.
        var pipeline = LabelKeys.InOrder(ml, IdxReader.FashionMnistClasses).Append(ml.MulticlassClassification.Trainers.WideNet(options));
        return Finish(ml, pipeline, train, test, output, "fashion-mnist", "widenet demo", testRows[0], r => r.Label);
    }

    static int RunText(int epochs, ModelArchitecture arch, string output)
    {
        var ml = Context();
        var texts = FortunesLoader.Load(minTextsPerCategory: 200);
        var (trainTexts, testTexts) = StratifiedSplit.Split(texts, 0.2, seed: 0);
        TextRow Row(LabeledText t) => new() { Sentence1 = t.Text, Label = t.Category };
        Console.WriteLine($"fortunes: {texts.Select(t => t.Category).Distinct().Count()} categories with at least 200 texts, {trainTexts.Count} training and {testTexts.Count} test texts");
        var train = ml.Data.LoadFromEnumerable(trainTexts.Select(Row).ToList());
        var test = ml.Data.LoadFromEnumerable(testTexts.Select(Row).ToList());
        var options = new WideNetTextClassificationTrainer.Options
        {
            Architecture = arch,
            // Measured on this split (docs/benchmarks.md "Text recipe"): the defaults (128 tokens with length-bucketed
            // batches; the n-gram logits and the TF-IDF n-gram classifier beside the encoder) for 4 epochs.
            MaxEpochs = epochs > 0 ? epochs : 4, VocabularySize = 4000,
            Seed = 0, LogEverySteps = 100,
        };
        var pipeline = LabelKeys.For(ml, texts.Select(t => t.Category)).Append(ml.MulticlassClassification.Trainers.WideNet(options));
        return Finish(ml, pipeline, train, test, output, "fortunes", "widenet demo --text", Row(testTexts[0]), r => r.Label);
    }

    static int Finish<TRow, TTrans>(MLContext ml, IEstimator<TransformerChain<TTrans>> pipeline, IDataView train, IDataView test, string output,
                                    string name, string command, TRow example, Func<TRow, string> labelOf)
        where TRow : class, new() where TTrans : class, ITransformer
    {
        var sw = Stopwatch.StartNew();
        using var model = pipeline.Fit(train);
        var trainTime = sw.Elapsed;
        if (!DistributedEnvironment.IsPrimary) return 0;         // rank 0 evaluates, saves and reports for the group
        var classifier = (WideNetClassificationTransformer)(object)model.LastTransformer;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"trained {classifier.ModelDescription}, {classifier.ParameterCount:N0} parameters, in {trainTime:hh\\:mm\\:ss} on {classifier.Device}");

        var table = new Table().AddColumn("class").AddColumn("recall").AddColumn("precision");
        var cm = metrics.ConfusionMatrix;
        for (var c = 0; c < classifier.ClassCount; c++)
            table.AddRow(classifier.ClassNames[c], cm.PerClassRecall[c].ToString("P1", CultureInfo.InvariantCulture), cm.PerClassPrecision[c].ToString("P1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Console.WriteLine(FormattableString.Invariant($"macro accuracy {metrics.MacroAccuracy:F4}, log loss {metrics.LogLoss:F4}"));

        Directory.CreateDirectory(output);
        var path = Path.Combine(output, $"{name}.zip");
        ml.Model.Save(model, train.Schema, path);
        Console.WriteLine($"model saved to {path} ({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MB)");
        var counts = new long[classifier.ClassCount, classifier.ClassCount];
        for (var t = 0; t < classifier.ClassCount; t++)
            for (var q = 0; q < classifier.ClassCount; q++) counts[t, q] = (long)cm.Counts[t][q];
        var report = new Metrics
        {
            Classes = classifier.ClassNames.ToArray(), Confusion = counts, Accuracy = metrics.MicroAccuracy, MacroAccuracy = metrics.MacroAccuracy,
            LogLoss = metrics.LogLoss, Count = (int)counts.Cast<long>().Sum(),
        };
        ReportWriter.Write(Path.Combine(output, $"{name}-report"), classifier, report, command);

        var loaded = ml.Model.Load(path, out _);
        var toValue = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(loaded.Transform(test));
        using var app = ((TransformerChain<ITransformer>)loaded).Append(toValue);
        var engine = ml.Model.CreatePredictionEngine<TRow, Prediction>(app);
        var p = engine.Predict(example);
        var top = p.Score.Select((s, i) => (s, i)).OrderByDescending(x => x.s).Take(3)
                   .Select(x => FormattableString.Invariant($"{classifier.ClassNames[x.i]} {x.s:P1}"));
        Console.WriteLine($"one prediction from the reloaded model: true '{labelOf(example)}', predicted '{p.Predicted}' ({string.Join(", ", top)})");
        Console.WriteLine(FormattableString.Invariant($"test accuracy: {metrics.MicroAccuracy:F4}"));
        return 0;
    }
}
