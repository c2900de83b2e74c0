using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>The column-shaping transforms of <see cref="MLContext.Transforms"/>.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Concatenates columns of one item type into a vector column.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The output vector column.</param>
    /// <param name="inputColumnNames">The input columns, in order.</param>
    /// <returns>The estimator.</returns>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames) =>
        new(outputColumnName, inputColumnNames);

    /// <summary>Copies a column under a new name.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The new column.</param>
    /// <param name="inputColumnName">The copied column.</param>
    /// <returns>The estimator.</returns>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, string outputColumnName, string inputColumnName) =>
        new([new InputOutputColumnPair(outputColumnName, inputColumnName)]);

    /// <summary>Copies columns under new names.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columns">The output/input column pairs.</param>
    /// <returns>The estimator.</returns>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, params InputOutputColumnPair[] columns) =>
        new(columns);

    /// <summary>Drops the named columns (and every hidden column).</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columnNames">The columns to drop.</param>
    /// <returns>The estimator.</returns>
    public static ColumnSelectingEstimator DropColumns(this TransformsCatalog catalog, params string[] columnNames) =>
        new(null, columnNames ?? [], keepHidden: false);

    /// <summary>Keeps only the named columns, in the given order.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columnNames">The columns to keep.</param>
    /// <param name="keepHidden">Whether to keep hidden columns of those names.</param>
    /// <returns>The estimator.</returns>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, string[] columnNames, bool keepHidden) =>
        new(columnNames ?? throw new ArgumentNullException(nameof(columnNames)), null, keepHidden);

    /// <summary>Keeps only the named columns, in the given order.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="columnNames">The columns to keep.</param>
    /// <returns>The estimator.</returns>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, params string[] columnNames) =>
        new(columnNames ?? throw new ArgumentNullException(nameof(columnNames)), null, keepHidden: false);
}
