using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Data.Internal;

/// <summary>The <c>entry.json</c> of a model entry: which loader reads it, and which format version it has.</summary>
internal sealed record ModelEntryInfo(
    [property: JsonPropertyName("loader")] string LoaderName,
    [property: JsonPropertyName("formatVersion")] int FormatVersion,
    [property: JsonPropertyName("assembly")] string? AssemblyName,
    [property: JsonPropertyName("type")] string? TypeName);

/// <summary>Shared JSON settings of model files.</summary>
internal static class JsonOptions
{
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true, IncludeFields = true };

    public static JsonSerializerOptions Reading { get; } = new() { IncludeFields = true, PropertyNameCaseInsensitive = true };
}
