namespace Microsoft.ML.Data.Internal;

/// <summary>Typed access to untyped getter delegates, with errors that name the column.</summary>
internal static class Getters
{
    public static ValueGetter<TValue> Cast<TValue>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<TValue>
        ?? throw new InvalidOperationException(
            $"Column '{column.Name}' of type {column.Type} is read as {column.Type.RawType.Name}, not {typeof(TValue).Name}.");

    /// <summary>Calls the generic <c>GetGetter</c> of <paramref name="row"/> for the column's raw type.</summary>
    public static Delegate GetUntyped(DataViewRow row, DataViewSchema.Column column) =>
        (Delegate)typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!
            .MakeGenericMethod(column.Type.RawType)
            .Invoke(row, [column])!;

    public static void CheckType<TValue>(DataViewSchema.Column column)
    {
        if (column.Type.RawType != typeof(TValue))
        {
            throw new InvalidOperationException(
                $"Column '{column.Name}' of type {column.Type} is read as {column.Type.RawType.Name}, not {typeof(TValue).Name}.");
        }
    }
}
