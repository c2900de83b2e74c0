using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training;

/// <summary>Where training runs.</summary>
public enum TrainingDevice
{
    /// <summary>The first CUDA GPU when LibTorch has CUDA and one is visible, else the CPU.</summary>
    Auto,
    /// <summary>The CPU (bit-reproducible for a seed).</summary>
    Cpu,
    /// <summary>The first CUDA GPU; fails clearly when none is available.</summary>
    Cuda,
}

/// <summary>Which validation number early stopping and best-weight selection watch.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Validation cross-entropy (lower is better).</summary>
    ValidationLoss,
    /// <summary>Validation accuracy (higher is better).</summary>
    ValidationAccuracy,
}

/// <summary>Turns a <see cref="TrainingDevice"/> into a LibTorch device.</summary>
public static class DeviceSelection
{
    /// <summary>The device to train on (a GPU: the one of this process's LOCAL_RANK under a launcher, else 0).</summary>
    public static Device Resolve(TrainingDevice choice) => choice switch
    {
        TrainingDevice.Cpu => Device.CPU,
        TrainingDevice.Cuda => torch.cuda.is_available() ? Device.CUDA(DistributedEnvironment.LocalDevice)
            : throw new InvalidOperationException(torch.cuda.is_compiled()
                ? "TrainingDevice.Cuda was requested but no CUDA GPU is visible (check the driver and CUDA_VISIBLE_DEVICES)"
                : "TrainingDevice.Cuda was requested but the native library was built against a CPU-only LibTorch; rebuild it against a CUDA LibTorch (see README, LIBTORCH_DIR)"),
        _ => torch.cuda.is_available() ? Device.CUDA(DistributedEnvironment.LocalDevice) : Device.CPU,
    };
}

