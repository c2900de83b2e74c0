using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>The ordered values of one MapValueToKey column: value <c>i</c> gets key <c>i + 1</c>.</summary>
internal abstract class TermMap
{
    public abstract PrimitiveDataViewType ItemType { get; }

    public abstract int Count { get; }

    public static TermMap Create(PrimitiveDataViewType itemType) =>
        (TermMap)Activator.CreateInstance(typeof(TermMap<>).MakeGenericType(itemType.RawType), itemType)!;

    /// <summary>Adds the values of <paramref name="column"/> of the cursor's current row.</summary>
    public abstract Action CreateCollector(DataViewRow row, DataViewSchema.Column column, int maximumNumberOfKeys);

    public abstract void Sort();

    public abstract Delegate CreateMapper(DataViewRow row, DataViewSchema.Column column);

    public abstract void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText);

    public abstract JsonNode ToJson();

    public static TermMap FromJson(JsonNode node)
    {
        var type = (PrimitiveDataViewType)SchemaSerializer.TypeFromJson(node["type"]);
        var map = Create(type);
        map.Load((JsonArray)node["values"]!);
        return map;
    }

    protected abstract void Load(JsonArray values);
}

internal sealed class TermMap<T>(PrimitiveDataViewType itemType) : TermMap
    where T : notnull
{
    private readonly List<T> _values = [];
    private readonly Dictionary<T, uint> _keys = new(KeyValueDomain<T>.Comparer);

    public override PrimitiveDataViewType ItemType => itemType;

    public override int Count => _values.Count;

    public override Action CreateCollector(DataViewRow row, DataViewSchema.Column column, int maximumNumberOfKeys)
    {
        if (column.Type is VectorDataViewType)
        {
            var vectorGetter = row.GetGetter<VBuffer<T>>(column);
            VBuffer<T> vector = default;
            return () =>
            {
                vectorGetter(ref vector);
                foreach (var item in vector.DenseValues())
                {
                    Add(item, maximumNumberOfKeys);
                }
            };
        }

        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            Add(value, maximumNumberOfKeys);
        };
    }

    private void Add(T value, int maximumNumberOfKeys)
    {
        if (_values.Count >= maximumNumberOfKeys || KeyValueDomain<T>.IsMissing(value) || _keys.ContainsKey(value))
        {
            return;
        }

        // Text values may point into a reused buffer: keep a copy of their characters.
        if (value is ReadOnlyMemory<char> text)
        {
            value = (T)(object)text.ToString().AsMemory();
        }

        _keys[value] = (uint)_values.Count + 1;
        _values.Add(value);
    }

    public override void Sort()
    {
        _values.Sort(KeyValueDomain<T>.Order);
        _keys.Clear();
        for (int i = 0; i < _values.Count; i++)
        {
            _keys[_values[i]] = (uint)i + 1;
        }
    }

    public override Delegate CreateMapper(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var vectorGetter = row.GetGetter<VBuffer<T>>(column);
            VBuffer<T> source = default;
            return (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> destination) =>
            {
                vectorGetter(ref source);
                var editor = VBufferEditor.Create(ref destination, source.Length);
                int i = 0;
                foreach (var item in source.DenseValues())
                {
                    editor.Values[i++] = Map(item);
                }

                destination = editor.Commit();
            });
        }

        var getter = row.GetGetter<T>(column);
        T value = default!;
        return (ValueGetter<uint>)((ref uint key) =>
        {
            getter(ref value);
            key = Map(value);
        });
    }

    private uint Map(T value) => _keys.TryGetValue(value, out uint key) ? key : 0;

    public override void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText)
    {
        int size = Math.Max(1, _values.Count);
        if (asText && typeof(T) != typeof(ReadOnlyMemory<char>))
        {
            var names = _values.Select(v => string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0}", v).AsMemory()).ToArray();
            builder.AddKeyValues(size, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => Fill(names, size, ref dst));
            return;
        }

        var values = _values.ToArray();
        builder.AddKeyValues(size, itemType, (ref VBuffer<T> dst) => Fill(values, size, ref dst));
    }

    private static void Fill<TItem>(TItem[] values, int size, ref VBuffer<TItem> destination)
    {
        var editor = VBufferEditor.Create(ref destination, size);
        editor.Values.Clear();
        values.CopyTo(editor.Values);
        destination = editor.Commit();
    }

    public override JsonNode ToJson() => new JsonObject
    {
        ["type"] = SchemaSerializer.TypeToJson(itemType),
        ["values"] = new JsonArray(_values.Select(v => ValueConversion.ToJson(v)).ToArray()),
    };

    protected override void Load(JsonArray values)
    {
        foreach (var node in values)
        {
            var value = (T)ValueConversion.FromJson(node, itemType);
            _keys[value] = (uint)_values.Count + 1;
            _values.Add(value);
        }
    }
}
