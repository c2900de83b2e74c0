namespace Microsoft.ML.Data.Internal;

/// <summary>A lazy view exposing a subset of its input's columns, in a chosen order.</summary>
internal sealed class ColumnSubsetDataView : IDataView
{
    private readonly IDataView _input;
    private readonly int[] _sourceIndices;

    public ColumnSubsetDataView(IDataView input, IEnumerable<int> sourceIndices)
    {
        _input = input;
        _sourceIndices = sourceIndices.ToArray();
        Schema = MakeSchema(input.Schema, _sourceIndices);
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public static DataViewSchema MakeSchema(DataViewSchema input, int[] sourceIndices)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(sourceIndices.Select(i => input[i]));
        return builder.ToSchema();
    }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        var inner = _input.GetRowCursor(Enumerable.Range(0, active.Length).Where(i => active[i]).Select(i => _input.Schema[_sourceIndices[i]]), rand);
        return new Cursor(this, inner, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(ColumnSubsetDataView parent, DataViewRowCursor inner, bool[] active)
        : CursorBase(parent.Schema, active)
    {
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return inner.GetGetter<TValue>(inner.Schema[parent._sourceIndices[column.Index]]);
        }

        protected override bool MoveNextCore() => inner.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !IsDisposed)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
