using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Maps keys back to the values of their <c>KeyValues</c> annotation. Nothing is learned.</summary>
public sealed class KeyToValueMappingEstimator : IEstimator<KeyToValueMappingTransformer>
{
    private readonly InputOutputColumnPair[] _columns;

    internal KeyToValueMappingEstimator(InputOutputColumnPair[] columns)
    {
        _columns = columns.Length > 0 ? columns : throw new ArgumentException("At least one column is needed.", nameof(columns));
    }

    /// <inheritdoc/>
    public KeyToValueMappingTransformer Fit(IDataView input)
    {
        var transformer = new KeyToValueMappingTransformer(_columns);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var columns = inputSchema.ToList();
        foreach (var pair in _columns)
        {
            if (!inputSchema.TryFindColumn(pair.InputColumnName, out var input) || !input.IsKey)
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input column '{pair.InputColumnName}' is missing or not a key.");
            }

            if (!input.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var keyValues))
            {
                throw new InvalidOperationException($"The key column '{pair.InputColumnName}' has no KeyValues annotation.");
            }

            columns.RemoveAll(c => c.Name == pair.OutputColumnName);
            columns.Add(new SchemaShape.Column(pair.OutputColumnName, input.Kind, keyValues.ItemType, keyValues.IsKey));
        }

        return new SchemaShape(columns);
    }
}
