namespace Microsoft.ML.Transforms;

/// <summary>Keeps or drops columns. Nothing is learned.</summary>
public sealed class ColumnSelectingEstimator : IEstimator<ColumnSelectingTransformer>
{
    private readonly string[]? _keepColumns;
    private readonly string[]? _dropColumns;
    private readonly bool _keepHidden;

    internal ColumnSelectingEstimator(string[]? keepColumns, string[]? dropColumns, bool keepHidden)
    {
        _keepColumns = keepColumns;
        _dropColumns = dropColumns;
        _keepHidden = keepHidden;
    }

    /// <inheritdoc/>
    public ColumnSelectingTransformer Fit(IDataView input)
    {
        var transformer = new ColumnSelectingTransformer(_keepColumns, _dropColumns, _keepHidden);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (_keepColumns is not null)
        {
            return new SchemaShape(_keepColumns.Select(name => inputSchema.TryFindColumn(name, out var c)
                ? c
                : throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The column '{name}' was not found.")));
        }

        return new SchemaShape(inputSchema.Where(c => !_dropColumns!.Contains(c.Name)));
    }
}
