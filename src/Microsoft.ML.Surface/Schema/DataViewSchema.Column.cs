namespace Microsoft.ML;

public sealed partial class DataViewSchema
{
    /// <summary>One column of a schema.</summary>
    public readonly struct Column
    {
        private readonly Annotations? _annotations;

        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations? annotations)
        {
            Name = name;
            Index = index;
            IsHidden = isHidden;
            Type = type;
            _annotations = annotations;
        }

        /// <summary>The name of the column.</summary>
        public string Name { get; }

        /// <summary>The column's index in the schema.</summary>
        public int Index { get; }

        /// <summary>Whether a later column of the same name hides this one (it is reachable by index only).</summary>
        public bool IsHidden { get; }

        /// <summary>The type of the column.</summary>
        public DataViewType Type { get; }

        /// <summary>The annotations of the column, such as <c>KeyValues</c> and <c>SlotNames</c>.</summary>
        public Annotations Annotations => _annotations ?? Annotations.Empty;

        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({Index}): {Type}{(IsHidden ? " (hidden)" : string.Empty)}";
    }

    /// <summary>A column description that does not belong to a schema yet: name, type and annotations.</summary>
    public readonly struct DetachedColumn
    {
        private readonly Annotations? _annotations;

        /// <summary>Describes a column.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="type">The column type.</param>
        /// <param name="annotations">The column's annotations, if any.</param>
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Type = type ?? throw new ArgumentNullException(nameof(type));
            _annotations = annotations;
        }

        /// <summary>Copies the name, type and annotations of <paramref name="column"/>.</summary>
        /// <param name="column">A column of some schema.</param>
        public DetachedColumn(Column column)
            : this(column.Name, column.Type, column.Annotations)
        {
        }

        /// <summary>The column name.</summary>
        public string Name { get; }

        /// <summary>The column type.</summary>
        public DataViewType Type { get; }

        /// <summary>The column's annotations.</summary>
        public Annotations Annotations => _annotations ?? Annotations.Empty;
    }
}
