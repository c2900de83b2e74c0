namespace Microsoft.ML;

/// <summary>Types shared by the training catalogs.</summary>
public static class TrainCatalogBase
{
    /// <summary>The result of one fold of cross-validation.</summary>
    /// <typeparam name="T">The metrics type.</typeparam>
    public sealed class CrossValidationResult<T>
        where T : class
    {
        internal CrossValidationResult(ITransformer model, T metrics, IDataView scoredTestData, int fold)
        {
            Model = model;
            Metrics = metrics;
            ScoredHoldOutSet = scoredTestData;
            Fold = fold;
        }

        /// <summary>The model fitted on the other folds.</summary>
        public ITransformer Model { get; }

        /// <summary>The metrics on this fold.</summary>
        public T Metrics { get; }

        /// <summary>This fold, scored by <see cref="Model"/>.</summary>
        public IDataView ScoredHoldOutSet { get; }

        /// <summary>The fold index, from 0.</summary>
        public int Fold { get; }
    }
}
