using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests;

public class SchemaAndTypesTests
{
    [Fact]
    public void DataViewTypes_HaveMlNetRawTypesAndEquality()
    {
        Assert.Equal(typeof(float), NumberDataViewType.Single.RawType);
        Assert.Equal(typeof(double), NumberDataViewType.Double.RawType);
        Assert.Equal(typeof(int), NumberDataViewType.Int32.RawType);
        Assert.Equal(typeof(uint), NumberDataViewType.UInt32.RawType);
        Assert.Equal(typeof(long), NumberDataViewType.Int64.RawType);
        Assert.Equal(typeof(byte), NumberDataViewType.Byte.RawType);
        Assert.Equal(typeof(ReadOnlyMemory<char>), TextDataViewType.Instance.RawType);
        Assert.Equal(typeof(bool), BooleanDataViewType.Instance.RawType);
        Assert.Equal(new KeyDataViewType(typeof(uint), 3UL), new KeyDataViewType(typeof(uint), 3));
        Assert.NotEqual(new KeyDataViewType(typeof(uint), 3), new KeyDataViewType(typeof(uint), 4));
        Assert.Throws<ArgumentException>(() => new KeyDataViewType(typeof(int), 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyDataViewType(typeof(uint), 0UL));

        var vector = new VectorDataViewType(NumberDataViewType.Single, 2, 3);
        Assert.Equal(6, vector.Size);
        Assert.True(vector.IsKnownSize);
        Assert.Equal(typeof(VBuffer<float>), vector.RawType);
        Assert.Equal(vector, new VectorDataViewType(NumberDataViewType.Single, 2, 3));
        var variable = new VectorDataViewType(NumberDataViewType.Byte);
        Assert.False(variable.IsKnownSize);
        Assert.Equal(0, variable.Size);
    }

    [Fact]
    public void VBuffer_DenseAndSparseBehaveLikeMlNet()
    {
        var dense = new VBuffer<float>(3, [1f, 2f, 3f]);
        Assert.True(dense.IsDense);
        Assert.Equal([1f, 2f, 3f], dense.DenseValues());

        var sparse = new VBuffer<float>(5, 2, [7f, 9f], [1, 3]);
        Assert.False(sparse.IsDense);
        Assert.Equal([0f, 7f, 0f, 9f, 0f], sparse.DenseValues());
        Assert.Equal(9f, sparse.GetItemOrDefault(3));
        Assert.Equal([1, 3], sparse.GetIndices().ToArray());

        VBuffer<float> copy = default;
        sparse.CopyToDense(ref copy);
        Assert.True(copy.IsDense);
        Assert.Equal(sparse.DenseValues(), copy.DenseValues());

        var editor = VBufferEditor.Create(ref copy, 2);
        editor.Values[0] = 4;
        editor.Values[1] = 5;
        copy = editor.Commit();
        Assert.Equal([4f, 5f], copy.DenseValues());
    }

    [Fact]
    public void SchemaBuilder_WithKeyValuesAndSlotNames_IsReadableThroughExtensions()
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        var names = new VBuffer<ReadOnlyMemory<char>>(2, ["cat".AsMemory(), "dog".AsMemory()]);
        annotations.AddKeyValues(2, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v));
        var slots = new DataViewSchema.Annotations.Builder();
        slots.AddSlotNames(2, (ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v));

        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), 2), annotations.ToAnnotations());
        builder.AddColumn("Score", new VectorDataViewType(NumberDataViewType.Single, 2), slots.ToAnnotations());
        var schema = builder.ToSchema();

        Assert.True(schema["Label"].HasKeyValues());
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        schema["Label"].GetKeyValues(ref keyValues);
        Assert.Equal(["cat", "dog"], keyValues.DenseValues().Select(v => v.ToString()));
        Assert.True(schema["Score"].HasSlotNames());
        Assert.False(schema["Label"].HasSlotNames());
        Assert.Null(schema.GetColumnOrNull("Missing"));
        Assert.Throws<ArgumentOutOfRangeException>(() => schema["Missing"]);
    }

    [Fact]
    public void Schema_LaterColumnOfSameNameHidesEarlierOne()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("A", NumberDataViewType.Single);
        builder.AddColumn("A", TextDataViewType.Instance);
        var schema = builder.ToSchema();
        Assert.Equal(2, schema.Count);
        Assert.True(schema[0].IsHidden);
        Assert.Equal(1, schema["A"].Index);
        Assert.Equal(TextDataViewType.Instance, schema["A"].Type);
    }

    [Fact]
    public void AnnotationBuilder_RejectsMismatchedRawType()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        Assert.Throws<ArgumentException>(() => builder.Add("X", NumberDataViewType.Single, (ref int v) => v = 1));
    }
}
