namespace Microsoft.ML.Data.Internal;

/// <summary>Schema helpers shared by the transformers.</summary>
internal static class SchemaUtils
{
    public static DataViewSchema Append(DataViewSchema input, IEnumerable<DataViewSchema.DetachedColumn> outputs)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumns(outputs);
        return builder.ToSchema();
    }

    public static DataViewSchema.Column GetInput(DataViewSchema schema, string name, string role = "input")
    {
        return schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"The {role} column '{name}' was not found in the schema ({string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}).");
    }

    public static DataViewSchema.Annotations KeyValuesOnly(DataViewSchema.Annotations annotations)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
        return builder.ToAnnotations();
    }
}
