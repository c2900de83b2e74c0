namespace Microsoft.ML;

public sealed partial class DataViewSchema
{
    /// <summary>
    /// Extra information attached to a column (or a schema), itself laid out as a one-row schema: each annotation
    /// is a "column" whose name is the annotation kind, such as <c>KeyValues</c> or <c>SlotNames</c>.
    /// </summary>
    public sealed partial class Annotations
    {
        private readonly Delegate[] _getters;

        internal Annotations(DataViewSchema schema, Delegate[] getters)
        {
            Schema = schema;
            _getters = getters;
        }

        /// <summary>Annotations with no entry.</summary>
        public static Annotations Empty { get; } = new(new DataViewSchema([]), []);

        /// <summary>The kinds and types of the annotations.</summary>
        public DataViewSchema Schema { get; }

        /// <summary>A getter for the annotation described by <paramref name="column"/> of <see cref="Schema"/>.</summary>
        /// <typeparam name="TValue">The raw type of the annotation.</typeparam>
        /// <param name="column">A column of <see cref="Schema"/>.</param>
        /// <returns>The getter.</returns>
        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if ((uint)column.Index >= (uint)_getters.Length || Schema[column.Index].Name != column.Name)
            {
                throw new ArgumentOutOfRangeException(nameof(column), $"Annotation '{column.Name}' does not belong to these annotations.");
            }

            return _getters[column.Index] as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Annotation '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
        }

        /// <summary>Reads the annotation of kind <paramref name="kind"/>; throws when there is none.</summary>
        /// <typeparam name="TValue">The raw type of the annotation.</typeparam>
        /// <param name="kind">The annotation kind, such as <c>KeyValues</c>.</param>
        /// <param name="value">Receives the value.</param>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind)
                ?? throw new InvalidOperationException($"There is no annotation of kind '{kind}'.");
            GetGetter<TValue>(column)(ref value);
        }

        internal Delegate GetRawGetter(int index) => _getters[index];

        /// <inheritdoc/>
        public override string ToString() => string.Join(", ", Schema.Select(c => c.Name));
    }
}
