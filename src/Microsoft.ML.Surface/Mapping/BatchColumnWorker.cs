namespace Microsoft.ML.Data;

/// <summary>
/// The per-cursor state of a <see cref="BatchColumnMapper"/>: it copies what it needs from each input row into its own
/// buffers (<see cref="AddRow"/>), then computes the outputs of the whole block at once (<see cref="ComputeBatch"/>).
/// </summary>
public abstract class BatchColumnWorker : IDisposable
{
    /// <summary>
    /// Called with the input cursor on a new row: read the dependency columns through getters created once (for
    /// example in the constructor) and keep what the computation needs for slot <paramref name="rowInBatch"/>.
    /// </summary>
    /// <param name="rowInBatch">The row's slot in the current block, from 0.</param>
    public abstract void AddRow(int rowInBatch);

    /// <summary>
    /// Computes the active outputs of the <see cref="BatchColumnOutputs.RowCount"/> rows added since the last call, writing
    /// them into <see cref="BatchColumnOutputs.GetValues{TValue}"/>.
    /// </summary>
    /// <param name="outputs">The output buffers of the block.</param>
    public abstract void ComputeBatch(BatchColumnOutputs outputs);

    /// <summary>Releases the worker's resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the worker's resources.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
