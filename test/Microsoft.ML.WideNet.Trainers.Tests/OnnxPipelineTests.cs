using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Onnx;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>Trained models exported through the public API and run where users run them: ML.NET's
/// LoadImages → ResizeImages → ExtractPixels → ApplyOnnxModel, and ONNX Runtime with the saved tokenizer.</summary>
public sealed class OnnxPipelineTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("widenet-onnx").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>PNG files in the temp folder, listed as rows (path, label).</summary>
    List<ImageRow> Files(string prefix, IEnumerable<(byte[] png, string label)> images) =>
        images.Select((x, i) =>
        {
            var name = $"{prefix}-{i:D4}.png";
            File.WriteAllBytes(Path.Combine(_folder, name), x.png);
            return new ImageRow { ImagePath = name, Label = x.label };
        }).ToList();

    static IEnumerable<(byte[], string)> Fashion(bool train, int count)
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train);
        for (var i = 0; i < count; i++)
            yield return (TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1), IdxReader.FashionMnistClasses[labels[i]]);
    }

    /// <summary>16×16 colour images whose class is the brightest channel, with noise.</summary>
    static IEnumerable<(byte[], string)> Colours(int count, int seed)
    {
        var r = new Random(seed);
        string[] names = ["red", "green", "blue"];
        for (var i = 0; i < count; i++)
        {
            var c = r.Next(3);
            var pixels = new byte[16 * 16 * 3];
            for (var p = 0; p < 16 * 16; p++)
                for (var ch = 0; ch < 3; ch++)
                    pixels[p * 3 + ch] = (byte)Math.Clamp((ch == c ? 150 : 60) + r.Next(-50, 50), 0, 255);
            yield return (TestPng.Encode(pixels, 16, 16, 3), names[c]);
        }
    }

    static int ArgMax(float[] v) => Array.IndexOf(v, v.Max());

    /// <summary>Trains on MLImage input, exports, and compares ApplyOnnxModel's classes (and probabilities) with ours.</summary>
    void PipelinesAgree(List<ImageRow> train, List<ImageRow> test, int size, ModelArchitecture architecture, ImagePixelExtractingEstimator.ColorBits colours,
                        bool views = false)
    {
        var ml = new MLContext(seed: 0);
        var load = ml.Transforms.LoadImages("Image", _folder, nameof(ImageRow.ImagePath));
        var options = new WideNetImageClassificationTrainer.Options
        {
            Architecture = architecture, MaxEpochs = 2, BatchSize = 16, HiddenSize = 32, NumHeads = 2, NumLayers = 2, FeedForwardSize = 32,
            Seed = 1, HorizontalFlip = views, RandomCrop = views, LearningRate = 3e-3, ValidationFraction = 0,
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(load).Append(ml.MulticlassClassification.Trainers.WideNet(options));
        using var model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        var classifier = model.LastTransformer;
        var onnxPath = Path.Combine(_folder, $"{architecture}.onnx");
        classifier.ExportToOnnx(onnxPath);

        // Ours: PredictedLabel keys (1-based) and scores. ApplyOnnxModel runs one row at a time; expert-choice routing
        // depends on the batch, so ours scores one row per pass too.
        classifier.BatchSize = 1;
        var testView = ml.Data.LoadFromEnumerable(test);
        var ours = model.Transform(testView);
        var ourKeys = ours.GetColumn<uint>("PredictedLabel").ToArray();
        var ourScores = ours.GetColumn<float[]>("Score").ToArray();

        // ML.NET's own ONNX path, as a user without LibTorch writes it.
        var onnxPipeline = ml.Transforms.LoadImages("Image", _folder, nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", size, size))
            .Append(ml.Transforms.ExtractPixels(OnnxExporter.PixelsInput, "Image", colorsToExtract: colours))
            .Append(ml.Transforms.ApplyOnnxModel(OnnxExporter.ProbabilitiesOutput, OnnxExporter.PixelsInput, onnxPath));
        using var onnxModel = onnxPipeline.Fit(testView);
        var theirs = onnxModel.Transform(testView).GetColumn<float[]>(OnnxExporter.ProbabilitiesOutput).ToArray();

        Assert.Equal(test.Count, theirs.Length);
        Assert.Equal(ourKeys.Select(k => (int)k - 1), theirs.Select(ArgMax));
        var diff = ourScores.Zip(theirs, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(diff <= 1e-4, $"max |ApplyOnnxModel − Score| = {diff:G3}");
        Assert.True(ourKeys.Distinct().Count() > 1, "the model predicts one class only: the comparison would prove little");

        using var session = new InferenceSession(onnxPath);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(classifier.ClassNames, JsonSerializer.Deserialize<string[]>(meta["class_names"]));
        Assert.Equal(size.ToString(), meta["image_size"]);
        Assert.Equal(views ? "10" : "1", meta["test_time_views"]);
        Assert.Equal(views ? 10 : 1, classifier.TestTimeViews?.Count ?? 1);
        Assert.Equal(classifier.Channels.ToString(), meta["channels"]);
        Assert.Equal(new[] { -1, classifier.Channels, size, size }, session.InputMetadata[OnnxExporter.PixelsInput].Dimensions);
        using (var f = File.OpenRead(onnxPath))
            Assert.True(OnnxExporter.Read(f).OpsetImport.Single(o => o.Domain == "").Version >= 17);
    }

    [Fact]
    public void GreyFashionModelRunsInApplyOnnxModelWithTheSamePredictions() =>
        PipelinesAgree(Files("train", Fashion(train: true, 240)), Files("test", Fashion(train: false, 40)), 28, ModelArchitecture.WideNet,
                       ImagePixelExtractingEstimator.ColorBits.Red);   // one channel of a grey image

    [Fact]
    public void RgbBrainformerRunsInApplyOnnxModelWithTheSamePredictions() =>
        PipelinesAgree(Files("train", Colours(240, 1)), Files("test", Colours(40, 2)), 16, ModelArchitecture.Brainformer,
                       ImagePixelExtractingEstimator.ColorBits.Rgb);   // ExtractPixels' defaults: planar R, G, B in 0–255

    /// <summary>Trained with crops and flips, the model averages 10 views when scoring; the graph builds the same views
    /// (zero padding, slices, a reversed width) and averages the same probabilities.</summary>
    [Fact]
    public void TestTimeViewsAreInTheOnnxGraph() =>
        PipelinesAgree(Files("train", Fashion(train: true, 240)), Files("test", Fashion(train: false, 40)), 28, ModelArchitecture.WideNet,
                       ImagePixelExtractingEstimator.ColorBits.Red, views: true);

    /// <summary>The same for three channels and expert-choice routing (all views of a row routed in one pass, both sides).</summary>
    [Fact]
    public void TestTimeViewsOfRgbImagesAreInTheOnnxGraphOfBrainformer() =>
        PipelinesAgree(Files("train", Colours(240, 1)), Files("test", Colours(40, 2)), 16, ModelArchitecture.Brainformer,
                       ImagePixelExtractingEstimator.ColorBits.Rgb, views: true);

    [Fact]
    public void TextModelRunsInOnnxRuntimeWithTheSavedTokenizer()
    {
        var ml = new MLContext(seed: 0);
        var (train, test) = TextEndToEndTests.Data();
        var options = new WideNetTextClassificationTrainer.Options
        {
            MaxEpochs = 1, HiddenSize = 32, NumHeads = 2, NumLayers = 2, FeedForwardSize = 32, VocabularySize = 600, MaxSequenceLength = 48, Seed = 2,
        };
        using var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(options))
                            .Fit(ml.Data.LoadFromEnumerable(train));
        var classifier = model.LastTransformer;
        var rows = test.Take(9).ToList();
        var ourScores = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();

        // The README's recipe: encode with the tokenizer saved in the model, pad to the longest text, run the graph.
        using var onnx = new MemoryStream();
        classifier.ExportToOnnx(onnx);
        var encoded = rows.Select(r => classifier.Tokenizer.Encode(r.Sentence1, classifier.MaxSequenceLength, pad: false)).ToArray();
        var length = encoded.Max(e => e.Ids.Length);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < encoded[i].Ids.Length; j++) { ids[i * length + j] = encoded[i].Ids[j]; mask[i * length + j] = encoded[i].AttentionMask[j] ? 1 : 0; }
        using var session = new InferenceSession(onnx.ToArray());
        var dims = new[] { rows.Count, length };
        using var results = session.Run([
            NamedOnnxValue.CreateFromTensor(OnnxExporter.IdsInput, new DenseTensor<long>(ids, dims)),
            NamedOnnxValue.CreateFromTensor(OnnxExporter.MaskInput, new DenseTensor<long>(mask, dims))]);
        var probabilities = results.Single().AsTensor<float>().ToArray();
        var k = classifier.ClassCount;
        var diff = Enumerable.Range(0, rows.Count).SelectMany(i => Enumerable.Range(0, k).Select(j => Math.Abs(ourScores[i][j] - probabilities[i * k + j]))).Max();
        Assert.True(diff <= 1e-4, $"max |ONNX − Score| = {diff:G3}");
        Assert.Equal(classifier.MaxSequenceLength.ToString(), session.ModelMetadata.CustomMetadataMap["max_length"]);
    }

    [Fact]
    public void ExportReplacesAFileWholeAndLeavesNoTemporaryFiles()
    {
        var ml = new MLContext(seed: 0);
        var train = Files("t", Colours(48, 3));
        var options = new WideNetImageClassificationTrainer.Options { MaxEpochs = 1, BatchSize = 16, HiddenSize = 16, NumHeads = 2, NumLayers = 1, FeedForwardSize = 16, Seed = 1 };
        using var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.LoadImages("Image", _folder, nameof(ImageRow.ImagePath)))
                            .Append(ml.MulticlassClassification.Trainers.WideNet(options)).Fit(ml.Data.LoadFromEnumerable(train));
        var path = Path.Combine(_folder, "model.onnx");
        File.WriteAllText(path, new string('x', 10_000_000));            // an older, larger file
        model.LastTransformer.ExportToOnnx(path);
        using (var session = new InferenceSession(path)) Assert.Single(session.OutputMetadata);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        Assert.Empty(Directory.GetFiles(_folder, ".*"));
        using var closed = new MemoryStream();
        closed.Close();
        Assert.Throws<ArgumentException>(() => model.LastTransformer.ExportToOnnx(closed));
    }
}
