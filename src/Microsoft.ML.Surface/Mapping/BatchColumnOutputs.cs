using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Data;

/// <summary>The output buffers of one block of rows, one per column of <see cref="BatchColumnMapper.OutputColumns"/>.</summary>
public sealed class BatchColumnOutputs
{
    private readonly ValueStore?[] _stores;
    private readonly IReadOnlyList<DataViewSchema.DetachedColumn> _columns;

    internal BatchColumnOutputs(IReadOnlyList<DataViewSchema.DetachedColumn> columns, IReadOnlyList<bool> active, int capacity)
    {
        _columns = columns;
        _stores = new ValueStore?[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            if (active[i])
            {
                var store = ValueStore.Create(columns[i].Type);
                _stores[i] = store;
                store.EnsureCapacity(capacity);
            }
        }
    }

    /// <summary>The number of rows in the block.</summary>
    public int RowCount { get; internal set; }

    /// <summary>Whether output <paramref name="outputIndex"/> was requested and must be written.</summary>
    /// <param name="outputIndex">An index into <see cref="BatchColumnMapper.OutputColumns"/>.</param>
    /// <returns><see langword="true"/> when active.</returns>
    public bool IsActive(int outputIndex) => _stores[outputIndex] is not null;

    /// <summary>
    /// The <see cref="RowCount"/> values of output <paramref name="outputIndex"/> to write; element <c>i</c> is the
    /// row added in slot <c>i</c>. Buffers are reused from block to block, so a vector slot may be recycled with
    /// <see cref="VBufferEditor.Create{T}(ref VBuffer{T}, int, int?, bool)"/>.
    /// </summary>
    /// <typeparam name="TValue">The raw type of the output column.</typeparam>
    /// <param name="outputIndex">An index into <see cref="BatchColumnMapper.OutputColumns"/>.</param>
    /// <returns>The values of the block.</returns>
    public Span<TValue> GetValues<TValue>(int outputIndex)
    {
        var store = _stores[outputIndex]
            ?? throw new InvalidOperationException($"Output column '{_columns[outputIndex].Name}' is not active.");
        if (store is not ValueStore<TValue> typed)
        {
            throw new InvalidOperationException($"Output column '{_columns[outputIndex].Name}' is of type {_columns[outputIndex].Type}, not {typeof(TValue).Name}.");
        }

        return typed.Items[..RowCount];
    }

    internal Delegate MakeGetter(int outputIndex, Func<int> slot) => _stores[outputIndex]!.MakeGetter(slot);
}