/// <summary>Settings of a training run (public fields with defaults; the trainer copies them and never mutates them).</summary>
public sealed class TrainerOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs = 10;
    /// <summary>Examples per optimizer step.</summary>
    public int BatchSize = 64;
    /// <summary>Examples per evaluation batch (0 = 2 × BatchSize).</summary>
    public int EvaluationBatchSize;
    /// <summary>Drop the last incomplete batch of each epoch.</summary>
    public bool DropLastBatch;
    /// <summary>Batches of examples of similar length when the training source knows lengths (<see cref="IExampleLengths"/>,
    /// text): less padding, so fewer wasted positions per step (<see cref="Trainer.ByLength"/>).</summary>
    public bool BatchByLength;

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer = OptimizerKind.AdamW;
    /// <summary>Peak learning rate (reached at the end of warm-up).</summary>
    public double LearningRate = 1e-3;
    /// <summary>Decoupled weight decay of weight matrices (biases, norms and position tables get none).</summary>
    public double WeightDecay = 0.05;
    /// <summary>Adam β₁.</summary>
    public double Beta1 = 0.9;
    /// <summary>Adam β₂.</summary>
    public double Beta2 = 0.999;
    /// <summary>Warm-up steps; null uses <see cref="WarmupFraction"/> of all steps.</summary>
    public long? WarmupSteps;
    /// <summary>Warm-up as a fraction of all steps (when <see cref="WarmupSteps"/> is null; the paper: 30 of 300 epochs).</summary>
    public double WarmupFraction = 0.1;
    /// <summary>Decay after warm-up.</summary>
    public LearningRateDecay Decay = LearningRateDecay.Cosine;
    /// <summary>Learning rate at the last step.</summary>
    public double MinLearningRate;
    /// <summary>Global gradient-norm clip (0 = off; the paper: 1).</summary>
    public double GradientClipNorm = 1.0;
    /// <summary>Label smoothing ε (the paper: 0.1).</summary>
    public double LabelSmoothing;
    /// <summary>Mixup α for image inputs (0 = off; the paper: 0.5). Ignored for token inputs.</summary>
    public double MixupAlpha;

    /// <summary>Seed of every random choice the trainer makes (shuffles, mixup, augmentation, dropout and routing noise).</summary>
    public int Seed;
    /// <summary>Where to train.</summary>
    public TrainingDevice Device = TrainingDevice.Auto;
    /// <summary>Run the forward pass under bfloat16 autocast on CUDA (loss and optimizer stay float32). No effect on the CPU.</summary>
    public bool MixedPrecision = true;

    /// <summary>Stop after this many epochs without validation improvement (0 = never).</summary>
    public int EarlyStoppingPatience;
    /// <summary>What early stopping and best-weight selection watch.</summary>
    public EarlyStoppingMetric EarlyStoppingMetric = EarlyStoppingMetric.ValidationLoss;
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double EarlyStoppingMinDelta;
    /// <summary>At the end, load the weights of the best validation epoch (when there is validation data).</summary>
    public bool RestoreBestWeights = true;
    /// <summary>Exponential moving average of the weights (0 = off; e.g. 0.999): validation, best-epoch selection and the
    /// final model use the averaged weights. The decay warms up as min(decay, (1 + step)/(10 + step)).</summary>
    public double EmaDecay;
    /// <summary>Training time allowed (null = none): after each epoch, training stops when one more epoch as long as the
    /// last would end past it (the best weights are kept, as with early stopping). With
    /// <see cref="ShortenScheduleToTimeLimit"/> the learning-rate schedule is first fitted to the epochs that fit.</summary>
    public TimeSpan? TimeLimit;
    /// <summary>With a <see cref="TimeLimit"/>: after the first epoch, plan the learning-rate schedule again for the epochs
    /// that fit at that epoch's pace when they are fewer than <see cref="Epochs"/> (false: the schedule spans
    /// <see cref="Epochs"/> and the limit cuts it).</summary>
    public bool ShortenScheduleToTimeLimit = true;

    /// <summary>Folder for checkpoints (null = none). Written at each epoch end, every <see cref="CheckpointEverySteps"/>
    /// steps and on cancellation.</summary>
    public string? CheckpointDirectory;
    /// <summary>Also checkpoint every this many steps (0 = only at epoch ends and on cancellation).</summary>
    public int CheckpointEverySteps;
    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume = true;
    /// <summary>End this Fit after this epoch (null = run to the end): the network gets the best (averaged) weights so
    /// far, as at the end of a run, while the checkpoint keeps the live state, so that a later Fit with the same options
    /// and a larger pause (or none) continues the same run and schedule. Needs <see cref="CheckpointDirectory"/>. The
    /// tuner trains a promoted configuration on from the epochs it already has this way.</summary>
    public int? PauseAfterEpoch;

    /// <summary>Prepare the next training batch on a worker thread while the current one trains (decoding and
    /// augmentation overlap the network). Batch sources must then be thread-safe and must not draw from LibTorch's
    /// global generator (use <see cref="BatchContext.RandomForExample"/>); results are identical either way.</summary>
    public bool PrefetchBatches = true;

    /// <summary>Train data-parallel over this c10d process group (null, or a world of one: this process alone). Every
    /// rank calls <c>Fit</c> with the same data and options; <see cref="BatchSize"/> stays the global batch, each rank
    /// taking 1/W of it (see <see cref="DataParallel"/>); only rank 0 logs, reports and writes checkpoints.</summary>
    public global::WideNet.Torch.torch.distributed.ProcessGroup? ProcessGroup;

    /// <summary>Data parallel: the gradients are all-reduced in buckets of about this many megabytes, each started
    /// during backward once its gradients are in (0: one bucket per dtype after backward).</summary>
    public double GradientBucketMB = 1;

    /// <summary>Report progress every this many steps (and at each epoch end).</summary>
    public int LogEverySteps = 50;

    /// <summary>A copy.</summary>
    public TrainerOptions Clone() => (TrainerOptions)MemberwiseClone();

    internal void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must not be negative");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 1)");
        if (MixupAlpha < 0) throw new ArgumentOutOfRangeException(nameof(MixupAlpha), MixupAlpha, "MixupAlpha must not be negative");
        if (WarmupFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(WarmupFraction), WarmupFraction, "WarmupFraction must be in [0, 1]");
        if (GradientClipNorm < 0) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "GradientClipNorm must not be negative");
        if (EmaDecay is < 0 or >= 1 || double.IsNaN(EmaDecay)) throw new ArgumentOutOfRangeException(nameof(EmaDecay), EmaDecay, "EmaDecay must be in [0, 1)");
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TimeLimit), limit, "TimeLimit must be positive");
        if (ProcessGroup is { WorldSize: > 1 } g && BatchSize < g.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize {BatchSize} is below the world size {g.WorldSize}: every rank needs at least one example per step");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must not be negative");
    }
}
