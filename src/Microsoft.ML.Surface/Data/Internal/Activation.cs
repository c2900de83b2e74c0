namespace Microsoft.ML.Data.Internal;

/// <summary>Helpers that turn the <c>columnsNeeded</c> of a cursor request into flags.</summary>
internal static class Activation
{
    public static bool[] FromColumns(DataViewSchema schema, IEnumerable<DataViewSchema.Column>? columnsNeeded)
    {
        var active = new bool[schema.Count];
        foreach (var column in columnsNeeded ?? [])
        {
            if ((uint)column.Index >= (uint)active.Length || schema[column.Index].Name != column.Name)
            {
                throw new ArgumentOutOfRangeException(nameof(columnsNeeded), $"Column '{column.Name}' (index {column.Index}) does not belong to this schema.");
            }

            active[column.Index] = true;
        }

        return active;
    }

    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, bool[] active) =>
        schema.Where(c => active[c.Index]);

    public static bool[] All(DataViewSchema schema) => Enumerable.Repeat(true, schema.Count).ToArray();
}
