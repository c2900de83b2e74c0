using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>The tuner: the scheduler on a synthetic objective, the search space, and the estimator on small data
/// (history, budget, cancellation, options left alone, flat memory over many trials).</summary>
public class TuningTests
{
    // ---- the scheduler ------------------------------------------------------------------------------------------

    /// <summary>A synthetic objective: configuration quality x ∈ [0, 1], learning curve 1 − 1/(1 + epochs).</summary>
    static TrialOutcome Objective(int id, Dictionary<string, object> p, int epochs, CancellationToken _) =>
        new((double)p["x"] * (1 - 1.0 / (1 + epochs)), epochs, false);

    static Dictionary<string, object> Draw(Random r) => new() { ["x"] = r.NextDouble() };

    [Fact]
    public void SuccessiveHalvingPromotesTheBestThirdUpToTheLastRung()
    {
        var sh = new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving);
        Assert.Equal([1, 3, 9], sh.Rungs);
        var random = new Random(1);
        var history = sh.Run(_ => Draw(random), Objective, TimeSpan.FromMinutes(1), maxConfigurations: 9, null, default);
        Assert.Equal(9 + 3 + 2, history.Count);
        var rung0 = history.Where(h => h.Rung == 0).ToList();
        var best3 = rung0.OrderByDescending(h => (double)h.Parameters["x"]).Take(3).Select(h => h.Configuration).ToHashSet();
        Assert.DoesNotContain(1, best3);                                             // the defaults are not among them here
        Assert.Equal(best3, history.Where(h => h.Rung == 1).Select(h => h.Configuration).ToHashSet());
        Assert.Equal(best3, rung0.Where(h => h.Promoted).Select(h => h.Configuration).ToHashSet());
        // the last rung races the best against the incumbent (the first configuration, trained there first)
        var top = history.Where(h => h.Rung == 2).ToList();
        Assert.Equal(new[] { 1, rung0.MaxBy(h => (double)h.Parameters["x"])!.Configuration }, top.Select(h => h.Configuration));
        Assert.All(top, h => Assert.Equal(9, h.EpochsPlanned));
        Assert.All(history, h => Assert.Equal(1, h.Bracket));
    }

    /// <summary>With warm start a promotion pays only its extra epochs: the bracket of 9 at 1/3/9 epochs costs
    /// 9 + 3·2 + 1·6 = 21 epochs instead of 27, the scheduler hands each configuration's number back so that its
    /// evaluation can resume it, and the seconds per epoch count only the epochs trained in each trial.</summary>
    [Fact]
    public void WarmStartedPromotionsPayOnlyTheirExtraEpochs()
    {
        var warm = new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving, warmStart: true);
        var cold = new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving);
        Assert.Equal((21L, 27L), (warm.BracketEpochs(2), cold.BracketEpochs(2)));
        Assert.Equal((3 * 3 + 6L, 9L), (warm.BracketEpochs(1), warm.BracketEpochs(0)));
        var had = new Dictionary<int, int>();
        var ids = new List<(int id, double x, int epochs, int from)>();
        var r = new Random(2);
        var history = warm.Run(_ => Draw(r), (id, p, epochs, token) =>
        {
            var from = had.GetValueOrDefault(id);
            ids.Add((id, (double)p["x"], epochs, from));
            had[id] = epochs;
            return Objective(id, p, epochs, token) with { ResumedFromEpoch = from };
        }, TimeSpan.FromMinutes(1), 9, null, default);
        Assert.Equal(14, history.Count);                                           // 9 + 3 + the best and the incumbent
        Assert.All(ids.GroupBy(i => i.id), g => Assert.Single(g.Select(i => i.x).Distinct()));   // a number names one configuration
        var best = history.Single(t => t.Rung == 2 && t.Configuration != 1).Configuration;
        Assert.Equal(new[] { 0, 1, 3 }, history.Where(h => h.Configuration == best).Select(h => h.ResumedFromEpoch));
        AssertEachTrialResumesWhereItsLastStopped(history);
        Assert.All(history.Where(h => h.Rung == 0), h => Assert.Equal(0, h.ResumedFromEpoch));
    }

    /// <summary>A promotion the time left cannot pay for is skipped for the next best that fits: the best configuration
    /// at rung 0 takes 0.5 s an epoch and would need 1.5 s more, with under 1 s left; a fast one goes on and finishes.</summary>
    [Fact]
    public void APromotionThatWouldNotFitTheTimeLeftGoesToTheNextBestThatDoes()
    {
        var sh = new SuccessiveHalving(1, 4, 4, TuningStrategy.SuccessiveHalving, warmStart: true);
        Assert.Equal([1, 4], sh.Rungs);
        var history = sh.Run(i => new Dictionary<string, object> { ["x"] = i == 3 ? 0.9 : 0.1 * i }, (id, p, epochs, token) =>
        {
            var from = epochs == 4 ? 1 : 0;
            for (var e = from; e < epochs; e++) Thread.Sleep(id == 3 ? 500 : 20);
            return Objective(id, p, epochs, token) with { ResumedFromEpoch = from };
        }, TimeSpan.FromSeconds(1.5), 4, null, default);
        var top = history.Where(h => h.Rung == 1).ToList();
        Assert.Equal(1, top[0].Configuration);                                     // the incumbent first
        Assert.DoesNotContain(top, h => h.Configuration == 3);                     // the slow best would have been cut
        Assert.All(top, h => Assert.Null(h.Error));
        Assert.All(top, h => Assert.Equal(4, h.EpochsTrained));
        Assert.Equal(2, top.Count);                                                // a fast challenger went on instead
        Assert.False(history.Single(h => h.Configuration == 3).Promoted);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSearchAndRandomSearchTrainsEveryTrialFully()
    {
        List<TuningTrial> Run(int seed, TuningStrategy s)
        {
            var r = new Random(seed);
            return new SuccessiveHalving(1, 9, 3, s).Run(_ => Draw(r), Objective, TimeSpan.FromMinutes(1), 20, null, default);
        }
        var a = Run(4, TuningStrategy.SuccessiveHalving);
        var b = Run(4, TuningStrategy.SuccessiveHalving);
        Assert.Equal(a.Select(t => (t.Configuration, t.Rung, (double)t.Parameters["x"])), b.Select(t => (t.Configuration, t.Rung, (double)t.Parameters["x"])));
        Assert.Equal(20, a.Select(t => t.Configuration).Distinct().Count());   // two full brackets of 9, then 2
        Assert.Equal(3, a.Max(t => t.Bracket));
        var random = Run(4, TuningStrategy.Random);
        Assert.Equal(20, random.Count);
        Assert.All(random, t => Assert.Equal(9, t.EpochsPlanned));
    }

    /// <summary>Warm start: a configuration's first trial starts from scratch, each later one from the epochs of the one before.</summary>
    static void AssertEachTrialResumesWhereItsLastStopped(IEnumerable<TuningTrial> trials)
    {
        foreach (var g in trials.Where(x => x.Error is null).GroupBy(x => x.Configuration))
        {
            var list = g.OrderBy(x => x.Trial).ToList();
            Assert.Equal(0, list[0].ResumedFromEpoch);
            for (var i = 1; i < list.Count; i++) Assert.Equal(list[i - 1].EpochsTrained, list[i].ResumedFromEpoch);
        }
    }

    /// <summary>A trial that takes 100 ms per epoch and stops between "steps" when its token is cancelled.</summary>
    static TrialOutcome Slow(int id, Dictionary<string, object> p, int epochs, CancellationToken token)
    {
        for (var i = 0; i < epochs * 10; i++) { token.ThrowIfCancellationRequested(); Thread.Sleep(10); }
        return Objective(id, p, epochs, token);
    }

    [Fact]
    public void TheBudgetEndsTheSearchAndCancelsTheRunningTrial()
    {
        // Three quick trials, then trials that run until their token is cancelled: only the budget can end them.
        var r = new Random(0);
        var calls = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var history = new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving).Run(_ => Draw(r), (id, p, e, token) =>
        {
            if (++calls <= 3) return Objective(id, p, e, token);
            while (!token.IsCancellationRequested) Thread.Sleep(5);
            token.ThrowIfCancellationRequested();
            return Objective(id, p, e, token);
        }, TimeSpan.FromSeconds(1), 0, null, default);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.95, 10.0);
        Assert.Equal(4, history.Count);
        Assert.Equal("stopped by the time budget", history[^1].Error);
        Assert.True(history[^1].StoppedEarly);
        Assert.All(history.Take(3), h => Assert.Null(h.Error));

        // The caller's own cancellation ends the search with OperationCanceledException.
        using var cancel = new CancellationTokenSource(200);
        Assert.ThrowsAny<OperationCanceledException>(() => new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving)
            .Run(_ => Draw(r), Slow, TimeSpan.FromMinutes(1), 0, null, cancel.Token));
    }

    [Fact]
    public void ASmallBudgetGetsANarrowBracketThatStillTrainsToTheLastRung()
    {
        // 100 ms per epoch, 2.5 s: a bracket of 9 configurations (2.7 s) would not reach 9 epochs; a narrower one does
        // (3 configurations for 3 epochs, then 9 epochs: 1.8 s; or, on a slow machine, one full training).
        var r = new Random(0);
        var history = new SuccessiveHalving(1, 9, 3, TuningStrategy.SuccessiveHalving).Run(_ => Draw(r), Slow, TimeSpan.FromSeconds(2.5), 0, null, default);
        Assert.Equal((1, 0, 1), (history[0].Configuration, history[0].Rung, history[0].EpochsTrained));     // the probe: the defaults, 1 epoch
        Assert.Contains(history, h => h.Rung == 2 && h.Error is null);                                   // a configuration trained fully
        Assert.DoesNotContain(history, h => h.Bracket == 1 && h.Rung == 0 && h.Configuration > 1);       // no wide first bracket
    }

    // ---- the search space ---------------------------------------------------------------------------------------

    [Fact]
    public void PatchSizesDivideTheImageIntoFourToEightPatchesASide()
    {
        static int[] Choices(SearchSpace s) => s["PatchSize"].Choices!.Select(c => (int)c).ToArray();
        Assert.Equal(new[] { 4, 7 }, Choices(SearchSpace.ForImages()));
        Assert.Equal(7, SearchSpace.ForImages()["PatchSize"].Default);
        Assert.Equal(new[] { 1, 2 }, Choices(SearchSpace.ForImages(8)));
        Assert.Equal(new[] { 4, 8 }, Choices(SearchSpace.ForImages(32)));
        Assert.Equal(new[] { 2, 4 }, Choices(SearchSpace.ForImages().Choose("PatchSize", 2, 4, 7).ForImageSize(8)));
        var e = Assert.Throws<ArgumentException>(() => SearchSpace.ForImages().ForImageSize(9));
        Assert.Contains("ImageSize 9", e.Message);
        Assert.Contains("4, 7", e.Message);
        // the tuner drops what does not divide the options' image size
        var tuner = new WideNetAutoTrainer(new MLContext(1), new WideNetAutoTrainer.Options
        {
            TrainerOptions = new WideNetImageClassificationTrainer.Options { ImageColumnName = "Pixels", ImageSize = 8 },
            SearchSpace = SearchSpace.ForImages().Choose("PatchSize", 2, 4, 7),
        });
        Assert.Equal(new[] { 2, 4 }, Choices(tuner.SearchSpace));
    }

    [Fact]
    public void TheSearchSpaceSamplesInRangeAndWritesTheOptionsOfTheChosenArchitecture()
    {
        var space = SearchSpace.ForImages();
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var v = space.Sample(random);
            Assert.InRange((double)v["LearningRate"], 3e-4, 5e-3);
            Assert.InRange((int)v["NumLayers"], 2, 8);
            Assert.Contains(v["HiddenSize"], new object[] { 64, 96, 128, 192 });
        }
        var lr = Enumerable.Range(0, 2000).Select(_ => (double)space["LearningRate"].Sample(random)).ToArray();
        Assert.InRange(lr.Count(x => x < 1.2e-3) / 2000.0, 0.4, 0.6);           // log scale: the geometric middle splits it

        var options = new WideNetImageClassificationTrainer.Options { ImageColumnName = "Pixels", LearningRate = 9 };
        var values = space.Defaults();
        values["Architecture"] = ModelArchitecture.Brainformer;
        values["BrainformerRepeats"] = 2;
        values["NumLayers"] = 7;
        values["TopK"] = 1;
        var o = space.Apply(options, values);
        Assert.Equal(ModelArchitecture.Brainformer, o.Architecture);
        Assert.Equal(2, o.NumLayers);                                              // Brainformer's depth is its repeats
        Assert.Null(o.TopK);                                                       // top-k does not apply to expert choice
        Assert.Equal(1e-3, o.LearningRate);
        Assert.Equal("Pixels", o.ImageColumnName);
        Assert.Equal(9, options.LearningRate);                                     // the caller's options are not changed
        values["Architecture"] = ModelArchitecture.WideNet;
        Assert.Equal(7, space.Apply(options, values).NumLayers);

        var narrowed = space.Fix("Architecture", ModelArchitecture.ViT).Narrow("LearningRate", 1e-3, 2e-3).Choose("BatchSize", 16).Remove("Dropout");
        var s = narrowed.Sample(random);
        Assert.Equal(ModelArchitecture.ViT, s["Architecture"]);
        Assert.InRange((double)s["LearningRate"], 1e-3, 2e-3);
        Assert.Equal(16, s["BatchSize"]);
        Assert.False(s.ContainsKey("Dropout"));
        Assert.Equal(ModelArchitecture.WideNet, space["Architecture"].Default);
        Assert.Throws<KeyNotFoundException>(() => space.Fix("Nope", 1));
        Assert.Throws<ArgumentException>(() => SearchSpace.ForText().CheckFields(typeof(WideNetImageClassificationTrainer.Options)));   // VocabularySize
    }

    /// <summary>Local search: a perturbed configuration stays in the space, keeps fixed parameters, moves about half of
    /// the others, choices only to a neighbour; the incumbents are the best third of the highest rung with three results.</summary>
    [Fact]
    public void PerturbedConfigurationsStayNearAndInTheSpaceAndIncumbentsAreTheBestThirdOfTheTopRung()
    {
        var space = SearchSpace.ForImages().Fix("Architecture", ModelArchitecture.WideNet);
        var start = space.DefaultsFor(new WideNetImageClassificationTrainer.Options());
        var random = new Random(5);
        var moved = 0.0;
        for (var i = 0; i < 300; i++)
        {
            var p = space.Perturb(start, random);
            Assert.Equal(ModelArchitecture.WideNet, p["Architecture"]);
            Assert.InRange((double)p["LearningRate"], 3e-4, 5e-3);
            Assert.InRange((int)p["NumLayers"], 2, 8);
            Assert.Contains((int)p["HiddenSize"], new[] { 96, 128, 192 });         // 128's neighbours, never 64
            Assert.Contains((int)p["BatchSize"], new[] { 32, 64, 128 });
            moved += p.Count(kv => !Equals(kv.Value, start.TryGetValue(kv.Key, out var was) ? was : space[kv.Key].Default)) / (double)(p.Count - 1);
        }
        Assert.InRange(moved / 300, 0.35, 0.6);                                    // ½ move; a clamped step may land where it started

        TuningTrial T(int trial, int rung, double? accuracy) =>
            new(trial, trial, 1, rung, new Dictionary<string, object> { ["x"] = trial }, 1, 1, accuracy, 1, 0, false, false, null);
        var trials = new[] { T(1, 0, 0.5), T(2, 0, 0.7), T(3, 0, 0.6), T(4, 1, 0.8), T(5, 0, null), T(6, 0, 0.9), T(7, 0, 0.1), T(8, 0, 0.2) };
        Assert.Equal(new[] { 6, 2 }, WideNetAutoTrainer.Incumbents(trials).Select(t => t.Trial));            // rung 1 has one result only
        Assert.Equal(new[] { 4 }, WideNetAutoTrainer.Incumbents(trials.Where(t => t.Rung == 1).ToList()).Select(t => t.Trial));
        Assert.Empty(WideNetAutoTrainer.Incumbents([T(1, 0, null)]));
    }

    /// <summary>The cost estimate orders configurations as their epochs cost: more tokens, blocks or width cost more, a
    /// dense ViT of 7 blocks at d 192 about 8× the 2-block WideNet defaults.</summary>
    [Fact]
    public void TheCostEstimateGrowsWithTokensDepthAndWidth()
    {
        double Cost(Action<WideNetImageClassificationTrainer.Options> set)
        {
            var o = new WideNetImageClassificationTrainer.Options();
            set(o);
            return TrialCost.PerExample(o, 28)!.Value;
        }
        var defaults = Cost(_ => { });
        Assert.InRange(Cost(o => o.PatchSize = 4) / defaults, 3.0, 4.5);          // 49 tokens instead of 16
        Assert.InRange(Cost(o => o.NumLayers = 4) / defaults, 1.99, 2.01);        // shared layers cost per application
        Assert.InRange(Cost(o => { o.Architecture = ModelArchitecture.ViT; o.HiddenSize = 192; o.NumLayers = 7; }) / defaults, 6.0, 12.0);
        Assert.True(Cost(o => o.Architecture = ModelArchitecture.Brainformer) > 0);
        Assert.Null(TrialCost.PerExample(new WideNetImageClassificationTrainer.Options { HiddenSize = 100, NumHeads = 3 }, 28));   // no model
        var text = TrialCost.PerExample(new WideNetTextClassificationTrainer.Options(), 0)!.Value;
        Assert.InRange(TrialCost.PerExample(new WideNetTextClassificationTrainer.Options { MaxSequenceLength = 64 }, 0)!.Value / text, 0.4, 0.5);
    }

    /// <summary>The search starts from exactly the model the trainer options alone train: the resolved values (the
    /// Tiny WideNet image model's 2 blocks and top-1, the text trainer's 128 tokens and batches of 32, the options' own
    /// settings), written back into the options, give the same network and schedule.</summary>
    [Fact]
    public void TheFirstConfigurationIsTheModelTheTrainerOptionsAloneGive()
    {
        static string Json(ModelSpec spec) => System.Text.Json.JsonSerializer.Serialize(spec);
        var image = new WideNetImageClassificationTrainer.Options();
        var d = SearchSpace.ForImages().DefaultsFor(image);
        Assert.Equal((2, 1, 128, 7, 64), ((int)d["NumLayers"], (int)d["TopK"], (int)d["HiddenSize"], (int)d["PatchSize"], (int)d["BatchSize"]));
        Assert.Equal((1.2, 0.0, 1e-3, 0.05), ((double)d["CapacityFactor"], (double)d["Dropout"], (double)d["LearningRate"], (double)d["WeightDecay"]));
        Assert.False(d.ContainsKey("RandomCrop"));                                  // automatic (by the rows) stays automatic
        var applied = SearchSpace.ForImages().Apply(image, d);
        Assert.Null(applied.RandomCrop);
        Assert.False((bool)SearchSpace.ForImages().DefaultsFor(new WideNetImageClassificationTrainer.Options { RandomCrop = false })["RandomCrop"]);
        Assert.Equal(Json(ModelSpec.ForImages(image, 28, 7, 1, 10, 0)), Json(ModelSpec.ForImages(applied, 28, 7, 1, 10, 0)));
        Assert.Equal((image.BatchSize, image.WeightDecay, image.WarmupRatio, image.LabelSmoothing), (applied.BatchSize, applied.WeightDecay, applied.WarmupRatio, applied.LabelSmoothing));

        var text = new WideNetTextClassificationTrainer.Options { LearningRate = 2e-3, HiddenSize = 96 };
        var t = SearchSpace.ForText().DefaultsFor(text);
        Assert.Equal((6, 2, 96, 128, 32, 4000), ((int)t["NumLayers"], (int)t["TopK"], (int)t["HiddenSize"], (int)t["MaxSequenceLength"], (int)t["BatchSize"], (int)t["VocabularySize"]));
        Assert.Equal((2e-3, 0.0), ((double)t["LearningRate"], (double)t["Dropout"]));
        var textApplied = SearchSpace.ForText().Apply(text, t);
        Assert.Equal(Json(ModelSpec.ForText(text, 4000, 5, 0)), Json(ModelSpec.ForText(textApplied, 4000, 5, 0)));

        // a fixed parameter wins over the options; a value outside a narrowed range or the choices gives the declared default
        var space = SearchSpace.ForText().Fix("LearningRate", 3e-3).Narrow("NumLayers", 2, 4).Choose("HiddenSize", 64, 192);
        var n = space.DefaultsFor(text);
        Assert.Equal((3e-3, 4, 64), ((double)n["LearningRate"], (int)n["NumLayers"], (int)n["HiddenSize"]));
        Assert.Equal(ModelArchitecture.Brainformer, SearchSpace.ForText().DefaultsFor(new WideNetTextClassificationTrainer.Options { Architecture = ModelArchitecture.Brainformer })["Architecture"]);
    }

    // ---- the estimator ------------------------------------------------------------------------------------------

    static List<BytesRow> Fashion(int count)
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        return Enumerable.Range(0, count).Select(i => new BytesRow
        {
            Image = TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1),
            Label = IdxReader.FashionMnistClasses[labels[i]],
        }).ToList();
    }

    static WideNetAutoTrainer.Options Small(int maxTrials, double budget = 300) => new()
    {
        TrainerOptions = new WideNetImageClassificationTrainer.Options { RandomCrop = false, HorizontalFlip = false, NumHeads = 2 },
        SearchSpace = SearchSpace.ForImages().Choose("HiddenSize", 16, 32).Narrow("NumLayers", 1, 2).Choose("BatchSize", 16, 32)
                                 .Choose("Architecture", ModelArchitecture.WideNet, ModelArchitecture.ViT),
        MaxTrials = maxTrials, BudgetSeconds = budget, MinEpochs = 1, MaxEpochs = 4, ReductionFactor = 2, Seed = 1,
    };

    [Fact]
    public void WideNetAutoTunesInAPipelineAndReturnsTheBestModelWithItsHistory()
    {
        var ml = new MLContext(seed: 0);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.Contains("WideNetAutoTrainer")) lock (messages) messages.Add(e.RawMessage); };
        var data = ml.Data.LoadFromEnumerable(Fashion(300));
        var options = Small(maxTrials: 4);
        var before = System.Text.Json.JsonSerializer.Serialize(options.SearchSpace!.Select(p => p.ToString()));
        using var model = ml.Transforms.Conversion.MapValueToKey("Label")
                            .Append(ml.MulticlassClassification.Trainers.WideNetAuto(options)).Fit(data);
        var tuned = model.LastTransformer;
        var t = tuned.Tuning!;
        // rungs 1/2/4 epochs, η 2: 4 + 2 + 1, and the defaults raced at the last rung unless they are the one promoted
        Assert.Equal(t.Trials.Any(x => x.Rung == 1 && x.Configuration == 1 && x.Promoted) ? 7 : 8, t.Trials.Count);
        var defaults = options.SearchSpace!.DefaultsFor(options.TrainerOptions);
        Assert.Equal(options.SearchSpace.Applicable(defaults).OrderBy(kv => kv.Key), t.Trials[0].Parameters.OrderBy(kv => kv.Key));
        Assert.Equal((2, 1, 16), ((int)t.Trials[0].Parameters["NumLayers"], (int)t.Trials[0].Parameters["TopK"], (int)t.Trials[0].Parameters["HiddenSize"]));
        Assert.False(t.Trials[0].Parameters.ContainsKey("BrainformerRepeats"));   // the defaults are WideNet: only what applies
        Assert.Equal(2, t.Best.Rung);
        // cost-frugal draws: no configuration costs more than twice the first per example (20 draws each to find one)
        var firstCost = TrialCost.PerExample(options.SearchSpace.Apply(options.TrainerOptions, t.Trials[0].Parameters), 28)!.Value;
        Assert.All(t.Trials, x => Assert.True(TrialCost.PerExample(options.SearchSpace.Apply(options.TrainerOptions, x.Parameters), 28) <= 2 * firstCost,
                                              WideNetAutoTrainer.FormatParameters(x.Parameters)));
        // warm start: the promoted configurations trained on from their lower rung's epochs, and the checkpoints are gone
        AssertEachTrialResumesWhereItsLastStopped(t.Trials);
        Assert.Contains(t.Trials, x => x.Rung == 2 && x.ResumedFromEpoch == 2);
        Assert.Contains(messages, m => m.Contains("from epoch 2"));
        var folder = Regex.Match(messages.First(m => m.StartsWith("tuning ", StringComparison.Ordinal)), @"checkpoints in (.+?)\), seed").Groups[1].Value;
        Assert.Contains("widenet-tune-", folder);
        Assert.False(Directory.Exists(folder), folder);
        Assert.Equal(t.Best.ValidationAccuracy, t.Trials.Where(x => x.Rung == 2).Max(x => x.ValidationAccuracy));
        Assert.True(t.Best.ValidationAccuracy > 0.2, $"best validation accuracy {t.Best.ValidationAccuracy}");
        Assert.Equal(4, t.Best.EpochsPlanned);
        Assert.InRange(tuned.TrainingResult!.History.Count, 1, 4);
        Assert.Contains(messages, m => m.StartsWith("trial 1 (configuration 1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("tuning done", StringComparison.Ordinal));
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(options.SearchSpace!.Select(p => p.ToString())));
        Assert.Null(options.TrainerOptions.MaxEpochs);                              // Fit never changes the options (automatic stays automatic)
        Assert.Null(options.TrainerOptions.Seed);
        var m = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.InRange(m.MicroAccuracy, 0.2, 1.0);                                 // 10 classes, 270 training images, tiny models

        // Same seed, same search.
        using var again = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNetAuto(Small(maxTrials: 4))).Fit(data);
        Assert.Equal(t.Trials.Select(x => x.ValidationAccuracy), again.LastTransformer.Tuning!.Trials.Select(x => x.ValidationAccuracy));
    }

    [Fact]
    public void CancelExecutionEndsTheSearchPromptly()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Fashion(200))).Transform(ml.Data.LoadFromEnumerable(Fashion(200)));
        var trials = 0;
        ml.Log += (_, e) => { if (e.RawMessage.StartsWith("trial ", StringComparison.Ordinal) && Interlocked.Increment(ref trials) == 2) MLNetBridge.CancelExecution(ml); };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.WideNetAuto(Small(maxTrials: 0)).Fit(data));
        Assert.True(trials <= 3, $"{trials} trials ran after the cancellation");
        Assert.True(sw.Elapsed.TotalSeconds < 120, $"took {sw.Elapsed}");
    }

    [Fact]
    public void ManyShortTrialsKeepResidentMemoryFlat()
    {
        var ml = new MLContext(seed: 0);
        var rows = Fashion(64);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        WideNetAutoTrainer.Options Tiny(int trials) => new()
        {
            TrainerOptions = new WideNetImageClassificationTrainer.Options { RandomCrop = false, HorizontalFlip = false, NumHeads = 2, ValidationFraction = 0.25 },
            SearchSpace = SearchSpace.ForImages().Choose("HiddenSize", 16, 32).Narrow("NumLayers", 1, 2).Choose("BatchSize", 32),
            Strategy = TuningStrategy.Random, MaxTrials = trials, MinEpochs = 1, MaxEpochs = 1, BudgetSeconds = 600, Seed = 2,
        };
        static long Rss() => long.Parse(Regex.Match(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:")), @"\d+").Value) * 1024;
        ml.MulticlassClassification.Trainers.WideNetAuto(Tiny(10)).Fit(data).Dispose();   // warm-up
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var before = Rss();
        using var tuned = ml.MulticlassClassification.Trainers.WideNetAuto(Tiny(60)).Fit(data);
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var growth = Rss() - before;
        Assert.Equal(60, tuned.Tuning!.Trials.Count);
        Assert.True(growth < 80L * 1024 * 1024, $"resident memory grew by {growth / 1024.0 / 1024.0:F1} MB over 60 trials");
    }
}
