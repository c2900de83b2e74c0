using System.Xml.Linq;
using Microsoft.ML.WideNet.Nn;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;
using WideNet.Torch.Optim;

namespace Microsoft.ML.WideNet.Training.Tests;

public class ScheduleAndMixupTests
{
    [Fact]
    public void CosineScheduleValuesAtKeySteps()
    {
        var s = new LearningRateSchedule(1.0, totalSteps: 110, warmupSteps: 10, LearningRateDecay.Cosine, minLearningRate: 0.1);
        Assert.Equal(0.1, s.At(0), 12);
        Assert.Equal(0.5, s.At(4), 12);
        Assert.Equal(1.0, s.At(9), 12);
        Assert.Equal(1.0, s.At(10), 12);
        Assert.Equal(0.55, s.At(60), 12);   // halfway through the decay: min + (peak − min)/2
        Assert.Equal(0.1, s.At(110), 12);
        Assert.Equal(0.1, s.At(500), 12);
        for (var i = 11; i < 110; i++) Assert.True(s.At(i) < s.At(i - 1));
    }

    [Fact]
    public void LinearAndConstantScheduleValues()
    {
        var l = new LearningRateSchedule(2.0, 100, 0, LearningRateDecay.Linear);
        Assert.Equal(2.0, l.At(0), 12);
        Assert.Equal(1.0, l.At(50), 12);
        Assert.Equal(0.5, l.At(75), 12);
        Assert.Equal(0.0, l.At(100), 12);
        var c = new LearningRateSchedule(3e-4, 100, 20, LearningRateDecay.Constant);
        Assert.Equal(3e-4 / 20, c.At(0), 15);
        Assert.Equal(3e-4, c.At(99), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1, 10, 11));
    }

    [Fact]
    public void MixupShapesAndTargetSums()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 6, 3, 4, 4 }, new Generator(1));
        var y = torch.tensor(new long[] { 0, 1, 2, 3, 4, 0 });
        var (mx, t, lambda) = Mixup.Apply(x, y, 5, alpha: 0.5, labelSmoothing: 0.1, new Random(3));
        Assert.Equal(x.shape, mx.shape);
        Assert.Equal(new long[] { 6, 5 }, t.shape);
        Assert.InRange(lambda, 0, 1);
        foreach (var row in t.sum(1).ToArray<float>()) Assert.Equal(1f, row, 5);
        // Row 0 mixes labels 0 (weight λ) and 0 (row 5, mirrored): all mass on class 0 except smoothing.
        var t0 = t[0].ToArray<float>();
        Assert.Equal(0.9f + 0.02f, t0[0], 5);
        // Row 1 mixes label 1 (λ) with label 4 (1 − λ).
        var t1 = t[1].ToArray<float>();
        Assert.Equal((float)(lambda * 0.9 + 0.02), t1[1], 5);
        Assert.Equal((float)((1 - lambda) * 0.9 + 0.02), t1[4], 5);
        var expected = (x[1] * lambda + x[4] * (1 - lambda)).ToArray<float>();
        var actual = mx[1].contiguous().ToArray<float>();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        // Beta(α, α) samples have mean 1/2.
        var r = new Random(9);
        Assert.InRange(Enumerable.Range(0, 4000).Average(_ => Mixup.SampleBeta(0.5, 0.5, r)), 0.47, 0.53);
        Assert.Throws<ArgumentException>(() => Mixup.Apply(y, y, 5, 0.5, 0, new Random(1)));
    }

    sealed class Named : Module
    {
        public Named()
        {
            RegisterModule("fc", new Linear(4, 3));
            RegisterParameter("pos_embed", torch.zeros(1, 5, 4));
            RegisterParameter("cls_token", torch.zeros(1, 1, 4));
            RegisterParameter("proj", torch.zeros(4, 4));
            RegisterParameter("ln_scale", torch.ones(4));
        }
    }

    [Fact]
    public void OptimizerGroupsExemptBiasesNormsAndPositionTables()
    {
        using var m = new Named();
        var names = m.named_parameters().ToDictionary(p => p.name, p => Optimizers.IsNoDecay(p.name, p.parameter));
        Assert.False(names["fc.weight"]);
        Assert.True(names["fc.bias"]);
        Assert.True(names["pos_embed"]);
        Assert.True(names["cls_token"]);
        Assert.False(names["proj"]);
        Assert.True(names["ln_scale"]);
        var groups = Optimizers.ParameterGroups(m, 0.1);
        Assert.Equal(2, groups.Length);
        Assert.Equal(0.1, groups[0].WeightDecay);
        Assert.Equal(2, groups[0].Parameters.Count);
        Assert.Equal(0.0, groups[1].WeightDecay);
        using var adam = Optimizers.Create(OptimizerKind.AdamW, m, 1e-3, 0.1);
        using var lamb = Optimizers.Create(OptimizerKind.Lamb, m, 1e-3, 0.1);
        Assert.IsType<AdamW>(adam);
        Assert.IsType<Lamb>(lamb);
    }

    [Fact]
    public void MetricsAndDeviceSelection()
    {
        var labels = new[] { 0, 1, 2, 2, 1, 0 };
        var preds = new[] { 0, 2, 2, 2, 1, 1 };
        Assert.Equal(4.0 / 6, Metrics.Accuracy(labels, preds), 12);
        var cm = Metrics.ConfusionMatrix(labels, preds, 3);
        Assert.Equal(1, cm[0, 0]); Assert.Equal(1, cm[0, 1]); Assert.Equal(1, cm[1, 2]); Assert.Equal(2, cm[2, 2]);
        Assert.Equal((0.5 + 0.5 + 1.0) / 3, Metrics.MacroAccuracy(cm), 12);
        Assert.Equal(Device.CPU, DeviceSelection.Resolve(TrainingDevice.Cpu));
        if (!torch.cuda.is_available())
        {
            Assert.Equal(Device.CPU, DeviceSelection.Resolve(TrainingDevice.Auto));
            Assert.Contains("CUDA", Assert.Throws<InvalidOperationException>(() => DeviceSelection.Resolve(TrainingDevice.Cuda)).Message);
        }
    }

    [Fact]
    public void SvgFilesAreWellFormed()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"svg-{Guid.NewGuid():N}");
        try
        {
            var history = new[]
            {
                new EpochMetrics(1, 1.2, 0.5, 0, 1.0, 0.6, 1e-3),
                new EpochMetrics(2, 0.8, 0.7, 0, 0.9, 0.65, 5e-4),
                new EpochMetrics(3, 0.6, 0.8, 0, null, null, 1e-4),
            };
            var curves = Path.Combine(dir, "curves.svg");
            SvgCharts.WriteTrainingCurves(curves, history, "loss & accuracy <test>");
            var cm = Metrics.ConfusionMatrix(new[] { 0, 1, 2, 2 }, new[] { 0, 2, 2, 1 }, 3);
            var matrix = Path.Combine(dir, "confusion.svg");
            SvgCharts.WriteConfusionMatrix(matrix, cm, new[] { "T-shirt/top", "Trouser & co", "<Pullover>" });
            XNamespace svg = "http://www.w3.org/2000/svg";
            var c = XDocument.Load(curves);
            Assert.Equal(svg + "svg", c.Root!.Name);
            Assert.Equal(4, c.Descendants(svg + "polyline").Count());
            var m = XDocument.Load(matrix);
            Assert.Equal(9, m.Descendants(svg + "rect").Count(r => r.Element(svg + "title") is not null));
            Assert.Contains(m.Descendants(svg + "text"), t => t.Value == "<Pullover>");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}

