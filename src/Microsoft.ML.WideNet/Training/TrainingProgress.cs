namespace Microsoft.ML.WideNet.Training;

/// <summary>What a progress report describes.</summary>
public enum TrainingPhase
{
    /// <summary>During an epoch (every LogEverySteps steps).</summary>
    Training,
    /// <summary>At the end of an epoch, after validation.</summary>
    EpochEnd,
    /// <summary>Training finished (normally or by early stopping).</summary>
    Completed,
}

/// <summary>A progress report of a training run.</summary>
/// <param name="Phase">What the report describes.</param>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="TrainLoss">Mean task loss over the epoch so far (without the auxiliary loss).</param>
/// <param name="TrainAccuracy">Training accuracy over the epoch so far (against the un-mixed labels).</param>
/// <param name="AuxLoss">Mean weighted auxiliary (load-balance) loss over the epoch so far; 0 for models without one.</param>
/// <param name="ValidationLoss">Validation cross-entropy (epoch ends with validation data).</param>
/// <param name="ValidationAccuracy">Validation accuracy (epoch ends with validation data).</param>
/// <param name="ExamplesPerSecond">Training throughput of this session (images/s or texts/s).</param>
/// <param name="TokensPerSecond">Real (unpadded) tokens per second for text inputs; null for images.</param>
/// <param name="Elapsed">Time since this session started.</param>
/// <param name="Eta">Estimated time to the last step.</param>
public sealed record TrainingProgress(
    TrainingPhase Phase, int Epoch, int Epochs, long Step, long TotalSteps, double LearningRate,
    double TrainLoss, double TrainAccuracy, double AuxLoss, double? ValidationLoss, double? ValidationAccuracy,
    double ExamplesPerSecond, double? TokensPerSecond, TimeSpan Elapsed, TimeSpan Eta);

/// <summary>Numbers of one finished epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean task loss.</param>
/// <param name="TrainAccuracy">Training accuracy.</param>
/// <param name="AuxLoss">Mean weighted auxiliary loss.</param>
/// <param name="ValidationLoss">Validation loss, when there is validation data.</param>
/// <param name="ValidationAccuracy">Validation accuracy, when there is validation data.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double AuxLoss,
                                  double? ValidationLoss, double? ValidationAccuracy, double LearningRate);

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
/// <param name="History">Every finished epoch, in order (including epochs run before a resume).</param>
/// <param name="BestEpoch">1-based epoch of the best validation metric, or null without validation data.</param>
/// <param name="BestMetric">The best validation metric (loss or accuracy), or null.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="Steps">Optimizer steps done in all.</param>
/// <param name="ResumedFromStep">The step a checkpoint resumed from, or null for a fresh run.</param>
/// <param name="Device">Where it trained.</param>
public sealed record TrainingResult(IReadOnlyList<EpochMetrics> History, int? BestEpoch, double? BestMetric, bool StoppedEarly,
                                    long Steps, long? ResumedFromStep, string Device);

/// <summary>Result of evaluating a classifier on a data set.</summary>
/// <param name="Loss">Mean cross-entropy (no smoothing).</param>
/// <param name="Accuracy">Fraction of correct top-1 predictions.</param>
/// <param name="Predictions">Predicted class per example.</param>
/// <param name="Labels">True class per example.</param>
/// <param name="NumClasses">Number of classes (logit width).</param>
/// <param name="Probabilities">Softmax probabilities, row-major [N, K] (only when requested).</param>
public sealed record EvaluationResult(double Loss, double Accuracy, int[] Predictions, int[] Labels, int NumClasses, float[]? Probabilities)
{
    /// <summary>Confusion counts [true, predicted].</summary>
    public long[,] ConfusionMatrix() => Metrics.ConfusionMatrix(Labels, Predictions, NumClasses);
}
