using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Surface.Tests.TestTrainer;

namespace Microsoft.ML.Surface.Tests;

public class ModelTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static (ITransformer Model, IDataView Data) Train()
    {
        var rows = new[]
        {
            new FeatureRow { Label = "left", Features = [0, 0] },
            new FeatureRow { Label = "left", Features = [0, 1] },
            new FeatureRow { Label = "right", Features = [5, 5] },
            new FeatureRow { Label = "right", Features = [6, 5] },
        };
        var data = Ml.Data.LoadFromEnumerable(rows);
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.MulticlassClassification.Trainers.NearestCentroid())
            .Append(Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        return (pipeline.Fit(data), data);
    }

    public class Prediction
    {
        public string PredictedLabel = "";

        public float[] Score = [];
    }

    private static string TempFile() => Path.Combine(Directory.CreateTempSubdirectory("surface-model").FullName, "model.zip");

    [Fact]
    public void SaveLoad_GivesSamePredictionsAndSchema()
    {
        var (model, data) = Train();
        string path = TempFile();
        Ml.Model.Save(model, data.Schema, path);
        var loaded = Ml.Model.Load(path, out var schema);
        Assert.Equal(data.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));

        var before = Ml.Data.CreateEnumerable<Prediction>(model.Transform(data), false).ToList();
        var after = Ml.Data.CreateEnumerable<Prediction>(loaded.Transform(data), false).ToList();
        Assert.Equal(["left", "left", "right", "right"], before.Select(p => p.PredictedLabel));
        Assert.Equal(before.Select(p => p.PredictedLabel), after.Select(p => p.PredictedLabel));
        Assert.Equal(before.SelectMany(p => p.Score), after.SelectMany(p => p.Score));

        using var zip = ZipFile.OpenRead(path);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.True(names.IndexOf("Schema/schema.json") < names.IndexOf("Model/entry.json"));
        Assert.Contains("Model/Transformer_001/centroids.bin", names);
        Assert.Contains("Model/Transformer_001/entry.json", names);
    }

    [Fact]
    public void SaveLoad_ToStream()
    {
        var (model, data) = Train();
        using var stream = new MemoryStream();
        Ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = Ml.Model.Load(stream, out var schema);
        Assert.NotNull(schema);
        Assert.IsType<TransformerChain<ITransformer>>(loaded);
    }

    [Fact]
    public void PredictionEngine_OnChain_PredictsAndReusesOutput()
    {
        var (model, _) = Train();
        var engine = Ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model);
        Assert.Equal("right", engine.Predict(new FeatureRow { Label = "left", Features = [5, 6] }).PredictedLabel);
        var prediction = new Prediction();
        engine.Predict(new FeatureRow { Label = "left", Features = [0, 0.5f] }, ref prediction);
        Assert.Equal("left", prediction.PredictedLabel);
        Assert.Equal(1f, prediction.Score.Sum(), 3);
    }

    [Fact]
    public void TransformerChain_DisposesMembers()
    {
        var (model, _) = Train();
        var centroid = ((TransformerChain<Transforms.KeyToValueMappingTransformer>)model).OfType<NearestCentroidTransformer>().Single();
        ((IDisposable)model).Dispose();
        Assert.True(centroid.IsDisposed);
    }

    [Fact]
    public void Load_DamagedOrTruncatedZip_Throws()
    {
        var (model, data) = Train();
        string path = TempFile();
        Ml.Model.Save(model, data.Schema, path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => Ml.Model.Load(path, out _));

        File.WriteAllBytes(path, [1, 2, 3, 4]);
        var error = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(path, out _));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_MissingEntryFile_NamesEntry()
    {
        var (model, data) = Train();
        using var stream = new MemoryStream();
        Ml.Model.Save(model, data.Schema, stream);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry("Model/Transformer_001/centroids.bin")!.Delete();
        }

        stream.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(stream, out _));
        Assert.Contains("Model/Transformer_001/", error.Message);
        Assert.Contains("centroids.bin", error.Message);
    }

    [Fact]
    public void Load_UnknownLoaderOrNewerVersion_NamesEntry()
    {
        using var unknown = new MemoryStream();
        Ml.Model.Save(new CustomTransformer("NoSuchLoader", 1), null, unknown);
        unknown.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(unknown, out _));
        Assert.Contains("Model/", error.Message);
        Assert.Contains("NoSuchLoader", error.Message);

        ModelLoaderRegistry.Register("CustomV1", 1, ctx => new CustomTransformer("CustomV1", ctx.FormatVersion));
        using var newer = new MemoryStream();
        Ml.Model.Save(new CustomTransformer("CustomV1", 2), null, newer);
        newer.Position = 0;
        error = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(newer, out _));
        Assert.Contains("Model/", error.Message);
        Assert.Contains("version 2", error.Message);

        using var current = new MemoryStream();
        Ml.Model.Save(new CustomTransformer("CustomV1", 1), null, current);
        current.Position = 0;
        Assert.IsType<CustomTransformer>(Ml.Model.Load(current, out var schema));
        Assert.Null(schema);
        Assert.True(ModelLoaderRegistry.IsRegistered(NearestCentroidTransformer.LoaderName)); // found through [assembly: ModelLoader]
    }

    [Fact]
    public void Save_FailureLeavesExistingFileIntactAndNoTempFile()
    {
        var (model, data) = Train();
        string path = TempFile();
        Ml.Model.Save(model, data.Schema, path);
        var original = File.ReadAllBytes(path);

        Assert.Throws<InvalidOperationException>(() => Ml.Model.Save(new CustomTransformer("Broken", 1, fail: true), null, path));
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    private sealed class CustomTransformer(string loader, int version, bool fail = false) : ITransformer
    {
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IDataView Transform(IDataView input) => input;

        public void Save(ModelSaveContext ctx)
        {
            ctx.SetVersionInfo(loader, version);
            ctx.WriteText("note.txt", "hello");
            if (fail)
            {
                throw new InvalidOperationException("Simulated failure while saving.");
            }
        }
    }
}
