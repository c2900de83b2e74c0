using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;

namespace Microsoft.ML.WideNet.Trainers.Tests;

public class BytesRow
{
    [VectorType] public byte[] Image = [];
    public string Label = "";
}

public class TextRow
{
    public string Sentence1 = "";
    public string Label = "";
}

/// <summary>Every kind of bad input gives a .NET exception that names the column, row or file and says what to do.</summary>
public class BadInputTests
{
    static readonly MLContext Ml = new(seed: 0);

    static byte[] Png(int seed) => TestPng.Encode(Enumerable.Range(0, 64).Select(i => (byte)((i * 7 + seed * 31) % 256)).ToArray(), 8, 8, 1);

    static IDataView Images(int rows, Func<int, byte[]>? image = null, Func<int, string>? label = null) =>
        Ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new BytesRow { Image = (image ?? Png)(i), Label = (label ?? (j => $"c{j % 2}"))(i) }).ToList());

    static IDataView Keyed(IDataView data) => Ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);

    static WideNetImageClassificationTrainer Quick(Action<WideNetImageClassificationTrainer.Options>? change = null)
    {
        var o = new WideNetImageClassificationTrainer.Options { MaxEpochs = 1, BatchSize = 8, HiddenSize = 16, NumHeads = 2, NumLayers = 1, FeedForwardSize = 16, Seed = 0 };
        change?.Invoke(o);
        return Ml.MulticlassClassification.Trainers.WideNet(o);
    }

    [Fact]
    public void MissingColumnsAreNamedWithTheColumnsThereAre()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Quick(o => o.ImageColumnName = "Picture").Fit(Keyed(Images(20))));
        Assert.Contains("'Picture'", e.Message);
        Assert.Contains("'Image'", e.Message);
        var l = Assert.Throws<ArgumentOutOfRangeException>(() => Quick(o => o.LabelColumnName = "Class").Fit(Keyed(Images(20))));
        Assert.Contains("label column 'Class' not found", l.Message);
        var t = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.MulticlassClassification.Trainers.WideNetTextClassification(sentence1ColumnName: "Body")
                                                                     .Fit(Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Texts()).Transform(Texts())));
        Assert.Contains("'Body'", t.Message);
    }

    [Fact]
    public void NonKeyLabelSaysToAddMapValueToKey()
    {
        var e = Assert.Throws<ArgumentException>(() => Quick().Fit(Images(20)));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("MapValueToKey", e.Message);
    }

    [Fact]
    public void WrongColumnTypesAreNamed()
    {
        // Text where image bytes are expected.
        var texts = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Texts()).Transform(Texts());
        var e = Assert.ThrowsAny<ArgumentException>(() => Quick(o => o.ImageColumnName = "Sentence1").Fit(texts));
        Assert.Contains("'Sentence1'", e.Message);
        Assert.Contains("LoadRawImageBytes", e.Message);
        // Bytes where text is expected.
        var t = Assert.ThrowsAny<ArgumentException>(() => Ml.MulticlassClassification.Trainers.WideNetTextClassification(sentence1ColumnName: "Image").Fit(Keyed(Images(20))));
        Assert.Contains("'Image'", t.Message);
        Assert.Contains("text", t.Message);
        // Pixels without their geometry.
        var pixels = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new PixelRow { Pixels = new float[48], Label = $"c{i % 2}" }).ToList());
        var p = Assert.Throws<ArgumentException>(() => Quick(o => o.ImageColumnName = "Pixels").Fit(Ml.Transforms.Conversion.MapValueToKey("Label").Fit(pixels).Transform(pixels)));
        Assert.Contains("ImageWidth", p.Message);
    }

    [Fact]
    public void CorruptAndTruncatedImagesNameTheRow()
    {
        var good = Png(1);
        var data = Keyed(Images(20, i => i == 13 ? good[..(good.Length / 2)] : i == 5 ? new byte[] { 1, 2, 3, 4 } : Png(i)));
        var e = Assert.Throws<InvalidDataException>(() => Quick(o => o.ValidationFraction = 0).Fit(data));
        Assert.Contains("column 'Image'", e.Message);
        Assert.Matches("row (6|14)", e.Message);
    }

    [Fact]
    public void EmptyDataAndASingleClassAreRejected()
    {
        var empty = Assert.Throws<InvalidOperationException>(() => Quick().Fit(Keyed(Images(0))));
        Assert.Contains("empty", empty.Message);
        var single = Assert.Throws<InvalidOperationException>(() => Quick().Fit(Keyed(Images(12, label: _ => "only"))));
        Assert.Contains("single class", single.Message);
        Assert.Contains("'only'", single.Message);
    }

    [Fact]
    public void ArchitectureMustFitTheTask()
    {
        var e = Assert.Throws<ArgumentException>(() => Ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options { Architecture = ModelArchitecture.Albert }));
        Assert.Contains("Albert", e.Message);
        Assert.Contains("image", e.Message);
        Assert.Throws<ArgumentException>(() => Ml.MulticlassClassification.Trainers.WideNet(new WideNetTextClassificationTrainer.Options { Architecture = ModelArchitecture.ViT }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options { MaxEpochs = 0 }));
    }

    [Fact]
    public void FitNeverChangesTheOptions()
    {
        var o = new WideNetImageClassificationTrainer.Options { MaxEpochs = 1, BatchSize = 8, HiddenSize = 16, NumHeads = 2, NumLayers = 1, FeedForwardSize = 16 };
        var trainer = Ml.MulticlassClassification.Trainers.Brainformer(o);
        Assert.Equal(ModelArchitecture.WideNet, o.Architecture);
        Assert.Equal(ModelArchitecture.Brainformer, trainer.TrainerOptions.Architecture);
        using var model = trainer.Fit(Keyed(Images(24)));
        Assert.Equal(0, o.ImageSize);
        Assert.Null(o.Seed);
        Assert.Equal(ModelArchitecture.Brainformer, model.Architecture);
        Assert.Equal(8, model.ImageSize);
    }

    [Fact]
    public void ModelFilesFromElsewhereOrDamagedFailClearly()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-bad").FullName;
        var data = Keyed(Images(24));
        using var model = Quick().Fit(data);
        var good = Path.Combine(dir, "image.zip");
        Ml.Model.Save(model, data.Schema, good);

        // Another estimator's zip (a key mapping) through the typed loader.
        var other = Path.Combine(dir, "other.zip");
        Ml.Model.Save(Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Images(4)), null, other);
        var e = Assert.Throws<InvalidDataException>(() => WideNetImageClassificationTransformer.Load(Ml, other, out _));
        Assert.Contains("other.zip", e.Message);
        Assert.Contains("not a WideNet image classifier", e.Message);

        // An image model where a text model is expected.
        var t = Assert.Throws<InvalidDataException>(() => WideNetTextClassificationTransformer.Load(Ml, good, out _));
        Assert.Contains("not a WideNet text classifier", t.Message);

        // Damaged weights inside the zip.
        var damaged = Path.Combine(dir, "damaged.zip");
        File.Copy(good, damaged);
        using (var zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(x => x.FullName.EndsWith("weights.safetensors", StringComparison.Ordinal));
            var name = entry.FullName;
            entry.Delete();
            using var s = zip.CreateEntry(name).Open();
            s.Write(new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{' });
        }
        // ML.NET calls loaders by reflection: their exception arrives as the InnerException of a TargetInvocationException.
        var d = Assert.IsType<InvalidDataException>(Assert.Throws<System.Reflection.TargetInvocationException>(() => Ml.Model.Load(damaged, out _)).InnerException);
        Assert.Contains("weights.safetensors", d.Message);
        var typed = Assert.Throws<InvalidDataException>(() => WideNetImageClassificationTransformer.Load(Ml, damaged, out _));
        Assert.Contains("damaged.zip", typed.Message);
        Assert.Contains("weights.safetensors", typed.Message);

        // A truncated file.
        var truncated = Path.Combine(dir, "truncated.zip");
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Throws<FormatException>(() => Ml.Model.Load(truncated, out _));   // ML.NET: "Failed to open a zip archive"
        var cut = Assert.Throws<InvalidDataException>(() => ModelFiles.Load(Ml, truncated, out _));
        Assert.Contains("truncated.zip", cut.Message);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void ScoringChecksTheInputSchemaAndNeedsNoLabel()
    {
        var data = Keyed(Images(24));
        using var model = Quick().Fit(data);
        var noLabel = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(i => new ImageOnly { Image = Png(i) }).ToList());
        var scored = model.Transform(noLabel);
        using (var cursor = scored.GetRowCursor(new[] { scored.Schema["PredictedLabel"] }))
        {
            var get = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
            var rows = 0;
            uint key = 0;
            while (cursor.MoveNext()) { get(ref key); Assert.InRange(key, 1u, 2u); rows++; }
            Assert.Equal(5, rows);
        }
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(Texts()));
        Assert.Contains("'Image'", e.Message);
    }

    static IDataView Texts() => Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new TextRow { Sentence1 = $"text {i}", Label = $"c{i % 2}" }).ToList());
}

public class PixelRow
{
    [VectorType(48)] public float[] Pixels = [];
    public string Label = "";
}

public class ImageOnly
{
    [VectorType] public byte[] Image = [];
}
