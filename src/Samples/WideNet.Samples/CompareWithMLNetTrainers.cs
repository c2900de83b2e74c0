using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.WideNet;

namespace WideNet.Samples;

/// <summary>WideNet and Brainformer beside ML.NET's own trainers on the same split, in one run: LightGbm on the pixels
/// from ExtractPixels for images, FeaturizeText + SdcaMaximumEntropy for text.</summary>
public static class CompareWithMLNetTrainers
{
    public class ImageData
    {
        public string ImagePath = "";
        public string Label = "";
    }

    public class TextData
    {
        [LoadColumn(0)] public string Text = "";
        [LoadColumn(1)] public string Label = "";
    }

    /// <summary>Arguments: [EPOCHS] [IMAGES PER CLASS] (texts: at most 3 × IMAGES PER CLASS per category).</summary>
    public static void Run(string[] args)
    {
        var epochs = args.Length > 0 ? int.Parse(args[0]) : 5;
        var perClass = args.Length > 1 ? int.Parse(args[1]) : 300;
        var mlContext = new MLContext(seed: 0);
        Images(mlContext, SampleData.FashionMnistFolder($"artifacts/samples/fashion-mnist-png-{perClass}", perClass), epochs);
        Text(mlContext, SampleData.FortunesTsv("artifacts/samples/fortunes-6.tsv", "computers", "food", "love", "politics", "sports", "science"), epochs, perClass);
    }

    static void Images(MLContext mlContext, string folder, int epochs)
    {
        var rows = Directory.GetDirectories(folder)
            .SelectMany(dir => Directory.GetFiles(dir, "*.png").Select(f => new ImageData { ImagePath = f, Label = Path.GetFileName(dir) })).ToList();
        var split = mlContext.Data.TrainTestSplit(mlContext.Data.LoadFromEnumerable(rows), testFraction: 0.2, seed: 1);
        var images = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(mlContext.Transforms.ResizeImages("Image", imageWidth: 28, imageHeight: 28));
        var pixels = images.Append(mlContext.Transforms.ConvertToGrayscale("Image"))
                           .Append(mlContext.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red));
        Console.WriteLine($"Fashion-MNIST PNGs: {rows.Count} images, 80/20 split, {epochs} epochs for the networks");
        Header();
        Report("LightGbm (pixels)", mlContext, pixels.Append(mlContext.MulticlassClassification.Trainers.LightGbm("Label", "Features")), split);
        Report("SdcaMaximumEntropy (pixels)", mlContext, pixels.Append(mlContext.Transforms.NormalizeMinMax("Features"))
                                                             .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features")), split);
        foreach (var arch in new[] { ModelArchitecture.WideNet, ModelArchitecture.Brainformer })
            Report($"{arch} (Tiny)", mlContext, images.Append(mlContext.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
            {
                Architecture = arch, MaxEpochs = epochs, Seed = 0,
            })), split);
    }

    static void Text(MLContext mlContext, string tsv, int epochs, int perClass)
    {
        var all = mlContext.Data.CreateEnumerable<TextData>(
            mlContext.Data.LoadFromTextFile<TextData>(tsv, hasHeader: true, separatorChar: '\t', allowQuoting: false), reuseRowObject: false);
        var data = mlContext.Data.LoadFromEnumerable(all.GroupBy(t => t.Label).SelectMany(g => g.Take(3 * perClass)).ToList());
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        var keys = mlContext.Transforms.Conversion.MapValueToKey("Label");
        Console.WriteLine($"\nfortunes: 6 categories, {data.GetRowCount()} texts, 80/20 split");
        Header();
        Report("FeaturizeText + SdcaMaximumEntropy", mlContext, keys.Append(mlContext.Transforms.Text.FeaturizeText("Features", "Text"))
                                                                     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features")), split);
        foreach (var arch in new[] { ModelArchitecture.WideNet, ModelArchitecture.Brainformer })
            Report($"{arch} (Tiny)", mlContext, keys.Append(mlContext.MulticlassClassification.Trainers.WideNet(new WideNetTextClassificationTrainer.Options
            {
                Architecture = arch, Sentence1ColumnName = "Text", MaxEpochs = epochs, MaxSequenceLength = 64, Seed = 0,
            })), split);
    }

    static void Header() => Console.WriteLine($"{"trainer",-36} {"accuracy",9} {"macro",9} {"log loss",9} {"fit",8}");

    static void Report<T>(string name, MLContext mlContext, IEstimator<T> pipeline, DataOperationsCatalog.TrainTestData split) where T : class, ITransformer
    {
        var sw = Stopwatch.StartNew();
        var model = pipeline.Fit(split.TrainSet);
        var fit = sw.Elapsed;
        var m = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        Console.WriteLine($"{name,-36} {m.MicroAccuracy,9:P1} {m.MacroAccuracy,9:P1} {m.LogLoss,9:F3} {fit,8:mm\\:ss}");
        (model as IDisposable)?.Dispose();
    }
}
