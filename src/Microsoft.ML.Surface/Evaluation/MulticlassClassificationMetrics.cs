namespace Microsoft.ML.Data;

/// <summary>The quality metrics of a multiclass classifier, as computed by <c>MulticlassClassification.Evaluate</c>.</summary>
public sealed class MulticlassClassificationMetrics
{
    internal MulticlassClassificationMetrics(double microAccuracy, double macroAccuracy, double logLoss, double logLossReduction,
        int topKPredictionCount, IReadOnlyList<double>? topKAccuracyForAllK, IReadOnlyList<double> perClassLogLoss, ConfusionMatrix confusionMatrix)
    {
        MicroAccuracy = microAccuracy;
        MacroAccuracy = macroAccuracy;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        TopKPredictionCount = topKPredictionCount;
        TopKAccuracyForAllK = topKAccuracyForAllK;
        TopKAccuracy = topKAccuracyForAllK is { Count: > 0 } all ? all[^1] : 0;
        PerClassLogLoss = perClassLogLoss;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>The fraction of rows predicted correctly.</summary>
    public double MicroAccuracy { get; }

    /// <summary>The mean, over the classes present in the data, of the fraction of the class's rows predicted correctly (per-class recall).</summary>
    public double MacroAccuracy { get; }

    /// <summary>The mean of <c>-ln(p)</c>, <c>p</c> being the probability given to the true class (clipped at 1e-15).</summary>
    public double LogLoss { get; }

    /// <summary>
    /// How much better <see cref="LogLoss"/> is than the log-loss of always predicting the class frequencies of the data:
    /// <c>(prior - LogLoss) / prior</c>. 1 is perfect, 0 is no better than the prior, negative is worse.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>The K of <see cref="TopKAccuracy"/>; 0 when not requested.</summary>
    public int TopKPredictionCount { get; }

    /// <summary>The fraction of rows whose true class is among the K highest scores; 0 when not requested.</summary>
    public double TopKAccuracy { get; }

    /// <summary>The top-k accuracy for k = 1 to <see cref="TopKPredictionCount"/>; null when not requested.</summary>
    public IReadOnlyList<double>? TopKAccuracyForAllK { get; }

    /// <summary>The mean log-loss of the rows of each class (NaN for a class absent from the data).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>The counts of (true class, predicted class) pairs.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}
