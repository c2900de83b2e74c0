using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Writes a schema as JSON and reads it back: column names and types, and the annotations whose values are
/// primitives or vectors of primitives (KeyValues, SlotNames, ...). Other annotations are dropped.
/// </summary>
internal static class SchemaSerializer
{
    public static string Serialize(DataViewSchema schema)
    {
        var columns = new JsonArray();
        foreach (var column in schema)
        {
            columns.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = TypeToJson(column.Type),
                ["annotations"] = AnnotationsToJson(column.Annotations),
            });
        }

        return new JsonObject { ["columns"] = columns }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static DataViewSchema Deserialize(string json)
    {
        var root = JsonNode.Parse(json) ?? throw new FormatException("Empty schema.");
        var builder = new DataViewSchema.Builder();
        foreach (var column in root["columns"]?.AsArray() ?? throw new FormatException("No 'columns' array."))
        {
            builder.AddColumn(
                (string?)column!["name"] ?? throw new FormatException("A column has no name."),
                TypeFromJson(column["type"]),
                AnnotationsFromJson(column["annotations"]?.AsArray()));
        }

        return builder.ToSchema();
    }

    public static JsonNode TypeToJson(DataViewType type) => type switch
    {
        NumberDataViewType number => new JsonObject { ["kind"] = "number", ["raw"] = number.RawType.Name },
        TextDataViewType => new JsonObject { ["kind"] = "text" },
        BooleanDataViewType => new JsonObject { ["kind"] = "bool" },
        KeyDataViewType key => new JsonObject { ["kind"] = "key", ["raw"] = key.RawType.Name, ["count"] = key.Count },
        VectorDataViewType vector => new JsonObject
        {
            ["kind"] = "vector",
            ["item"] = TypeToJson(vector.ItemType),
            ["dims"] = new JsonArray(vector.Dimensions.Select(d => (JsonNode)d).ToArray()),
        },
        _ => throw new NotSupportedException($"Column type {type} cannot be saved."),
    };

    public static DataViewType TypeFromJson(JsonNode? node)
    {
        if (node is null)
        {
            throw new FormatException("A type is missing.");
        }

        string kind = (string?)node["kind"] ?? throw new FormatException("A type has no kind.");
        return kind switch
        {
            "number" => NumberDataViewType.All.FirstOrDefault(t => t.RawType.Name == (string?)node["raw"])
                ?? throw new FormatException($"Unknown number type '{node["raw"]}'."),
            "text" => TextDataViewType.Instance,
            "bool" => BooleanDataViewType.Instance,
            "key" => new KeyDataViewType(RawKeyType((string?)node["raw"]), (ulong)node["count"]!),
            "vector" => new VectorDataViewType(
                TypeFromJson(node["item"]) as PrimitiveDataViewType ?? throw new FormatException("A vector item type must be primitive."),
                (node["dims"]?.AsArray() ?? []).Select(d => (int)d!).ToImmutableArray()),
            _ => throw new FormatException($"Unknown type kind '{kind}'."),
        };
    }

    private static Type RawKeyType(string? name) => name switch
    {
        "Byte" => typeof(byte),
        "UInt16" => typeof(ushort),
        "UInt32" => typeof(uint),
        "UInt64" => typeof(ulong),
        _ => throw new FormatException($"Unknown key type '{name}'."),
    };

    private static JsonArray AnnotationsToJson(DataViewSchema.Annotations annotations)
    {
        var result = new JsonArray();
        foreach (var column in annotations.Schema)
        {
            var itemType = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
            if (itemType is not (NumberDataViewType or TextDataViewType or BooleanDataViewType or KeyDataViewType))
            {
                continue;
            }

            var value = (JsonNode?)typeof(SchemaSerializer).GetMethod(nameof(ValueToJson), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(column.Type.RawType)
                .Invoke(null, [annotations, column]);
            result.Add(new JsonObject { ["kind"] = column.Name, ["type"] = TypeToJson(column.Type), ["value"] = value });
        }

        return result;
    }

    private static JsonNode? ValueToJson<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        return ValueConversion.ToJson(value);
    }

    private static DataViewSchema.Annotations? AnnotationsFromJson(JsonArray? items)
    {
        if (items is null || items.Count == 0)
        {
            return null;
        }

        var builder = new DataViewSchema.Annotations.Builder();
        foreach (var item in items)
        {
            var type = TypeFromJson(item!["type"]);
            string kind = (string?)item["kind"] ?? throw new FormatException("An annotation has no kind.");
            typeof(SchemaSerializer).GetMethod(nameof(AddFromJson), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type.RawType)
                .Invoke(null, [builder, kind, type, item["value"]]);
        }

        return builder.ToAnnotations();
    }

    private static void AddFromJson<T>(DataViewSchema.Annotations.Builder builder, string kind, DataViewType type, JsonNode? node)
    {
        var value = (T)ValueConversion.FromJson(node, type);
        builder.Add(kind, type, (ref T dst) => ValueCopy<T>.Copy(in value, ref dst));
    }
}
