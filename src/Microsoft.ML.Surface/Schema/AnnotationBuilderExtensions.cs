namespace Microsoft.ML.Data;

/// <summary>Adds the well-known annotations to a <see cref="DataViewSchema.Annotations.Builder"/>.</summary>
public static class AnnotationBuilderExtensions
{
    /// <summary>Adds <c>SlotNames</c>: a text vector of <paramref name="size"/> names.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="size">The number of slots of the annotated vector column.</param>
    /// <param name="getter">Reads the names.</param>
    public static void AddSlotNames(this DataViewSchema.Annotations.Builder builder, int size, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, size), getter);
    }

    /// <summary>Adds <c>KeyValues</c>: a vector of <paramref name="size"/> values of type <paramref name="valueType"/>.</summary>
    /// <typeparam name="TValue">The raw type of <paramref name="valueType"/>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="size">The key count of the annotated key column.</param>
    /// <param name="valueType">The type of the values the keys stand for.</param>
    /// <param name="getter">Reads the values.</param>
    public static void AddKeyValues<TValue>(this DataViewSchema.Annotations.Builder builder, int size, PrimitiveDataViewType valueType, ValueGetter<VBuffer<TValue>> getter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(valueType, size), getter);
    }
}
