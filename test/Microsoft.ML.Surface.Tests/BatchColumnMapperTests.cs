using Microsoft.ML.Data;
using Microsoft.ML.Surface.Tests.TestTrainer;

namespace Microsoft.ML.Surface.Tests;

public class BatchColumnMapperTests
{
    private static readonly MLContext Ml = new(seed: 1);

    [Fact]
    public void BatchMappedView_ComputesInBlocksLazilyAndPassesInputsThrough()
    {
        var rows = Enumerable.Range(0, 10).Select(i => new FeatureRow { Label = i < 5 ? "a" : "b", Features = [i, i] }).ToArray();
        var data = Ml.Data.LoadFromEnumerable(rows);
        var keyed = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var model = Ml.MulticlassClassification.Trainers.NearestCentroid().Fit(keyed);
        model.BatchSize = 4;

        var scored = model.Transform(keyed);
        Assert.Equal(0, model.BatchesComputed);
        Assert.True(scored.Schema["Score"].HasSlotNames());
        Assert.True(scored.Schema["PredictedLabel"].HasKeyValues());

        var labels = new List<uint>();
        var features = new List<float>();
        using (var cursor = scored.GetRowCursor([scored.Schema["PredictedLabel"], scored.Schema["Features"]]))
        {
            var label = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
            var feature = cursor.GetGetter<VBuffer<float>>(scored.Schema["Features"]);
            uint key = 0;
            VBuffer<float> vector = default;
            while (cursor.MoveNext())
            {
                label(ref key);
                feature(ref vector);
                labels.Add(key);
                features.Add(vector.GetItemOrDefault(0));
            }
        }

        Assert.Equal(3, model.BatchesComputed); // 4 + 4 + 2 rows
        Assert.Equal([1u, 1u, 1u, 1u, 1u, 2u, 2u, 2u, 2u, 2u], labels);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), features);

        using (var cursor = scored.GetRowCursor([scored.Schema["Features"]]))
        {
            while (cursor.MoveNext())
            {
            }
        }

        Assert.Equal(3, model.BatchesComputed); // no output requested: nothing computed
    }
}
