using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.WideNet;

namespace WideNet.Samples;

/// <summary>Brainformer vs WideNet vs ViT vs ViT-MoE on the same images: same data, same split, same epochs.</summary>
public static class CompareArchitectures
{
    public class ImageData
    {
        public string ImagePath = "";
        public string Label = "";
    }

    public static void Run(string[] args)
    {
        var folder = args.Length > 0 ? args[0] : SampleData.FashionMnistFolder("artifacts/samples/fashion-mnist-png", perClass: 300);
        var epochs = args.Length > 1 ? int.Parse(args[1]) : 5;
        var mlContext = new MLContext(seed: 0);
        var rows = Directory.GetDirectories(folder)
            .SelectMany(dir => Directory.GetFiles(dir, "*.png").Select(f => new ImageData { ImagePath = f, Label = Path.GetFileName(dir) })).ToList();
        var data = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadRawImageBytes("Image", null, "ImagePath"))
            .Fit(mlContext.Data.LoadFromEnumerable(rows)).Transform(mlContext.Data.LoadFromEnumerable(rows));
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        Console.WriteLine($"{"architecture",-12} {"parameters",12} {"accuracy",9} {"time",9}");
        foreach (var arch in new[] { ModelArchitecture.WideNet, ModelArchitecture.Brainformer, ModelArchitecture.ViT, ModelArchitecture.ViTMoE })
        {
            var sw = Stopwatch.StartNew();
            using var model = mlContext.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
            {
                Architecture = arch, MaxEpochs = epochs, Seed = 0,
            }).Fit(split.TrainSet);
            var accuracy = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet)).MicroAccuracy;
            Console.WriteLine($"{arch,-12} {model.ParameterCount,12:N0} {accuracy,9:P1} {sw.Elapsed,9:mm\\:ss}");
        }
    }
}
