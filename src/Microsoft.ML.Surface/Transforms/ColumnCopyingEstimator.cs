namespace Microsoft.ML.Transforms;

/// <summary>Copies columns under new names (type and annotations included). Nothing is learned.</summary>
public sealed class ColumnCopyingEstimator : IEstimator<ColumnCopyingTransformer>
{
    private readonly InputOutputColumnPair[] _columns;

    internal ColumnCopyingEstimator(InputOutputColumnPair[] columns)
    {
        _columns = columns.Length > 0 ? columns : throw new ArgumentException("At least one column is needed.", nameof(columns));
    }

    /// <inheritdoc/>
    public ColumnCopyingTransformer Fit(IDataView input)
    {
        var transformer = new ColumnCopyingTransformer(_columns);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var columns = inputSchema.ToList();
        foreach (var pair in _columns)
        {
            if (!inputSchema.TryFindColumn(pair.InputColumnName, out var input))
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input column '{pair.InputColumnName}' was not found.");
            }

            columns.RemoveAll(c => c.Name == pair.OutputColumnName);
            columns.Add(new SchemaShape.Column(pair.OutputColumnName, input.Kind, input.ItemType, input.IsKey, input.Annotations));
        }

        return new SchemaShape(columns);
    }
}
