using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet.Trainers.Tests;

public class ImageRow
{
    [LoadColumn(0)] public string ImagePath = "";
    [LoadColumn(1)] public string Label = "";
}

public class ImagePrediction
{
    [ColumnName("PredictedLabel")] public string Predicted = "";
    public float[] Score = [];
}

/// <summary>Fashion-MNIST images written as PNG files in a folder and listed in TSV files (train and test), the way a
/// user's data looks; then one WideNet model trained on them through the public ML.NET API.</summary>
public sealed class ImageFolderFixture : IDisposable
{
    public const int TrainCount = 1500, TestCount = 300;
    public string Folder { get; } = Directory.CreateTempSubdirectory("widenet-images").FullName;
    public string TrainTsv => Path.Combine(Folder, "train.tsv");
    public string TestTsv => Path.Combine(Folder, "test.tsv");
    public MLContext Context { get; } = new(seed: 1);
    public List<string> Log { get; } = new();
    public ITransformer Model { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }

    public ImageFolderFixture()
    {
        Write(train: true, TrainCount, TrainTsv);
        Write(train: false, TestCount, TestTsv);
        Context.Log += (_, e) => { lock (Log) Log.Add(e.Message); };
        Train = Context.Data.LoadFromTextFile<ImageRow>(TrainTsv, hasHeader: true);
        Test = Context.Data.LoadFromTextFile<ImageRow>(TestTsv, hasHeader: true);
        Model = Pipeline(Context, Folder, new WideNetImageClassificationTrainer.Options { Seed = 3, MaxEpochs = 10 }).Fit(Train);
    }

