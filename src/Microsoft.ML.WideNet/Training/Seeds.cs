namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// Counter-based seeding: every random stream of a training run is derived from the run's seed and a position
/// (epoch, step, example index) by hashing, never from a generator that advances. So the random state at any step
/// is a pure function of (seed, step), a checkpoint only needs the step counters, and a resumed run draws exactly
/// the numbers an uninterrupted run would.
/// </summary>
public static class Seeds
{
    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>Hashes a seed and any number of counters into one 64-bit seed.</summary>
    public static ulong Derive(ulong seed, params long[] counters)
    {
        var h = Mix(seed);
        foreach (var c in counters) h = Mix(h ^ (ulong)c);
        return h;
    }

    /// <summary>A <see cref="Random"/> seeded from <see cref="Derive"/> (System.Random with an explicit seed is a
    /// fixed algorithm, deterministic across runs).</summary>
    public static Random Random(ulong seed, params long[] counters) => new((int)(Derive(seed, counters) & 0x7FFFFFFF));

    /// <summary>Stream identifiers, so that different uses of the same step never share numbers.</summary>
    internal static class Stream
    {
        public const long Shuffle = 0x5348, Model = 0x4D44, Mixup = 0x4D58, Augment = 0x4147, Data = 0x4441;
    }
}
