using System.Globalization;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.WideNet;

/// <summary>The tuner's report: every trial, the chosen one, the time used.</summary>
/// <param name="Strategy">How the budget was spent.</param>
/// <param name="Trials">Every trial in order.</param>
/// <param name="Best">The trial whose model <c>Fit</c> returned.</param>
/// <param name="Seconds">Wall time of the whole search.</param>
/// <param name="BudgetSeconds">The time budget it was given.</param>
public sealed record TuningResult(TuningStrategy Strategy, IReadOnlyList<TuningTrial> Trials, TuningTrial Best, double Seconds, double BudgetSeconds);

/// <summary>
/// Tunes a WideNet-family classifier within a time budget and returns the best model, as the last step of a normal
/// pipeline: configurations are drawn from a <see cref="SearchSpace"/> (the first is the model the given trainer options
/// alone train: <see cref="SearchSpace.DefaultsFor"/>), trained on the trainer's validation split with epochs as the fidelity, and promoted by
/// successive halving (<see cref="TuningStrategy"/>). <c>Fit</c> returns the best model of the highest rung reached
/// (trained for that rung's epochs); its <see cref="WideNetClassificationTransformer.Tuning"/> holds the trial history.
/// Progress goes to <c>MLContext.Log</c>; <c>MLContext.CancelExecution</c> or the options' token stops the search.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.WideNetAuto(...)</c>.
/// </summary>
public sealed class WideNetAutoTrainer : IEstimator<WideNetClassificationTransformer>
{
    /// <summary>Settings of the tuner (public fields with defaults).</summary>
    public sealed class Options
    {
        /// <summary>What every trial starts from: an image or a text trainer's options (columns, fixed settings). The
        /// search space overrides the parameters it holds; <c>MaxEpochs</c>, <c>Seed</c> and the cancellation token are
        /// the tuner's.</summary>
        public WideNetTrainerOptionsBase TrainerOptions = new WideNetImageClassificationTrainer.Options();
        /// <summary>The space searched (null: <see cref="SearchSpace.ForImages"/> for the options' ImageSize, or
        /// <see cref="SearchSpace.ForText"/>). Patch sizes that do not divide a set ImageSize are dropped.</summary>
        public SearchSpace? SearchSpace;
        /// <summary>Successive halving, or random search with every trial trained for <see cref="MaxEpochs"/>.</summary>
        public TuningStrategy Strategy = TuningStrategy.SuccessiveHalving;
        /// <summary>Wall-time budget; the trial running when it ends is stopped between steps.</summary>
        public double BudgetSeconds = 600;
        /// <summary>Most configurations to try (0: as many as the budget allows).</summary>
        public int MaxTrials;
        /// <summary>Epochs of the first rung.</summary>
        public int MinEpochs = 1;
        /// <summary>Epochs of the last rung (the full training).</summary>
        public int MaxEpochs = 9;
        /// <summary>η: each rung keeps the best 1/η of the configurations for η times as many epochs.</summary>
        public int ReductionFactor = 3;
        /// <summary>A promoted configuration trains on from the checkpoint of its lower rung (every trial's learning-rate
        /// schedule spans <see cref="MaxEpochs"/>; a rung reads the validation metric part-way), paying only the extra
        /// epochs. False: each rung trains from scratch with a schedule of its own epochs (Hyperband's original).
        /// Checkpoints go to a temporary folder, deleted when <c>Fit</c> ends.</summary>
        public bool WarmStart = true;
        /// <summary>Share of the new configurations of successive halving drawn near the best ones so far
        /// (<see cref="SearchSpace.Perturb"/> of one of the best third at the highest rung with three results, as BOHB
        /// models the good configurations of its largest budget); the rest are drawn uniformly. Random search draws
        /// every configuration uniformly.</summary>
        public double LocalSearchFraction = 0.5;
        /// <summary>Successive halving draws again (up to 20 times, then keeps the cheapest) a configuration whose
        /// estimated cost per example (<c>TrialCost</c>: multiply-adds of a forward pass) is more than this multiple of the
        /// first configuration's, so that one slow draw cannot spend the budget (0: no limit). Random search draws freely.</summary>
        public double MaxRelativeCost = 2;
        /// <summary>Seed of the sampling and of every trial (null: from the MLContext).</summary>
        public int? Seed;
        /// <summary>Stops the search (with <see cref="OperationCanceledException"/>).</summary>
        public CancellationToken CancellationToken;

