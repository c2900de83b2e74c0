using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Data;

/// <summary>
/// A lazy view adding the columns of a <see cref="BatchColumnMapper"/> to its input. Each cursor reads
/// <see cref="BatchColumnMapper.BatchSize"/> input rows ahead, buffering the requested input columns, computes the block's
/// outputs in one call, then serves the rows one at a time. Cursors that request no output column read the input
/// directly.
/// </summary>
public sealed class BatchMappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly BatchColumnMapper _mapper;

    /// <summary>Maps <paramref name="input"/> with <paramref name="mapper"/>.</summary>
    /// <param name="input">The input view; its schema must be the mapper's input schema.</param>
    /// <param name="mapper">The mapper.</param>
    public BatchMappedDataView(IDataView input, BatchColumnMapper mapper)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        if (input.Schema.Count != mapper.InputSchema.Count)
        {
            throw new ArgumentException("The mapper was created for a different input schema.", nameof(mapper));
        }

        if (mapper.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(mapper), "The mapper's batch size must be positive.");
        }
    }

    /// <inheritdoc/>
    public bool CanShuffle => _input.CanShuffle;

    /// <inheritdoc/>
    public DataViewSchema Schema => _mapper.OutputSchema;

    /// <inheritdoc/>
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Activation.FromColumns(Schema, columnsNeeded);
        int inputCount = _input.Schema.Count;
        var inputActive = active.Take(inputCount).ToArray();
        var activeOutputs = active.Skip(inputCount).ToArray();
        bool anyOutput = activeOutputs.Any(a => a);
        if (anyOutput)
        {
            foreach (var dependency in _mapper.GetDependencies(activeOutputs))
            {
                inputActive[dependency.Index] = true;
            }
        }

        var inner = _input.GetRowCursor(Activation.Columns(_input.Schema, inputActive), rand);
        return anyOutput
            ? new BatchCursor(this, inner, active, activeOutputs)
            : new PassThroughCursor(Schema, inner, active);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class PassThroughCursor(DataViewSchema schema, DataViewRowCursor inner, bool[] active)
        : CursorBase(schema, active)
    {
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return inner.GetGetter<TValue>(inner.Schema[column.Index]);
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

    private sealed class BatchCursor : CursorBase
    {
        private readonly DataViewRowCursor _inner;
        private readonly BatchColumnWorker _worker;
        private readonly BatchColumnOutputs _outputs;
        private readonly ValueStore?[] _passThrough;
        private readonly int _inputCount;
        private readonly int _batchSize;
        private int _rowsInBatch;
        private int _slot = -1;

        public BatchCursor(BatchMappedDataView parent, DataViewRowCursor inner, bool[] active, bool[] activeOutputs)
            : base(parent.Schema, active)
        {
            _inner = inner;
            _inputCount = inner.Schema.Count;
            _batchSize = parent._mapper.BatchSize;
            _passThrough = new ValueStore?[_inputCount];
            for (int i = 0; i < _inputCount; i++)
            {
                if (active[i])
                {
                    var store = ValueStore.Create(inner.Schema[i].Type);
                    store.Bind(inner, inner.Schema[i]);
                    _passThrough[i] = store;
                }
            }

            _outputs = new BatchColumnOutputs(parent._mapper.OutputColumns, activeOutputs, _batchSize);
            _worker = parent._mapper.CreateWorker(inner, activeOutputs);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            var getter = column.Index < _inputCount
                ? _passThrough[column.Index]!.MakeGetter(() => _slot)
                : _outputs.MakeGetter(column.Index - _inputCount, () => _slot);
            return Getters.Cast<TValue>(getter, column);
        }

        protected override bool MoveNextCore()
        {
            if (++_slot < _rowsInBatch)
            {
                return true;
            }

            _rowsInBatch = 0;
            while (_rowsInBatch < _batchSize && _inner.MoveNext())
            {
                foreach (var store in _passThrough)
                {
                    store?.Capture(_rowsInBatch);
                }

                _worker.AddRow(_rowsInBatch);
                _rowsInBatch++;
            }

            _slot = 0;
            if (_rowsInBatch == 0)
            {
                return false;
            }

            _outputs.RowCount = _rowsInBatch;
            _worker.ComputeBatch(_outputs);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !IsDisposed)
            {
                _worker.Dispose();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
