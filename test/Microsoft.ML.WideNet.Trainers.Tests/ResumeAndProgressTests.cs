using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Training.Tests;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>Progress reports, cancellation between steps, and resuming an interrupted Fit from its checkpoint to the
/// result of an uninterrupted one.</summary>
public class ResumeAndProgressTests
{
    static readonly MLContext Ml = new(seed: 0);

    static IDataView Data()
    {
        byte[] Png(int i) => TestPng.Encode(Enumerable.Range(0, 64).Select(p => (byte)(i % 2 == 0 ? p * 4 : 255 - p * 4 + i % 7)).ToArray(), 8, 8, 1);
        var rows = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 48).Select(i => new BytesRow { Image = Png(i), Label = $"c{i % 2}" }).ToList());
        return Ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows).Transform(rows);
    }

    static WideNetImageClassificationTrainer.Options Options(string? checkpoints, IProgress<TrainingProgress>? progress, CancellationToken ct = default) => new()
    {
        MaxEpochs = 3, BatchSize = 8, HiddenSize = 16, NumHeads = 2, NumLayers = 2, FeedForwardSize = 16, Seed = 5, Dropout = 0.1,
        EarlyStoppingPatience = 0, CheckpointDirectory = checkpoints, Progress = progress, LogEverySteps = 1, CancellationToken = ct,
    };

    sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
    {
        public readonly List<TrainingProgress> Reports = new();
        public void Report(TrainingProgress value) { Reports.Add(value); onReport?.Invoke(value); }
    }

    [Fact]
    public void InterruptedFitResumesToTheUninterruptedResult()
    {
        var data = Data();
        var recorder = new Recorder();
        float[] reference;
        using (var model = Ml.MulticlassClassification.Trainers.WideNet(Options(null, recorder)).Fit(data))
            reference = model.Transform(data).GetColumnValues("Score");
        // Progress: every step, then one report per epoch end, then completion; with loss, throughput and ETA.
        Assert.Contains(recorder.Reports, r => r.Phase == TrainingPhase.Training && r.Step == 1 && r.ExamplesPerSecond > 0);
        Assert.Equal(3, recorder.Reports.Count(r => r.Phase == TrainingPhase.EpochEnd));
        Assert.Equal(TrainingPhase.Completed, recorder.Reports[^1].Phase);
        Assert.All(recorder.Reports.Where(r => r.Phase == TrainingPhase.EpochEnd), r => Assert.NotNull(r.ValidationAccuracy));

        var dir = Directory.CreateTempSubdirectory("widenet-resume").FullName;
        using var cts = new CancellationTokenSource();
        var stopper = new Recorder(r => { if (r.Step == 7) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Ml.MulticlassClassification.Trainers.WideNet(Options(dir, stopper, cts.Token)).Fit(data));
        Assert.True(File.Exists(Path.Combine(dir, Checkpoint.StateFileName)));

        using var resumed = Ml.MulticlassClassification.Trainers.WideNet(Options(dir, null)).Fit(data);
        Assert.Equal(7, resumed.TrainingResult!.ResumedFromStep);
        Assert.Equal(reference, resumed.Transform(data).GetColumnValues("Score"));   // bit-identical
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void MixupReachesTheTrainingLoop()
    {
        var data = Data();
        float[] Scores(double alpha)
        {
            var o = Options(null, null);
            o.MixupAlpha = alpha;
            using var model = Ml.MulticlassClassification.Trainers.WideNet(o).Fit(data);
            return model.Transform(data).GetColumnValues("Score");
        }
        var plain = Scores(0);
        Assert.Equal(plain, Scores(0));
        Assert.NotEqual(plain, Scores(0.5));
    }
}
