using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet;

namespace WideNet.Samples;

/// <summary>Image classification from a folder with one subfolder per class, the ML.NET way: list the files, map the
/// folder names to keys, load the bytes, train WideNet, evaluate, save.</summary>
public static class ImageClassificationFromFolder
{
    public class ImageData
    {
        public string ImagePath = "";
        public string Label = "";
    }

    /// <summary>Arguments: [FOLDER] [EPOCHS].</summary>
    public static void Run(string[] args)
    {
        // A folder of class subfolders; by default 300 Fashion-MNIST images per class exported as PNG.
        var folder = args.Length > 0 ? args[0] : SampleData.FashionMnistFolder("artifacts/samples/fashion-mnist-png", perClass: 300);
        var epochs = args.Length > 1 ? int.Parse(args[1]) : 8;
        var mlContext = new MLContext(seed: 0);
        mlContext.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Info && e.Source.StartsWith("WideNet")) Console.WriteLine(e.RawMessage); };

        var images = Directory.GetDirectories(folder)
            .SelectMany(dir => Directory.GetFiles(dir, "*.png").Select(file => new ImageData { ImagePath = file, Label = Path.GetFileName(dir) }))
            .ToList();
        IDataView data = mlContext.Data.ShuffleRows(mlContext.Data.LoadFromEnumerable(images), seed: 1);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadRawImageBytes(outputColumnName: "Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(mlContext.MulticlassClassification.Trainers.WideNetImageClassification(
                labelColumnName: "Label", imageColumnName: "Image", maxEpochs: epochs));

        Console.WriteLine($"Training on {images.Count} images in {folder} ...");
        var model = pipeline.Fit(split.TrainSet);

        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        Console.WriteLine($"MicroAccuracy: {metrics.MicroAccuracy:F4}, MacroAccuracy: {metrics.MacroAccuracy:F4}, LogLoss: {metrics.LogLoss:F4}");
        Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

        Directory.CreateDirectory("artifacts/samples");
        mlContext.Model.Save(model, split.TrainSet.Schema, "artifacts/samples/image-model.zip");
        Console.WriteLine("Saved artifacts/samples/image-model.zip (use it with the load-and-predict sample).");
        model.Dispose();
    }
}
