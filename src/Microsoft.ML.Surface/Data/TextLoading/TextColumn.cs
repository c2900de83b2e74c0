namespace Microsoft.ML.Data.Internal;

/// <summary>A column of a text file: its name, type and the source field indices it is read from.</summary>
internal sealed record TextColumnDefinition(string Name, DataViewType Type, int[] SourceIndices);

/// <summary>Errors of parsing a field, located by file, line and column.</summary>
internal sealed class TextFieldLocation(string path)
{
    public string Path => path;

    public long LineNumber { get; set; }

    public FormatException Error(string columnName, DataViewType type, int sourceIndex, ReadOnlyMemory<char> text) =>
        new($"Could not parse value '{text}' as {type} for column '{columnName}': file '{path}', line {LineNumber}, column {sourceIndex + 1} (LoadColumn index {sourceIndex}).");
}

/// <summary>The parsed value of one column of the current line.</summary>
internal abstract class TextColumnReader
{
    public static TextColumnReader Create(TextColumnDefinition definition, TextFieldLocation location)
    {
        var item = (definition.Type as VectorDataViewType)?.ItemType ?? (PrimitiveDataViewType)definition.Type;
        var type = (definition.Type is VectorDataViewType ? typeof(VectorTextColumnReader<>) : typeof(ScalarTextColumnReader<>))
            .MakeGenericType(item.RawType);
        return (TextColumnReader)Activator.CreateInstance(type, definition, item, location)!;
    }

    public abstract void Read(IReadOnlyList<ReadOnlyMemory<char>> fields, Dictionary<int, ReadOnlyMemory<char>>? sparse);

    public abstract Delegate MakeGetter();

    protected static ReadOnlyMemory<char> Field(IReadOnlyList<ReadOnlyMemory<char>> fields, Dictionary<int, ReadOnlyMemory<char>>? sparse, int index, out bool present)
    {
        present = true;
        if (index < fields.Count)
        {
            return fields[index];
        }

        if (sparse is not null && sparse.TryGetValue(index, out var value))
        {
            return value;
        }

        present = sparse is null;
        return ReadOnlyMemory<char>.Empty;
    }
}

internal sealed class ScalarTextColumnReader<T>(TextColumnDefinition definition, PrimitiveDataViewType item, TextFieldLocation location)
    : TextColumnReader
{
    private readonly TextValueParsers.Parser<T> _parse = TextValueParsers.Get<T>(item);
    private T _value = default!;

    public override void Read(IReadOnlyList<ReadOnlyMemory<char>> fields, Dictionary<int, ReadOnlyMemory<char>>? sparse)
    {
        int index = definition.SourceIndices[0];
        var text = Field(fields, sparse, index, out _);
        if (!_parse(text, out _value))
        {
            throw location.Error(definition.Name, item, index, text);
        }
    }

    public override Delegate MakeGetter() => (ValueGetter<T>)((ref T value) => value = _value);
}

internal sealed class VectorTextColumnReader<T>(TextColumnDefinition definition, PrimitiveDataViewType item, TextFieldLocation location)
    : TextColumnReader
{
    private readonly TextValueParsers.Parser<T> _parse = TextValueParsers.Get<T>(item);
    private readonly T[] _values = new T[definition.SourceIndices.Length];

    public override void Read(IReadOnlyList<ReadOnlyMemory<char>> fields, Dictionary<int, ReadOnlyMemory<char>>? sparse)
    {
        for (int i = 0; i < _values.Length; i++)
        {
            int index = definition.SourceIndices[i];
            var text = Field(fields, sparse, index, out bool present);
            if (!present)
            {
                // A slot a sparse line does not list is zero.
                _values[i] = default!;
                continue;
            }

            if (!_parse(text, out _values[i]))
            {
                throw location.Error(definition.Name, item, index, text);
            }
        }
    }

    public override Delegate MakeGetter() => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) =>
    {
        var editor = VBufferEditor.Create(ref value, _values.Length);
        _values.CopyTo(editor.Values);
        value = editor.Commit();
    });
}
