namespace Microsoft.ML;

/// <summary>A pipeline step that learns from data: <see cref="Fit"/> produces the transformer to apply.</summary>
/// <typeparam name="TTransformer">The fitted transformer type.</typeparam>
public interface IEstimator<out TTransformer>
    where TTransformer : ITransformer
{
    /// <summary>Learns from <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">The training data.</param>
    /// <returns>The transformer.</returns>
    TTransformer Fit(IDataView input);

    /// <summary>The shape of the output of the fitted transformer for inputs of shape <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input shape.</param>
    /// <returns>The output shape.</returns>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
