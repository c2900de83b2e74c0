using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// The training loop over any <see cref="IClassifier"/> (its parts: <see cref="FitLoop"/>): per-epoch seeded shuffling, a dispose scope per step,
/// cross-entropy (label smoothing, or mixup's soft targets) plus the model's auxiliary loss, gradient clipping, the
/// learning-rate schedule, AdamW or LAMB with weight-decay groups, validation with early stopping that keeps the best
/// weights, progress reports, cancellation between steps and resumable checkpoints.
/// <para>Reproducibility: every random choice is a pure function of (seed, epoch, step, example) — the shuffle of
/// epoch e, the mixup λ and LibTorch's global generator (dropout, routing noise; reseeded before every step), and
/// augmentation per example — so on the CPU a seed gives bit-identical weights, and a run resumed from a checkpoint
/// ends bit-identical to one that was never interrupted. LibTorch's global generator is process-wide: run one
/// training at a time per process when bit-reproducibility matters.</para>
/// <para>Labels are 0-based class indices (the ML.NET layer converts its 1-based keys).</para>
/// </summary>
public sealed class Trainer
{
    readonly TrainerOptions _o;

    /// <summary>Creates a trainer (the options are copied, never mutated).</summary>
    public Trainer(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _o = options.Clone();
        _o.Validate();
    }

    /// <summary>The options in use (a copy).</summary>
    public TrainerOptions Options => _o.Clone();

    /// <summary>Optimizer steps per epoch for <paramref name="examples"/> training examples.</summary>
    public long StepsPerEpoch(int examples) => StepsPerEpoch(examples, _o);

    internal static long StepsPerEpoch(int examples, TrainerOptions o) =>
        o.DropLastBatch ? examples / o.BatchSize : (examples + o.BatchSize - 1) / o.BatchSize;

    /// <summary>The permutation of the training examples used in <paramref name="epoch"/> (0-based).</summary>
    public static int[] EpochOrder(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Seeds.Random((ulong)(uint)seed, Seeds.Stream.Shuffle, epoch).Shuffle(order);
        return order;
    }

    /// <summary>Examples per length-sorted pool of <see cref="ByLength"/>, in batches.</summary>
    public const int LengthPoolBatches = 50;

    /// <summary>Length-bucketed batches: the shuffled <paramref name="order"/> is cut into pools of
    /// <see cref="LengthPoolBatches"/> batches, each pool is sorted by length and cut into batches, and the whole batches
    /// are shuffled (seeded by epoch), the last incomplete batch staying last. Batches then hold texts of similar length
    /// (less padding) while every epoch still mixes them differently.</summary>
    public static int[] ByLength(int[] order, Func<int, int> length, int batchSize, int seed, int epoch)
    {
        var pool = batchSize * LengthPoolBatches;
        var sorted = new List<int>(order.Length);
        for (var start = 0; start < order.Length; start += pool)
            sorted.AddRange(order.Skip(start).Take(pool).OrderBy(length).ThenBy(i => i));
        var full = sorted.Count / batchSize;
        var batches = Enumerable.Range(0, full).ToArray();
        Seeds.Random((ulong)(uint)seed, Seeds.Stream.Shuffle, epoch, 1).Shuffle(batches);
        var result = new int[order.Length];
        for (var b = 0; b < full; b++) sorted.CopyTo(batches[b] * batchSize, result, b * batchSize, batchSize);
        sorted.CopyTo(full * batchSize, result, full * batchSize, sorted.Count - full * batchSize);
        return result;
    }

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/>, validating on <paramref name="validation"/> after
    /// every epoch. The model is moved to the chosen device and left there, in evaluation mode, holding the best
    /// validation weights (when <see cref="TrainerOptions.RestoreBestWeights"/> and there is validation data) or the
    /// final ones. Cancellation is honoured between steps: the weights are those after the last whole step, a
    /// checkpoint is written when a folder is set, and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public TrainingResult Fit(IClassifier model, IBatchSource train, IBatchSource? validation = null,
                              IProgress<TrainingProgress>? progress = null, Action<string>? log = null,
                              CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        using var run = new FitLoop(_o, model, train, validation, progress, log, cancellationToken);
        return run.Run();
    }

    internal static ClassifierOutput Forward(IClassifier model, Tensor x, Tensor? mask, bool autocast)
    {
        if (!autocast) return model.forward(x, mask);
        using var _ = torch.autocast(DeviceType.CUDA, ScalarType.BFloat16);
        return model.forward(x, mask);
    }

    /// <summary>Evaluates <paramref name="model"/> on every example of <paramref name="data"/> in order (evaluation
    /// mode, inference mode, no augmentation): mean cross-entropy, accuracy, predictions and optionally the softmax
    /// probabilities. The model stays in evaluation mode.</summary>
    public static EvaluationResult Evaluate(IClassifier model, IBatchSource data, int batchSize = 256, Device? device = null,
                                            bool autocast = false, bool keepProbabilities = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive");
        var dev = device ?? model.Module.parameters().FirstOrDefault()?.device ?? Device.CPU;
        model.Module.eval();
        var n = data.Count;
        var preds = new int[n];
        var labels = new int[n];
        float[]? probs = null;
        double lossSum = 0;
        var k = 0;
        using var inference = torch.inference_mode();
        for (int start = 0, batchNo = 0; start < n; start += batchSize, batchNo++)
        {
            var count = Math.Min(batchSize, n - start);
            var idx = Enumerable.Range(start, count).ToArray();
            using var scope = torch.NewDisposeScope();
            using var batch = data.GetBatch(idx, new BatchContext(false, 0, batchNo, 0));
            var output = Forward(model, batch.Input.to(dev), batch.AttentionMask?.to(dev), autocast && dev.IsCuda);
            var logits = output.Logits.to(ScalarType.Float32);
            var y = batch.Labels.to(dev);
            k = (int)logits.size(1);
            lossSum += F.cross_entropy(logits, y, reduction: torch.nn.Reduction.Sum).item<double>();
            var p = logits.argmax(1).to(Device.CPU, ScalarType.Int32).ToArray<int>();
            var l = batch.Labels.to(Device.CPU, ScalarType.Int32).ToArray<int>();
            Array.Copy(p, 0, preds, start, count);
            Array.Copy(l, 0, labels, start, count);
            if (keepProbabilities)
            {
                probs ??= new float[(long)n * k];
                var sm = logits.softmax(1).to(Device.CPU).ToArray<float>();
                Array.Copy(sm, 0, probs, (long)start * k, sm.Length);
            }
        }
        return new EvaluationResult(n == 0 ? 0 : lossSum / n, Metrics.Accuracy(labels, preds), preds, labels, k, probs);
    }
}
