namespace Microsoft.ML.Data.Internal;

/// <summary>What a row filter does with the current row.</summary>
internal enum FilterDecision
{
    Keep,
    Skip,
    Stop,
}

/// <summary>
/// A lazy view keeping the input rows a per-cursor predicate accepts (used by TakeRows, SkipRows and the
/// train/test and cross-validation splits). Input order is preserved and the input is never shuffled.
/// </summary>
internal sealed class FilterDataView : IDataView
{
    private readonly IDataView _input;
    private readonly Func<DataViewRow, Func<FilterDecision>> _createPredicate;
    private readonly int[] _requiredColumns;
    private readonly Func<long?, long?> _rowCount;
    private readonly long _limit;

    // limit: the most rows to keep; the input is not read past the last kept row.
    public FilterDataView(IDataView input, Func<DataViewRow, Func<FilterDecision>> createPredicate, IEnumerable<int>? requiredColumns = null, Func<long?, long?>? rowCount = null, long limit = long.MaxValue)
    {
        _limit = limit;
        _input = input;
        _createPredicate = createPredicate;
        _requiredColumns = requiredColumns?.ToArray() ?? [];
        _rowCount = rowCount ?? (_ => null);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => _rowCount(_input.GetRowCount());

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        var inputActive = (bool[])active.Clone();
        foreach (int index in _requiredColumns)
        {
            inputActive[index] = true;
        }

        var inner = _input.GetRowCursor(Activation.Columns(Schema, inputActive));
        return new Cursor(inner, active, _createPredicate(inner), _limit);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, bool[] active, Func<FilterDecision> predicate, long limit)
        : CursorBase(inner.Schema, active)
    {
        private long _kept;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return inner.GetGetter<TValue>(column);
        }

        protected override bool MoveNextCore()
        {
            while (_kept < limit && inner.MoveNext())
            {
                switch (predicate())
                {
                    case FilterDecision.Keep:
                        _kept++;
                        return true;
                    case FilterDecision.Stop:
                        return false;
                }
            }

            return false;
        }

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
