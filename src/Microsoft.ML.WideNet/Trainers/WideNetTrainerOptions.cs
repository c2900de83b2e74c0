using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;

namespace Microsoft.ML.WideNet;

/// <summary>The network a WideNet estimator trains.</summary>
public enum ModelArchitecture
{
    /// <summary>WideNet: shared attention and a shared top-k MoE, one LayerNorm pair per block (images and text).</summary>
    WideNet,
    /// <summary>Brainformer: a recipe of attention, dense gated FFN and expert-choice MoE sub-layers (images and text).</summary>
    Brainformer,
    /// <summary>Plain vision transformer with dense FFNs, nothing shared (images only).</summary>
    ViT,
    /// <summary>Vision transformer whose last FFNs are unshared top-k MoE layers (images only).</summary>
    ViTMoE,
    /// <summary>BERT-like dense text encoder, nothing shared (text only).</summary>
    Transformer,
    /// <summary>ALBERT-like text encoder: factorised embedding, one attention and one FFN shared by every block (text only).</summary>
    Albert,
}

/// <summary>Numeric precision of the forward pass.</summary>
public enum TrainingPrecision
{
    /// <summary>bfloat16 autocast on a CUDA GPU, float32 on the CPU.</summary>
    Auto,
    /// <summary>float32 everywhere.</summary>
    Float32,
    /// <summary>bfloat16 autocast on CUDA (the loss and the optimizer stay float32); the CPU runs float32.</summary>
    BFloat16,
}

/// <summary>
/// Settings shared by <see cref="WideNetImageClassificationTrainer"/> and <see cref="WideNetTextClassificationTrainer"/>.
/// Public fields with defaults; <c>Fit</c> copies them and never changes them. Size fields left null take the value of
/// <see cref="Preset"/>.
/// </summary>
public abstract class WideNetTrainerOptionsBase
{
    /// <summary>The label column: a key type (add <c>MapValueToKey</c> for strings or numbers).</summary>
    public string LabelColumnName = "Label";
    /// <summary>The output column of class probabilities.</summary>
    public string ScoreColumnName = "Score";
    /// <summary>The output key column of the predicted class.</summary>
    public string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>The network family.</summary>
    public ModelArchitecture Architecture = ModelArchitecture.WideNet;
    /// <summary>The network size. Tiny trains a few thousand examples on a 2-core CPU in minutes.</summary>
    public Preset Preset = Preset.Tiny;
    /// <summary>Hidden size d (null: the preset's).</summary>
    public int? HiddenSize;
    /// <summary>Blocks (WideNet, ViT, text encoders) or recipe repeats (Brainformer) (null: the preset's; a WideNet
    /// image model of the Tiny preset: 2).</summary>
    public int? NumLayers;
    /// <summary>Attention heads (null: the preset's).</summary>
    public int? NumHeads;
    /// <summary>Experts per MoE layer (null: the preset's).</summary>
    public int? NumExperts;
    /// <summary>Experts per token of top-k routing (null: the preset's; a WideNet image model of the Tiny preset: 1).
    /// Brainformer's expert choice has no k per token.</summary>
    public int? TopK;
    /// <summary>Capacity factor of the MoE layers in training (null: the preset's).</summary>
    public double? CapacityFactor;
    /// <summary>Hidden size of each expert / dense FFN (null: the preset's).</summary>
    public int? FeedForwardSize;
    /// <summary>Dropout probability (null: 0.1 for Small and larger presets, 0 for Tiny).</summary>
    public double? Dropout;
    /// <summary>Weight of the MoE load-balance loss added to the task loss.</summary>
    public double AuxiliaryLossWeight = 0.01;

    /// <summary>Examples per optimizer step.</summary>
    public int BatchSize = 64;
    /// <summary>Passes over the training data, at most (fewer when early stopping ends the run). Null: automatic — 10,
    /// or more on small data so that training takes at least <see cref="AutomaticMinimumSteps"/> optimizer steps (images:
    /// <see cref="AutomaticMinimumImageSteps"/>; at most 500 epochs): a few hundred rows make only a few steps per epoch.</summary>
    public int? MaxEpochs;
    /// <summary>Fewest optimizer steps automatic <see cref="MaxEpochs"/> aims for (text).</summary>
    public const int AutomaticMinimumSteps = 2500;
    /// <summary>Fewest optimizer steps automatic <see cref="MaxEpochs"/> aims for (images: with random crops and mixup,
    /// 1,000 Fashion-MNIST rows gained 1.9 points from 2,500 to 7,500 planned steps; docs/benchmarks.md).</summary>
    public const int AutomaticMinimumImageSteps = 7500;
    /// <summary>Peak learning rate (null: 1e-3 for AdamW, 2e-3 for LAMB).</summary>
    public double? LearningRate;
    /// <summary>Optimizer.</summary>
    public OptimizerKind Optimizer = OptimizerKind.AdamW;
    /// <summary>Decay of the learning rate after warm-up.</summary>
    public LearningRateDecay LearningRateDecay = LearningRateDecay.Cosine;
    /// <summary>Decoupled weight decay of weight matrices.</summary>
    public double WeightDecay = 0.05;
    /// <summary>Warm-up as a fraction of all steps.</summary>
    public double WarmupRatio = 0.1;
    /// <summary>Label smoothing ε.</summary>
    public double LabelSmoothing = 0.1;
    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double ClipNorm = 1.0;

