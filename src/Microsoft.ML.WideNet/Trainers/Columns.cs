using Microsoft.ML.Data;

namespace Microsoft.ML.WideNet;

/// <summary>What the estimators know about a label column: its key type, class count and class names.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The key type.</param>
/// <param name="Annotations">The column's annotations (KeyValues carried to PredictedLabel).</param>
/// <param name="ClassNames">One name per class: the key values as text, or "1".."K" without KeyValues.</param>
internal sealed record LabelInfo(string Name, KeyDataViewType Type, DataViewSchema.Annotations Annotations, string[] ClassNames)
{
    public int ClassCount => ClassNames.Length;

    /// <summary>A one-column schema holding the label's type and annotations (saved with the model).</summary>
    public DataViewSchema ToSchema()
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(Name, Type, Annotations);
        return b.ToSchema();
    }

    public static LabelInfo FromSchema(DataViewSchema schema) => Columns.Label(schema, schema[0].Name);
}

/// <summary>Schema checks and typed row reading with messages that name the column and what to do.</summary>
internal static class Columns
{
    /// <summary>The column <paramref name="name"/>, or an exception listing the columns there are.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
    {
        if (schema.GetColumnOrNull(name) is { } c) return c;
        var names = string.Join(", ", schema.Where(x => !x.IsHidden).Select(x => $"'{x.Name}'"));
        throw new ArgumentOutOfRangeException(nameof(name), $"{role} column '{name}' not found; the data has {names}");
    }

    /// <summary>Checks that <paramref name="name"/> is a key column and reads its class names.</summary>
    public static LabelInfo Label(DataViewSchema schema, string name)
    {
        var col = Find(schema, name, "label");
        if (col.Type is not KeyDataViewType key)
            throw new ArgumentException($"label column '{name}' has type {col.Type}; it must be a key type. Add " +
                                        $"mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.", nameof(name));
        if (key.Count is 0 or > int.MaxValue)
            throw new ArgumentException($"label column '{name}' has a key type without a known class count ({key}); map it with MapValueToKey", nameof(name));
        var k = (int)key.Count;
        var names = Enumerable.Range(1, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (col.HasKeyValues(TextDataViewType.Instance))
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            col.GetKeyValues(ref values);
            var i = 0;
            foreach (var v in values.DenseValues())
                if (i < k) names[i++] = v.ToString();
        }
        return new LabelInfo(name, key, col.Annotations, names);
    }

    /// <summary>A getter returning the key of the current row as 0-based class index, or -1 for a missing key.</summary>
    public static Func<int> KeyGetter(DataViewRow row, DataViewSchema.Column col)
    {
        switch (Type.GetTypeCode(col.Type.RawType))
        {
            case TypeCode.Byte: { var g = row.GetGetter<byte>(col); byte v = 0; return () => { g(ref v); return v - 1; }; }
            case TypeCode.UInt16: { var g = row.GetGetter<ushort>(col); ushort v = 0; return () => { g(ref v); return v - 1; }; }
            case TypeCode.UInt32: { var g = row.GetGetter<uint>(col); uint v = 0; return () => { g(ref v); return (int)v - 1; }; }
            case TypeCode.UInt64: { var g = row.GetGetter<ulong>(col); ulong v = 0; return () => { g(ref v); return (int)v - 1; }; }
            default: throw new ArgumentException($"label column '{col.Name}' has unsupported key raw type {col.Type.RawType.Name}");
        }
    }

    /// <summary>Checks a text column.</summary>
    public static DataViewSchema.Column Text(DataViewSchema schema, string name, string role)
    {
        var col = Find(schema, name, role);
        if (col.Type is not TextDataViewType)
            throw new ArgumentException($"{role} column '{name}' has type {col.Type}; it must be text (string)", nameof(name));
        return col;
    }
}
