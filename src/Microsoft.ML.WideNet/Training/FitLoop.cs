using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using WideNet.Torch.Optim;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// One run of <see cref="Trainer.Fit"/>, in named parts as a reader follows them: <see cref="Run"/> resumes, then for
/// each epoch <see cref="TrainEpoch"/> (batches, each a <see cref="TrainStep"/>) and <see cref="EndEpoch"/>
/// (statistics, <see cref="Validate"/>, early stopping, the time limit, <see cref="SaveCheckpoint"/>). The state that
/// a checkpoint carries is <see cref="state"/> plus the running sums, the weight average and the best weights.
/// </summary>
internal sealed class FitLoop : IDisposable
{
    // ---- fixed for the run ----
    readonly TrainerOptions o;
    readonly IClassifier model;
    readonly Nn.Module module;
    readonly IBatchSource train;
    readonly IBatchSource? validation;
    readonly IProgress<TrainingProgress>? progress;
    readonly Action<string>? log;
    readonly CancellationToken cancellation;
    readonly Device device;
    readonly ulong seed;
    readonly int n;
    readonly DataParallel dp;
    readonly long stepsPerEpoch;
    // the plan: o.Epochs, or fewer once the first epoch shows how many fit in the time limit
    int epochs;
    long totalSteps, warmup;
    LearningRateSchedule schedule;
    readonly bool autocast;
    readonly int evalBatchSize;
    readonly Optimizer optimizer;
    readonly Tensor[] parameters;
    readonly Tensor[]? ema;                                    // the weights' moving average (validation and the result use it)
    readonly List<Moe.TopKMoe> routers;
    // running sums of the epoch in progress, on the device (read back only when reporting)
    readonly Tensor lossSum, auxSum, correctSum;

    // ---- what the run changes ----
    TrainerState state;
    Dictionary<string, Tensor>? best;
    long? resumedFrom;
    readonly Stopwatch sw = new();
    long sessionSteps, sessionExamples, sessionTokens;
    bool isText;
    double lastLr;

    public FitLoop(TrainerOptions options, IClassifier model, IBatchSource train, IBatchSource? validation,
                   IProgress<TrainingProgress>? progress, Action<string>? log, CancellationToken cancellation)
    {
        o = options;
        (this.model, module, this.train, this.validation, this.cancellation) = (model, model.Module, train, validation, cancellation);
        device = DeviceSelection.Resolve(o.Device);
        seed = (ulong)(uint)o.Seed;
        n = train.Count;
        dp = new DataParallel(o.ProcessGroup);
        (this.progress, this.log) = dp.IsPrimary ? (progress, log) : (null, null);   // rank 0 speaks for the group
        stepsPerEpoch = Trainer.StepsPerEpoch(n, o);
        if (dp.Enabled && !o.DropLastBatch && n % o.BatchSize is var rest && rest > 0 && rest < dp.WorldSize)
            stepsPerEpoch--;                                       // a last batch too small to give every rank an example
        if (stepsPerEpoch < 1) throw new ArgumentException($"the training data has {n} examples: too few for one batch of {o.BatchSize}", nameof(train));
        epochs = o.Epochs;
        totalSteps = stepsPerEpoch * o.Epochs;
        warmup = Math.Min(totalSteps, o.WarmupSteps ?? (long)Math.Round(o.WarmupFraction * totalSteps));
        schedule = Schedule();
        autocast = device.IsCuda && o.MixedPrecision;
        evalBatchSize = o.EvaluationBatchSize > 0 ? o.EvaluationBatchSize : 2 * o.BatchSize;
        if (o.EarlyStoppingPatience > 0 && validation is null)
            this.log?.Invoke("early stopping needs validation data: it is off for this run");

        module.to(device);
        module.train();
        dp.BroadcastWeights(module);                               // every rank starts from rank 0's weights
        routers = module.named_modules().Select(m => m.module).OfType<Moe.TopKMoe>().ToList();
        foreach (var r in routers) r.StatisticsGroup = o.ProcessGroup;   // balance loss over the whole group's tokens
        optimizer = Optimizers.Create(o.Optimizer, module, o.LearningRate, o.WeightDecay, o.Beta1, o.Beta2);
        parameters = module.parameters().Where(p => p.requires_grad).ToArray();   // frozen parts stay out of clipping and all-reduce
        if (o.GradientBucketMB > 0) dp.ReduceDuringBackward(parameters, o.GradientBucketMB);
        if (o.EmaDecay > 0)
            using (torch.no_grad()) ema = parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        state = new TrainerState { Rng = new RngState { Seed = o.Seed }, Fingerprint = Fingerprint() };
        lossSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        auxSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        correctSum = torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
    }

