using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Loads image files as raw bytes (a variable-size <see cref="byte"/> vector). Nothing is learned.</summary>
public sealed class ImageLoadingEstimator : IEstimator<ImageLoadingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly string? _imageFolder;

    internal ImageLoadingEstimator(string outputColumnName, string? imageFolder, string inputColumnName)
    {
        _outputColumnName = outputColumnName;
        _imageFolder = imageFolder;
        _inputColumnName = inputColumnName;
    }

    /// <inheritdoc/>
    public ImageLoadingTransformer Fit(IDataView input)
    {
        var transformer = new ImageLoadingTransformer(_outputColumnName, _imageFolder, _inputColumnName);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFindColumn(_inputColumnName, out var input) || input.ItemType is not TextDataViewType || input.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input column '{_inputColumnName}' must be a text column of image paths.");
        }

        var columns = inputSchema.Where(c => c.Name != _outputColumnName).ToList();
        columns.Add(new SchemaShape.Column(_outputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Byte, false));
        return new SchemaShape(columns);
    }
}
