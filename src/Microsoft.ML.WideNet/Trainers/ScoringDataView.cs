using Microsoft.ML.Data;

namespace Microsoft.ML.WideNet;

/// <summary>The output schema of a classifier transformer: every input column, then Score and PredictedLabel (an input
/// column of the same name becomes hidden, as in ML.NET).</summary>
internal sealed class ScoringSchema
{
    public ScoringSchema(DataViewSchema input, IReadOnlyList<DataViewSchema.DetachedColumn> outputs)
    {
        Input = input;
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        foreach (var c in outputs) b.AddColumn(c.Name, c.Type, c.Annotations);
        Output = b.ToSchema();
    }

    public DataViewSchema Input { get; }
    public DataViewSchema Output { get; }
    /// <summary>Index of Score in <see cref="Output"/>; PredictedLabel follows it.</summary>
    public int ScoreIndex => Input.Count;
    public bool IsOutput(DataViewSchema.Column c) => c.Index >= Input.Count;
}

/// <summary>The lazy result of <c>Transform</c>: cursors read <see cref="WideNetClassificationTransformer.BatchSize"/>
/// input rows, score them in one forward pass and hand them out one by one. A cursor that requests neither Score nor
/// PredictedLabel computes nothing and reads only the columns it passes through; the label is never read.</summary>
internal sealed class ScoringDataView(IDataView input, WideNetClassificationTransformer parent) : IDataView
{
    readonly ScoringSchema _schema = new(input.Schema, parent.OutputColumns());

    public bool CanShuffle => input.CanShuffle;
    public DataViewSchema Schema => _schema.Output;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        var scoring = active.Contains(_schema.ScoreIndex) || active.Contains(_schema.ScoreIndex + 1);
        var passthrough = active.Where(i => i < _schema.ScoreIndex).Select(i => input.Schema[i]).ToList();
        var needed = scoring ? passthrough.Concat(parent.InputColumns(input.Schema)).DistinctBy(c => c.Index).ToList() : passthrough;
        var cursor = input.GetRowCursor(needed, rand);
        return scoring ? new BatchScoringCursor(cursor, _schema, parent, active, passthrough)
                       : new PassThroughCursor(cursor, _schema, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>No output column requested: the input rows as they are.</summary>
    sealed class PassThroughCursor(DataViewRowCursor input, ScoringSchema schema, HashSet<int> active) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema.Output;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override bool MoveNext() => input.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"column '{column.Name}' was not requested from this cursor");
            return input.GetGetter<TValue>(schema.Input[column.Index]);
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads a block of rows ahead, keeping copies of the passed-through columns, and scores the block.</summary>
    sealed class BatchScoringCursor : DataViewRowCursor
    {
        readonly DataViewRowCursor _input;
        readonly ScoringSchema _schema;
        readonly WideNetClassificationTransformer _parent;
        readonly HashSet<int> _active;
        readonly Dictionary<int, ColumnBuffer> _buffers;
        readonly Func<object> _read;
        readonly ValueGetter<DataViewRowId> _inputId;
        readonly object[] _items;
        readonly DataViewRowId[] _ids;
        readonly long[] _rows;
        float[] _probabilities = [];
        int _count, _index = -1;
        long _position = -1;

        public BatchScoringCursor(DataViewRowCursor input, ScoringSchema schema, WideNetClassificationTransformer parent,
                                  HashSet<int> active, IReadOnlyList<DataViewSchema.Column> passthrough)
        {
            (_input, _schema, _parent, _active) = (input, schema, parent, active);
            var batch = Math.Max(1, parent.BatchSize);
            _buffers = passthrough.ToDictionary(c => c.Index, c => ColumnBuffer.Create(input, c, batch));
            _read = parent.Reader(input);
            _inputId = input.GetIdGetter();
            _items = new object[batch];
            _ids = new DataViewRowId[batch];
            _rows = new long[batch];
        }

        public override DataViewSchema Schema => _schema.Output;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (++_index >= _count && !Fill()) return false;
            _position++;
            return true;
        }

