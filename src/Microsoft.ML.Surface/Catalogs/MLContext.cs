using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>
/// The entry point of every ML.NET pipeline: it holds the catalogs of operations (<see cref="Data"/>,
/// <see cref="Transforms"/>, <see cref="MulticlassClassification"/>, <see cref="Model"/>), the random seed and the log.
/// </summary>
public sealed class MLContext
{
    private readonly Random _random;
    private readonly object _randomLock = new();

    /// <summary>Creates a context.</summary>
    /// <param name="seed">The seed of all randomness (shuffles, splits, trainer initialization); random when <see langword="null"/>.</param>
    public MLContext(int? seed = null)
    {
        Seed = seed;
        _random = seed is null ? new Random() : new Random(seed.Value);
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>Raised for every message of the components working in this context.</summary>
    public event EventHandler<LoggingEventArgs>? Log;

    /// <summary>Loading, saving, splitting and reshaping data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Data transformations.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Multiclass classification trainers and evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Saving, loading and applying models.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>The GPU that GPU-capable trainers should use, or <see langword="null"/> for the CPU.</summary>
    public int? GpuDeviceId { get; set; }

    /// <summary>Whether GPU-capable trainers fall back to the CPU when the GPU is not available.</summary>
    public bool FallbackToCpu { get; set; } = true;

    internal int? Seed { get; }

    internal int NextSeed()
    {
        lock (_randomLock)
        {
            return _random.Next();
        }
    }

    internal void WriteLog(ChannelMessageKind kind, string source, string message) =>
        Log?.Invoke(this, new LoggingEventArgs(message, kind, source));
}
