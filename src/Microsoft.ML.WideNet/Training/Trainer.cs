using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using WideNet.Torch.Optim;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// The training loop over any <see cref="IClassifier"/>: per-epoch seeded shuffling, a dispose scope per step,
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
    public long StepsPerEpoch(int examples) => _o.DropLastBatch ? examples / _o.BatchSize : (examples + _o.BatchSize - 1) / _o.BatchSize;

    /// <summary>The permutation of the training examples used in <paramref name="epoch"/> (0-based).</summary>
    public static int[] EpochOrder(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Seeds.Random((ulong)(uint)seed, Seeds.Stream.Shuffle, epoch).Shuffle(order);
        return order;
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
        var o = _o;
        var module = model.Module;
        var device = DeviceSelection.Resolve(o.Device);
        var seed = (ulong)(uint)o.Seed;
        var n = train.Count;
        var dp = new DataParallel(o.ProcessGroup);
        if (!dp.IsPrimary) { progress = null; log = null; }   // rank 0 speaks for the group
        var stepsPerEpoch = StepsPerEpoch(n);
        if (dp.Enabled && !o.DropLastBatch && n % o.BatchSize is var rest && rest > 0 && rest < dp.WorldSize)
            stepsPerEpoch--;                                       // a last batch too small to give every rank an example
        if (stepsPerEpoch < 1) throw new ArgumentException($"the training data has {n} examples: too few for one batch of {o.BatchSize}", nameof(train));
        var totalSteps = stepsPerEpoch * o.Epochs;
        var warmup = Math.Min(totalSteps, o.WarmupSteps ?? (long)Math.Round(o.WarmupFraction * totalSteps));
        var schedule = new LearningRateSchedule(o.LearningRate, totalSteps, warmup, o.Decay, Math.Min(o.MinLearningRate, o.LearningRate));
        var autocast = device.IsCuda && o.MixedPrecision;
        if (o.EarlyStoppingPatience > 0 && validation is null)
            log?.Invoke("early stopping needs validation data: it is off for this run");

        module.to(device);
        module.train();
        dp.BroadcastWeights(module);                               // every rank starts from rank 0's weights
        var routers = module.named_modules().Select(m => m.module).OfType<Moe.TopKMoe>().ToList();
        foreach (var r in routers) r.StatisticsGroup = o.ProcessGroup;   // balance loss over the whole group's tokens
        using var optimizer = Optimizers.Create(o.Optimizer, module, o.LearningRate, o.WeightDecay, o.Beta1, o.Beta2);
        var parameters = module.parameters().ToArray();
        // The weights' moving average, when asked for (validation and the final model use it).
        Tensor[]? ema = null;
        if (o.EmaDecay > 0)
            using (torch.no_grad()) ema = parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();

        var state = new TrainerState { Rng = new RngState { Seed = o.Seed } };
        state.Fingerprint = Fingerprint(n, stepsPerEpoch, module.parameter_count());
        Dictionary<string, Tensor>? best = null;
        // Running sums of the epoch in progress, on the device (read back only when reporting).
        var lossSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        var auxSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        var correctSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        long? resumedFrom = null;
        try
        {
            if (o.Resume && Checkpoint.Exists(o.CheckpointDirectory))
            {
                var saved = Checkpoint.ReadState(o.CheckpointDirectory!);
                var mismatch = state.Fingerprint.Where(kv => !saved.Fingerprint.TryGetValue(kv.Key, out var v) || v != kv.Value)
                                    .Select(kv => $"{kv.Key} {saved.Fingerprint.GetValueOrDefault(kv.Key, "?")} → {kv.Value}").ToList();
                if (mismatch.Count > 0)
                    throw new InvalidOperationException($"the checkpoint in {o.CheckpointDirectory} belongs to a different run ({string.Join("; ", mismatch)}); " +
                                                        "delete it, choose another CheckpointDirectory, or set Resume = false");
                Dictionary<string, Tensor> extra;
                (state, best, extra) = Checkpoint.Load(o.CheckpointDirectory!, module, optimizer);
                using (torch.no_grad())
                {
                    if (extra.TryGetValue("loss_sum", out var l)) lossSum.copy_(l);
                    if (extra.TryGetValue("aux_sum", out var a)) auxSum.copy_(a);
                    if (extra.TryGetValue("correct_sum", out var c)) correctSum.copy_(c);
                    for (var i = 0; ema is not null && i < ema.Length; i++)
                        if (extra.TryGetValue($"ema.{i}", out var e)) ema[i].copy_(e);
                }
                foreach (var t in extra.Values) t.Dispose();
                if (best is not null)
                    foreach (var k in best.Keys.ToList()) { var cpu = best[k]; best[k] = cpu.to(device).DetachFromDisposeScope(); cpu.Dispose(); }
                if (!dp.IsPrimary)                                     // the saved sums are the group's: counted once, on rank 0
                    using (torch.no_grad()) { lossSum.zero_(); auxSum.zero_(); correctSum.zero_(); }
                resumedFrom = state.Step;
                log?.Invoke($"resumed from {o.CheckpointDirectory} at step {state.Step} (epoch {state.Epoch + 1}, batch {state.BatchInEpoch})");
            }

            log?.Invoke($"training on {device}{(autocast ? " (bf16 autocast)" : "")}{(dp.Enabled ? $", {dp.WorldSize} ranks ({o.ProcessGroup!.Backend})" : "")}: {n} examples, {o.Epochs} epochs × {stepsPerEpoch} steps, " +
                        $"{o.Optimizer} lr {o.LearningRate:G3} ({o.Decay}, {warmup} warm-up steps), {module.parameter_count():N0} parameters");

            var sw = Stopwatch.StartNew();
            long sessionSteps = 0, sessionExamples = 0, sessionTokens = 0;
            var isText = false;
            var lastLr = state.Step > 0 ? schedule.At(Math.Min(state.Step - 1, totalSteps - 1)) : schedule.At(0);

            // The epoch's running sums over all ranks (a collective: every rank calls this at the same steps).
            (double loss, double aux, double correct) Sums()
            {
                if (!dp.Enabled) return (lossSum.item<double>(), auxSum.item<double>(), correctSum.item<double>());
                using var scope = torch.NewDisposeScope();
                var all = torch.stack(new[] { lossSum, auxSum, correctSum });
                dp.Sum(all);
                var v = all.to(Device.CPU).ToArray<double>();
                return (v[0], v[1], v[2]);
            }

            TrainingProgress Report(TrainingPhase phase, double? vLoss, double? vAcc)
            {
                var seen = Math.Max(1, state.SeenInEpoch);
                var sums = Sums();
                double lossAvg = sums.loss / seen, aux = sums.aux / seen, acc = sums.correct / seen;
                var el = sw.Elapsed;
                var rate = el.TotalSeconds > 0 ? sessionExamples / el.TotalSeconds : 0;
                double? tokRate = isText && el.TotalSeconds > 0 ? sessionTokens / el.TotalSeconds : null;
                var eta = sessionSteps > 0 ? TimeSpan.FromSeconds(el.TotalSeconds / sessionSteps * (totalSteps - state.Step)) : TimeSpan.Zero;
                return new TrainingProgress(phase, Math.Min(state.Epoch + 1, o.Epochs), o.Epochs, state.Step, totalSteps, lastLr,
                                            lossAvg, acc, aux, vLoss, vAcc, rate, tokRate, el, eta);
            }

            // Exchanges the live weights and their average (no-op without an average); called in pairs.
            void SwapAverage()
            {
                if (ema is null) return;
                using var _ = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                for (var i = 0; i < ema.Length; i++)
                {
                    var live = parameters[i].clone();
                    parameters[i].copy_(ema[i]);
                    ema[i].copy_(live);
                }
            }

            void SaveCheckpoint(bool cancelling = false)
            {
                if (o.CheckpointDirectory is null) return;
                // The group's sums (a collective, skipped when this rank alone is cancelling); rank 0 writes.
                var (l, a, c) = dp.Enabled && !cancelling ? Sums() : (0.0, 0.0, 0.0);
                if (!dp.IsPrimary) return;
                state.Rng.NextStep = state.Step;
                using var scope = torch.NewDisposeScope();
                var extra = dp.Enabled && !cancelling
                    ? new Dictionary<string, Tensor>
                    {
                        ["loss_sum"] = torch.scalar_tensor(l, ScalarType.Float64), ["aux_sum"] = torch.scalar_tensor(a, ScalarType.Float64),
                        ["correct_sum"] = torch.scalar_tensor(c, ScalarType.Float64),
                    }
                    : new Dictionary<string, Tensor> { ["loss_sum"] = lossSum, ["aux_sum"] = auxSum, ["correct_sum"] = correctSum };
                for (var i = 0; ema is not null && i < ema.Length; i++) extra[$"ema.{i}"] = ema[i];
                Checkpoint.Save(o.CheckpointDirectory, state, module, optimizer, best, extra);
            }

            while (!state.Finished && state.Epoch < o.Epochs)
            {
                var epoch = state.Epoch;
                var epochStarted = sw.Elapsed;
                var order = EpochOrder(n, o.Seed, epoch);
                module.train();
                Batch FetchBatch(int b)
                {
                    var start = b * o.BatchSize;
                    var count = (int)Math.Min(o.BatchSize, n - start);
                    IReadOnlyList<int> indices = dp.Enabled ? dp.Positions(count).Select(j => order[start + j]).ToArray()   // this rank's share
                                                            : new ArraySegment<int>(order, start, count);
                    return train.GetBatch(indices, new BatchContext(true, epoch, (long)epoch * stepsPerEpoch + b, seed));
                }
                // The next batch is prepared on a worker thread while this one trains. A batch depends only on its
                // example indices and context, so prefetching cannot change results.
                Task<Batch>? pending = null;
                try
                {
                    for (var b = state.BatchInEpoch; b < stepsPerEpoch; b++)
                    {
                        if (cancellationToken.IsCancellationRequested)
                        {
                            SaveCheckpoint(cancelling: true);
                            log?.Invoke($"cancelled at step {state.Step}{(o.CheckpointDirectory is null ? "" : "; checkpoint written")}");
                            cancellationToken.ThrowIfCancellationRequested();
                        }
                        var count = (int)Math.Min(o.BatchSize, n - (long)b * o.BatchSize);
                        long tokens;
                        using (var scope = torch.NewDisposeScope())
                        {
                            var ready = pending;
                            pending = null;
                            using var batch = ready is null ? FetchBatch(b) : ready.GetAwaiter().GetResult();
                            if (o.PrefetchBatches && b + 1 < stepsPerEpoch)
                            {
                                var next = b + 1;
                                pending = Task.Run(() => FetchBatch(next));
                            }
                            // dropout and routing noise: one stream per step (and per rank)
                            torch.manual_seed(Seeds.Derive(seed, Seeds.Stream.Model, dp.Enabled ? state.Step * dp.WorldSize + dp.Rank : state.Step));
                            isText = !batch.Input.dtype.IsFloatingPoint();
                            tokens = isText ? (batch.AttentionMask is { } m ? m.sum(ScalarType.Int64).item<long>() : batch.Input.numel()) : 0;
                            var x = batch.Input.to(device);
                            var y = batch.Labels.to(device);
                            var mask = batch.AttentionMask?.to(device);
                            var output = default(ClassifierOutput);
                            Tensor logits, taskLoss;
                            if (o.MixupAlpha > 0 && !isText)
                            {
                                var lambda = Mixup.SampleBeta(o.MixupAlpha, o.MixupAlpha, Seeds.Random(seed, Seeds.Stream.Mixup, state.Step));
                                output = Forward(model, Mixup.MixInputs(x, lambda), mask, autocast);
                                logits = output.Logits.to(ScalarType.Float32);
                                taskLoss = F.cross_entropy(logits, Mixup.MixTargets(y, logits.size(1), lambda, o.LabelSmoothing));
                            }
                            else
                            {
                                output = Forward(model, x, mask, autocast);
                                logits = output.Logits.to(ScalarType.Float32);
                                taskLoss = F.cross_entropy(logits, y, label_smoothing: o.LabelSmoothing);
                            }
                            Step(output, logits, taskLoss, y, dp.LossWeight((int)y.size(0), count));
                        }
                        state.Step++;
                        state.BatchInEpoch = b + 1;
                        state.SeenInEpoch += count;
                        sessionSteps++;
                        sessionExamples += count;
                        sessionTokens += tokens;
                        if (o.LogEverySteps > 0 && state.Step % o.LogEverySteps == 0)
                        {
                            var rp = Report(TrainingPhase.Training, null, null);
                            progress?.Report(rp);
                            if (log is not null)
                            {
                                var aux = rp.AuxLoss > 0 ? FormattableString.Invariant($" aux {rp.AuxLoss:F4}") : "";
                                var tok = rp.TokensPerSecond is { } tps ? FormattableString.Invariant($" {tps:F0} tok/s") : "";
                                log(FormattableString.Invariant(
                                    $"epoch {rp.Epoch}/{o.Epochs} step {rp.Step}/{totalSteps} loss {rp.TrainLoss:F4} acc {rp.TrainAccuracy:F4}{aux} lr {rp.LearningRate:0.###e0} {rp.ExamplesPerSecond:F0} {(isText ? "texts" : "img")}/s{tok} ETA {rp.Eta:hh\\:mm\\:ss}"));
                            }
                        }
                        if (o.CheckpointEverySteps > 0 && state.Step % o.CheckpointEverySteps == 0 && b + 1 < stepsPerEpoch) SaveCheckpoint();
                    }
                }
                finally
                {
                    // Left early (cancellation, failure): free the prefetched batch.
                    if (pending is not null)
                        try { pending.GetAwaiter().GetResult().Dispose(); } catch { /* the original exception matters */ }
                }

                // ---- epoch end: metrics, validation, early stopping, checkpoint ----
                var seen = Math.Max(1, state.SeenInEpoch);
                var epochSums = Sums();
                var trainLoss = epochSums.loss / seen;
                var trainAcc = epochSums.correct / seen;
                var auxAvg = epochSums.aux / seen;
                double? vLoss = null, vAcc = null;
                if (validation is not null)
                {
                    SwapAverage();                                  // validate (and keep as best) the averaged weights
                    var ev = Evaluate(model, validation, EvalBatchSize, device, autocast);
                    vLoss = ev.Loss;
                    vAcc = ev.Accuracy;
                    var metric = o.EarlyStoppingMetric == EarlyStoppingMetric.ValidationLoss ? ev.Loss : ev.Accuracy;
                    var better = state.BestMetric is not { } bm
                                 || (o.EarlyStoppingMetric == EarlyStoppingMetric.ValidationLoss ? metric < bm - o.EarlyStoppingMinDelta : metric > bm + o.EarlyStoppingMinDelta);
                    if (better)
                    {
                        state.BestMetric = metric;
                        state.BestEpoch = epoch + 1;
                        state.EpochsWithoutImprovement = 0;
                        if (o.RestoreBestWeights) best = CopyState(module, best);
                    }
                    else state.EpochsWithoutImprovement++;
                    SwapAverage();
                    module.train();
                }
                var ep = Report(TrainingPhase.EpochEnd, vLoss, vAcc);
                state.History.Add(new EpochMetrics(epoch + 1, trainLoss, trainAcc, auxAvg, vLoss, vAcc, lastLr));
                progress?.Report(ep);
                if (log is not null)
                {
                    var val = vLoss is { } vl ? FormattableString.Invariant($", validation loss {vl:F4} acc {vAcc:F4}") : "";
                    log(FormattableString.Invariant($"epoch {epoch + 1}/{o.Epochs} done: train loss {trainLoss:F4} acc {trainAcc:F4}{val} ({sw.Elapsed:hh\\:mm\\:ss})"));
                }

                using (torch.no_grad()) { lossSum.zero_(); auxSum.zero_(); correctSum.zero_(); }
                state.Epoch = epoch + 1;
                state.BatchInEpoch = 0;
                state.SeenInEpoch = 0;
                if (validation is not null && o.EarlyStoppingPatience > 0 && state.EpochsWithoutImprovement >= o.EarlyStoppingPatience && state.Epoch < o.Epochs)
                {
                    state.StoppedEarly = true;
                    log?.Invoke($"early stopping: no improvement for {state.EpochsWithoutImprovement} epochs (best epoch {state.BestEpoch})");
                }
                if (!state.StoppedEarly && o.TimeLimit is { } limit && state.Epoch < o.Epochs && AnyRank(sw.Elapsed + (sw.Elapsed - epochStarted) > limit))
                {
                    state.StoppedEarly = true;
                    log?.Invoke(FormattableString.Invariant($"time limit: another epoch of {(sw.Elapsed - epochStarted).TotalSeconds:F0} s would end after {limit.TotalSeconds:F0} s; stopping after epoch {state.Epoch}"));
                }
                if (state.StoppedEarly || state.Epoch >= o.Epochs)
                {
                    state.Finished = true;
                    if (best is not null && o.RestoreBestWeights)
                    {
                        module.load_state_dict(best);
                        log?.Invoke($"restored the {(ema is null ? "" : "averaged ")}weights of epoch {state.BestEpoch}");
                    }
                    else if (ema is not null)
                        using (torch.no_grad()) for (var i = 0; i < ema.Length; i++) parameters[i].copy_(ema[i]);
                }
                SaveCheckpoint();
            }

            module.eval();
            if (state.History.LastOrDefault() is { } h)
                progress?.Report(new TrainingProgress(TrainingPhase.Completed, h.Epoch, o.Epochs, state.Step, totalSteps, lastLr, h.TrainLoss, h.TrainAccuracy,
                                                      h.AuxLoss, h.ValidationLoss, h.ValidationAccuracy, sessionExamples / Math.Max(1e-9, sw.Elapsed.TotalSeconds),
                                                      isText ? sessionTokens / Math.Max(1e-9, sw.Elapsed.TotalSeconds) : null, sw.Elapsed, TimeSpan.Zero));
            return new TrainingResult(state.History.ToArray(), state.BestEpoch, state.BestMetric, state.StoppedEarly, state.Step, resumedFrom, device.ToString());

            // True on every rank when it is true on one (the ranks' clocks differ; their decisions must not).
            bool AnyRank(bool mine)
            {
                if (!dp.Enabled) return mine;
                using var flag = torch.scalar_tensor(mine ? 1 : 0, ScalarType.Float32, device);
                dp.Sum(flag);
                return flag.item<float>() > 0;
            }

            void Step(ClassifierOutput output, Tensor logits, Tensor taskLoss, Tensor y, double weight)
            {
                var total = output.AuxLoss is { } aux ? taskLoss + aux.to(ScalarType.Float32) : taskLoss;
                if (weight != 1.0) total = total * weight;            // this rank's share of the global batch
                optimizer.zero_grad();
                total.backward();
                dp.AverageGradients(parameters);
                if (o.GradientClipNorm > 0) torch.nn.utils.clip_grad_norm_(parameters, o.GradientClipNorm);
                lastLr = schedule.At(state.Step);
                optimizer.LearningRate = lastLr;
                optimizer.step();
                using var _ = torch.no_grad();
                if (ema is not null)
                {
                    var decay = Math.Min(o.EmaDecay, (1.0 + state.Step) / (10.0 + state.Step));
                    for (var i = 0; i < ema.Length; i++) ema[i].mul_(decay).add_(parameters[i] * (1 - decay));
                }
                var bs = (double)y.size(0);
                lossSum.add_(taskLoss.detach().to(ScalarType.Float64) * bs);
                if (output.AuxLoss is { } a) auxSum.add_(a.detach().to(ScalarType.Float64) * bs);
                correctSum.add_(logits.argmax(1).eq(y).sum(ScalarType.Float64));
            }
        }
        finally
        {
            foreach (var r in routers) r.StatisticsGroup = null;
            lossSum.Dispose(); auxSum.Dispose(); correctSum.Dispose();
            if (ema is not null) foreach (var t in ema) t.Dispose();
            if (best is not null) foreach (var t in best.Values) t.Dispose();
        }
    }

    int EvalBatchSize => _o.EvaluationBatchSize > 0 ? _o.EvaluationBatchSize : 2 * _o.BatchSize;

    static ClassifierOutput Forward(IClassifier model, Tensor x, Tensor? mask, bool autocast)
    {
        if (!autocast) return model.forward(x, mask);
        using var _ = torch.autocast(DeviceType.CUDA, ScalarType.BFloat16);
        return model.forward(x, mask);
    }

    static Dictionary<string, Tensor> CopyState(Microsoft.ML.WideNet.Nn.Module module, Dictionary<string, Tensor>? previous)
    {
        if (previous is not null) foreach (var t in previous.Values) t.Dispose();
        using var _ = torch.no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    Dictionary<string, string> Fingerprint(int examples, long stepsPerEpoch, long parameters) => new()
    {
        ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
        ["examples"] = examples.ToString(CultureInfo.InvariantCulture),
        ["batch_size"] = _o.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["steps_per_epoch"] = stepsPerEpoch.ToString(CultureInfo.InvariantCulture),
        ["epochs"] = _o.Epochs.ToString(CultureInfo.InvariantCulture),
        ["optimizer"] = _o.Optimizer.ToString(),
        ["parameters"] = parameters.ToString(CultureInfo.InvariantCulture),
    };

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