    /// <summary>Validation data scored after every epoch (same columns as the training data). When null,
    /// <see cref="ValidationFraction"/> of the training rows is held out instead.</summary>
    public IDataView? ValidationSet;
    /// <summary>Fraction of the training rows held out for validation when <see cref="ValidationSet"/> is null
    /// (stratified by label, seeded; 0 = no validation: the final weights are kept).</summary>
    public double ValidationFraction = 0.1;
    /// <summary>Stop after this many epochs without validation improvement (0 = never). The best epoch's weights are kept
    /// either way. Null: automatic — 3, or a tenth of the epochs when there are more than 30 (small data sets have small,
    /// noisy validation sets).</summary>
    public int? EarlyStoppingPatience;
    /// <summary>Exponential moving average of the weights (0 = off; 0.999 is usual): validation, best-epoch selection
    /// and the saved model use the averaged weights.</summary>
    public double EmaDecay;
    /// <summary>Training time in seconds (0 = no limit): after the first epoch the learning-rate schedule is planned again
    /// for the epochs that fit at its pace (when fewer than <see cref="MaxEpochs"/>), and after each epoch <c>Fit</c> stops
    /// when one more epoch as long as the last would end past it, keeping the best weights.</summary>
    public double MaxTrainingSeconds;

    /// <summary>Seed of every random choice (initialisation, split, shuffles, augmentation, dropout); CPU runs are
    /// bit-reproducible for a seed. Null: the <see cref="MLContext"/>'s seeded sequence.</summary>
    public int? Seed;
    /// <summary>Where to train and score.</summary>
    public TrainingDevice Device = TrainingDevice.Auto;
    /// <summary>Forward-pass precision.</summary>
    public TrainingPrecision Precision = TrainingPrecision.Auto;
    /// <summary>Folder for checkpoints; an interrupted <c>Fit</c> with the same data and options resumes from it to the same result.</summary>
    public string? CheckpointDirectory;
    /// <summary>Ends <c>Fit</c> after this epoch with the best weights so far, the checkpoint keeping the run's state so
    /// that a later <c>Fit</c> with a larger value continues it (the tuner's promotions; needs <see cref="CheckpointDirectory"/>).</summary>
    internal int? PauseAfterEpochs;
    /// <summary>Checked between optimizer steps: cancelling stops <c>Fit</c> with <see cref="OperationCanceledException"/>
    /// (after writing a checkpoint when <see cref="CheckpointDirectory"/> is set).</summary>
    public CancellationToken CancellationToken;
    /// <summary>Receives progress (epoch, step, loss, accuracy, throughput, ETA) besides <see cref="MLContext.Log"/>.</summary>
    public IProgress<TrainingProgress>? Progress;
    /// <summary>Log every this many optimizer steps.</summary>
    public int LogEverySteps = 50;
    /// <summary>Gaussian noise on the top-k routers' logits in training (std 1/E), for exploration of the experts.
    /// False turns it off (then a data-parallel run gives the single-process weights).</summary>
    public bool RouterNoise = true;
    /// <summary>When the process was started by <c>widenet launch</c> or torchrun (WORLD_SIZE &gt; 1), train
    /// data-parallel with the other processes (Gloo on CPUs, NCCL on GPUs, one GPU per LOCAL_RANK): every process calls
    /// <c>Fit</c> with the same data and options, <see cref="BatchSize"/> is the batch of all of them together, and the
    /// result is the model one process would train with that batch. Only rank 0 logs and writes checkpoints; save the
    /// model where <see cref="DistributedEnvironment.IsPrimary"/>. False: each process trains alone.</summary>
    public bool DataParallel = true;
    /// <summary>Data parallel: megabytes of gradients per all-reduce bucket; each bucket starts during backward as soon
    /// as its gradients are in, overlapping communication with the rest of backward (0: one all-reduce after backward).</summary>
    public double GradientBucketMB = 1;

    internal abstract bool IsImageTask { get; }

