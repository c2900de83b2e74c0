namespace Microsoft.ML.Data;

/// <summary>
/// A base for transformers whose output columns are computed by a <see cref="BatchColumnMapper"/>: derive, implement
/// <see cref="CreateMapper"/> and <see cref="Save"/>, and <see cref="Transform"/> / <see cref="GetOutputSchema"/> follow.
/// </summary>
public abstract class BatchColumnTransformerBase : ITransformer
{
    /// <summary>Creates the mapper for inputs of <paramref name="inputSchema"/>; throws when the schema does not fit.</summary>
    /// <param name="inputSchema">The input schema.</param>
    /// <returns>The mapper.</returns>
    protected abstract BatchColumnMapper CreateMapper(DataViewSchema inputSchema);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return CreateMapper(inputSchema).OutputSchema;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchMappedDataView(input, CreateMapper(input.Schema));
    }

    /// <inheritdoc/>
    public abstract void Save(ModelSaveContext ctx);
}
