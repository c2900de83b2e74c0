namespace Microsoft.ML.Data;

/// <summary>Reads the well-known annotations of a column.</summary>
public static class SchemaAnnotationsExtensions
{
    /// <summary>Whether the column is a known-size vector whose <c>SlotNames</c> is a text vector of that size.</summary>
    /// <param name="column">The column.</param>
    /// <returns><see langword="true"/> when slot names are available.</returns>
    public static bool HasSlotNames(this DataViewSchema.Column column) =>
        column.Type is VectorDataViewType { IsKnownSize: true } vector
        && column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.SlotNames)?.Type is VectorDataViewType names
        && names.ItemType is TextDataViewType
        && names.Size == vector.Size;

    /// <summary>Reads the column's slot names; throws when it has none.</summary>
    /// <param name="column">The column.</param>
    /// <param name="slotNames">Receives the names.</param>
    public static void GetSlotNames(this DataViewSchema.Column column, ref VBuffer<ReadOnlyMemory<char>> slotNames) =>
        column.Annotations.GetValue(AnnotationUtils.Kinds.SlotNames, ref slotNames);

    /// <summary>
    /// Whether the column is a key (or vector of keys) whose <c>KeyValues</c> has one value per key, each of
    /// <paramref name="keyValueItemType"/> (text when not given).
    /// </summary>
    /// <param name="column">The column.</param>
    /// <param name="keyValueItemType">The expected item type of the key values; text when <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when matching key values are available.</returns>
    public static bool HasKeyValues(this DataViewSchema.Column column, PrimitiveDataViewType? keyValueItemType = null)
    {
        var key = column.Type as KeyDataViewType ?? (column.Type as VectorDataViewType)?.ItemType as KeyDataViewType;
        if (key is null)
        {
            return false;
        }

        keyValueItemType ??= TextDataViewType.Instance;
        return column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type is VectorDataViewType values
            && values.ItemType.Equals(keyValueItemType)
            && (ulong)values.Size == key.Count;
    }

    /// <summary>Reads the column's key values; throws when it has none of type <typeparamref name="TValue"/>.</summary>
    /// <typeparam name="TValue">The raw type of the key values.</typeparam>
    /// <param name="column">The column.</param>
    /// <param name="keyValues">Receives the values: element <c>i</c> is the value of key <c>i + 1</c>.</param>
    public static void GetKeyValues<TValue>(this DataViewSchema.Column column, ref VBuffer<TValue> keyValues) =>
        column.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref keyValues);

    /// <summary>Whether the column has an <c>IsNormalized</c> annotation set to true.</summary>
    /// <param name="column">The column.</param>
    /// <returns><see langword="true"/> when the column is marked normalized.</returns>
    public static bool IsNormalized(this DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.IsNormalized)?.Type is not BooleanDataViewType)
        {
            return false;
        }

        bool value = false;
        column.Annotations.GetValue(AnnotationUtils.Kinds.IsNormalized, ref value);
        return value;
    }
}
