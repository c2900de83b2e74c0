namespace Microsoft.ML;

public sealed partial class DataViewSchema
{
    /// <summary>Builds a <see cref="DataViewSchema"/> one column at a time.</summary>
    public sealed class Builder
    {
        private readonly List<DetachedColumn> _columns = [];

        /// <summary>Appends a column.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="type">The column type.</param>
        /// <param name="annotations">The column's annotations, if any.</param>
        public void AddColumn(string name, DataViewType type, Annotations? annotations = null) =>
            _columns.Add(new DetachedColumn(name, type, annotations));

        /// <summary>Appends copies of <paramref name="source"/>'s columns.</summary>
        /// <param name="source">Columns of some schema.</param>
        public void AddColumns(IEnumerable<Column> source)
        {
            ArgumentNullException.ThrowIfNull(source);
            _columns.AddRange(source.Select(c => new DetachedColumn(c)));
        }

        /// <summary>Appends detached columns.</summary>
        /// <param name="source">The columns.</param>
        public void AddColumns(IEnumerable<DetachedColumn> source)
        {
            ArgumentNullException.ThrowIfNull(source);
            _columns.AddRange(source);
        }

        /// <summary>Creates the schema.</summary>
        /// <returns>The schema.</returns>
        public DataViewSchema ToSchema() => new(_columns);
    }
}
