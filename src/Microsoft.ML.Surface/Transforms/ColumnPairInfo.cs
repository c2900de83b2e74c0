using System.Text.Json.Serialization;

namespace Microsoft.ML.Transforms;

/// <summary>The serialized form of an output/input column pair.</summary>
internal sealed record ColumnPairInfo(
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("input")] string Input)
{
    public static ColumnPairInfo[] From(IEnumerable<InputOutputColumnPair> pairs) =>
        pairs.Select(p => new ColumnPairInfo(p.OutputColumnName, p.InputColumnName)).ToArray();

    public static ColumnPairInfo[] From(params (string Output, string? Input)[] pairs) =>
        pairs.Select(p => new ColumnPairInfo(p.Output, p.Input ?? p.Output)).ToArray();

    /// <summary>The pairs back from their saved form.</summary>
    public static InputOutputColumnPair[] ToPairs(IEnumerable<ColumnPairInfo> saved) =>
        saved.Select(c => new InputOutputColumnPair(c.Output, c.Input)).ToArray();
}