public class TrainerTests
{
    static TrainerOptions Options(int epochs = 3, string? checkpoints = null) => new()
    {
        Epochs = epochs, BatchSize = 50, LearningRate = 3e-3, WeightDecay = 0.01, WarmupFraction = 0.1,
        Decay = LearningRateDecay.Cosine, GradientClipNorm = 1.0, LabelSmoothing = 0.1, MixupAlpha = 0.2,
        Seed = 42, Device = TrainingDevice.Cpu, LogEverySteps = 1, CheckpointDirectory = checkpoints,
    };

    static string TempDir() => Path.Combine(Path.GetTempPath(), $"widenet-train-{Guid.NewGuid():N}");

    [Fact]
    public void LearnsFashionMnistWellAboveChanceAndReportsProgress()
    {
        var (x, y) = FashionData.Load(0, 2000);
        var (vx, vy) = FashionData.Load(50_000, 500);
        using var _ = x; using var __ = y; using var ___ = vx; using var ____ = vy;
        using var model = new MlpClassifier(seed: 1);
        var reports = new List<TrainingProgress>();
        var logs = new List<string>();
        var o = Options(epochs: 4);
        o.MixupAlpha = 0; // plain cross-entropy with smoothing here; mixup is covered by the resume test
        var result = new Trainer(o).Fit(model, new TensorBatchSource(x, y), new TensorBatchSource(vx, vy),
                                         new SyncProgress(reports.Add), logs.Add);
        Assert.Equal(4, result.History.Count);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss * 0.8, string.Join("\n", logs));
        Assert.True(result.History[^1].ValidationAccuracy > 0.7, string.Join("\n", logs));
        Assert.Equal(160, result.Steps);
        Assert.Equal("cpu", result.Device);
        Assert.Contains(reports, r => r.Phase == TrainingPhase.Training && r.Step == 1);
        Assert.Equal(4, reports.Count(r => r.Phase == TrainingPhase.EpochEnd));
        Assert.Equal(TrainingPhase.Completed, reports[^1].Phase);
        Assert.All(reports.Where(r => r.Phase == TrainingPhase.Training), r => Assert.True(r.ExamplesPerSecond > 0 && r.LearningRate > 0 && r.TokensPerSecond is null));
        Assert.Contains(reports, r => r.Eta > TimeSpan.Zero);
        Assert.Contains(logs, l => l.Contains("img/s") && l.Contains("ETA"));
        Assert.True(reports.Where(r => r.Phase == TrainingPhase.Training).All(r => r.AuxLoss > 0));

