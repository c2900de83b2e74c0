using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Image loading transforms of <see cref="MLContext.Transforms"/>.</summary>
public static class ImageEstimatorsCatalog
{
    /// <summary>
    /// Loads the files named by <paramref name="inputColumnName"/> as raw bytes into a variable-size byte vector
    /// column (no decoding). A file that cannot be read raises an <see cref="IOException"/> naming it.
    /// </summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The output byte vector column.</param>
    /// <param name="imageFolder">The folder relative paths are resolved against, or <see langword="null"/>.</param>
    /// <param name="inputColumnName">The text column of paths; <paramref name="outputColumnName"/> when null.</param>
    /// <returns>The estimator.</returns>
    public static ImageLoadingEstimator LoadRawImageBytes(this TransformsCatalog catalog, string outputColumnName, string? imageFolder, string? inputColumnName = null) =>
        new(outputColumnName, imageFolder, inputColumnName ?? outputColumnName);
}
