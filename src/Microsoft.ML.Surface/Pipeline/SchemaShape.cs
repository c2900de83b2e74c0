using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The shape of a schema as estimators see it before fitting: names, kinds (scalar or vector), item types, whether
/// a column is a key, and which annotations exist, without sizes or values.
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] _columns;

    /// <summary>Creates a shape from its columns.</summary>
    /// <param name="columns">The columns.</param>
    public SchemaShape(IEnumerable<Column> columns)
    {
        _columns = columns.ToArray();
    }

    /// <summary>The number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    /// <param name="index">The column index.</param>
    public Column this[int index] => _columns[index];

    /// <summary>The shape of the visible columns of <paramref name="schema"/>.</summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The shape.</returns>
    public static SchemaShape Create(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new SchemaShape(schema.Where(c => !c.IsHidden).Select(c => Column.FromType(c.Name, c.Type, c.Annotations)));
    }

    /// <summary>Finds the column named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="column">The column when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryFindColumn(string name, out Column column)
    {
        for (int i = _columns.Length - 1; i >= 0; i--)
        {
            if (_columns[i].Name == name)
            {
                column = _columns[i];
                return true;
            }
        }

        column = default;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The shape of one column.</summary>
    public readonly struct Column
    {
        /// <summary>Describes a column shape.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="vecKind">Scalar, vector of known size, or vector of variable size.</param>
        /// <param name="itemType">The item type (for a key: its key type).</param>
        /// <param name="isKey">Whether the items are keys.</param>
        /// <param name="annotations">The shapes of the annotations, if any.</param>
        public Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Kind = vecKind;
            ItemType = itemType ?? throw new ArgumentNullException(nameof(itemType));
            IsKey = isKey;
            Annotations = annotations ?? new SchemaShape([]);
        }

        /// <summary>How a column holds its items.</summary>
        public enum VectorKind
        {
            /// <summary>One value per row.</summary>
            Scalar,

            /// <summary>A vector of known size per row.</summary>
            Vector,

            /// <summary>A vector whose size varies per row.</summary>
            VariableVector,
        }

        /// <summary>The column name.</summary>
        public string Name { get; }

        /// <summary>Scalar or vector.</summary>
        public VectorKind Kind { get; }

        /// <summary>The item type.</summary>
        public DataViewType ItemType { get; }

        /// <summary>Whether the items are keys.</summary>
        public bool IsKey { get; }

        /// <summary>The shapes of the column's annotations.</summary>
        public SchemaShape Annotations { get; }

        /// <summary>Whether this is a real column rather than a default value.</summary>
        public bool IsValid => Name is not null;

        /// <summary>Whether a column of shape <paramref name="source"/> can be used where this shape is expected.</summary>
        /// <param name="source">The offered column.</param>
        /// <returns><see langword="true"/> when compatible.</returns>
        public bool IsCompatibleWith(Column source)
        {
            if (!source.IsValid || IsKey != source.IsKey)
            {
                return false;
            }

            bool kindOk = Kind == source.Kind || (Kind == VectorKind.VariableVector && source.Kind == VectorKind.Vector);
            bool typeOk = IsKey ? ItemType.RawType == source.ItemType.RawType : ItemType.Equals(source.ItemType);
            return kindOk && typeOk && Annotations.All(a => source.Annotations.TryFindColumn(a.Name, out var b) && a.IsCompatibleWith(b));
        }

        /// <summary>A readable description of the shape.</summary>
        /// <returns>The description.</returns>
        public string GetTypeString()
        {
            string item = IsKey ? $"Key<{ItemType.RawType.Name}>" : ItemType.ToString()!;
            return Kind switch
            {
                VectorKind.Vector => $"Vector<{item}>",
                VectorKind.VariableVector => $"VarVector<{item}>",
                _ => item,
            };
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: {GetTypeString()}";

        internal static Column FromType(string name, DataViewType type, DataViewSchema.Annotations? annotations = null)
        {
            var kind = type is VectorDataViewType vector ? (vector.IsKnownSize ? VectorKind.Vector : VectorKind.VariableVector) : VectorKind.Scalar;
            var item = type is VectorDataViewType v ? v.ItemType : type;
            var annotationShape = annotations is null ? null : Create(annotations.Schema);
            return new Column(name, kind, item, item is KeyDataViewType, annotationShape);
        }
    }
}