        var eval = Trainer.Evaluate(model, new TensorBatchSource(vx, vy), 128, keepProbabilities: true);
        Assert.Equal(result.History[^1].ValidationAccuracy!.Value, eval.Accuracy, 9);
        Assert.Equal(500 * 10, eval.Probabilities!.Length);
        Assert.Equal(1f, eval.Probabilities.Take(10).Sum(), 4);
        Assert.Equal(500, eval.ConfusionMatrix().Cast<long>().Sum());
    }

    [Fact]
    public void WithMixupTheTrainAccuracyCountsHitsOnEitherMixedImageAsTheTargetsDo()
    {
        var (x, y) = FashionData.Load(0, 2000);
        using var _ = x; using var __ = y;
        using var model = new MlpClassifier(seed: 1, dropout: 0);
        var o = Options(epochs: 6);
        o.MixupAlpha = 0.2;
        var result = new Trainer(o).Fit(model, new TensorBatchSource(x, y));
        var clean = Trainer.Evaluate(model, new TensorBatchSource(x, y)).Accuracy;
        // counted against the first image's label only, a mixed batch scores about half; weighted by λ, it follows the
        // accuracy on the unmixed images (a little below: mixed images are harder)
        Assert.InRange(result.History[^1].TrainAccuracy, clean - 0.15, clean + 0.02);
        Assert.True(clean > 0.75, $"accuracy on the training images {clean:F3}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeights()
    {
        var (x, y) = FashionData.Load(0, 600);
        using var _ = x; using var __ = y;
        float[] Run(int seed)
        {
            using var model = new MlpClassifier(seed: 3);
            var o = Options(epochs: 2);
            o.Seed = seed;
            new Trainer(o).Fit(model, new TensorBatchSource(x, y));
            return model.Weights();
        }
        var a = Run(5);
        Assert.Equal(a, Run(5));
        Assert.NotEqual(a, Run(6));
    }

    [Fact]
    public void InterruptedRunResumesToTheSameWeightsBitForBit()
    {
        var (x, y) = FashionData.Load(0, 700);
        var (vx, vy) = FashionData.Load(50_000, 200);
        using var _ = x; using var __ = y; using var ___ = vx; using var ____ = vy;
        var train = new TensorBatchSource(x, y);
        var val = new TensorBatchSource(vx, vy);

        using var reference = new MlpClassifier(seed: 11);
        var refResult = new Trainer(Options(epochs: 3)).Fit(reference, train, val);

        var dir = TempDir();
        try
        {
            using var cts = new CancellationTokenSource();
            using (var first = new MlpClassifier(seed: 11))
            {
                // Cancel in the middle of epoch 2 (14 steps per epoch).
                var progress = new SyncProgress(p => { if (p.Step == 20) cts.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(Options(3, dir)).Fit(first, train, val, progress, null, cts.Token));
                Assert.True(Checkpoint.Exists(dir));
                Assert.Equal(20, Checkpoint.ReadState(dir).Step);
                Assert.Single(Directory.GetFiles(dir, "*.safetensors"));
                Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            }
            // A fresh process would build a fresh model: its initial weights do not matter.
            using var resumed = new MlpClassifier(seed: 999);
            var logs = new List<string>();
            var result = new Trainer(Options(3, dir)).Fit(resumed, train, val, null, logs.Add);
            Assert.Equal(20, result.ResumedFromStep);
            Assert.Contains(logs, l => l.Contains("resumed"));
            Assert.Equal(reference.Weights(), resumed.Weights());
            Assert.Equal(refResult.History, result.History);
            Assert.Equal(refResult.BestEpoch, result.BestEpoch);

            // A finished checkpoint resumes to the same end without training.
            using var again = new MlpClassifier(seed: 5);
            var done = new Trainer(Options(3, dir)).Fit(again, train, val);
            Assert.Equal(reference.Weights(), again.Weights());
            Assert.Equal(refResult.Steps, done.Steps);

            // A checkpoint of another run is refused with a clear message.
            var other = Options(3, dir);
            other.BatchSize = 64;
            using var m = new MlpClassifier(seed: 1);
            Assert.Contains("different run", Assert.Throws<InvalidOperationException>(() => new Trainer(other).Fit(m, train, val)).Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// <summary>The tuner's warm start: a run paused after epoch 1, then after epoch 2, then let finish, ends with the
    /// weights and history of the uninterrupted run; each pause leaves the network with the best weights so far.</summary>
    [Fact]
    public void APausedRunContinuesToTheUninterruptedResultAndLeavesTheBestWeightsSoFar()
    {
        var (x, y) = FashionData.Load(0, 700);
        var (vx, vy) = FashionData.Load(50_000, 200);
        using var _ = x; using var __ = y; using var ___ = vx; using var ____ = vy;
        var train = new TensorBatchSource(x, y);
        var val = new TensorBatchSource(vx, vy);
        using var reference = new MlpClassifier(seed: 12);
        var o = Options(epochs: 3);
        o.EmaDecay = 0.9;
        var refResult = new Trainer(o).Fit(reference, train, val);

        var dir = TempDir();
        try
        {
            TrainingResult Part(int? pause, out float[] weights, List<string>? logs = null)
            {
                var p = Options(3, dir);
                p.EmaDecay = 0.9;
                p.PauseAfterEpoch = pause;
                using var model = new MlpClassifier(seed: pause == 1 ? 12 : 100 + (pause ?? 0));   // only the fresh start needs the reference's init
                var r = new Trainer(p).Fit(model, train, val, null, logs is null ? null : logs.Add);
                weights = model.Weights();
                return r;
            }
            var logs = new List<string>();
            var one = Part(1, out var _, logs);
            Assert.Single(one.History);
            Assert.False(one.StoppedEarly);
            Assert.Contains(logs, l => l.StartsWith("paused after epoch 1 of 3", StringComparison.Ordinal));
            Assert.Equal(refResult.History[0], one.History[0]);
            var two = Part(2, out var pausedWeights);
            Assert.Equal(refResult.History.Take(2), two.History);
            Assert.Equal(14L, two.ResumedFromStep);                      // 700 examples, 14 steps an epoch
            // the network leaves a pause with the (averaged) weights of its best validation epoch so far
            var again = Part(2, out var samePause);
            Assert.Equal(pausedWeights, samePause);
            Assert.Equal(two.History, again.History);
            var end = Part(null, out var finalWeights);
            Assert.Equal(refResult.History, end.History);
            Assert.Equal(refResult.BestEpoch, end.BestEpoch);
            Assert.Equal(reference.Weights(), finalWeights);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void CrashedRunResumesFromThePeriodicCheckpointBitForBit()
    {
        var (x, y) = FashionData.Load(1000, 500);
        using var _ = x; using var __ = y;
        var train = new TensorBatchSource(x, y);
        using var reference = new MlpClassifier(seed: 21);
        new Trainer(Options(epochs: 2)).Fit(reference, train);

        var dir = TempDir();
        try
        {
            var o = Options(2, dir);
            o.CheckpointEverySteps = 4;
            using (var crashing = new MlpClassifier(seed: 21))
            {
                // An unexpected failure at step 13 (mid epoch 2 of 10 steps each): no checkpoint is written then,
                // the last one is step 12's.
                var progress = new SyncProgress(p => { if (p.Step == 13) throw new IOException("simulated crash"); });
                Assert.Throws<IOException>(() => new Trainer(o).Fit(crashing, train, null, progress));
            }
            Assert.Equal(12, Checkpoint.ReadState(dir).Step);
            using var resumed = new MlpClassifier(seed: 0);
            var result = new Trainer(o).Fit(resumed, train);
            Assert.Equal(12, result.ResumedFromStep);
            Assert.Equal(reference.Weights(), resumed.Weights());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        var (x, y) = FashionData.Load(0, 600);
        var (vx, vy0) = FashionData.Load(50_000, 200);
        // Validation labels shifted by one class: the better the model learns the real task, the lower its accuracy on
        // these labels after epoch 1, so early stopping must stop and bring epoch 1's weights back.
        using var vy = (vy0 + 1).remainder(10).DetachFromDisposeScope();
        using var _ = x; using var __ = y; using var ___ = vx; using var ____ = vy0;
        using var model = new MlpClassifier(seed: 2);
        var snapshots = new Dictionary<int, float[]>();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.EpochEnd) snapshots[p.Epoch] = model.Weights(); });
        var o = Options(epochs: 10);
        o.EarlyStoppingPatience = 2;
        o.EarlyStoppingMetric = EarlyStoppingMetric.ValidationAccuracy;
        o.MixupAlpha = 0;
        var result = new Trainer(o).Fit(model, new TensorBatchSource(x, y), new TensorBatchSource(vx, vy), progress);
        Assert.True(result.StoppedEarly, string.Join("\n", result.History));
        Assert.Equal(result.BestEpoch!.Value + 2, result.History.Count);
        Assert.True(result.History.Count < 10);
        Assert.Equal(result.History.Max(h => h.ValidationAccuracy!.Value), result.BestMetric!.Value, 12);
        Assert.Equal(snapshots[result.BestEpoch.Value], model.Weights());
        Assert.NotEqual(snapshots[result.History.Count], model.Weights());
    }

    [Fact]
    public void WeightAveragingEndsWithTheMovingAverageOfTheSameTrajectory()
    {
        var (x, y) = FashionData.Load(0, 200);
        using var _ = x; using var __ = y;
        var o = Options(epochs: 2);

        // Without averaging: the weights after every step (the trajectory does not depend on the average).
        using var plain = new MlpClassifier(seed: 2);
        var start = plain.Weights();
        var trajectory = new List<float[]>();
        new Trainer(o).Fit(plain, new TensorBatchSource(x, y), progress: new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) trajectory.Add(plain.Weights()); }));
        var expected = start.Select(v => (double)v).ToArray();
        for (var t = 0; t < trajectory.Count; t++)
        {
            var d = Math.Min(0.9, (1.0 + t) / (10.0 + t));
            for (var i = 0; i < expected.Length; i++) expected[i] = d * expected[i] + (1 - d) * trajectory[t][i];
        }

        o.EmaDecay = 0.9;
        using var averaged = new MlpClassifier(seed: 2);
        new Trainer(o).Fit(averaged, new TensorBatchSource(x, y));
        var actual = averaged.Weights();
        Assert.Equal(8, trajectory.Count);                                   // 2 epochs × 4 steps
        Assert.All(Enumerable.Range(0, actual.Length), i => Assert.Equal(expected[i], actual[i], 4));
        Assert.NotEqual(trajectory[^1], actual);                             // the average, not the last weights

        // With validation, the average is swapped in to validate and swapped out again: training follows the same path.
        var (vx, vy) = FashionData.Load(50_000, 100);
        using var ___ = vx; using var ____ = vy;
        using var validated = new MlpClassifier(seed: 2);
        var path = new List<float[]>();
        new Trainer(o).Fit(validated, new TensorBatchSource(x, y), new TensorBatchSource(vx, vy),
                           new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) path.Add(validated.Weights()); }));
        Assert.Equal(trajectory.Count, path.Count);
        Assert.All(Enumerable.Range(0, path.Count), t => Assert.Equal(trajectory[t], path[t]));
    }

    [Fact]
    public void ATimeLimitEndsTrainingAfterTheLastEpochThatFits()
    {
        var (x, y) = FashionData.Load(0, 300);
        using var _ = x; using var __ = y;
        using var model = new MlpClassifier(seed: 2);
        var o = Options(epochs: 6);
        o.TimeLimit = TimeSpan.FromMilliseconds(1);               // one epoch always runs; a second would not fit
        var log = new List<string>();
        var limited = new Trainer(o).Fit(model, new TensorBatchSource(x, y), log: log.Add);
        Assert.Single(limited.History);
        Assert.True(limited.StoppedEarly);
        Assert.Contains(log, l => l.StartsWith("time limit:"));
        o.TimeLimit = TimeSpan.FromHours(1);
        using var other = new MlpClassifier(seed: 2);
        var full = new Trainer(o).Fit(other, new TensorBatchSource(x, y));
        Assert.Equal(6, full.History.Count);
        Assert.False(full.StoppedEarly);
    }

    [Fact]
    public void LengthBucketedBatchesHoldSimilarLengthsAndStillShuffle()
    {
        const int n = 1000, batch = 8;                                  // 1,003 examples: pools of 400, 400, 203; 125 batches + 3
        var lengths = Enumerable.Range(0, n + 3).Select(i => 1 + (int)((i * 2654435761L) % 128)).ToArray();
        int Length(int i) => lengths[i];
        var order = Trainer.EpochOrder(n + 3, seed: 5, epoch: 0);
        var bucketed = Trainer.ByLength(order, Length, batch, seed: 5, epoch: 0);
        Assert.Equal(Enumerable.Range(0, n + 3), bucketed.OrderBy(i => i));               // a permutation of the examples
        Assert.Equal(bucketed, Trainer.ByLength(order, Length, batch, seed: 5, epoch: 0)); // seeded
        Assert.NotEqual(bucketed, Trainer.ByLength(order, Length, batch, seed: 5, epoch: 1));
        // The 3 examples of the incomplete batch stay last; they are the longest of the last pool.
        var lastPool = order.Skip(2 * batch * Trainer.LengthPoolBatches).ToArray();
        Assert.Equal(lastPool.OrderBy(Length).ThenBy(i => i).TakeLast(3), bucketed.TakeLast(3));

        // Padding: each batch is padded to its longest example.
        long Padded(int[] o) => o.Chunk(batch).Sum(c => (long)c.Length * c.Max(Length));
        var real = lengths.Sum();
        Assert.True(Padded(bucketed) < real * 1.2, $"{Padded(bucketed)} padded positions for {real} tokens");
        Assert.True(Padded(order) > real * 1.5, $"random batches: {Padded(order)} padded positions for {real} tokens");
        // Batches come from all over the epoch, not in length order.
        var means = bucketed.Take(n).Chunk(batch).Select(c => c.Average(Length)).ToArray();
        Assert.True(means.Zip(means.Skip(1)).Count(p => p.Second < p.First) > means.Length / 4, "the batches are not shuffled");
    }

    /// <summary>Batches that take a known time (so the epochs do).</summary>
    sealed class SlowSource(IBatchSource inner, int milliseconds) : IBatchSource
    {
        public int Count => inner.Count;
        public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
        {
            if (context.Training) Thread.Sleep(milliseconds);
            return inner.GetBatch(indices, context);
        }
    }

    [Fact]
    public void ATimeLimitShortensTheScheduleToTheEpochsThatFit()
    {
        var (x, y) = FashionData.Load(0, 192);
        using var _ = x; using var __ = y;
        var o = Options(epochs: 50);                                 // 4 steps of at most 50 an epoch, about 0.6 s
        o.TimeLimit = TimeSpan.FromSeconds(3);                       // about 5 epochs fit
        var log = new List<string>();
        using var model = new MlpClassifier(seed: 2);
        var r = new Trainer(o).Fit(model, new SlowSource(new TensorBatchSource(x, y), 150), log: log.Add);
        var replan = log.Single(l => l.Contains("the learning-rate schedule now ends after epoch"));
        var planned = int.Parse(System.Text.RegularExpressions.Regex.Match(replan, @"after epoch (\d+)").Groups[1].Value);
        Assert.InRange(planned, 2, 8);
        Assert.Equal(planned, r.History.Count);                      // the plan is what ran
        Assert.True(r.StoppedEarly);                                 // fewer epochs than asked
        Assert.True(r.History[^1].LearningRate < 0.1 * o.LearningRate, $"last learning rate {r.History[^1].LearningRate:G3}: the schedule did not end");

        // Without shortening, the same limit cuts the 50-epoch cosine near its peak.
        o.ShortenScheduleToTimeLimit = false;
        using var cut = new MlpClassifier(seed: 2);
        var c = new Trainer(o).Fit(cut, new SlowSource(new TensorBatchSource(x, y), 150));
        Assert.InRange(c.History.Count, 1, 8);                       // still warming up (20 steps of the 200 planned)
        Assert.True(c.History[^1].LearningRate > 0.15 * o.LearningRate, $"last learning rate {c.History[^1].LearningRate:G3}");
    }

    [Fact]
    public void CancellationThrowsAndLeavesTheModelConsistent()
    {
        var (x, y) = FashionData.Load(0, 300);
        using var _ = x; using var __ = y;
        using var model = new MlpClassifier(seed: 4);
        var before = model.Weights();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(Options(2)).Fit(model, new TensorBatchSource(x, y), cancellationToken: cancelled.Token));
        Assert.Equal(before, model.Weights());

        using var cts = new CancellationTokenSource();
        var steps = 0L;
        var progress = new SyncProgress(p => { steps = p.Step; if (p.Step == 3) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(Options(2)).Fit(model, new TensorBatchSource(x, y), null, progress, null, cts.Token));
        Assert.Equal(3, steps);
        var after = model.Weights();
        Assert.NotEqual(before, after);
        Assert.All(after, v => Assert.True(float.IsFinite(v)));
        // The model is still usable.
        var eval = Trainer.Evaluate(model, new TensorBatchSource(x, y));
        Assert.InRange(eval.Accuracy, 0, 1);
    }

    [Fact]
    public void TrainsATextClassifierOnTokenIdsAndReportsTokensPerSecond()
    {
        var texts = FortunesLoader.Load().Where(t => t.Category is "computers" or "food").ToList();
        var (trainTexts, testTexts) = StratifiedSplit.Split(texts, 0.2, seed: 1);
        var tok = ByteLevelBpeTokenizer.Train(trainTexts.Select(t => t.Text), 2000);
        int Label(LabeledText t) => t.Category == "computers" ? 0 : 1;
        var (src, ids, mask, labels) = TensorBatchSource.FromTexts(tok, trainTexts.Select(t => t.Text).ToList(), trainTexts.Select(Label).ToList(), 64);
        var (vsrc, vids, vmask, vlabels) = TensorBatchSource.FromTexts(tok, testTexts.Select(t => t.Text).ToList(), testTexts.Select(Label).ToList(), 64);
        using var _1 = ids; using var _2 = mask; using var _3 = labels; using var _4 = vids; using var _5 = vmask; using var _6 = vlabels;
        using var model = new BagOfTokensClassifier(1, tok.VocabularySize, 32, 2);
        var reports = new List<TrainingProgress>();
        var o = new TrainerOptions { Epochs = 6, BatchSize = 32, LearningRate = 1e-2, Seed = 1, Device = TrainingDevice.Cpu, LogEverySteps = 5, MixupAlpha = 0.5 };
        var result = new Trainer(o).Fit(model, src, vsrc, new SyncProgress(reports.Add));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
        Assert.True(result.History.Max(h => h.ValidationAccuracy!.Value) > 0.75, string.Join(", ", result.History.Select(h => h.ValidationAccuracy)));
        Assert.Contains(reports, r => r.TokensPerSecond > 0);
    }

    [Fact]
    public void ImageBatchSourceAugmentsTrainingBatchesReproducibly()
    {
        using var scope = torch.NewDisposeScope();
        var pngs = Enumerable.Range(0, 6).Select(i => TestPng.Gradient(12 + i, 12)).ToArray();
        var pre = new ImagePreprocessor(new ImagePreprocessingOptions { ImageSize = 10, Channels = 1, Mean = new[] { 0.5f }, Std = new[] { 0.25f } });
        var source = new ImageBatchSource(pngs, new[] { 0, 1, 0, 1, 0, 1 }, pre,
                                          new ImageAugmentationOptions { Crop = CropMode.Inception, RandAugmentOps = 1 });
        var idx = new[] { 4, 1, 3 };
        using var a = source.GetBatch(idx, new BatchContext(true, 2, 7, 42));
        using var b = source.GetBatch(idx, new BatchContext(true, 2, 99, 42)); // same epoch and examples, other step
        using var c = source.GetBatch(idx, new BatchContext(true, 3, 7, 42));
        using var e = source.GetBatch(idx, new BatchContext(false, 0, 0, 0));
        Assert.Equal(new long[] { 3, 1, 10, 10 }, a.Input.shape);
        Assert.True(TensorAssert.Same(a.Input, b.Input));
        Assert.False(TensorAssert.Same(a.Input, c.Input));
        Assert.True(TensorAssert.Same(e.Input[0], pre.PreprocessForEvaluation(pngs[4])));
        Assert.Equal(new long[] { 0, 1, 1 }, a.Labels.ToArray<long>());
    }
}

