namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Computes new columns of a row from other columns of the same row, one row at a time and only for the columns
/// a cursor asks for. The built-in transformers are row mappers over <see cref="RowMappedDataView"/>.
/// </summary>
internal abstract class RowMapper
{
    private DataViewSchema.DetachedColumn[]? _outputs;
    private DataViewSchema? _outputSchema;

    protected RowMapper(DataViewSchema inputSchema)
    {
        InputSchema = inputSchema;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema.DetachedColumn[] OutputColumns => _outputs ??= CreateOutputColumns();

    /// <summary>The input columns followed by the output columns (which hide inputs of the same name).</summary>
    public DataViewSchema OutputSchema => _outputSchema ??= SchemaUtils.Append(InputSchema, OutputColumns);

    protected abstract DataViewSchema.DetachedColumn[] CreateOutputColumns();

    /// <summary>The input column indices that output <paramref name="outputIndex"/> reads.</summary>
    public abstract IEnumerable<int> GetDependencies(int outputIndex);

    /// <summary>A getter of output <paramref name="outputIndex"/> computed from <paramref name="input"/>.</summary>
    public abstract Delegate CreateGetter(DataViewRow input, int outputIndex);
}