    public TrainingResult Run()
    {
        if (o.Resume && Checkpoint.Exists(o.CheckpointDirectory)) Resume();
        log?.Invoke($"training on {device}{(autocast ? " (bf16 autocast)" : "")}{(dp.Enabled ? $", {dp.WorldSize} ranks ({o.ProcessGroup!.Backend})" : "")}: {n} examples, {o.Epochs} epochs × {stepsPerEpoch} steps, " +
                    $"{o.Optimizer} lr {o.LearningRate:G3} ({o.Decay}, {warmup} warm-up steps), {module.parameter_count():N0} parameters");
        sw.Start();
        if (state.PlannedEpochs is { } planned && planned < o.Epochs) Replan(planned);
        lastLr = state.Step > 0 ? schedule.At(Math.Min(state.Step - 1, totalSteps - 1)) : schedule.At(0);
        while (!state.Finished && state.Epoch < epochs && !(o.PauseAfterEpoch is { } pause && state.Epoch >= pause))
        {
            var epochStarted = sw.Elapsed;
            TrainEpoch(state.Epoch);
            EndEpoch(state.Epoch, sw.Elapsed - epochStarted);
        }
        if (!state.Finished)
        {
            // Paused: the checkpoint holds the live state; the network leaves with the weights a finished run would have.
            log?.Invoke($"paused after epoch {state.Epoch} of {epochs}{(o.CheckpointDirectory is null ? "" : $"; {o.CheckpointDirectory} continues it")}");
            KeepFinalWeights();
        }

        module.eval();
        if (dp.Enabled && dp.GradientTime.count > 0)
            log?.Invoke(FormattableString.Invariant(
                $"data parallel: {dp.WorldSize} ranks, {(dp.BucketCount > 0 ? $"{dp.BucketCount} gradient buckets reduced during backward, then a wait of" : "gradient all-reduce")} {dp.GradientTime.total.TotalMilliseconds / dp.GradientTime.count:F2} ms per step ({100 * dp.GradientTime.total.TotalSeconds / Math.Max(1e-9, sw.Elapsed.TotalSeconds):F1}% of the training time, waiting for the slower rank included)"));
        if (state.History.LastOrDefault() is { } h)
            progress?.Report(new TrainingProgress(TrainingPhase.Completed, h.Epoch, epochs, state.Step, totalSteps, lastLr, h.TrainLoss, h.TrainAccuracy,
                                                  h.AuxLoss, h.ValidationLoss, h.ValidationAccuracy, sessionExamples / Math.Max(1e-9, sw.Elapsed.TotalSeconds),
                                                  isText ? sessionTokens / Math.Max(1e-9, sw.Elapsed.TotalSeconds) : null, sw.Elapsed, TimeSpan.Zero));
        return new TrainingResult(state.History.ToArray(), state.BestEpoch, state.BestMetric, state.StoppedEarly, state.Step, resumedFrom, device.ToString());
    }

    // ---- resume ----------------------------------------------------------------------------------------------

