using Microsoft.ML.Data;
using Microsoft.ML.WideNet;

namespace Microsoft.ML;

/// <summary>The WideNet trainers on <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class WideNetCatalog
{
    /// <summary>An image classifier with every setting in <paramref name="options"/>.</summary>
    public static WideNetImageClassificationTrainer WideNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
                                                            WideNetImageClassificationTrainer.Options options) =>
        new(MLNetBridge.Environment(catalog), options);

    /// <summary>A text classifier with every setting in <paramref name="options"/>.</summary>
    public static WideNetTextClassificationTrainer WideNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
                                                           WideNetTextClassificationTrainer.Options options) =>
        new(MLNetBridge.Environment(catalog), options);

    /// <summary>A WideNet image classifier (Tiny preset; see <see cref="WideNetImageClassificationTrainer.Options"/> for more).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The key label column.</param>
    /// <param name="imageColumnName">Encoded image bytes (LoadRawImageBytes) or float pixels.</param>
    /// <param name="scoreColumnName">The output probabilities column.</param>
    /// <param name="predictedLabelColumnName">The output predicted-key column.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="maxEpochs">Passes over the data at most (null: automatic, see <see cref="WideNetTrainerOptionsBase.MaxEpochs"/>).</param>
    /// <param name="validationSet">Validation data (null: 10% of the training rows are held out).</param>
    public static WideNetImageClassificationTrainer WideNetImageClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string imageColumnName = "Image", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int batchSize = 64, int? maxEpochs = null, IDataView? validationSet = null) =>
        new(MLNetBridge.Environment(catalog), new WideNetImageClassificationTrainer.Options
        {
            LabelColumnName = labelColumnName, ImageColumnName = imageColumnName, ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName, BatchSize = batchSize, MaxEpochs = maxEpochs, ValidationSet = validationSet,
        });

    /// <summary>A WideNet text classifier (Tiny preset; see <see cref="WideNetTextClassificationTrainer.Options"/> for more).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The key label column.</param>
    /// <param name="sentence1ColumnName">The text column.</param>
    /// <param name="sentence2ColumnName">A second text column for pair tasks, or null.</param>
    /// <param name="scoreColumnName">The output probabilities column.</param>
    /// <param name="predictedLabelColumnName">The output predicted-key column.</param>
    /// <param name="batchSize">Texts per step.</param>
    /// <param name="maxEpochs">Passes over the data at most (null: automatic, see <see cref="WideNetTrainerOptionsBase.MaxEpochs"/>).</param>
    /// <param name="validationSet">Validation data (null: 10% of the training rows are held out).</param>
    public static WideNetTextClassificationTrainer WideNetTextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string sentence1ColumnName = "Sentence1", string? sentence2ColumnName = null,
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel",
        int batchSize = 32, int? maxEpochs = null, IDataView? validationSet = null) =>
        new(MLNetBridge.Environment(catalog), new WideNetTextClassificationTrainer.Options
        {
            LabelColumnName = labelColumnName, Sentence1ColumnName = sentence1ColumnName, Sentence2ColumnName = sentence2ColumnName,
            ScoreColumnName = scoreColumnName, PredictedLabelColumnName = predictedLabelColumnName, BatchSize = batchSize,
            MaxEpochs = maxEpochs, ValidationSet = validationSet,
        });

    /// <summary>A Brainformer image classifier: <paramref name="options"/> with <c>Architecture = Brainformer</c> (the
    /// caller's object is not changed).</summary>
    public static WideNetImageClassificationTrainer Brainformer(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
                                                                WideNetImageClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Clone();
        o.Architecture = ModelArchitecture.Brainformer;
        return new(MLNetBridge.Environment(catalog), o);
    }

    /// <summary>A Brainformer text classifier: <paramref name="options"/> with <c>Architecture = Brainformer</c> (the
    /// caller's object is not changed).</summary>
    public static WideNetTextClassificationTrainer Brainformer(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
                                                               WideNetTextClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Clone();
        o.Architecture = ModelArchitecture.Brainformer;
        return new(MLNetBridge.Environment(catalog), o);
    }

    /// <summary>A Brainformer image classifier with the defaults of <see cref="WideNetImageClassification"/>.</summary>
    public static WideNetImageClassificationTrainer BrainformerImageClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string imageColumnName = "Image", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int batchSize = 64, int? maxEpochs = null, IDataView? validationSet = null) =>
        catalog.Brainformer(catalog.WideNetImageClassification(labelColumnName, imageColumnName, scoreColumnName, predictedLabelColumnName,
                                                               batchSize, maxEpochs, validationSet).TrainerOptions);

    /// <summary>A Brainformer text classifier with the defaults of <see cref="WideNetTextClassification"/>.</summary>
    public static WideNetTextClassificationTrainer BrainformerTextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string sentence1ColumnName = "Sentence1", string? sentence2ColumnName = null,
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel",
        int batchSize = 32, int? maxEpochs = null, IDataView? validationSet = null) =>
        catalog.Brainformer(catalog.WideNetTextClassification(labelColumnName, sentence1ColumnName, sentence2ColumnName, scoreColumnName,
                                                              predictedLabelColumnName, batchSize, maxEpochs, validationSet).TrainerOptions);

    /// <summary>A tuner that searches WideNet, Brainformer, ViT/ViT-MoE (images) or the text encoders (text) within a
    /// time budget and returns the best model (<see cref="WideNetAutoTrainer"/>).</summary>
    public static WideNetAutoTrainer WideNetAuto(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
                                                 WideNetAutoTrainer.Options options) =>
        new(MLNetBridge.Environment(catalog), options);

    /// <summary>A tuner for images with its defaults: successive halving within <paramref name="budgetSeconds"/>.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The key label column.</param>
    /// <param name="imageColumnName">MLImage, encoded image bytes or float pixels.</param>
    /// <param name="budgetSeconds">Wall-time budget of the search.</param>
    /// <param name="maxTrials">Most configurations to try (0: as many as the budget allows).</param>
    public static WideNetAutoTrainer WideNetAutoImageClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string imageColumnName = "Image", double budgetSeconds = 600, int maxTrials = 0) =>
        catalog.WideNetAuto(new WideNetAutoTrainer.Options
        {
            TrainerOptions = new WideNetImageClassificationTrainer.Options { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName },
            BudgetSeconds = budgetSeconds, MaxTrials = maxTrials,
        });

    /// <summary>A tuner for text with its defaults: successive halving within <paramref name="budgetSeconds"/>.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The key label column.</param>
    /// <param name="sentence1ColumnName">The text column.</param>
    /// <param name="budgetSeconds">Wall-time budget of the search.</param>
    /// <param name="maxTrials">Most configurations to try (0: as many as the budget allows).</param>
    public static WideNetAutoTrainer WideNetAutoTextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string sentence1ColumnName = "Sentence1", double budgetSeconds = 600, int maxTrials = 0) =>
        catalog.WideNetAuto(new WideNetAutoTrainer.Options
        {
            TrainerOptions = new WideNetTextClassificationTrainer.Options { LabelColumnName = labelColumnName, Sentence1ColumnName = sentence1ColumnName },
            BudgetSeconds = budgetSeconds, MaxTrials = maxTrials,
        });
}
