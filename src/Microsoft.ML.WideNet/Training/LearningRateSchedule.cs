namespace Microsoft.ML.WideNet.Training;

/// <summary>Shape of the learning rate after warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Half-cosine from the peak down to the minimum.</summary>
    Cosine,
    /// <summary>Straight line from the peak down to the minimum (the WideNet paper's choice).</summary>
    Linear,
    /// <summary>Stays at the peak.</summary>
    Constant,
}

/// <summary>
/// Learning rate by optimizer step: linear warm-up to the peak, then decay to <see cref="MinLearningRate"/> at
/// <see cref="TotalSteps"/>. Step s (0-based, the s-th update) uses
/// <c>peak·(s+1)/warmup</c> while s &lt; warmup (so the last warm-up step reaches the peak and no step is wasted at
/// zero), then with progress p = (s − warmup)/(total − warmup) ∈ [0, 1]:
/// cosine <c>min + (peak − min)·(1 + cos πp)/2</c>, linear <c>peak − (peak − min)·p</c>. Steps past the end stay at min.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>Creates a schedule.</summary>
    public LearningRateSchedule(double peakLearningRate, long totalSteps, long warmupSteps = 0, LearningRateDecay decay = LearningRateDecay.Cosine, double minLearningRate = 0)
    {
        if (!(peakLearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(peakLearningRate), peakLearningRate, "the learning rate must be positive");
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "there must be at least one step");
        if (warmupSteps < 0 || warmupSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warm-up must be within 0..{totalSteps} steps");
        if (minLearningRate < 0 || minLearningRate > peakLearningRate) throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "the minimum must be in [0, peak]");
        PeakLearningRate = peakLearningRate; TotalSteps = totalSteps; WarmupSteps = warmupSteps; Decay = decay; MinLearningRate = minLearningRate;
    }

    /// <summary>The rate reached at the end of warm-up.</summary>
    public double PeakLearningRate { get; }
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }
    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }
    /// <summary>The decay shape.</summary>
    public LearningRateDecay Decay { get; }
    /// <summary>The rate at the end.</summary>
    public double MinLearningRate { get; }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps are counted from 0");
        if (step < WarmupSteps) return PeakLearningRate * (step + 1) / WarmupSteps;
        if (Decay == LearningRateDecay.Constant) return PeakLearningRate;
        var span = TotalSteps - WarmupSteps;
        var p = span <= 0 ? 1.0 : Math.Min(1.0, (double)(step - WarmupSteps) / span);
        return Decay switch
        {
            LearningRateDecay.Cosine => MinLearningRate + (PeakLearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * p)),
            _ => PeakLearningRate - (PeakLearningRate - MinLearningRate) * p,
        };
    }
}