        bool Fill()
        {
            _count = 0;
            _index = 0;
            while (_count < _items.Length && _input.MoveNext())
            {
                _items[_count] = _read();
                _inputId(ref _ids[_count]);
                _rows[_count] = _input.Position + 1;
                foreach (var b in _buffers.Values) b.Capture(_count);
                _count++;
            }
            if (_count == 0) return false;
            var rows = _rows;
            _probabilities = _parent.ScoreItems(new ArraySegment<object>(_items, 0, _count), j => $"row {rows[j]}");
            Array.Clear(_items, 0, _count);
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[_index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"column '{column.Name}' was not requested from this cursor");
            if (_schema.IsOutput(column))
                return ScoreGetters.Create<TValue>(column.Index - _schema.ScoreIndex, _parent.ClassCount, () => _probabilities.AsSpan(_index * _parent.ClassCount, _parent.ClassCount));
            return ((ColumnBuffer<TValue>)_buffers[column.Index]).Getter(() => _index);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Getters of the two output columns over one row's probabilities.</summary>
internal static class ScoreGetters
{
    public delegate ReadOnlySpan<float> RowProbabilities();

    public static ValueGetter<TValue> Create<TValue>(int output, int k, RowProbabilities row)
    {
        if (output == 0)
        {
            ValueGetter<VBuffer<float>> score = (ref VBuffer<float> dst) =>
            {
                var editor = VBufferEditor.Create(ref dst, k);
                row().CopyTo(editor.Values);
                dst = editor.Commit();
            };
            return score as ValueGetter<TValue> ?? throw new InvalidCastException($"the score column holds VBuffer<float>, not {typeof(TValue).Name}");
        }
        ValueGetter<uint> predicted = (ref uint dst) =>
        {
            var p = row();
            var best = 0;
            for (var c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
            dst = (uint)best + 1;
        };
        return predicted as ValueGetter<TValue> ?? throw new InvalidCastException($"the predicted label column holds uint keys, not {typeof(TValue).Name}");
    }
}

/// <summary>Copies of one input column for a block of rows read ahead (vectors and text copied, so the values stay
/// valid after the input cursor moves on).</summary>
internal abstract class ColumnBuffer
{
    public abstract void Capture(int slot);

    public static ColumnBuffer Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var raw = column.Type.RawType;
        var type = raw == typeof(ReadOnlyMemory<char>) ? typeof(TextBuffer)
            : raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>) ? typeof(VectorBuffer<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(ValueBuffer<>).MakeGenericType(raw);
        return (ColumnBuffer)Activator.CreateInstance(type, row, column, capacity)!;
    }
}

internal abstract class ColumnBuffer<T>(int capacity) : ColumnBuffer
{
    protected readonly T[] Values = new T[capacity];
    public virtual ValueGetter<T> Getter(Func<int> slot) => (ref T dst) => dst = Values[slot()];
}

internal sealed class ValueBuffer<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBuffer<T>(capacity)
{
    readonly ValueGetter<T> _get = row.GetGetter<T>(column);
    public override void Capture(int slot)
    {
        T value = default!;   // a fresh value each row: reference types (images) are never overwritten by the source
        _get(ref value);
        Values[slot] = value;
    }
}

internal sealed class TextBuffer(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBuffer<ReadOnlyMemory<char>>(capacity)
{
    readonly ValueGetter<ReadOnlyMemory<char>> _get = row.GetGetter<ReadOnlyMemory<char>>(column);
    ReadOnlyMemory<char> _scratch;
    public override void Capture(int slot)
    {
        _get(ref _scratch);
        Values[slot] = _scratch.ToString().AsMemory();
    }
}

internal sealed class VectorBuffer<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBuffer<VBuffer<T>>(capacity)
{
    readonly ValueGetter<VBuffer<T>> _get = row.GetGetter<VBuffer<T>>(column);
    VBuffer<T> _scratch;
    public override void Capture(int slot)
    {
        _get(ref _scratch);
        _scratch.CopyTo(ref Values[slot]);
    }
    public override ValueGetter<VBuffer<T>> Getter(Func<int> slot) => (ref VBuffer<T> dst) => Values[slot()].CopyTo(ref dst);
}

/// <summary>The row-to-row form of a classifier transformer (for <c>PredictionEngine</c> and
/// <c>TransformerChain</c>'s row mapping): scores the current input row when an output column is read, once per row.</summary>
internal sealed class ScoringRowMapper(DataViewSchema inputSchema, WideNetClassificationTransformer parent) : IRowToRowMapper
{
    readonly ScoringSchema _schema = new(inputSchema, parent.OutputColumns());

    public DataViewSchema InputSchema => _schema.Input;
    public DataViewSchema OutputSchema => _schema.Output;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var cols = dependingColumns.ToList();
        var passthrough = cols.Where(c => !_schema.IsOutput(c)).Select(c => InputSchema[c.Index]);
        return cols.Any(_schema.IsOutput) ? passthrough.Concat(parent.InputColumns(InputSchema)).DistinctBy(c => c.Index).ToList() : passthrough.ToList();
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(input, _schema, parent, activeColumns.Select(c => c.Index).ToHashSet());

    sealed class Row : DataViewRow
    {
        readonly DataViewRow _input;
        readonly ScoringSchema _schema;
        readonly WideNetClassificationTransformer _parent;
        readonly HashSet<int> _active;
        readonly Func<object>? _read;
        float[] _probabilities = [];
        long _scored = -1;

        public Row(DataViewRow input, ScoringSchema schema, WideNetClassificationTransformer parent, HashSet<int> active)
        {
            (_input, _schema, _parent, _active) = (input, schema, parent, active);
            if (active.Any(i => i >= schema.ScoreIndex)) _read = parent.Reader(input);
        }

        public override DataViewSchema Schema => _schema.Output;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        ReadOnlySpan<float> Probabilities()
        {
            if (_scored != _input.Position || _probabilities.Length == 0)
            {
                var position = _input.Position;
                _probabilities = _parent.ScoreItems([_read!()], _ => $"row {position + 1}");
                _scored = position;
            }
            return _probabilities;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"column '{column.Name}' was not requested from this row");
            if (_schema.IsOutput(column)) return ScoreGetters.Create<TValue>(column.Index - _schema.ScoreIndex, _parent.ClassCount, Probabilities);
            return _input.GetGetter<TValue>(_schema.Input[column.Index]);
        }
    }
}
