using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Data;

/// <summary>
/// The reusable part of a transformer that adds columns computed a block of rows at a time (for example a neural
/// network scorer that predicts 64 rows per forward pass). A mapper is bound to one input schema; wrap it in a
/// <see cref="BatchMappedDataView"/> (or derive the transformer from <see cref="BatchColumnTransformerBase"/>) to get a lazy
/// view that pulls <see cref="BatchSize"/> input rows, asks a <see cref="BatchColumnWorker"/> to compute the outputs for all of
/// them, then serves them row by row.
/// </summary>
public abstract class BatchColumnMapper
{
    private IReadOnlyList<DataViewSchema.DetachedColumn>? _outputs;
    private DataViewSchema? _outputSchema;

    /// <summary>Binds the mapper to the schema of the views it will map.</summary>
    /// <param name="inputSchema">The input schema.</param>
    protected BatchColumnMapper(DataViewSchema inputSchema)
    {
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
    }

    /// <summary>The schema of the input views.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The added columns (names, types and annotations), in order.</summary>
    public IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => _outputs ??= GetOutputColumns().ToArray();

    /// <summary>The input columns followed by <see cref="OutputColumns"/>; outputs hide inputs of the same name.</summary>
    public DataViewSchema OutputSchema => _outputSchema ??= SchemaUtils.Append(InputSchema, OutputColumns);

    /// <summary>How many rows a worker computes at once; 64 unless overridden.</summary>
    public virtual int BatchSize => 64;

    /// <summary>Describes the added columns; called once.</summary>
    /// <returns>The output columns.</returns>
    protected abstract IEnumerable<DataViewSchema.DetachedColumn> GetOutputColumns();

    /// <summary>The input columns a worker reads to compute the active outputs.</summary>
    /// <param name="activeOutputs">For each output column, whether a cursor asked for it.</param>
    /// <returns>Columns of <see cref="InputSchema"/>.</returns>
    public abstract IEnumerable<DataViewSchema.Column> GetDependencies(IReadOnlyList<bool> activeOutputs);

    /// <summary>Creates the per-cursor worker reading from <paramref name="input"/>.</summary>
    /// <param name="input">The input cursor; its dependency columns are active.</param>
    /// <param name="activeOutputs">For each output column, whether it must be computed.</param>
    /// <returns>A worker, disposed with the cursor.</returns>
    public abstract BatchColumnWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs);
}
