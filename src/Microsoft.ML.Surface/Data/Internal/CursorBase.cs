namespace Microsoft.ML.Data.Internal;

/// <summary>Position bookkeeping, activity checks and row ids shared by the cursors of this assembly.</summary>
internal abstract class CursorBase : DataViewRowCursor
{
    private readonly bool[] _active;
    private long _position = -1;
    private bool _finished;

    protected CursorBase(DataViewSchema schema, bool[] active)
    {
        Schema = schema;
        _active = active;
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _position;

    public override long Batch => 0;

    protected bool IsDisposed { get; private set; }

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        (uint)column.Index < (uint)_active.Length && _active[column.Index];

    public sealed override bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_finished)
        {
            return false;
        }

        if (MoveNextCore())
        {
            _position++;
            return true;
        }

        _finished = true;
        return false;
    }

    protected abstract bool MoveNextCore();

    protected void CheckActive(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
        {
            throw new InvalidOperationException($"Column '{column.Name}' (index {column.Index}) was not requested when the cursor was opened.");
        }
    }

    protected override void Dispose(bool disposing)
    {
        IsDisposed = true;
        base.Dispose(disposing);
    }
}
