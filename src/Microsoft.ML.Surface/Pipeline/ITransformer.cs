namespace Microsoft.ML;

/// <summary>
/// A fitted pipeline step: it maps an input view to an output view lazily, and saves itself into a model file.
/// Transformers that own native memory also implement <see cref="IDisposable"/>.
/// </summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>The schema <see cref="Transform"/> would produce for inputs of <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input schema.</param>
    /// <returns>The output schema.</returns>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Applies the transformation lazily: nothing is computed until a cursor reads the result.</summary>
    /// <param name="input">The input view.</param>
    /// <returns>The transformed view.</returns>
    IDataView Transform(IDataView input);
}
