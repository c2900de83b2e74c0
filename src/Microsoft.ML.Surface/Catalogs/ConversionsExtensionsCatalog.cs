using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>The conversion transforms of <see cref="TransformsCatalog.Conversion"/>.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Maps the values of a column to keys (1-based, 0 = missing) learned from the data or from <paramref name="keyData"/>.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The output key column.</param>
    /// <param name="inputColumnName">The input column; <paramref name="outputColumnName"/> when null.</param>
    /// <param name="maximumNumberOfKeys">The most keys to create; further values map to 0.</param>
    /// <param name="keyOrdinality">Key order: by first occurrence (default) or by value.</param>
    /// <param name="addKeyValueAnnotationsAsText">Whether the KeyValues annotation holds the values as text.</param>
    /// <param name="keyData">A one-column view whose values define the keys instead of the training data.</param>
    /// <returns>The estimator.</returns>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.DefaultMaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence,
        bool addKeyValueAnnotationsAsText = false, IDataView? keyData = null) =>
        new(catalog.GetMLContext(), [new InputOutputColumnPair(outputColumnName, inputColumnName)], maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Maps the values of several columns to keys.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columns">The output/input column pairs.</param>
    /// <param name="maximumNumberOfKeys">The most keys to create per column.</param>
    /// <param name="keyOrdinality">Key order: by first occurrence (default) or by value.</param>
    /// <param name="addKeyValueAnnotationsAsText">Whether the KeyValues annotations hold the values as text.</param>
    /// <param name="keyData">A one-column view whose values define the keys instead of the training data.</param>
    /// <returns>The estimator.</returns>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, InputOutputColumnPair[] columns,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.DefaultMaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence,
        bool addKeyValueAnnotationsAsText = false, IDataView? keyData = null) =>
        new(catalog.GetMLContext(), columns ?? throw new ArgumentNullException(nameof(columns)), maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Maps keys back to the values of their KeyValues annotation.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The output column.</param>
    /// <param name="inputColumnName">The input key column; <paramref name="outputColumnName"/> when null.</param>
    /// <returns>The estimator.</returns>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null) =>
        new([new InputOutputColumnPair(outputColumnName, inputColumnName)]);

    /// <summary>Maps the keys of several columns back to values.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columns">The output/input column pairs.</param>
    /// <returns>The estimator.</returns>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, InputOutputColumnPair[] columns) =>
        new(columns ?? throw new ArgumentNullException(nameof(columns)));
}
