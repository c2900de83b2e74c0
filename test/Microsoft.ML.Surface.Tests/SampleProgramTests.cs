using Microsoft.ML;
using Microsoft.ML.Data;

// Written exactly as an ML.NET sample: only the two ML.NET namespaces are imported, outside Microsoft.ML.*.
namespace IrisSample;

public class IrisData
{
    [LoadColumn(0)]
    public float SepalLength;

    [LoadColumn(1)]
    public float SepalWidth;

    [LoadColumn(2)]
    public float PetalLength;

    [LoadColumn(3)]
    public float PetalWidth;

    [LoadColumn(4)]
    public string Label = "";
}

public class IrisPrediction
{
    [ColumnName("PredictedLabel")]
    public string PredictedSpecies = "";

    public float[] Score = [];
}

public class SampleProgramTests
{
    [Fact]
    public void MlNetStyleProgram_TrainsEvaluatesSavesLoadsAndPredicts()
    {
        string dir = Directory.CreateTempSubdirectory("surface-sample").FullName;
        string dataPath = Path.Combine(dir, "iris.csv");
        File.WriteAllLines(dataPath, Microsoft.ML.Surface.Tests.SampleData.IrisLines());
        string modelPath = Path.Combine(dir, "model.zip");

        var mlContext = new MLContext(seed: 0);
        var messages = new List<string>();
        mlContext.Log += (_, e) => messages.Add(e.Message);

        IDataView data = mlContext.Data.LoadFromTextFile<IrisData>(dataPath, separatorChar: ',', hasHeader: true);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.3, seed: 1);

        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.Concatenate("Features", "SepalLength", "SepalWidth", "PetalLength", "PetalWidth"))
            .AppendCacheCheckpoint(mlContext)
            .Append(mlContext.MulticlassClassification.Trainers.NearestCentroid())
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var model = pipeline.Fit(split.TrainSet);
        var predictions = model.Transform(split.TestSet);
        var metrics = mlContext.MulticlassClassification.Evaluate(predictions);

        Assert.True(metrics.MicroAccuracy > 0.9, $"MicroAccuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.LogLossReduction > 0);
        Assert.Contains("Confusion table", metrics.ConfusionMatrix.GetFormattedConfusionTable());
        Assert.Contains(messages, m => m.Contains("NearestCentroidTrainer"));

        mlContext.Model.Save(model, data.Schema, modelPath);
        var loaded = mlContext.Model.Load(modelPath, out DataViewSchema inputSchema);
        Assert.Equal(data.Schema.Count, inputSchema.Count);

        var engine = mlContext.Model.CreatePredictionEngine<IrisData, IrisPrediction>(loaded);
        var setosa = engine.Predict(new IrisData { SepalLength = 5.1f, SepalWidth = 3.5f, PetalLength = 1.4f, PetalWidth = 0.2f });
        Assert.Equal("setosa", setosa.PredictedSpecies);
        Assert.Equal(3, setosa.Score.Length);

        var original = mlContext.Data.CreateEnumerable<IrisPrediction>(predictions, reuseRowObject: false).ToList();
        var reloaded = mlContext.Data.CreateEnumerable<IrisPrediction>(loaded.Transform(split.TestSet), reuseRowObject: false).ToList();
        Assert.Equal(original.Select(p => p.PredictedSpecies), reloaded.Select(p => p.PredictedSpecies));
        Assert.Equal(original.SelectMany(p => p.Score), reloaded.SelectMany(p => p.Score));
    }
}
