using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Text;

namespace Microsoft.ML.WideNet.Trainers.Tests;

public class FortuneRow
{
    public string Sentence1 = "";
    public string Label = "";
}

public class FortunePrediction
{
    [ColumnName("PredictedLabel")] public string Predicted = "";
    public float[] Score = [];
}

/// <summary>Text classification of Debian fortunes through the public API: Fit → Evaluate → Save → Load → identical
/// scores → PredictionEngine.</summary>
public class TextEndToEndTests
{
    static readonly string[] Categories = { "linux", "food", "startrek" };

    internal static (List<FortuneRow> train, List<FortuneRow> test) Data()
    {
        var texts = FortunesLoader.Load().Where(t => Categories.Contains(t.Category)).ToList();
        var (train, test) = StratifiedSplit.Split(texts, 0.2, seed: 0);
        FortuneRow Row(LabeledText t) => new() { Sentence1 = t.Text, Label = t.Category };
        return (train.Select(Row).ToList(), test.Select(Row).ToList());
    }

    [Fact]
    public void FortunesFitEvaluateSaveLoadPredict()
    {
        var ml = new MLContext(seed: 0);
        var (trainRows, testRows) = Data();
        var train = ml.Data.LoadFromEnumerable(trainRows);
        var test = ml.Data.LoadFromEnumerable(testRows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.WideNet(new WideNetTextClassificationTrainer.Options
            {
                MaxEpochs = 6, MaxSequenceLength = 64, VocabularySize = 1000, NumLayers = 2, Seed = 1,
            }));
        using var model = (TransformerChain<WideNetTextClassificationTransformer>)pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        // Three categories (chance 33%), about 620 training texts.
        Assert.True(metrics.MicroAccuracy > 0.5, $"test accuracy {metrics.MicroAccuracy:P1}");
        var trained = model.LastTransformer;
        Assert.InRange(trained.Tokenizer.VocabularySize, ByteLevelBpeTokenizer.MinVocabularySize + 1, 1000);

        var path = Path.Combine(Directory.CreateTempSubdirectory("widenet-text").FullName, "fortunes.zip");
        ml.Model.Save(model, train.Schema, path);
        var toStrings = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(test));
        var withStrings = model.Append(toStrings);
        var before = ml.Data.CreateEnumerable<FortunePrediction>(withStrings.Transform(test), reuseRowObject: false).ToList();
        var loaded = ml.Model.Load(path, out _);
        var loadedWithStrings = ((TransformerChain<ITransformer>)loaded).Append(toStrings);
        var after = ml.Data.CreateEnumerable<FortunePrediction>(loadedWithStrings.Transform(test), reuseRowObject: false).ToList();
        Assert.Equal(before.SelectMany(p => p.Score), after.SelectMany(p => p.Score));
        Assert.Equal(before.Select(p => p.Predicted), after.Select(p => p.Predicted));
        Assert.All(after, p => Assert.Contains(p.Predicted, Categories));

        var engine = ml.Model.CreatePredictionEngine<FortuneRow, FortunePrediction>(loadedWithStrings);
        // Unseen characters (and an empty text) never fail: the tokenizer falls back to bytes.
        var odd = engine.Predict(new FortuneRow { Sentence1 = "Ünïcödé → 日本語 🚀 kernel panic" });
        Assert.Equal(3, odd.Score.Length);
        Assert.Equal(1.0, odd.Score.Sum(), 3);
        Assert.Equal(3, engine.Predict(new FortuneRow { Sentence1 = "" }).Score.Length);
        var single = engine.Predict(testRows[0]);
        for (var c = 0; c < 3; c++) Assert.Equal(before[0].Score[c], single.Score[c], 5);
        loadedWithStrings.Dispose();
    }

    [Fact]
    public void SameSeedGivesBitIdenticalModels()
    {
        var ml = new MLContext(seed: 0);
        var rows = Data().train.Where((_, i) => i % 5 == 0).ToList();
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        float[] Scores(ModelArchitecture arch)
        {
            var o = new WideNetTextClassificationTrainer.Options
            {
                Architecture = arch, MaxEpochs = 1, MaxSequenceLength = 32, VocabularySize = 400, HiddenSize = 32, NumHeads = 2, NumLayers = 1,
                FeedForwardSize = 32, Seed = 7, Dropout = 0.1, PretrainEpochs = 1,
            };
            using var model = ml.MulticlassClassification.Trainers.WideNet(o).Fit(data);
            return model.Transform(data).GetColumnValues("Score");
        }
        foreach (var arch in new[] { ModelArchitecture.WideNet, ModelArchitecture.Albert, ModelArchitecture.Transformer, ModelArchitecture.Brainformer })
            Assert.Equal(Scores(arch), Scores(arch));
    }
}

internal static class ViewExtensions
{
    public static float[] GetColumnValues(this IDataView view, string column)
    {
        using var cursor = view.GetRowCursor(new[] { view.Schema[column] });
        var g = cursor.GetGetter<VBuffer<float>>(view.Schema[column]);
        var all = new List<float>();
        VBuffer<float> v = default;
        while (cursor.MoveNext()) { g(ref v); all.AddRange(v.DenseValues()); }
        return all.ToArray();
    }
}
