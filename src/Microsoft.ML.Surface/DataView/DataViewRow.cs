using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>A row of values, read column by column through typed getters.</summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>The index of the current row, counting from 0; -1 before the first.</summary>
    public abstract long Position { get; }

    /// <summary>Identifies the cursor set this row came from; rows of different batches never interleave.</summary>
    public abstract long Batch { get; }

    /// <summary>The schema of the row.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>A getter of a unique identifier of the current row.</summary>
    /// <returns>The getter.</returns>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    /// <summary>Whether the column's getter can be requested.</summary>
    /// <param name="column">A column of <see cref="Schema"/>.</param>
    /// <returns><see langword="true"/> when the column is active.</returns>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter of the column's value in the current row.</summary>
    /// <typeparam name="TValue">The column type's <see cref="DataViewType.RawType"/>.</typeparam>
    /// <param name="column">An active column of <see cref="Schema"/>.</param>
    /// <returns>The getter.</returns>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>Releases the row's resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the row's resources.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
