namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Splits one line of a delimited text file into fields, with optional double-quoting (a quoted field may contain
/// the separator; <c>""</c> inside quotes is a literal quote) and optional sparse fields.
/// </summary>
internal sealed class LineSplitter(char separator, bool allowQuoting, bool trimWhitespace, bool allowSparse)
{
    private readonly List<ReadOnlyMemory<char>> _tokens = [];

    /// <summary>Splits <paramref name="line"/>; returns the fields by source column index.</summary>
    public IReadOnlyList<ReadOnlyMemory<char>> Split(string line, out Dictionary<int, ReadOnlyMemory<char>>? sparse)
    {
        _tokens.Clear();
        sparse = null;
        var memory = trimWhitespace ? line.AsMemory().TrimEnd() : line.AsMemory();
        int i = 0;
        while (true)
        {
            var span = memory.Span;
            if (allowQuoting && i < span.Length && span[i] == '"')
            {
                i = ReadQuoted(memory, i + 1, out var value);
                _tokens.Add(value);
            }
            else
            {
                int end = span[i..].IndexOf(separator);
                end = end < 0 ? span.Length : i + end;
                _tokens.Add(memory[i..end]);
                i = end;
            }

            if (i >= memory.Length)
            {
                break;
            }

            i++; // Skip the separator.
            if (i == memory.Length)
            {
                _tokens.Add(ReadOnlyMemory<char>.Empty);
                break;
            }
        }

        return allowSparse ? ExpandSparse(out sparse) : _tokens;
    }

    private static int ReadQuoted(ReadOnlyMemory<char> line, int start, out ReadOnlyMemory<char> value)
    {
        var span = line.Span;
        System.Text.StringBuilder? unescaped = null;
        int i = start;
        while (i < span.Length)
        {
            if (span[i] == '"')
            {
                if (i + 1 < span.Length && span[i + 1] == '"')
                {
                    unescaped ??= new System.Text.StringBuilder().Append(span[start..i]);
                    unescaped.Append('"');
                    i += 2;
                    continue;
                }

                value = unescaped is null ? line[start..i] : unescaped.ToString().AsMemory();
                return i + 1;
            }

            unescaped?.Append(span[i]);
            i++;
        }

        throw new FormatException("A quoted field is not closed before the end of the line.");
    }

    private List<ReadOnlyMemory<char>> ExpandSparse(out Dictionary<int, ReadOnlyMemory<char>>? sparse)
    {
        sparse = null;
        int first = _tokens.FindIndex(t => t.Span.IndexOf(':') > 0);
        if (first < 1)
        {
            return _tokens;
        }

        // Dense fields, then the length of the sparse part, then index:value pairs relative to the sparse part.
        int denseCount = first - 1;
        sparse = [];
        for (int t = first; t < _tokens.Count; t++)
        {
            var token = _tokens[t];
            int colon = token.Span.IndexOf(':');
            if (colon <= 0 || !int.TryParse(token.Span[..colon], out int index) || index < 0)
            {
                throw new FormatException($"'{token}' is not a sparse index:value pair.");
            }

            sparse[denseCount + index] = token[(colon + 1)..];
        }

        _tokens.RemoveRange(denseCount, _tokens.Count - denseCount);
        return _tokens;
    }
}
