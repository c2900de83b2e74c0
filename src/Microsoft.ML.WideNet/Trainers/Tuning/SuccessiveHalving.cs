using System.Diagnostics;

namespace Microsoft.ML.WideNet;

/// <summary>What one evaluation of a configuration at a number of epochs gave.</summary>
/// <param name="Metric">Validation accuracy (higher is better), or null when the trial failed or had no validation.</param>
/// <param name="Epochs">Epochs actually trained (fewer than asked when early stopping or the budget ended it).</param>
/// <param name="StoppedEarly">True when early stopping or the budget ended the trial before its epochs.</param>
/// <param name="Error">Why the trial failed, or null.</param>
/// <param name="ResumedFromEpoch">Epochs the configuration already had when this trial went on from its checkpoint (0: from scratch).</param>
/// <param name="TrainingSeconds">Seconds of the epochs alone (null: unknown); the rest of the trial is its fixed cost
/// (reading and preparing the data, building the model, a tokenizer).</param>
internal sealed record TrialOutcome(double? Metric, int Epochs, bool StoppedEarly, string? Error = null, int ResumedFromEpoch = 0, double? TrainingSeconds = null);

/// <summary>One row of the tuner's history.</summary>
/// <param name="Trial">1-based trial number (one configuration at one fidelity).</param>
/// <param name="Configuration">1-based configuration number; a promoted configuration keeps its number.</param>
/// <param name="Bracket">1-based successive-halving bracket.</param>
/// <param name="Rung">0-based rung: the configuration was trained for the rung's epochs.</param>
/// <param name="Parameters">The sampled values, by parameter name.</param>
/// <param name="EpochsPlanned">Epochs of the rung.</param>
/// <param name="EpochsTrained">Epochs actually trained.</param>
/// <param name="ValidationAccuracy">The best validation accuracy of the trial, or null.</param>
/// <param name="Seconds">Wall time of the trial.</param>
/// <param name="StartedAtSeconds">When the trial started, in seconds since the search began.</param>
/// <param name="StoppedEarly">True when early stopping or the budget ended it before its epochs.</param>
/// <param name="Promoted">True when the configuration went on to the next rung.</param>
/// <param name="Error">Why it failed (e.g. a patch size that does not divide the image), or null.</param>
/// <param name="ResumedFromEpoch">Epochs the configuration had from its lower rung when this trial trained it on (0: from scratch).</param>
/// <param name="TrainingSeconds">Seconds of its epochs alone (null: not measured); <see cref="Seconds"/> also holds preparing the data and the model.</param>
public sealed record TuningTrial(int Trial, int Configuration, int Bracket, int Rung, IReadOnlyDictionary<string, object> Parameters,
                                 int EpochsPlanned, int EpochsTrained, double? ValidationAccuracy, double Seconds, double StartedAtSeconds,
                                 bool StoppedEarly, bool Promoted, string? Error, int ResumedFromEpoch = 0, double? TrainingSeconds = null);

/// <summary>How the tuner spends its budget.</summary>
public enum TuningStrategy
{
    /// <summary>Successive halving with epochs as the fidelity: many configurations for a few epochs, the best third
    /// (<c>ReductionFactor</c>) for three times as many, and so on up to <c>MaxEpochs</c>; brackets repeat while the
    /// budget lasts.</summary>
    SuccessiveHalving,
    /// <summary>Random search: every configuration trained for <c>MaxEpochs</c> (the baseline the tuner is measured against).</summary>
    Random,
}

/// <summary>
/// The scheduler of the tuner, independent of what it trains: configurations come from <c>sample</c> (the first is
/// the defaults), <c>evaluate</c> trains one for a number of epochs and reports its validation metric. Brackets are
/// sized to the remaining budget: a wide one (many configurations from one epoch) when the time affords it, down to a
/// single full training when it does not, at the seconds per epoch measured so far.
/// Runs are sequential (one training at a time keeps CPU runs bit-reproducible), so promotion is synchronous within a
/// bracket; a trial that fails counts as the worst. Stops when the trial count or the time budget is used up; the
/// evaluation running when the budget ends is cancelled through its token. With <paramref name="warmStart"/> a promoted
/// configuration is trained on from the epochs it has (the evaluation resumes it), so a rung costs only its extra epochs.
/// Promotions that the time left cannot pay for give way to the next best that fit, and until some configuration has
/// finished the last rung the first one is trained there too (the incumbent a challenger must beat at full length).
/// </summary>
internal sealed class SuccessiveHalving(int minEpochs, int maxEpochs, int eta, TuningStrategy strategy, bool warmStart = false)
{
    /// <summary>Epochs of each rung: minEpochs·ηⁱ, the last one maxEpochs.</summary>
    public IReadOnlyList<int> Rungs { get; } = RungsOf(minEpochs, maxEpochs, eta, strategy);