/// <summary>Gradient buckets all-reduced during backward (two ranks as threads on loopback Gloo) give the average of
/// the ranks' gradients, as one all-reduce after backward does, also when a parameter gets no gradient on one rank.</summary>
public class GradientBucketTests
{
    static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Each rank's gradients of a 3-layer chain on its own input; rank 1 does not use the last layer's bias
    /// (as an expert that got no tokens). Returns the averaged gradients per rank.</summary>
    static float[][][] Run(double bucketMb)
    {
        var port = FreePort();
        var result = new float[2][][];
        var ranks = Enumerable.Range(0, 2).Select(r => Task.Factory.StartNew(() =>
        {
            using var g = torch.distributed.init_process_group("gloo", "127.0.0.1", port, 2, r, TimeSpan.FromSeconds(30));
            // deterministic values without the generator (it is the whole process's, and the ranks are threads)
            static Tensor Wave(double k, params long[] shape) => torch.arange(shape.Aggregate(1L, (a, b) => a * b)).to(ScalarType.Float32).mul(k).sin().reshape(shape);
            var ps = new[] { Wave(0.37, 64, 32), Wave(0.11, 32), Wave(0.53, 32, 16), Wave(0.29, 16), Wave(0.71, 16, 4), Wave(0.13, 4) };
            foreach (var p in ps) p.requires_grad_();
            using var dp = new DataParallel(g);
            if (bucketMb > 0) dp.ReduceDuringBackward(ps, bucketMb);
            for (var step = 0; step < 2; step++)                   // twice: the buckets are re-armed after each step
            {
                foreach (var p in ps) p.grad = null;
                using var scope = torch.NewDisposeScope();
                var h = (Wave(0.05 + 0.3 * r + 0.1 * step, 8, 64).matmul(ps[0]) + ps[1]).tanh().matmul(ps[2]).add(ps[3]).tanh().matmul(ps[4]);
                var loss = (r == 0 ? h + ps[5] : h).pow(2).mean();
                dp.BeginBackward();
                loss.backward();
                dp.AverageGradients(ps);
            }
            result[r] = ps.Select(p => { using var gr = p.grad!; return gr.ToArray<float>(); }).ToArray();
            if (bucketMb > 0)
            {
                Assert.True(dp.BucketCount >= 3, $"{dp.BucketCount} buckets");
                // rank 0: every bucket started inside backward; rank 1: not the first (the unused bias is in it) nor,
                // since they start in order, any after it
                Assert.Equal(r == 0 ? dp.BucketCount : 0, dp.BucketsStartedDuringBackward);
            }
            foreach (var p in ps) p.Dispose();
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(ranks, TimeSpan.FromSeconds(60)), "the ranks did not finish");
        return result;
    }

    [Fact]
    public void BucketsReducedDuringBackwardAverageLikeOneAllReduceAfterIt()
    {
        var after = Run(0);
        var during = Run(0.002);                                    // 2 KB buckets: the 8 KB weight alone, the rest grouped
        for (var r = 0; r < 2; r++)
            for (var i = 0; i < after[r].Length; i++)
                Assert.Equal(after[r][i], during[r][i]);
        for (var i = 0; i < after[0].Length; i++) Assert.Equal(after[0][i], after[1][i]);   // every rank the same average
        Assert.Contains(after[0][5], v => v != 0);                  // rank 0's bias gradient, halved, reached rank 1
    }
}
