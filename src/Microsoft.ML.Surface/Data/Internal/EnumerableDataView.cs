namespace Microsoft.ML.Data.Internal;

/// <summary>A lazy view over an <see cref="IEnumerable{T}"/> of row objects; each cursor enumerates it again.</summary>
internal sealed class EnumerableDataView<TRow> : IDataView
    where TRow : class
{
    private readonly IEnumerable<TRow> _data;
    private readonly List<RowMember<TRow>> _members;

    public EnumerableDataView(IEnumerable<TRow> data, DataViewSchema? schema = null)
    {
        _data = data;
        _members = TypeSchema.ForReading<TRow>();
        if (schema is null)
        {
            var builder = new DataViewSchema.Builder();
            foreach (var member in _members)
            {
                builder.AddColumn(member.ColumnName, member.ColumnType);
            }

            schema = builder.ToSchema();
        }
        else
        {
            // Keep the schema's columns (and annotations) that the row class provides.
            var provided = schema.Where(c => !c.IsHidden && _members.Any(m => m.ColumnName == c.Name && m.ColumnType.RawType == c.Type.RawType)).ToList();
            _members = provided.Select(c => _members.First(m => m.ColumnName == c.Name && m.ColumnType.RawType == c.Type.RawType)).ToList();
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(provided);
            schema = builder.ToSchema();
        }

        Schema = schema;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _data switch
    {
        ICollection<TRow> c => c.Count,
        IReadOnlyCollection<TRow> c => c.Count,
        _ => null,
    };

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, Activation.FromColumns(Schema, columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(EnumerableDataView<TRow> parent, bool[] active) : CursorBase(parent.Schema, active)
    {
        private readonly IEnumerator<TRow> _enumerator = parent._data.GetEnumerator();
        private TRow? _current;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return Getters.Cast<TValue>(parent._members[column.Index].MakeGetter(() => _current ?? throw new InvalidOperationException("The cursor is not on a row.")), column);
        }

        protected override bool MoveNextCore()
        {
            if (!_enumerator.MoveNext())
            {
                _current = null;
                return false;
            }

            _current = _enumerator.Current ?? throw new InvalidOperationException($"Row {Position + 1} of the enumerable is null.");
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !IsDisposed)
            {
                _enumerator.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