    static List<int> RungsOf(int min, int max, int eta, TuningStrategy strategy)
    {
        if (min < 1 || max < min || eta < 2) throw new ArgumentException($"epochs {min}..{max} and reduction factor {eta}: need 1 ≤ min ≤ max and η ≥ 2");
        if (strategy == TuningStrategy.Random) return [max];
        var rungs = new List<int>();
        for (long r = min; r < max; r *= eta) rungs.Add((int)r);
        rungs.Add(max);
        return rungs;
    }

    /// <summary>Epochs a bracket entering η^s configurations at rung last−s costs: every rung's configurations times the
    /// epochs they train there (with warm start only those beyond the rung below).</summary>
    public long BracketEpochs(int s)
    {
        var last = Rungs.Count - 1;
        long epochs = 0;
        for (var i = 0; i <= s; i++)
        {
            var rung = last - s + i;
            var extra = Rungs[rung] - (warmStart && i > 0 ? Rungs[rung - 1] : 0);
            epochs += (long)Math.Pow(eta, s - i) * extra;
        }
        return epochs;
    }

    /// <summary>Trials of bracket s: η^s + η^(s−1) + … + 1.</summary>
    public long BracketTrials(int s)
    {
        long n = 0;
        for (var i = 0; i <= s; i++) n += (long)Math.Pow(eta, i);
        return n;
    }

    /// <summary>Seconds per epoch and fixed seconds per trial so far: the epochs' own time where the trials measured it
    /// (else all of each trial counts as its epochs).</summary>
    static (double perEpoch, double perTrial) Pace(IReadOnlyList<TuningTrial> history)
    {
        var trained = history.Where(h => h.EpochsTrained > h.ResumedFromEpoch).ToList();
        var epochs = trained.Sum(h => h.EpochsTrained - h.ResumedFromEpoch);
        if (epochs == 0) return (0, 0);
        var perEpoch = trained.Sum(h => h.TrainingSeconds ?? h.Seconds) / epochs;
        var perTrial = trained.Average(h => h.Seconds - (h.TrainingSeconds ?? h.Seconds));
        return (perEpoch, Math.Max(0, perTrial));
    }

    /// <summary>Seconds the trial's configuration would take to reach <paramref name="rung"/> at the pace of
    /// <paramref name="trial"/>: its fixed cost and its seconds per epoch (with warm start only for the epochs it lacks).</summary>
    double SecondsToReach(TuningTrial trial, int rung)
    {
        var trained = trial.EpochsTrained - trial.ResumedFromEpoch;
        if (trained <= 0) return 0;
        var training = trial.TrainingSeconds ?? trial.Seconds;
        return trial.Seconds - training + training / trained * Math.Max(0, Rungs[rung] - (warmStart ? trial.EpochsTrained : 0));
    }

    /// <summary>Runs the search. <paramref name="evaluate"/> gets the configuration's number, its values and the rung's
    /// epochs.</summary>
    public List<TuningTrial> Run(Func<int, Dictionary<string, object>> sample, Func<int, Dictionary<string, object>, int, CancellationToken, TrialOutcome> evaluate,
                                 TimeSpan budget, int maxConfigurations, Action<TuningTrial>? report, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(budget);
        var history = new List<TuningTrial>();
        var configurations = 0;
        var bracket = 0;
        var last = Rungs.Count - 1;
        bool Exhausted() => deadline.IsCancellationRequested || maxConfigurations > 0 && configurations >= maxConfigurations;

        TuningTrial Evaluate(int id, Dictionary<string, object> parameters, int rung)
        {
            var started = clock.Elapsed.TotalSeconds;
            TrialOutcome outcome;
            try { outcome = evaluate(id, parameters, Rungs[rung], deadline.Token); }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                outcome = new TrialOutcome(null, 0, true, "stopped by the time budget");
            }
            var trial = new TuningTrial(history.Count + 1, id, bracket, rung, parameters, Rungs[rung], outcome.Epochs, outcome.Metric,
                                        clock.Elapsed.TotalSeconds - started, started, outcome.StoppedEarly, false, outcome.Error, outcome.ResumedFromEpoch,
                                        outcome.TrainingSeconds);
            history.Add(trial);
            report?.Invoke(trial);
            return trial;
        }

