namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Streams its input through a pool of rows, emitting a random row of the pool each step (ML.NET's
/// <c>ShuffleRows</c>): memory stays bounded by the pool size.
/// </summary>
internal sealed class ShuffleDataView : IDataView
{
    private readonly IDataView _input;
    private readonly int _seed;
    private readonly int _poolSize;
    private readonly bool _shuffleSource;

    public ShuffleDataView(IDataView input, int seed, int poolSize, bool shuffleSource)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        _input = input;
        _seed = seed;
        _poolSize = poolSize;
        _shuffleSource = shuffleSource;
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        var random = rand is null ? new Random(_seed) : new Random(rand.Next());
        var inputRand = _shuffleSource && _input.CanShuffle ? new Random(random.Next()) : null;
        var inner = _input.GetRowCursor(Activation.Columns(Schema, active), inputRand);
        return new Cursor(inner, active, random, _poolSize);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : CursorBase
    {
        private readonly DataViewRowCursor _inner;
        private readonly Random _random;
        private readonly int _poolSize;
        private readonly ValueStore[] _stores;
        private readonly int[] _activeIndices;
        private int _filled;
        private bool _innerDone;
        private int _current = -1;

        public Cursor(DataViewRowCursor inner, bool[] active, Random random, int poolSize)
            : base(inner.Schema, active)
        {
            _inner = inner;
            _random = random;
            _poolSize = poolSize;
            _activeIndices = Enumerable.Range(0, active.Length).Where(i => active[i]).ToArray();
            _stores = new ValueStore[active.Length];
            foreach (int i in _activeIndices)
            {
                _stores[i] = ValueStore.Create(inner.Schema[i].Type);
                _stores[i].Bind(inner, inner.Schema[i]);
            }
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return Getters.Cast<TValue>(_stores[column.Index].MakeGetter(() => _current), column);
        }

        protected override bool MoveNextCore()
        {
            // The slot served last time is free again: move the pool's last row into it.
            if (_current >= 0)
            {
                _filled--;
                Swap(_current, _filled);
            }

            while (!_innerDone && _filled < _poolSize)
            {
                if (!_inner.MoveNext())
                {
                    _innerDone = true;
                    break;
                }

                foreach (int i in _activeIndices)
                {
                    _stores[i].Capture(_filled);
                }

                _filled++;
            }

            if (_filled == 0)
            {
                return false;
            }

            _current = _random.Next(_filled);
            return true;
        }

        private void Swap(int a, int b)
        {
            foreach (int i in _activeIndices)
            {
                _stores[i].Swap(a, b);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !IsDisposed)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
