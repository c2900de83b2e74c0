using System.Text.Json.Serialization;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Keeps the listed columns (in the listed order) or drops the listed columns. Hidden columns are removed unless
/// <c>keepHidden</c> is set.
/// </summary>
public sealed class ColumnSelectingTransformer : ITransformer
{
    internal const string LoaderName = "ColumnSelectingTransformer";

    internal ColumnSelectingTransformer(string[]? keepColumns, string[]? dropColumns, bool keepHidden)
    {
        if ((keepColumns is null) == (dropColumns is null))
        {
            throw new ArgumentException("Give either the columns to keep or the columns to drop.");
        }

        SelectColumns = keepColumns;
        DropColumns = dropColumns;
        KeepHidden = keepHidden;
    }

    /// <summary>The columns kept, or <see langword="null"/> when dropping.</summary>
    public IReadOnlyList<string>? SelectColumns { get; }

    /// <summary>The columns dropped, or <see langword="null"/> when keeping.</summary>
    public IReadOnlyList<string>? DropColumns { get; }

    /// <summary>Whether hidden columns are kept.</summary>
    public bool KeepHidden { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => ColumnSubsetDataView.MakeSchema(inputSchema, SourceIndices(inputSchema));

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) =>
        new ColumnSubsetDataView(input ?? throw new ArgumentNullException(nameof(input)), SourceIndices(input.Schema));

    private int[] SourceIndices(DataViewSchema schema)
    {
        if (SelectColumns is not null)
        {
            var indices = new List<int>();
            foreach (var name in SelectColumns)
            {
                var visible = SchemaUtils.GetInput(schema, name);
                if (KeepHidden)
                {
                    indices.AddRange(schema.Where(c => c.IsHidden && c.Name == name).Select(c => c.Index));
                }

                indices.Add(visible.Index);
            }

            return indices.ToArray();
        }

        return schema.Where(c => !DropColumns!.Contains(c.Name) && (KeepHidden || !c.IsHidden)).Select(c => c.Index).ToArray();
    }

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(SelectColumns?.ToArray(), DropColumns?.ToArray(), KeepHidden));
    }

    internal static ITransformer Load(ModelLoadContext ctx)
    {
        var config = ctx.ReadJson<Config>("config.json");
        return new ColumnSelectingTransformer(config.Keep, config.Drop, config.KeepHidden);
    }

    private sealed record Config(
        [property: JsonPropertyName("keep")] string[]? Keep,
        [property: JsonPropertyName("drop")] string[]? Drop,
        [property: JsonPropertyName("keepHidden")] bool KeepHidden);
}
