using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests;

public class EvaluationTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static IDataView Scored() => Ml.Data.LoadFromEnumerable(new[]
    {
        new KeyedRow { Label = 1, Score = [0.7f, 0.2f, 0.1f], PredictedLabel = 1 },
        new KeyedRow { Label = 2, Score = [0.1f, 0.6f, 0.3f], PredictedLabel = 2 },
        new KeyedRow { Label = 3, Score = [0.2f, 0.5f, 0.3f], PredictedLabel = 2 },
        new KeyedRow { Label = 1, Score = [0.4f, 0.45f, 0.15f], PredictedLabel = 2 },
        new KeyedRow { Label = 0, Score = [0.4f, 0.45f, 0.15f], PredictedLabel = 2 }, // missing label: skipped
    });

    [Fact]
    public void Evaluate_MatchesHandComputedMetrics()
    {
        var metrics = Ml.MulticlassClassification.Evaluate(Scored(), topKPredictionCount: 2);
        Assert.Equal(0.5, metrics.MicroAccuracy, 10);
        Assert.Equal((0.5 + 1 + 0) / 3, metrics.MacroAccuracy, 10);

        double logLoss = (-Math.Log(0.7f) - Math.Log(0.6f) - Math.Log(0.3f) - Math.Log(0.4f)) / 4;
        Assert.Equal(logLoss, metrics.LogLoss, 6);
        double prior = -((0.5 * Math.Log(0.5)) + (2 * 0.25 * Math.Log(0.25)));
        Assert.Equal((prior - logLoss) / prior, metrics.LogLossReduction, 6);

        Assert.Equal(2, metrics.TopKPredictionCount);
        Assert.Equal(1.0, metrics.TopKAccuracy, 10);
        Assert.Equal([0.5, 1.0], metrics.TopKAccuracyForAllK!);
        Assert.Equal((-Math.Log(0.7f) - Math.Log(0.4f)) / 2, metrics.PerClassLogLoss[0], 6);
        Assert.Equal(-Math.Log(0.3f), metrics.PerClassLogLoss[2], 6);

        var matrix = metrics.ConfusionMatrix;
        Assert.Equal(3, matrix.NumberOfClasses);
        Assert.Equal([1.0, 1.0, 0.0], matrix.Counts[0]);
        Assert.Equal(1.0, matrix.GetCountForClassPair(predictedClassIndex: 1, actualClassIndex: 2));
        Assert.Equal([0.5, 1.0, 0.0], matrix.PerClassRecall);
        Assert.Equal(1.0 / 3, matrix.PerClassPrecision[1], 10);
    }

    [Fact]
    public void Evaluate_WithoutTopK_HasNoTopKValues()
    {
        var metrics = Ml.MulticlassClassification.Evaluate(Scored());
        Assert.Equal(0, metrics.TopKAccuracy);
        Assert.Null(metrics.TopKAccuracyForAllK);
    }

    [Fact]
    public void Evaluate_ClipsZeroProbabilityAtEpsilon()
    {
        var data = Ml.Data.LoadFromEnumerable(new[] { new KeyedRow { Label = 2, Score = [1f, 0f, 0f], PredictedLabel = 1 } });
        var metrics = Ml.MulticlassClassification.Evaluate(data);
        Assert.Equal(-Math.Log(1e-15), metrics.LogLoss, 6);
    }

    [Fact]
    public void ConfusionTable_IsFormattedLikeMlNet()
    {
        var table = Ml.MulticlassClassification.Evaluate(Scored()).ConfusionMatrix.GetFormattedConfusionTable();
        string nl = Environment.NewLine;
        string expected = nl
            + "Confusion table" + nl
            + "          ||========================" + nl
            + "PREDICTED ||     0 |     1 |     2 | Recall" + nl
            + "TRUTH     ||========================" + nl
            + "        0 ||     1 |     1 |     0 | 0.5000" + nl
            + "        1 ||     0 |     1 |     0 | 1.0000" + nl
            + "        2 ||     0 |     1 |     0 | 0.0000" + nl
            + "          ||========================" + nl
            + "Precision ||1.0000 |0.3333 |0.0000 |" + nl;
        Assert.Equal(expected, table);
    }

    private static int CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor([]);
        int count = 0;
        while (cursor.MoveNext())
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void CrossValidate_GivesOneResultPerFoldCoveringAllRows()
    {
        string dir = Directory.CreateTempSubdirectory("surface-cv").FullName;
        string path = Path.Combine(dir, "iris.csv");
        File.WriteAllLines(path, SampleData.IrisLines(20));
        var data = Ml.Data.LoadFromTextFile<IrisSample.IrisData>(path, ',', hasHeader: true);
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.Concatenate("Features", "SepalLength", "SepalWidth", "PetalLength", "PetalWidth"))
            .Append(Ml.MulticlassClassification.Trainers.NearestCentroid());
        var results = Ml.MulticlassClassification.CrossValidate(data, pipeline, numberOfFolds: 3, seed: 2);
        Assert.Equal([0, 1, 2], results.Select(r => r.Fold));
        Assert.Equal(60, results.Sum(r => CountRows(r.ScoredHoldOutSet)));
        Assert.All(results, r => Assert.True(r.Metrics.MicroAccuracy > 0.8));
    }
}