        // The first configuration (the defaults) at the first rung measures what an epoch costs.
        bracket = 1;
        var first = (id: ++configurations, parameters: sample(1));
        var probe = Evaluate(first.id, first.parameters, 0);
        while (bracket == 1 || !Exhausted())   // the first bracket always runs: it holds the probe
        {
            // Budget-aware brackets (after Hyperband): bracket s enters η^s configurations at rung last−s; take the widest
            // whose epochs and trials the remaining time affords at the pace seen so far.
            var (perEpoch, perTrial) = Pace(history);
            var remaining = budget.TotalSeconds - clock.Elapsed.TotalSeconds;
            var s = last;
            while (s > 0 && BracketEpochs(s) * perEpoch + BracketTrials(s) * perTrial > remaining) s--;
            var n = (int)Math.Pow(eta, s);
            var entries = new List<(int id, Dictionary<string, object> parameters)>();
            var reuseProbe = bracket == 1 && s == last;        // the probe already is this bracket's first rung-0 trial
            if (bracket == 1) entries.Add(first);
            else if (maxConfigurations <= 0 || configurations < maxConfigurations) entries.Add((++configurations, sample(configurations)));
            while (entries.Count < n && (maxConfigurations <= 0 || configurations < maxConfigurations)) entries.Add((++configurations, sample(configurations)));
            for (var rung = last - s; rung <= last && entries.Count > 0 && !deadline.IsCancellationRequested; rung++)
            {
                var results = new List<(int id, Dictionary<string, object> parameters, double score, int row)>();
                foreach (var (id, parameters) in entries)
                {
                    if (deadline.IsCancellationRequested) break;
                    var trial = reuseProbe && rung == 0 && id == first.id ? probe : Evaluate(id, parameters, rung);
                    results.Add((id, parameters, trial.ValidationAccuracy ?? double.NegativeInfinity, trial.Trial - 1));
                }
                if (rung >= last) break;
                // Keep the best 1/η (at least one; ties go to the earlier configuration) whose next rung fits the time left
                // at the pace of their last trial: a promotion the budget would cut is wasted. When none fits, the best goes on.
                var keep = Math.Max(1, results.Count / eta);
                var ranked = results.Where(r => !double.IsNegativeInfinity(r.score)).OrderByDescending(r => r.score).ThenBy(r => r.id).ToList();
                var left = budget.TotalSeconds - clock.Elapsed.TotalSeconds;
                // Intensification (as SMAC races challengers against its incumbent): until a configuration has finished the
                // last rung, the first one (the defaults) is trained there too, first, so that a challenger chosen on few
                // epochs replaces it only by beating it at full length.
                var incumbent = rung + 1 == last && !history.Any(h => h.Rung == last && h.ValidationAccuracy is not null)
                                && !ranked.Take(keep).Any(r => r.id == first.id) && history.LastOrDefault(h => h.Configuration == first.id) is { ValidationAccuracy: not null } f
                    ? f : null;
                if (incumbent is not null) left -= SecondsToReach(incumbent, last);
                var promoted = new List<(int id, Dictionary<string, object> parameters, double score, int row)>();
                var planned = 0.0;
                foreach (var r in ranked)
                {
                    if (promoted.Count == keep) break;
                    var next = SecondsToReach(history[r.row], rung + 1);
                    if (planned + next > left) continue;
                    promoted.Add(r);
                    planned += next;
                }
                if (promoted.Count == 0 && ranked.Count > 0 && incumbent is null) promoted.Add(ranked[0]);
                foreach (var p in promoted) history[p.row] = history[p.row] with { Promoted = true };
                entries = promoted.Select(p => (p.id, p.parameters)).ToList();
                if (incumbent is not null) entries.Insert(0, (first.id, first.parameters));
            }
            cancellation.ThrowIfCancellationRequested();
            bracket++;
        }
        return history;
    }
}
