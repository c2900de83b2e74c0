namespace Microsoft.ML.Data.Internal;

/// <summary>
/// A lazy view over a delimited text file: every cursor streams the file line by line and parses only the active
/// columns, so files far larger than memory can be read.
/// </summary>
internal sealed class TextFileDataView : IDataView
{
    private readonly string _path;
    private readonly TextColumnDefinition[] _columns;
    private readonly char _separator;
    private readonly bool _hasHeader;
    private readonly bool _allowQuoting;
    private readonly bool _trimWhitespace;
    private readonly bool _allowSparse;

    public TextFileDataView(string path, IEnumerable<TextColumnDefinition> columns, char separator, bool hasHeader, bool allowQuoting, bool trimWhitespace, bool allowSparse)
    {
        _path = path;
        _columns = columns.ToArray();
        _separator = separator;
        _hasHeader = hasHeader;
        _allowQuoting = allowQuoting;
        _trimWhitespace = trimWhitespace;
        _allowSparse = allowSparse;
        var builder = new DataViewSchema.Builder();
        foreach (var column in _columns)
        {
            builder.AddColumn(column.Name, column.Type);
        }

        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, Activation.FromColumns(Schema, columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : CursorBase
    {
        private readonly TextFileDataView _parent;
        private readonly StreamReader _reader;
        private readonly LineSplitter _splitter;
        private readonly TextFieldLocation _location;
        private readonly TextColumnReader?[] _readers;

        public Cursor(TextFileDataView parent, bool[] active)
            : base(parent.Schema, active)
        {
            _parent = parent;
            try
            {
                _reader = new StreamReader(new FileStream(parent._path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Could not open the text file '{parent._path}': {e.Message}", e);
            }

            _splitter = new LineSplitter(parent._separator, parent._allowQuoting, parent._trimWhitespace, parent._allowSparse);
            _location = new TextFieldLocation(parent._path);
            _readers = parent._columns.Select((c, i) => active[i] ? TextColumnReader.Create(c, _location) : null).ToArray();
            if (parent._hasHeader)
            {
                ReadLine();
            }
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            return Getters.Cast<TValue>(_readers[column.Index]!.MakeGetter(), column);
        }

        protected override bool MoveNextCore()
        {
            string? line;
            do
            {
                line = ReadLine();
                if (line is null)
                {
                    return false;
                }
            }
            while (string.IsNullOrWhiteSpace(line));

            IReadOnlyList<ReadOnlyMemory<char>> fields;
            Dictionary<int, ReadOnlyMemory<char>>? sparse;
            try
            {
                fields = _splitter.Split(line, out sparse);
            }
            catch (FormatException e)
            {
                throw new FormatException($"File '{_parent._path}', line {_location.LineNumber}: {e.Message}", e);
            }

            foreach (var reader in _readers)
            {
                reader?.Read(fields, sparse);
            }

            return true;
        }

        private string? ReadLine()
        {
            string? line = _reader.ReadLine();
            if (line is not null)
            {
                _location.LineNumber++;
            }

            return line;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !IsDisposed)
            {
                _reader.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
