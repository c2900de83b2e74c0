using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using D = WideNet.Torch.torch.distributed;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// What the training loop does differently on several ranks (LibTorch c10d; one rank = one process): every rank
/// starts from rank 0's weights, takes its share of each global batch, and the gradients are averaged so that every
/// rank applies the same update; sums for reporting are added up across ranks. With no process group (or a world of
/// one) every method is the identity, so the single-process loop is unchanged.
/// <para>Sharding follows PyTorch's DistributedSampler on each batch: the global batch of <c>BatchSize</c> examples
/// (the same seeded shuffle on every rank) is dealt out round-robin, rank r taking positions r, r+W, r+2W, ...; each
/// rank's loss is weighted by its share, so the averaged gradient equals the gradient of the global batch's mean loss.
/// </para>
/// </summary>
public sealed class DataParallel
{
    readonly D.ProcessGroup? _group;

    /// <summary>Data parallelism over <paramref name="group"/> (null: one process).</summary>
    public DataParallel(D.ProcessGroup? group) => _group = group is { WorldSize: > 1 } ? group : null;

    /// <summary>This process's rank (0 without a group).</summary>
    public int Rank => _group?.Rank ?? 0;
    /// <summary>Number of ranks (1 without a group).</summary>
    public int WorldSize => _group?.WorldSize ?? 1;
    /// <summary>True on the rank that writes checkpoints, models and reports.</summary>
    public bool IsPrimary => Rank == 0;
    /// <summary>True when there is more than one rank.</summary>
    public bool Enabled => _group is not null;

    /// <summary>Time spent averaging gradients (waiting for the group included), and how many times.</summary>
    public (TimeSpan total, long count) GradientTime => (_gradientTime.Elapsed, _gradientCalls);
    readonly System.Diagnostics.Stopwatch _gradientTime = new();
    long _gradientCalls;

    /// <summary>This rank's positions of a global batch of <paramref name="count"/> examples: r, r+W, r+2W, ...</summary>
    public int[] Positions(int count)
    {
        var mine = new List<int>((count + WorldSize - 1) / WorldSize);
        for (var j = Rank; j < count; j += WorldSize) mine.Add(j);
        return mine.ToArray();
    }

    /// <summary>The factor on this rank's mean loss that makes the average over ranks the global batch's mean:
    /// local count × W / global count (1 without a group).</summary>
    public double LossWeight(int localCount, int globalCount) => Enabled ? (double)localCount * WorldSize / globalCount : 1.0;

    /// <summary>Copies rank 0's parameters and buffers into every rank's module.</summary>
    public void BroadcastWeights(Module module)
    {
        if (_group is null) return;
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var tensors = module.state_dict().Values.ToList();
        foreach (var group in tensors.GroupBy(t => t.dtype))
            using (var w = _group.broadcast(group.ToList(), 0)) w.wait();
    }

    /// <summary>Averages the gradients of <paramref name="parameters"/> over the ranks (one bucket per dtype). A parameter
    /// without a gradient on this step gets a zero one first, so that every rank sends the same list.</summary>
    public void AverageGradients(IReadOnlyList<Tensor> parameters)
    {
        if (_group is null) return;
        _gradientTime.Start();
        _gradientCalls++;
        using var scope = torch.NewDisposeScope();
        var grads = new List<Tensor>(parameters.Count);
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null)
            {
                using (torch.no_grad()) p.grad = torch.zeros(p.shape, p.dtype, p.device);
                g = p.grad!;
            }
            grads.Add(g);
        }
        foreach (var group in grads.GroupBy(g => g.dtype))
            using (var w = _group.all_reduce(group.ToList(), D.ReduceOp.AVG)) w.wait();
        _gradientTime.Stop();
    }

    /// <summary>Sums <paramref name="tensor"/> over the ranks, in place.</summary>
    public void Sum(Tensor tensor)
    {
        if (_group is null) return;
        using var w = _group.all_reduce(tensor);
        w.wait();
    }
}

/// <summary>
/// The process's place in a data-parallel run, from the variables <c>widenet launch</c> and torchrun set
/// (<c>WORLD_SIZE</c>, <c>RANK</c>, <c>LOCAL_RANK</c>, <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>). The group is joined
/// once per process, at the first training that asks for it, and kept (as torch.distributed's default group): every
/// process must then run the same trainings in the same order.
/// </summary>
public static class DistributedEnvironment
{
    static readonly object Gate = new();
    static D.ProcessGroup? _group;

    /// <summary>Ranks in the run (1 when not launched).</summary>
    public static int WorldSize => Int("WORLD_SIZE", 1);
    /// <summary>This process's rank (0 when not launched).</summary>
    public static int Rank => Int("RANK", 0);
    /// <summary>This process's rank on its machine: the GPU it trains on.</summary>
    public static int LocalDevice => Int("LOCAL_RANK", 0);
    /// <summary>True on the process that writes models, checkpoints and reports (rank 0, or not launched).</summary>
    public static bool IsPrimary => Rank == 0;

    /// <summary>How long a rank waits for the others (WIDENET_DIST_TIMEOUT seconds; default 300).</summary>
    public static TimeSpan Timeout => TimeSpan.FromSeconds(Int("WIDENET_DIST_TIMEOUT", 300));

    /// <summary>The run's process group (NCCL for CUDA tensors, Gloo for CPU), joined on first use; null when the
    /// world has one rank.</summary>
    public static D.ProcessGroup? Group(Device device)
    {
        if (WorldSize <= 1) return null;
        var backend = device.IsCuda ? "nccl" : "gloo";
        lock (Gate)
        {
            _group ??= D.init_process_group(backend, timeout: Timeout);
            if (_group.Backend != backend)
                throw new InvalidOperationException($"this process joined a {_group.Backend} group; a training on {device} needs {backend}: train every run of a process on one kind of device");
            return _group;
        }
    }

    static int Int(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i
                : throw new InvalidOperationException($"{name}={v} is not an integer")
            : fallback;
}
