using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Concatenates scalar and vector columns of one item type into a single vector column. Nothing is learned.</summary>
public sealed class ColumnConcatenatingEstimator : IEstimator<ColumnConcatenatingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string[] _inputColumnNames;

    internal ColumnConcatenatingEstimator(string outputColumnName, string[] inputColumnNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (inputColumnNames is null || inputColumnNames.Length == 0)
        {
            throw new ArgumentException("At least one input column is needed.", nameof(inputColumnNames));
        }

        _outputColumnName = outputColumnName;
        _inputColumnNames = inputColumnNames;
    }

    /// <inheritdoc/>
    public ColumnConcatenatingTransformer Fit(IDataView input)
    {
        var transformer = new ColumnConcatenatingTransformer(_outputColumnName, _inputColumnNames);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var inputs = _inputColumnNames.Select(name => inputSchema.TryFindColumn(name, out var c)
            ? c
            : throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input column '{name}' was not found.")).ToList();
        var itemType = inputs[0].ItemType;
        if (inputs.Any(c => !c.ItemType.Equals(itemType)))
        {
            throw new ArgumentException($"The columns {string.Join(", ", _inputColumnNames)} do not share one item type.");
        }

        var kind = inputs.Any(c => c.Kind == SchemaShape.Column.VectorKind.VariableVector)
            ? SchemaShape.Column.VectorKind.VariableVector
            : SchemaShape.Column.VectorKind.Vector;
        var columns = inputSchema.Where(c => c.Name != _outputColumnName).ToList();
        columns.Add(new SchemaShape.Column(_outputColumnName, kind, itemType, inputs[0].IsKey));
        return new SchemaShape(columns);
    }
}
