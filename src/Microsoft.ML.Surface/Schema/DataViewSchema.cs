using System.Collections;
using System.Text;

namespace Microsoft.ML;

/// <summary>
/// The schema of an <see cref="IDataView"/> or <see cref="DataViewRow"/>: an ordered list of columns. When several
/// columns share a name, the last one wins a lookup by name; the earlier ones are hidden.
/// </summary>
public sealed partial class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _nameToIndex;

    internal DataViewSchema(IEnumerable<DetachedColumn> columns)
    {
        var list = columns.ToList();
        _nameToIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++)
        {
            _nameToIndex[list[i].Name] = i;
        }

        _columns = new Column[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            var c = list[i];
            _columns[i] = new Column(c.Name, i, _nameToIndex[c.Name] != i, c.Type, c.Annotations);
        }
    }

    /// <summary>The number of columns, hidden ones included.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="columnIndex"/>.</summary>
    /// <param name="columnIndex">The column index.</param>
    public Column this[int columnIndex] =>
        (uint)columnIndex < (uint)_columns.Length
            ? _columns[columnIndex]
            : throw new ArgumentOutOfRangeException(nameof(columnIndex), columnIndex, $"The schema has {Count} columns.");

    /// <summary>The visible column named <paramref name="name"/>; throws when there is none.</summary>
    /// <param name="name">The column name.</param>
    public Column this[string name] =>
        GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found in the schema ({string.Join(", ", this.Where(c => !c.IsHidden).Select(c => c.Name))}).");

    /// <summary>The visible column named <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The column, if any.</returns>
    public Column? GetColumnOrNull(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _nameToIndex.TryGetValue(name, out int index) ? _columns[index] : null;
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var column in _columns)
        {
            sb.Append(sb.Length == 0 ? string.Empty : ", ").Append(column);
        }

        return sb.ToString();
    }
}