    internal void ValidateCommon()
    {
        var task = IsImageTask ? "image" : "text";
        var fits = Architecture switch
        {
            ModelArchitecture.WideNet or ModelArchitecture.Brainformer => true,
            ModelArchitecture.ViT or ModelArchitecture.ViTMoE => IsImageTask,
            ModelArchitecture.Transformer or ModelArchitecture.Albert => !IsImageTask,
            _ => false,
        };
        if (!fits)
            throw new ArgumentException($"Architecture {Architecture} does not fit {task} classification: use " +
                                        (IsImageTask ? "WideNet, Brainformer, ViT or ViTMoE" : "WideNet, Brainformer, Transformer or Albert"), nameof(Architecture));
        foreach (var (name, value) in new[] { (nameof(LabelColumnName), LabelColumnName), (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must name a column", name);
        Positive(HiddenSize, nameof(HiddenSize)); Positive(NumLayers, nameof(NumLayers)); Positive(NumHeads, nameof(NumHeads));
        Positive(NumExperts, nameof(NumExperts)); Positive(TopK, nameof(TopK)); Positive(FeedForwardSize, nameof(FeedForwardSize));
        if (CapacityFactor is { } cf && !(cf > 0)) throw new ArgumentOutOfRangeException(nameof(CapacityFactor), cf, "CapacityFactor must be positive");
        if (Dropout is { } d && d is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), d, "Dropout must be in [0, 1)");
        if (ValidationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in [0, 1)");
        if (EmaDecay is < 0 or >= 1 || double.IsNaN(EmaDecay)) throw new ArgumentOutOfRangeException(nameof(EmaDecay), EmaDecay, "EmaDecay must be in [0, 1)");
        if (GradientBucketMB < 0 || double.IsNaN(GradientBucketMB)) throw new ArgumentOutOfRangeException(nameof(GradientBucketMB), GradientBucketMB, "GradientBucketMB must not be negative");
        if (MaxTrainingSeconds < 0 || double.IsNaN(MaxTrainingSeconds)) throw new ArgumentOutOfRangeException(nameof(MaxTrainingSeconds), MaxTrainingSeconds, "MaxTrainingSeconds must not be negative");
        if (MaxEpochs is < 1) throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "MaxEpochs must be at least 1");
        if (EarlyStoppingPatience is < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must not be negative");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1");
        if (AuxiliaryLossWeight < 0) throw new ArgumentOutOfRangeException(nameof(AuxiliaryLossWeight), AuxiliaryLossWeight, "AuxiliaryLossWeight must not be negative");

        static void Positive(int? v, string name)
        {
            if (v is { } x && x < 1) throw new ArgumentOutOfRangeException(name, x, $"{name} must be at least 1");
        }
    }

    /// <summary>The epochs and patience for <paramref name="trainingRows"/> rows: the options' values, or the automatic ones.</summary>
    internal (int epochs, int patience) EpochsFor(int trainingRows)
    {
        var stepsPerEpoch = Math.Max(1, (trainingRows + BatchSize - 1) / BatchSize);
        var steps = IsImageTask ? AutomaticMinimumImageSteps : AutomaticMinimumSteps;
        var epochs = MaxEpochs ?? Math.Clamp((steps + stepsPerEpoch - 1) / stepsPerEpoch, 10, 500);
        var patience = EarlyStoppingPatience ?? (epochs > 30 ? epochs / 10 : 3);
        return (epochs, patience);
    }

    /// <summary>The training-loop settings these options stand for on <paramref name="trainingRows"/> rows (epochs and
    /// patience: <see cref="EpochsFor"/>).</summary>
    internal virtual TrainerOptions ToTrainerOptions(int seed, string? checkpointDirectory, int trainingRows) => new()
    {
        Epochs = EpochsFor(trainingRows).epochs,
        BatchSize = BatchSize,
        Optimizer = Optimizer,
        LearningRate = ResolvedLearningRate,
        WeightDecay = WeightDecay,
        WarmupFraction = WarmupRatio,
        Decay = LearningRateDecay,
        GradientClipNorm = ClipNorm,
        LabelSmoothing = LabelSmoothing,
        Seed = seed,
        Device = Device,
        MixedPrecision = Precision != TrainingPrecision.Float32,
        EarlyStoppingPatience = EpochsFor(trainingRows).patience,
        RestoreBestWeights = true,
        EmaDecay = EmaDecay,
        TimeLimit = MaxTrainingSeconds > 0 ? TimeSpan.FromSeconds(MaxTrainingSeconds) : null,
        CheckpointDirectory = checkpointDirectory,
        PauseAfterEpoch = PauseAfterEpochs,
        LogEverySteps = LogEverySteps,
        ProcessGroup = DataParallel ? DistributedEnvironment.Group(DeviceSelection.Resolve(Device)) : null,
        GradientBucketMB = GradientBucketMB,
    };

    /// <summary>The peak learning rate used: <see cref="LearningRate"/>, or 1e-3 for AdamW and 2e-3 for LAMB.</summary>
    internal double ResolvedLearningRate => LearningRate ?? (Optimizer == OptimizerKind.Lamb ? 2e-3 : 1e-3);

    /// <summary>A shallow copy (the estimator keeps its own).</summary>
    internal WideNetTrainerOptionsBase CloneBase() => (WideNetTrainerOptionsBase)MemberwiseClone();
}
