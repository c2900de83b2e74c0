using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>Multiclass classification: trainers (extended by trainer packages), evaluation and cross-validation.</summary>
public sealed class MulticlassClassificationCatalog
{
    internal MulticlassClassificationCatalog(MLContext context)
    {
        Context = context;
        Trainers = new MulticlassClassificationTrainers(context);
    }

    /// <summary>The trainers; trainer packages add extension methods to it.</summary>
    public MulticlassClassificationTrainers Trainers { get; }

    internal MLContext Context { get; }

    /// <summary>
    /// Evaluates scored data: <paramref name="scoreColumnName"/> must be a float vector of class probabilities and
    /// <paramref name="labelColumnName"/> a key column (0 = missing rows are skipped).
    /// </summary>
    /// <param name="data">The scored data.</param>
    /// <param name="labelColumnName">The label column (a key).</param>
    /// <param name="scoreColumnName">The score column (a float vector, one probability per class).</param>
    /// <param name="predictedLabelColumnName">The predicted label column (a key); its presence is checked.</param>
    /// <param name="topKPredictionCount">When positive, also compute the top-K accuracy for this K.</param>
    /// <returns>The metrics.</returns>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = DefaultColumnNames.Label, string scoreColumnName = DefaultColumnNames.Score,
        string predictedLabelColumnName = DefaultColumnNames.PredictedLabel, int topKPredictionCount = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(topKPredictionCount);
        return new MulticlassEvaluator(labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount).Evaluate(data);
    }

    /// <summary>
    /// Splits <paramref name="data"/> into <paramref name="numberOfFolds"/> folds, fits <paramref name="estimator"/> on all
    /// folds but one and evaluates it on the held-out fold, for each fold.
    /// </summary>
    /// <param name="data">The data.</param>
    /// <param name="estimator">The pipeline to fit.</param>
    /// <param name="numberOfFolds">The number of folds.</param>
    /// <param name="labelColumnName">The label column of the scored data.</param>
    /// <param name="samplingKeyColumnName">Rows with equal values of this column stay in the same fold.</param>
    /// <param name="seed">The seed of the fold assignment; drawn from the context when <see langword="null"/>.</param>
    /// <returns>One result per fold.</returns>
    public IReadOnlyList<TrainCatalogBase.CrossValidationResult<MulticlassClassificationMetrics>> CrossValidate(IDataView data, IEstimator<ITransformer> estimator,
        int numberOfFolds = 5, string labelColumnName = DefaultColumnNames.Label, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfFolds, 2);
        var splitter = new RowSplitter(data, samplingKeyColumnName, seed ?? Context.NextSeed());
        var results = new List<TrainCatalogBase.CrossValidationResult<MulticlassClassificationMetrics>>();
        for (int fold = 0; fold < numberOfFolds; fold++)
        {
            double lower = (double)fold / numberOfFolds;
            double upper = (double)(fold + 1) / numberOfFolds;
            var train = splitter.Select(u => u < lower || u >= upper);
            var test = splitter.Select(u => u >= lower && u < upper);
            var model = estimator.Fit(train);
            var scored = model.Transform(test);
            var metrics = Evaluate(scored, labelColumnName);
            results.Add(new TrainCatalogBase.CrossValidationResult<MulticlassClassificationMetrics>(model, metrics, scored, fold));
        }

        return results;
    }

    /// <summary>The multiclass trainers catalog. Trainer packages add extension methods here and reach the context with <see cref="CatalogUtils.GetMLContext(MulticlassClassificationTrainers)"/>.</summary>
    public sealed class MulticlassClassificationTrainers
    {
        internal MulticlassClassificationTrainers(MLContext context)
        {
            Context = context;
        }

        internal MLContext Context { get; }
    }
}