    void Resume()
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
        if (!dp.IsPrimary)                                         // the saved sums are the group's: counted once, on rank 0
            using (torch.no_grad()) { lossSum.zero_(); auxSum.zero_(); correctSum.zero_(); }
        resumedFrom = state.Step;
        log?.Invoke($"resumed from {o.CheckpointDirectory} at step {state.Step} (epoch {state.Epoch + 1}, batch {state.BatchInEpoch})");
    }

    // ---- an epoch of steps -----------------------------------------------------------------------------------

    void TrainEpoch(int epoch)
    {
        var order = Trainer.EpochOrder(n, o.Seed, epoch);
        if (o.BatchByLength && train is IExampleLengths lengths) order = Trainer.ByLength(order, lengths.LengthOf, o.BatchSize, o.Seed, epoch);
        module.train();
        Batch FetchBatch(int b)
        {
            var start = b * o.BatchSize;
            var count = (int)Math.Min(o.BatchSize, n - start);
            IReadOnlyList<int> indices = dp.Enabled ? dp.Positions(count).Select(j => order[start + j]).ToArray()   // this rank's share
                                                    : new ArraySegment<int>(order, start, count);
            return train.GetBatch(indices, new BatchContext(true, epoch, (long)epoch * stepsPerEpoch + b, seed));
        }
        // The next batch is prepared on a worker thread while this one trains. A batch depends only on its example
        // indices and context, so prefetching cannot change results.
        Task<Batch>? pending = null;
        try
        {
            for (var b = state.BatchInEpoch; b < stepsPerEpoch; b++)
            {
                if (cancellation.IsCancellationRequested)
                {
                    SaveCheckpoint(cancelling: true);
                    log?.Invoke($"cancelled at step {state.Step}{(o.CheckpointDirectory is null ? "" : "; checkpoint written")}");
                    cancellation.ThrowIfCancellationRequested();
                }
                var count = (int)Math.Min(o.BatchSize, n - (long)b * o.BatchSize);
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
                    TrainStep(batch, count);
                }
                state.Step++;
                state.BatchInEpoch = b + 1;
                state.SeenInEpoch += count;
                sessionSteps++;
                sessionExamples += count;
                if (o.LogEverySteps > 0 && state.Step % o.LogEverySteps == 0) LogStep();
                if (o.CheckpointEverySteps > 0 && state.Step % o.CheckpointEverySteps == 0 && b + 1 < stepsPerEpoch) SaveCheckpoint();
            }
        }
        finally
        {
            // Left early (cancellation, failure): free the prefetched batch.
            if (pending is not null)
                try { pending.GetAwaiter().GetResult().Dispose(); } catch { /* the original exception matters */ }
        }
    }

    /// <summary>Forward, loss, backward, gradient averaging over the ranks, clipping, the scheduled update, the weight
    /// average and the running sums. <paramref name="globalCount"/>: examples of the whole group's batch.</summary>
    void TrainStep(Batch batch, int globalCount)
    {
        // dropout and routing noise: one stream per step (and per rank)
        torch.manual_seed(Seeds.Derive(seed, Seeds.Stream.Model, dp.Enabled ? state.Step * dp.WorldSize + dp.Rank : state.Step));
        isText = !batch.Input.dtype.IsFloatingPoint();
        if (isText) sessionTokens += batch.AttentionMask is { } m ? m.sum(ScalarType.Int64).item<long>() : batch.Input.numel();
        var x = batch.Input.to(device);
        var y = batch.Labels.to(device);
        var mask = batch.AttentionMask?.to(device);
        ClassifierOutput output;
        Tensor logits, taskLoss, correct;
        if (o.MixupAlpha > 0 && !isText)
        {
            var lambda = Mixup.SampleBeta(o.MixupAlpha, o.MixupAlpha, Seeds.Random(seed, Seeds.Stream.Mixup, state.Step));
            output = Trainer.Forward(model, Mixup.MixInputs(x, lambda), mask, autocast);
            logits = output.Logits.to(ScalarType.Float32);
            taskLoss = F.cross_entropy(logits, Mixup.MixTargets(y, logits.size(1), lambda, o.LabelSmoothing));
            // accuracy on a mixed image: a hit on either source, weighted as the targets are (λ and 1 − λ)
            var predicted = logits.argmax(1);
            correct = predicted.eq(y).to(ScalarType.Float64) * lambda + predicted.eq(y.flip(0)).to(ScalarType.Float64) * (1 - lambda);
        }
        else
        {
            output = Trainer.Forward(model, x, mask, autocast);
            logits = output.Logits.to(ScalarType.Float32);
            taskLoss = F.cross_entropy(logits, y, label_smoothing: o.LabelSmoothing);
            correct = logits.argmax(1).eq(y).to(ScalarType.Float64);
        }

        var total = output.AuxLoss is { } aux ? taskLoss + aux.to(ScalarType.Float32) : taskLoss;
        var weight = dp.LossWeight((int)y.size(0), globalCount);
        if (weight != 1.0) total = total * weight;                // this rank's share of the global batch
        optimizer.zero_grad();
        dp.BeginBackward();
        total.backward();                                          // (buckets of gradients start their all-reduce here)
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
        correctSum.add_(correct.sum(ScalarType.Float64));
    }

    void LogStep()
    {
        var rp = Report(TrainingPhase.Training, null, null);       // (a collective: every rank reports at the same steps)
        progress?.Report(rp);
        if (log is null) return;
        var aux = rp.AuxLoss > 0 ? FormattableString.Invariant($" aux {rp.AuxLoss:F4}") : "";
        var tok = rp.TokensPerSecond is { } tps ? FormattableString.Invariant($" {tps:F0} tok/s") : "";
        log(FormattableString.Invariant(
            $"epoch {rp.Epoch}/{epochs} step {rp.Step}/{totalSteps} loss {rp.TrainLoss:F4} acc {rp.TrainAccuracy:F4}{aux} lr {rp.LearningRate:0.###e0} {rp.ExamplesPerSecond:F0} {(isText ? "texts" : "img")}/s{tok} ETA {rp.Eta:hh\\:mm\\:ss}"));
    }

    // ---- epoch end -------------------------------------------------------------------------------------------

    void EndEpoch(int epoch, TimeSpan epochTime)
    {
        var seen = Math.Max(1, state.SeenInEpoch);
        var sums = Sums();
        var (trainLoss, trainAcc, auxAvg) = (sums.loss / seen, sums.correct / seen, sums.aux / seen);
        var (vLoss, vAcc) = validation is null ? (null, null) : Validate(epoch);
        var ep = Report(TrainingPhase.EpochEnd, vLoss, vAcc);
        state.History.Add(new EpochMetrics(epoch + 1, trainLoss, trainAcc, auxAvg, vLoss, vAcc, lastLr));
        progress?.Report(ep);
        if (log is not null)
        {
            var val = vLoss is { } vl ? FormattableString.Invariant($", validation loss {vl:F4} acc {vAcc:F4}") : "";
            log(FormattableString.Invariant($"epoch {epoch + 1}/{epochs} done: train loss {trainLoss:F4} acc {trainAcc:F4}{val} ({sw.Elapsed:hh\\:mm\\:ss})"));
        }

        using (torch.no_grad()) { lossSum.zero_(); auxSum.zero_(); correctSum.zero_(); }
        state.Epoch = epoch + 1;
        state.BatchInEpoch = 0;
        state.SeenInEpoch = 0;
        if (o.TimeLimit is { } budget && o.ShortenScheduleToTimeLimit && state.Epoch == 1 && state.PlannedEpochs is null && epochs > 1)
            FitScheduleToTimeLimit(budget, epochTime);
        if (validation is not null && o.EarlyStoppingPatience > 0 && state.EpochsWithoutImprovement >= o.EarlyStoppingPatience && state.Epoch < epochs)
        {
            state.StoppedEarly = true;
            log?.Invoke($"early stopping: no improvement for {state.EpochsWithoutImprovement} epochs (best epoch {state.BestEpoch})");
        }
        if (!state.StoppedEarly && o.TimeLimit is { } limit && state.Epoch < epochs && AnyRank(sw.Elapsed + epochTime > limit))
        {
            state.StoppedEarly = true;
            log?.Invoke(FormattableString.Invariant($"time limit: another epoch of {epochTime.TotalSeconds:F0} s would end after {limit.TotalSeconds:F0} s; stopping after epoch {state.Epoch}"));
        }
        if (state.Epoch >= epochs && epochs < o.Epochs) state.StoppedEarly = true;   // ended at the shortened plan
        if (state.StoppedEarly || state.Epoch >= epochs)
        {
            state.Finished = true;
            KeepFinalWeights();
        }
        SaveCheckpoint();
    }

    /// <summary>The weights a run ends with: the best validation epoch's, else the average, else the live ones.</summary>
    void KeepFinalWeights()
    {
        if (best is not null && o.RestoreBestWeights)
        {
            module.load_state_dict(best);
            log?.Invoke($"restored the {(ema is null ? "" : "averaged ")}weights of epoch {state.BestEpoch}");
        }
        else if (ema is not null)
            using (torch.no_grad()) for (var i = 0; i < ema.Length; i++) parameters[i].copy_(ema[i]);
    }

    /// <summary>After the first epoch: when fewer epochs than planned fit in the time limit at this epoch's pace, the
    /// schedule is planned again to end with the last epoch that fits (the ranks agree on the mean of their counts), so
    /// a budget ends with a decayed learning rate instead of cutting the schedule near its peak.</summary>
    void FitScheduleToTimeLimit(TimeSpan limit, TimeSpan epochTime)
    {
        var fit = (int)Math.Floor(limit.TotalSeconds / Math.Max(1e-3, epochTime.TotalSeconds));
        if (dp.Enabled)
        {
            using var count = torch.scalar_tensor((double)fit, ScalarType.Float64, device);
            dp.Sum(count);
            fit = (int)Math.Floor(count.item<double>() / dp.WorldSize);
        }
        fit = Math.Clamp(fit, 1, epochs);
        if (fit >= epochs) return;
        log?.Invoke(FormattableString.Invariant(
            $"time limit: {fit} of {epochs} epochs fit in {limit.TotalSeconds:F0} s at {epochTime.TotalSeconds:F0} s an epoch; the learning-rate schedule now ends after epoch {fit}"));
        state.PlannedEpochs = fit;
        Replan(fit);
    }

    /// <summary>The learning-rate schedule over <see cref="totalSteps"/> with <see cref="warmup"/> warm-up steps.</summary>
    LearningRateSchedule Schedule() => new(o.LearningRate, totalSteps, warmup, o.Decay, Math.Min(o.MinLearningRate, o.LearningRate));

    /// <summary>The schedule for <paramref name="planned"/> epochs. Warm-up keeps its length when it fits, else shrinks to
    /// its share of the shorter run (never below the steps already taken, which were scheduled already).</summary>
    void Replan(int planned)
    {
        epochs = planned;
        totalSteps = stepsPerEpoch * planned;
        var share = o.WarmupSteps ?? (long)Math.Round(o.WarmupFraction * totalSteps);
        warmup = Math.Min(Math.Min(warmup, totalSteps), Math.Max(Math.Min(state.Step, warmup), share));
        schedule = Schedule();
    }

    /// <summary>Validation loss and accuracy of the averaged weights (the live ones without an average); keeps the best
    /// weights and counts the epochs without improvement. Every rank validates on all of the data (the same weights
    /// give the same metrics, so the ranks' early stopping agrees).</summary>
    (double?, double?) Validate(int epoch)
    {
        SwapAverage();
        var ev = Trainer.Evaluate(model, validation!, evalBatchSize, device, autocast);
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
        return (ev.Loss, ev.Accuracy);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /// <summary>The epoch's running sums over all ranks (a collective: every rank calls this at the same steps).</summary>
    (double loss, double aux, double correct) Sums()
    {
        if (!dp.Enabled) return (lossSum.item<double>(), auxSum.item<double>(), correctSum.item<double>());
        using var scope = torch.NewDisposeScope();
        var all = torch.stack(new[] { lossSum, auxSum, correctSum });
        dp.Sum(all);
        var v = all.to(Device.CPU).ToArray<double>();
        return (v[0], v[1], v[2]);
    }

    /// <summary>True on every rank when it is true on one (the ranks' clocks differ; their decisions must not).</summary>
    bool AnyRank(bool mine)
    {
        if (!dp.Enabled) return mine;
        using var flag = torch.scalar_tensor(mine ? 1 : 0, ScalarType.Float32, device);
        dp.Sum(flag);
        return flag.item<float>() > 0;
    }

    TrainingProgress Report(TrainingPhase phase, double? vLoss, double? vAcc)
    {
        var seen = Math.Max(1, state.SeenInEpoch);
        var sums = Sums();
        var el = sw.Elapsed;
        var rate = el.TotalSeconds > 0 ? sessionExamples / el.TotalSeconds : 0;
        double? tokRate = isText && el.TotalSeconds > 0 ? sessionTokens / el.TotalSeconds : null;
        var eta = sessionSteps > 0 ? TimeSpan.FromSeconds(el.TotalSeconds / sessionSteps * (totalSteps - state.Step)) : TimeSpan.Zero;
        return new TrainingProgress(phase, Math.Min(state.Epoch + 1, epochs), epochs, state.Step, totalSteps, lastLr,
                                    sums.loss / seen, sums.correct / seen, sums.aux / seen, vLoss, vAcc, rate, tokRate, el, eta);
    }

    /// <summary>Exchanges the live weights and their average (no-op without an average); called in pairs.</summary>
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

    /// <summary>Writes the checkpoint (rank 0). The sums saved are the group's (a collective, skipped when this rank
    /// alone is cancelling).</summary>
    void SaveCheckpoint(bool cancelling = false)
    {
        if (o.CheckpointDirectory is null) return;
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

    static Dictionary<string, Tensor> CopyState(Nn.Module module, Dictionary<string, Tensor>? previous)
    {
        if (previous is not null) foreach (var t in previous.Values) t.Dispose();
        using var _ = torch.no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    Dictionary<string, string> Fingerprint() => new()
    {
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        ["examples"] = n.ToString(CultureInfo.InvariantCulture),
        ["batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["steps_per_epoch"] = stepsPerEpoch.ToString(CultureInfo.InvariantCulture),
        ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
        ["optimizer"] = o.Optimizer.ToString(),
        ["parameters"] = module.parameter_count().ToString(CultureInfo.InvariantCulture),
    };

    public void Dispose()
    {
        foreach (var r in routers) r.StatisticsGroup = null;
        dp.Dispose();
        optimizer.Dispose();
        lossSum.Dispose(); auxSum.Dispose(); correctSum.Dispose();
        if (ema is not null) foreach (var t in ema) t.Dispose();
        if (best is not null) foreach (var t in best.Values) t.Dispose();
    }
}
