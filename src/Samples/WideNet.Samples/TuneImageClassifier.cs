using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet;

namespace WideNet.Samples;

/// <summary>The tuner as the last step of a pipeline: successive halving over WideNet settings within a time budget,
/// then the trial history of the chosen model.</summary>
public static class TuneImageClassifier
{
    public class ImageData
    {
        public string ImagePath = "";
        public string Label = "";
    }

    /// <summary>Arguments: [FOLDER] [BUDGET SECONDS].</summary>
    public static void Run(string[] args)
    {
        var folder = args.Length > 0 ? args[0] : SampleData.FashionMnistFolder("artifacts/samples/fashion-mnist-png", perClass: 300);
        var budget = args.Length > 1 ? double.Parse(args[1]) : 600;
        var mlContext = new MLContext(seed: 0);
        mlContext.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Info && e.Source.StartsWith("WideNetAutoTrainer")) Console.WriteLine(e.RawMessage); };
        var images = Directory.GetDirectories(folder)
            .SelectMany(dir => Directory.GetFiles(dir, "*.png").Select(file => new ImageData { ImagePath = file, Label = Path.GetFileName(dir) }))
            .ToList();
        IDataView data = mlContext.Data.LoadFromEnumerable(images);

        var tuner = mlContext.MulticlassClassification.Trainers.WideNetAuto(new WideNetAutoTrainer.Options
        {
            TrainerOptions = new WideNetImageClassificationTrainer.Options { ImageColumnName = "Image" },   // columns, fixed settings
            SearchSpace = SearchSpace.ForImages().Fix("Architecture", ModelArchitecture.WideNet).Narrow("LearningRate", 5e-4, 3e-3),
            BudgetSeconds = budget, MaxEpochs = 9, ReductionFactor = 3,                                // rungs of 1, 3, 9 epochs
        });
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadRawImageBytes("Image", null, "ImagePath"))
            .Append(tuner).Fit(data);
        var tuning = model.LastTransformer.Tuning!;        // every trial: parameters, rung, epochs, validation accuracy, seconds
        Console.WriteLine($"{tuning.Best.ValidationAccuracy:P1}: {WideNetAutoTrainer.FormatParameters(tuning.Best.Parameters)}");
        Console.WriteLine($"{tuning.Trials.Count} trials in {tuning.Seconds:F0} s");
        model.Dispose();
    }
}
