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

    /// <summary>Only the KeyValues annotation (what PredictedLabel carries).</summary>
    public DataViewSchema.Annotations KeyValueAnnotations()
    {
        var b = new DataViewSchema.Annotations.Builder();
        b.Add(Annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
        return b.ToAnnotations();
    }

    /// <summary>The label as saved with a model: the key values keep their type (text or a number).</summary>
    public SavedLabel ToSaved()
    {
        var kv = KeyValues(Annotations);
        return new SavedLabel { Name = Name, Count = Type.Count, KeyValueType = kv?.type, KeyValues = kv?.values };
    }

    /// <summary>The KeyValues annotation as invariant text, with the name of its item type ("Text", "Single", ...), or null.</summary>
    public static (string type, string[] values)? KeyValues(DataViewSchema.Annotations annotations)
    {
        var kv = annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        if (kv is not { Type: VectorDataViewType { ItemType: PrimitiveDataViewType item } }) return null;
        var values = (string[])typeof(LabelInfo).GetMethod(nameof(KeyValuesAsText), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(item.RawType).Invoke(null, [annotations, kv.Value])!;
        return (item.RawType == typeof(ReadOnlyMemory<char>) ? "Text" : item.RawType.Name, values);
    }

    static string[] KeyValuesAsText<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        annotations.GetValue(column.Name, ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
    }

    /// <summary>Rebuilds the label of a saved model.</summary>
    public static LabelInfo FromSaved(SavedLabel saved)
    {
        if (saved.Count is 0 or > int.MaxValue || string.IsNullOrEmpty(saved.Name))
            throw new InvalidDataException($"{WideNetClassificationTransformer.LabelFile}: no label column with a class count");
        var type = new KeyDataViewType(typeof(uint), saved.Count);
        var b = new DataViewSchema.Annotations.Builder();
        if (saved.KeyValues is { } values)
        {
            var (item, raw) = saved.KeyValueType switch
            {
                "Text" => ((PrimitiveDataViewType)TextDataViewType.Instance, typeof(ReadOnlyMemory<char>)),
                "Single" => (NumberDataViewType.Single, typeof(float)),
                "Double" => (NumberDataViewType.Double, typeof(double)),
                "Int32" => (NumberDataViewType.Int32, typeof(int)),
                "Int64" => (NumberDataViewType.Int64, typeof(long)),
                "UInt32" => (NumberDataViewType.UInt32, typeof(uint)),
                "UInt64" => (NumberDataViewType.UInt64, typeof(ulong)),
                "Int16" => (NumberDataViewType.Int16, typeof(short)),
                "UInt16" => (NumberDataViewType.UInt16, typeof(ushort)),
                "Byte" => (NumberDataViewType.Byte, typeof(byte)),
                "SByte" => (NumberDataViewType.SByte, typeof(sbyte)),
                "Boolean" => (BooleanDataViewType.Instance, typeof(bool)),
                var t => throw new InvalidDataException($"{WideNetClassificationTransformer.LabelFile}: unknown key value type '{t}'"),
            };
            typeof(LabelInfo).GetMethod(nameof(AddKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(raw).Invoke(null, [b, values, item]);
        }
        var names = Enumerable.Range(0, (int)saved.Count)
            .Select(i => saved.KeyValues is { } v && i < v.Length ? v[i] : (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new LabelInfo(saved.Name, type, b.ToAnnotations(), names);
    }

    static void AddKeyValues<T>(DataViewSchema.Annotations.Builder b, string[] values, PrimitiveDataViewType item)
    {
        var parsed = values.Select(v => typeof(T) == typeof(ReadOnlyMemory<char>) ? (T)(object)v.AsMemory()
                                                                                    : (T)Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        b.Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(item, parsed.Length), (ref VBuffer<T> dst) => dst = new VBuffer<T>(parsed.Length, parsed.ToArray()));
    }
}

/// <summary>The label part of a saved model (label.json).</summary>
internal sealed class SavedLabel
{
    public string Name { get; set; } = "";
    public ulong Count { get; set; }
    public string? KeyValueType { get; set; }
    public string[]? KeyValues { get; set; }
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
        if (LabelInfo.KeyValues(col.Annotations) is { values: var known })
            for (var i = 0; i < Math.Min(k, known.Length); i++) names[i] = known[i];
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

/// <summary>The estimators' checks of a <see cref="SchemaShape"/> (GetOutputSchema), with messages naming the column.</summary>
internal static class SchemaChecks
{
    public static string Names(SchemaShape schema) => string.Join(", ", schema.Select(c => $"'{c.Name}'"));

    /// <summary>The column named <paramref name="name"/> (SchemaShape's own lookup is internal in ML.NET).</summary>
    public static bool TryFind(SchemaShape schema, string name, out SchemaShape.Column column)
    {
        column = schema.FirstOrDefault(c => c.Name == name);
        return column.Name == name;
    }

    public static string Describe(SchemaShape.Column c) => c.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => c.ItemType.ToString(),
        SchemaShape.Column.VectorKind.Vector => $"Vector<{c.ItemType}>",
        _ => $"VarVector<{c.ItemType}>",
    } + (c.IsKey ? " (key)" : "");

    public static void Label(SchemaShape schema, string name)
    {
        if (!TryFind(schema, name, out var c))
            throw new ArgumentOutOfRangeException(nameof(schema), $"label column '{name}' not found; the data has {Names(schema)}");
        if (!c.IsKey || c.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(schema), $"label column '{name}' has type {Describe(c)}; it must be a key type. Add " +
                                                  $"mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.");
    }

    public static void Text(SchemaShape schema, string name, string role)
    {
        if (!TryFind(schema, name, out var c))
            throw new ArgumentOutOfRangeException(nameof(schema), $"{role} column '{name}' not found; the data has {Names(schema)}");
        if (c.Kind != SchemaShape.Column.VectorKind.Scalar || c.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"{role} column '{name}' has type {Describe(c)}; it must be text (string)");
    }
}
