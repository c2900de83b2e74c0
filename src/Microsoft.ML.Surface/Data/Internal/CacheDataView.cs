namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Reads its input once, on the first cursor, into memory, then serves every later cursor (shuffled on request)
/// from there.
/// </summary>
internal sealed class CacheDataView : IDataView
{
    private readonly IDataView _input;
    private readonly object _lock = new();
    private ValueStore[]? _stores;
    private int _rowCount;

    public CacheDataView(IDataView input)
    {
        _input = input;
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => _stores is null ? _input.GetRowCount() : _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        var stores = Fill();
        int[] order = Enumerable.Range(0, _rowCount).ToArray();
        rand?.Shuffle(order);
        return new Cursor(Schema, active, stores, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private ValueStore[] Fill()
    {
        lock (_lock)
        {
            if (_stores is not null)
            {
                return _stores;
            }

            var stores = Schema.Select(c => ValueStore.Create(c.Type)).ToArray();
            int count = 0;
            using (var cursor = _input.GetRowCursor(Schema))
            {
                foreach (var column in Schema)
                {
                    stores[column.Index].Bind(cursor, column);
                }

                while (cursor.MoveNext())
                {
                    foreach (var store in stores)
                    {
                        store.Capture(count);
                    }

                    count++;
                }
            }

            _rowCount = count;
            _stores = stores;
            return stores;
        }
    }

    private sealed class Cursor : CursorBase
    {
        private readonly ValueStore[] _stores;
        private readonly int[] _order;
        private int _index = -1;

        public Cursor(DataViewSchema schema, bool[] active, ValueStore[] stores, int[] order)
            : base(schema, active)
        {
            _stores = stores;
            _order = order;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return Getters.Cast<TValue>(_stores[column.Index].MakeGetter(() => _order[_index]), column);
        }

        protected override bool MoveNextCore() => ++_index < _order.Length;
    }
}
