namespace Microsoft.ML.Data.Internal;

/// <summary>A lazy view adding a <see cref="RowMapper"/>'s columns to its input.</summary>
internal sealed class RowMappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly RowMapper _mapper;

    public RowMappedDataView(IDataView input, RowMapper mapper)
    {
        _input = input;
        _mapper = mapper;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _mapper.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        int inputCount = _input.Schema.Count;
        var inputActive = active.Take(inputCount).ToArray();
        for (int i = inputCount; i < active.Length; i++)
        {
            if (active[i])
            {
                foreach (int dependency in _mapper.GetDependencies(i - inputCount))
                {
                    inputActive[dependency] = true;
                }
            }
        }

        var inner = _input.GetRowCursor(Activation.Columns(_input.Schema, inputActive), rand);
        return new Cursor(this, inner, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(RowMappedDataView parent, DataViewRowCursor inner, bool[] active)
        : CursorBase(parent.Schema, active)
    {
        private readonly Delegate?[] _getters = new Delegate?[parent._mapper.OutputColumns.Length];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            int inputCount = inner.Schema.Count;
            if (column.Index < inputCount)
            {
                return inner.GetGetter<TValue>(inner.Schema[column.Index]);
            }

            int output = column.Index - inputCount;
            return Getters.Cast<TValue>(_getters[output] ??= parent._mapper.CreateGetter(inner, output), column);
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
