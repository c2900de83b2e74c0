using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Surface.Tests;

public class TransformTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static IDataView Texts(params string[] values) =>
        Ml.Data.LoadFromEnumerable(values.Select((v, i) => new TextRow { Text = v, Value = i }).ToArray());

    private static uint[] Keys(IDataView view, string column)
    {
        var col = view.Schema[column];
        var result = new List<uint>();
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<uint>(col);
        uint value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value);
        }

        return result.ToArray();
    }

    private static string[] KeyValues(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    [Fact]
    public void MapValueToKey_ByOccurrence_IsOneBasedWithKeyValues()
    {
        var data = Texts("dog", "cat", "dog", "bird", "");
        var transformed = Ml.Transforms.Conversion.MapValueToKey("Key", "Text").Fit(data).Transform(data);
        var column = transformed.Schema["Key"];
        Assert.Equal(new KeyDataViewType(typeof(uint), 3), column.Type);
        Assert.Equal(["dog", "cat", "bird"], KeyValues(column));
        Assert.Equal([1u, 2u, 1u, 3u, 0u], Keys(transformed, "Key"));
    }

    [Fact]
    public void MapValueToKey_ByValue_SortsAndUnseenValuesAreMissing()
    {
        var train = Texts("dog", "cat", "bird");
        var model = Ml.Transforms.Conversion.MapValueToKey("Text", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);
        var test = model.Transform(Texts("cat", "fish", "dog"));
        Assert.Equal(["bird", "cat", "dog"], KeyValues(test.Schema["Text"]));
        Assert.Equal([2u, 0u, 3u], Keys(test, "Text"));
        Assert.True(test.Schema[0].IsHidden); // the input "Text" is hidden by the output
    }

    [Fact]
    public void MapValueToKey_KeyDataAndMaximumNumberOfKeys()
    {
        var keyData = Texts("z", "y", "x");
        var data = Texts("x", "y", "w");
        var transformed = Ml.Transforms.Conversion.MapValueToKey("Key", "Text", keyData: keyData).Fit(data).Transform(data);
        Assert.Equal(["z", "y", "x"], KeyValues(transformed.Schema["Key"]));
        Assert.Equal([3u, 2u, 0u], Keys(transformed, "Key"));

        var limited = Ml.Transforms.Conversion.MapValueToKey("Key", "Text", maximumNumberOfKeys: 2).Fit(data).Transform(data);
        Assert.Equal([1u, 2u, 0u], Keys(limited, "Key"));
    }

    [Fact]
    public void MapValueToKey_NumericValuesAsTextAnnotations()
    {
        var data = Ml.Data.LoadFromEnumerable(new[] { 3f, 1f, 3f }.Select(v => new TextRow { Value = v }).ToArray());
        var transformed = Ml.Transforms.Conversion.MapValueToKey("Key", "Value", addKeyValueAnnotationsAsText: true).Fit(data).Transform(data);
        Assert.True(transformed.Schema["Key"].HasKeyValues(TextDataViewType.Instance));
        Assert.Equal(["3", "1"], KeyValues(transformed.Schema["Key"]));

        var numeric = Ml.Transforms.Conversion.MapValueToKey("Key", "Value").Fit(data).Transform(data);
        Assert.True(numeric.Schema["Key"].HasKeyValues(NumberDataViewType.Single));
    }

    [Fact]
    public void MapKeyToValue_RestoresOriginalValues()
    {
        var data = Texts("b", "a", "b");
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Key", "Text")
            .Append(Ml.Transforms.Conversion.MapKeyToValue("Back", "Key"));
        var transformed = pipeline.Fit(data).Transform(data);
        Assert.Equal(TextDataViewType.Instance, transformed.Schema["Back"].Type);
        var back = Ml.Data.CreateEnumerable<BackRow>(transformed, false).Select(r => r.Back);
        Assert.Equal(["b", "a", "b"], back);
    }

    public class BackRow
    {
        public string Back = "";
    }

    [Fact]
    public void ConcatenateCopyDropSelect()
    {
        var data = Ml.Data.LoadFromEnumerable(new[] { new FeatureRow { Label = "a", Features = [1, 2] } });
        var withValue = Ml.Transforms.CopyColumns("Copy", "Label").Fit(data).Transform(data);
        Assert.Equal(TextDataViewType.Instance, withValue.Schema["Copy"].Type);

        var numbers = Ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "t", Value = 5 } });
        var both = Ml.Transforms.CopyColumns("Value2", "Value").Fit(numbers).Transform(numbers);
        var concat = Ml.Transforms.Concatenate("All", "Value", "Value2").Fit(both).Transform(both);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), concat.Schema["All"].Type);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        concat.Schema["All"].GetSlotNames(ref slotNames);
        Assert.Equal(["Value", "Value2"], slotNames.DenseValues().Select(s => s.ToString()));
        var row = Ml.Data.CreateEnumerable<AllRow>(concat, false).Single();
        Assert.Equal([5f, 5f], row.All);

        var withVector = Ml.Transforms.Concatenate("F", "Features", "Features").Fit(data).Transform(data);
        Assert.Equal(4, ((VectorDataViewType)withVector.Schema["F"].Type).Size);
        Assert.Throws<ArgumentException>(() => Ml.Transforms.Concatenate("X", "Label", "Features").Fit(data));

        var dropped = Ml.Transforms.DropColumns("Label").Fit(data).Transform(data);
        Assert.Equal(["Features"], dropped.Schema.Select(c => c.Name));
        var selected = Ml.Transforms.SelectColumns("Value2", "Text").Fit(both).Transform(both);
        Assert.Equal(["Value2", "Text"], selected.Schema.Select(c => c.Name));
        Assert.Equal("t", Ml.Data.CreateEnumerable<TextRow>(selected, false, ignoreMissingColumns: true).Single().Text);
    }

    public class AllRow
    {
        public float[] All = [];
    }

    [Fact]
    public void LoadRawImageBytes_ReadsFileBytesAndNamesMissingFile()
    {
        string folder = Directory.CreateTempSubdirectory("surface-images").FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), [1, 2, 3]);
        var data = Ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = "a.png" }, new ImageRow { ImagePath = "missing.png" } });
        var transformed = Ml.Transforms.LoadRawImageBytes("Image", folder, "ImagePath").Fit(data).Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Byte), transformed.Schema["Image"].Type);

        var first = Ml.Data.CreateEnumerable<ImageRow>(Ml.Data.TakeRows(transformed, 1), false).Single();
        Assert.Equal([1, 2, 3], first.Image);
        var error = Assert.Throws<IOException>(() => Ml.Data.CreateEnumerable<ImageRow>(transformed, false).ToList());
        Assert.Contains("missing.png", error.Message);
    }

    public class ImageRow
    {
        public string ImagePath = "";

        [NoColumn]
        public int Ignored;

        [VectorType]
        public byte[]? Image;
    }

    [Fact]
    public void EstimatorGetOutputSchema_DescribesKeyColumns()
    {
        var data = Texts("a");
        var shape = Ml.Transforms.Conversion.MapValueToKey("Key", "Text").GetOutputSchema(SchemaShape.Create(data.Schema));
        Assert.True(shape.TryFindColumn("Key", out var key));
        Assert.True(key.IsKey);
        Assert.True(key.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out _));
    }
}
