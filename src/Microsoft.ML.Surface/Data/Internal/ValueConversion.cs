using System.Globalization;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Data.Internal;

/// <summary>Converts column values (primitives and vectors of primitives) to and from JSON and .NET objects.</summary>
internal static class ValueConversion
{
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        ReadOnlyMemory<char> text => JsonValue.Create(text.ToString()),
        bool b => JsonValue.Create(b),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        sbyte or byte or short or ushort or int or uint or long or ulong => JsonValue.Create(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
        _ when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(VBuffer<>) => (JsonNode)typeof(ValueConversion).GetMethod(nameof(VectorToJson), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(value.GetType().GetGenericArguments()[0]).Invoke(null, [value])!,
        _ => throw new NotSupportedException($"Values of type {value.GetType().Name} cannot be saved."),
    };

    private static JsonArray VectorToJson<T>(VBuffer<T> vector) =>
        new(vector.DenseValues().Select(v => ToJson(v)).ToArray());

    public static object FromJson(JsonNode? node, DataViewType type)
    {
        if (type is VectorDataViewType vector)
        {
            var items = node?.AsArray() ?? [];
            return typeof(ValueConversion).GetMethod(nameof(MakeVector), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(vector.ItemType.RawType)
                .Invoke(null, [items.Select(i => FromJson(i, vector.ItemType)).ToArray()])!;
        }

        if (type is TextDataViewType)
        {
            return ((string?)node ?? string.Empty).AsMemory();
        }

        if (node is JsonValue value && value.TryGetValue(out string? text))
        {
            return Convert.ChangeType(
                type.RawType == typeof(float) ? float.Parse(text, CultureInfo.InvariantCulture)
                : type.RawType == typeof(double) ? double.Parse(text, CultureInfo.InvariantCulture)
                : text,
                type.RawType,
                CultureInfo.InvariantCulture);
        }

        if (type.RawType == typeof(bool))
        {
            return (bool)node!;
        }

        return Convert.ChangeType((decimal)node!, type.RawType, CultureInfo.InvariantCulture);
    }

    private static VBuffer<T> MakeVector<T>(object[] items) => new(items.Length, items.Cast<T>().ToArray());
}