        internal Options Clone()
        {
            var o = (Options)MemberwiseClone();
            o.TrainerOptions = TrainerOptions.CloneBase();
            return o;
        }
    }

    readonly IHost _host;
    readonly Options _options;
    readonly SearchSpace _space;

    /// <summary>Creates the tuner (the options are copied).</summary>
    public WideNetAutoTrainer(MLContext context, Options options)
        : this((IHostEnvironment)(context ?? throw new ArgumentNullException(nameof(context))), options) { }

    internal WideNetAutoTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TrainerOptions, nameof(options.TrainerOptions));
        _host = env.Register(nameof(WideNetAutoTrainer));
        _options = options.Clone();
        var image = _options.TrainerOptions is WideNetImageClassificationTrainer.Options;
        if (!image && _options.TrainerOptions is not WideNetTextClassificationTrainer.Options)
            throw new ArgumentException("TrainerOptions must be WideNetImageClassificationTrainer.Options or WideNetTextClassificationTrainer.Options", nameof(options));
        var imageSize = (_options.TrainerOptions as WideNetImageClassificationTrainer.Options)?.ImageSize ?? 0;
        _space = _options.SearchSpace ?? (image ? SearchSpace.ForImages(imageSize > 0 ? imageSize : 28) : SearchSpace.ForText());
        if (imageSize > 0) _space = _space.ForImageSize(imageSize);   // a patch that does not divide the image would fail its trials
        _space.CheckFields(_options.TrainerOptions.GetType());
        if (_options.BudgetSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(options), _options.BudgetSeconds, "BudgetSeconds must be positive");
        if (_options.MaxTrials < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxTrials, "MaxTrials must not be negative");
        if (!(_options.MaxRelativeCost >= 0)) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxRelativeCost, "MaxRelativeCost must not be negative");
        if (_options.LocalSearchFraction is < 0 or > 1 or double.NaN)
            throw new ArgumentOutOfRangeException(nameof(options), _options.LocalSearchFraction, "LocalSearchFraction must be between 0 and 1");
        _ = new SuccessiveHalving(_options.MinEpochs, _options.MaxEpochs, _options.ReductionFactor, _options.Strategy);   // checks the rungs
    }

    /// <summary>The space this tuner searches.</summary>
    public SearchSpace SearchSpace => _space;

    /// <summary>Searches, and returns the best model with the trial history in its <c>Tuning</c>.</summary>
    public WideNetClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var ch = _host.Start("Fit");
        var o = _options.Clone();
        var seed = o.Seed ?? _host.Rand.Next();
        var random = new Random(seed);
        var warm = o.WarmStart && o.Strategy == TuningStrategy.SuccessiveHalving;
        var scheduler = new SuccessiveHalving(o.MinEpochs, o.MaxEpochs, o.ReductionFactor, o.Strategy, warm);
        // An image size taken from the data is known only now (a set one already narrowed the space in the constructor).
        var space = _space;
        var side = o.TrainerOptions is WideNetImageClassificationTrainer.Options image ? WideNetImageClassificationTrainer.ImageSizeFor(input, image) : 0;
        if (o.TrainerOptions is WideNetImageClassificationTrainer.Options { ImageSize: 0 })
            space = _options.SearchSpace is null ? SearchSpace.ForImages(side) : _space.ForImageSize(side);
        // The first configuration is the model the trainer options alone give (their values, resolved by the trainer).
        var first = space.DefaultsFor(o.TrainerOptions, side > 0 ? side : 28);
        var checkpoints = warm ? Directory.CreateTempSubdirectory("widenet-tune-").FullName : null;
        ch.Info(MessageSensitivity.None, $"tuning {o.Strategy} within {o.BudgetSeconds:F0} s" + (o.MaxTrials > 0 ? $" or {o.MaxTrials} configurations" : "") +
                                         $", rungs of {string.Join("/", scheduler.Rungs)} epochs{(warm ? $" (promotions train on from their checkpoints in {checkpoints})" : "")}, seed {seed}; space: {string.Join("; ", space)}");
        WideNetClassificationTransformer? best = null;
        (int rung, double metric) bestKey = (-1, double.NegativeInfinity);
        var rungOf = scheduler.Rungs.Select((e, i) => (e, i)).ToDictionary(x => x.e, x => x.i);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var epochsOf = new Dictionary<int, int>();    // configuration → epochs its checkpoint holds
        try
        {
            TrialOutcome Evaluate(int id, Dictionary<string, object> values, int epochs, CancellationToken token)
            {
                var t = space.Apply(o.TrainerOptions, values);
                var top = scheduler.Rungs[^1];
                var resumed = warm ? epochsOf.GetValueOrDefault(id) : 0;
                // Warm start: one run per configuration, its schedule planned for the last rung, paused at this rung.
                t.MaxEpochs = warm ? top : epochs;
                t.PauseAfterEpochs = warm && epochs < top ? epochs : null;
                t.CheckpointDirectory = checkpoints is null ? null : Path.Combine(checkpoints, id.ToString(CultureInfo.InvariantCulture));
                t.Seed = seed;                        // one seed for all trials: the same validation split, comparable runs
                t.CancellationToken = token;
                var epochClock = new EpochsClock();
                t.Progress = epochClock;
                t.DataParallel = false;               // trials end at budget-dependent times: ranks would not agree
                WideNetClassificationTransformer model;
                try
                {
                    model = t switch
                    {
                        WideNetImageClassificationTrainer.Options io => new WideNetImageClassificationTrainer(_host, io).Fit(input),
                        WideNetTextClassificationTrainer.Options to => new WideNetTextClassificationTrainer(_host, to).Fit(input),
                        _ => throw new InvalidOperationException("unreachable"),
                    };
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or global::WideNet.Torch.TorchException)
                {
                    return new TrialOutcome(null, 0, false, e.Message, resumed);
                }
                var r = model.TrainingResult!;
                var metric = r.BestEpoch is { } b ? r.History[b - 1].ValidationAccuracy : r.History.LastOrDefault()?.ValidationAccuracy;
                var key = (rungOf[epochs], metric ?? double.NegativeInfinity);
                if (best is null || key.Item1 > bestKey.rung || key.Item1 == bestKey.rung && key.Item2 > bestKey.metric)
                {
                    best?.Dispose();                  // one model kept at a time: memory stays flat over many trials
                    (best, bestKey) = (model, key);
                }
                else model.Dispose();
                epochsOf[id] = r.History.Count;
                return new TrialOutcome(metric, r.History.Count, r.StoppedEarly || r.History.Count < epochs, null, resumed, epochClock.Seconds);
            }

            var finished = new List<TuningTrial>();
            var sha = o.Strategy == TuningStrategy.SuccessiveHalving;
            var imageSide = side > 0 ? side : 28;
            var firstCost = TrialCost.PerExample(space.Apply(o.TrainerOptions, first), imageSide);
            Dictionary<string, object> Draw()
            {
                if (sha && Incumbents(finished) is { Count: > 0 } good && random.NextDouble() < o.LocalSearchFraction)
                    return space.Perturb(good[random.Next(good.Count)].Parameters, random);
                return space.Sample(random);
            }
            Dictionary<string, object> Sample(int i)
            {
                if (i == 1) return first;
                if (!sha || o.MaxRelativeCost <= 0 || firstCost is not { } reference) return Draw();
                (Dictionary<string, object>? values, double cost) cheapest = (null, double.PositiveInfinity);
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    var values = Draw();
                    var cost = TrialCost.PerExample(space.Apply(o.TrainerOptions, values), imageSide) ?? double.PositiveInfinity;
                    if (cost <= o.MaxRelativeCost * reference) return values;
                    if (cost < cheapest.cost || cheapest.values is null) cheapest = (values, cost);
                }
                return cheapest.values!;
            }
            var history = scheduler.Run(i => space.Applicable(Sample(i)), Evaluate, TimeSpan.FromSeconds(o.BudgetSeconds), o.MaxTrials,
                                        trial => { finished.Add(trial); ch.Info(MessageSensitivity.None, Describe(trial)); }, o.CancellationToken);
            if (best is null) throw new InvalidOperationException("no trial finished within the budget: " +
                                                                  (history.FirstOrDefault(h => h.Error is not null)?.Error ?? "raise BudgetSeconds"));
            var chosen = history.Where(h => rungOf[h.EpochsPlanned] == bestKey.rung && h.Error is null)
                                .OrderByDescending(h => h.ValidationAccuracy ?? double.NegativeInfinity).ThenBy(h => h.Trial).First();
            best.Tuning = new TuningResult(o.Strategy, history, chosen, clock.Elapsed.TotalSeconds, o.BudgetSeconds);
            ch.Info(MessageSensitivity.None, FormattableString.Invariant(
                $"tuning done: {history.Count} trials of {history.Select(h => h.Configuration).Distinct().Count()} configurations in {clock.Elapsed.TotalSeconds:F0} s; best trial {chosen.Trial} (validation {chosen.ValidationAccuracy:F4}): {FormatParameters(chosen.Parameters)}"));
            var result = best;
            best = null;
            return result;
        }
        finally
        {
            best?.Dispose();
            if (checkpoints is not null)
                try { Directory.Delete(checkpoints, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Takes the training loop's own clock from its last report: the seconds of the epochs, without the data and
    /// model preparation around them.</summary>
    sealed class EpochsClock : IProgress<Training.TrainingProgress>
    {
        public double? Seconds { get; private set; }
        public void Report(Training.TrainingProgress value) => Seconds = value.Elapsed.TotalSeconds;
    }

    /// <summary>The best third (at least one) of the configurations at the highest rung with three results (or the
    /// highest with any), by validation accuracy.</summary>
    internal static List<TuningTrial> Incumbents(IReadOnlyList<TuningTrial> trials)
    {
        var scored = trials.Where(t => t.ValidationAccuracy is not null).ToList();
        if (scored.Count == 0) return [];
        var byRung = scored.GroupBy(t => t.Rung).OrderByDescending(g => g.Key).ToList();
        var rung = byRung.FirstOrDefault(g => g.Count() >= 3) ?? byRung[0];
        var list = rung.OrderByDescending(t => t.ValidationAccuracy).ThenBy(t => t.Trial).ToList();
        return list.Take(Math.Max(1, list.Count / 3)).ToList();
    }

    static string Describe(TuningTrial t) => t.Error is not null
        ? FormattableString.Invariant($"trial {t.Trial} (configuration {t.Configuration}, bracket {t.Bracket}, rung {t.Rung}, {t.EpochsPlanned} epochs) failed after {t.Seconds:F1} s: {t.Error}")
        : FormattableString.Invariant($"trial {t.Trial} (configuration {t.Configuration}, bracket {t.Bracket}, rung {t.Rung}, {t.EpochsTrained}/{t.EpochsPlanned} epochs{(t.ResumedFromEpoch > 0 ? $" from epoch {t.ResumedFromEpoch}" : "")}): validation {t.ValidationAccuracy:F4} in {t.Seconds:F1} s{(t.StoppedEarly ? ", stopped early" : "")}: {FormatParameters(t.Parameters)}");

    /// <summary>"Name value, ..." of a trial's parameters (numbers with 3 significant digits).</summary>
    public static string FormatParameters(IReadOnlyDictionary<string, object> p) =>
        string.Join(", ", p.Select(kv => $"{kv.Key} {(kv.Value is double d ? d.ToString("G3", CultureInfo.InvariantCulture) : kv.Value)}"));

    /// <summary>The schema shape the chosen trainer will produce (checked against the trainer options' columns).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _options.TrainerOptions switch
    {
        WideNetImageClassificationTrainer.Options io => new WideNetImageClassificationTrainer(_host, io).GetOutputSchema(inputSchema),
        WideNetTextClassificationTrainer.Options to => new WideNetTextClassificationTrainer(_host, to).GetOutputSchema(inputSchema),
        _ => throw new InvalidOperationException("unreachable"),
    };
}