    public static IEstimator<ITransformer> Pipeline(MLContext ml, string folder, WideNetImageClassificationTrainer.Options options) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
          .Append(ml.Transforms.LoadRawImageBytes("Image", folder, "ImagePath"))
          .Append(ml.MulticlassClassification.Trainers.WideNet(options))
          .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    void Write(bool train, int count, string tsv)
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train);
        var lines = new List<string> { "ImagePath\tLabel" };
        for (var i = 0; i < count; i++)
        {
            var name = $"{(train ? "train" : "test")}-{i:D5}.png";
            File.WriteAllBytes(Path.Combine(Folder, name), TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1));
            lines.Add($"{name}\t{IdxReader.FashionMnistClasses[labels[i]]}");
        }
        File.WriteAllLines(tsv, lines);
    }

    public void Dispose()
    {
        (Model as IDisposable)?.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

public class ImageEndToEndTests(ImageFolderFixture data) : IClassFixture<ImageFolderFixture>
{
    /// <summary>The fitted pipeline without its final MapKeyToValue (PredictedLabel stays a key, for Evaluate).</summary>
    internal static ITransformer UpToTrainer(ITransformer chain) =>
        new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)chain).Take(3).ToArray());

    static WideNetImageClassificationTransformer Trained(ITransformer chain) =>
        ((IEnumerable<ITransformer>)chain).OfType<WideNetImageClassificationTransformer>().Single();

    [Fact]
    public void FitLearnsAndEvaluatesOnHeldOutImages()
    {
        var metrics = data.Context.MulticlassClassification.Evaluate(UpToTrainer(data.Model).Transform(data.Test));
        // 1,350 training images (10% held out for validation), 4 epochs of WideNet-Tiny: chance is 10%.
        Assert.True(metrics.MicroAccuracy > 0.5, $"test accuracy {metrics.MicroAccuracy:P1}");
        Assert.Equal(10, metrics.PerClassLogLoss.Count);
        var model = Trained(data.Model);
        Assert.Equal(ModelArchitecture.WideNet, model.Architecture);
        Assert.NotNull(model.TrainingResult);
        Assert.InRange(model.TrainingResult!.History.Count, 1, 10);
        Assert.Equal(IdxReader.FashionMnistClasses.OrderBy(c => c, StringComparer.Ordinal), model.ClassNames.OrderBy(c => c, StringComparer.Ordinal));
        lock (data.Log)
        {
            Assert.Contains(data.Log, m => m.Contains("epoch 1/10") && m.Contains("loss"));
            Assert.Contains(data.Log, m => m.Contains("holding out"));
        }
    }

    [Fact]
    public void ScoreHasClassNamesAsSlotNamesAndPredictedLabelCarriesKeyValues()
    {
        var model = Trained(data.Model);
        var schema = UpToTrainer(data.Model).Transform(data.Test).Schema;
        var score = schema["Score"];
        Assert.Equal(10, ((VectorDataViewType)score.Type).Size);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        score.GetSlotNames(ref slots);
        Assert.Equal(model.ClassNames, slots.DenseValues().Select(s => s.ToString()));
        var predicted = schema["PredictedLabel"];
        Assert.IsType<KeyDataViewType>(predicted.Type);
        VBuffer<ReadOnlyMemory<char>> keys = default;
        predicted.GetKeyValues(ref keys);
        Assert.Equal(model.ClassNames, keys.DenseValues().Select(s => s.ToString()));
    }

    [Fact]
    public void SaveLoadGivesIdenticalScoresAndPredictionEngineMatchesBatchScoring()
    {
        var path = Path.Combine(data.Folder, "model.zip");
        data.Context.Model.Save(data.Model, data.Train.Schema, path);
        var before = data.Context.Data.CreateEnumerable<ImagePrediction>(data.Model.Transform(data.Test), reuseRowObject: false).ToList();
        var loaded = data.Context.Model.Load(path, out var schema);
        try
        {
            Assert.Equal(data.Train.Schema.Count, schema.Count);
            var after = data.Context.Data.CreateEnumerable<ImagePrediction>(loaded.Transform(data.Test), reuseRowObject: false).ToList();
            Assert.Equal(before.SelectMany(p => p.Score), after.SelectMany(p => p.Score));   // bit-identical
            Assert.Equal(before.Select(p => p.Predicted), after.Select(p => p.Predicted));
            Assert.All(after, p => Assert.Equal(1.0, p.Score.Sum(), 3));

            var engine = data.Context.Model.CreatePredictionEngine<ImageRow, ImagePrediction>(loaded);
            var first = File.ReadLines(data.TestTsv).Skip(1).First().Split('\t');
            var one = engine.Predict(new ImageRow { ImagePath = first[0] });   // no label needed
            Assert.Equal(before[0].Predicted, one.Predicted);
            for (var c = 0; c < 10; c++) Assert.Equal(before[0].Score[c], one.Score[c], 5);
        }
        finally { (loaded as IDisposable)?.Dispose(); }

        using var typed = WideNetImageClassificationTransformer.Load(data.Context, path, out _);
        Assert.Equal(28, typed.ImageSize);
        Assert.Equal(Trained(data.Model).ParameterCount, typed.ParameterCount);
    }

    /// <summary>Small data trains with random crops and flips, so scoring averages 10 views by default: the image,
    /// four 1-pixel shifts (black fill) and the mirror of each. Checked against views made here, pixel by pixel, each
    /// run through the network alone.</summary>
    [Fact]
    public void ScoresAreTheMeanOverShiftedAndMirroredViewsAndTheViewsAreSaved()
    {
        var model = Trained(data.Model);
        Assert.Equal(new TestTimeViews(Flip: true, Shift: 1), model.TestTimeViews);
        lock (data.Log) Assert.Contains(data.Log, m => m.Contains("TestTimeAugmentation automatic: on, 10 views (1-pixel shifts, mirrored)"));
        const int n = 6;
        var scores = data.Context.Data.CreateEnumerable<ImagePrediction>(data.Model.Transform(data.Context.Data.TakeRows(data.Test, n)), reuseRowObject: false)
                         .Select(p => p.Score).ToList();
        var (images, _) = IdxReader.LoadFashionMnist(train: false);
        var network = model.Network;
        for (var i = 0; i < n; i++)
        {
            var mean = new double[10];
            foreach (var (dx, dy) in new[] { (0, 0), (1, 0), (-1, 0), (0, 1), (0, -1) })
                foreach (var mirror in new[] { false, true })
                {
                    var view = new float[784];
                    for (var y = 0; y < 28; y++)
                        for (var x = 0; x < 28; x++)
                        {
                            int sy = y - dy, sx = x - dx;
                            var pixel = sy is >= 0 and < 28 && sx is >= 0 and < 28 ? images.Data[i * 784 + sy * 28 + sx] : 0;
                            view[y * 28 + (mirror ? 27 - x : x)] = (pixel / 255f - 0.5f) / 0.5f;
                        }
                    using var scope = global::WideNet.Torch.torch.NewDisposeScope();
                    using var inference = global::WideNet.Torch.torch.inference_mode();
                    var probabilities = network.forward(global::WideNet.Torch.torch.tensor(view).reshape(1, 1, 28, 28)).Logits.softmax(1).ToArray<float>();
                    for (var c = 0; c < 10; c++) mean[c] += probabilities[c] / 10;
                }
            for (var c = 0; c < 10; c++) Assert.True(Math.Abs(mean[c] - scores[i][c]) < 1e-5, $"image {i}, class {c}: views {mean[c]:G6}, Score {scores[i][c]:G6}");
        }

        var path = Path.Combine(data.Folder, "views.zip");
        data.Context.Model.Save(data.Model, data.Train.Schema, path);
        using var loaded = WideNetImageClassificationTransformer.Load(data.Context, path, out _);
        Assert.Equal(model.TestTimeViews, loaded.TestTimeViews);
    }

    [Fact]
    public void BatchSizeDoesNotChangeScores()
    {
        var model = Trained(data.Model);
        var upstream = new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)data.Model).Take(2).ToArray());

        var input = upstream.Transform(data.Test);
        float[] Scores(int batch)
        {
            model.BatchSize = batch;
            var view = model.Transform(input);
            using var cursor = view.GetRowCursor(new[] { view.Schema["Score"] });
            var g = cursor.GetGetter<VBuffer<float>>(view.Schema["Score"]);
            var all = new List<float>();
            VBuffer<float> v = default;
            while (cursor.MoveNext()) { g(ref v); all.AddRange(v.DenseValues()); }
            return all.ToArray();
        }
        var a = Scores(64);
        var b = Scores(7);
        model.BatchSize = 64;
        Assert.Equal(ImageFolderFixture.TestCount * 10, a.Length);
        for (var i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5, $"score {i}: {a[i]} vs {b[i]}");
    }
}
