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
/// <para>Gradients are averaged in buckets (consecutive parameters of one dtype, taken from the last to the first, the
/// order backward produces them). With <see cref="ReduceDuringBackward"/> a bucket's all-reduce starts as soon as
/// backward has accumulated every gradient in it (a post-accumulate hook per parameter, as DDP's reducer), so that the
/// communication overlaps the rest of backward; buckets are started strictly in order, so every rank issues the same
/// collectives in the same sequence even when a rank's experts got no tokens (their gradients are zero-filled and
/// their bucket started after backward).</para>
/// </summary>
public sealed class DataParallel : IDisposable
{
    readonly D.ProcessGroup? _group;
    readonly object _gate = new();
    List<RemovableHandle>? _hooks;
    IReadOnlyList<Tensor>? _hooked;
    int[][] _buckets = [];
    int[] _bucketOf = [], _waiting = [];
    bool[] _ready = [];
    readonly List<(D.Work work, List<Tensor> grads)> _inFlight = new();
    int _next;

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

    /// <summary>Starts each bucket's all-reduce during backward, as soon as its gradients are accumulated. Buckets hold
    /// up to <paramref name="bucketMegabytes"/> of consecutive parameters of one dtype, from the last parameter back.
    /// Call <see cref="BeginBackward"/> before each backward and <see cref="AverageGradients"/> after it.</summary>
    public void ReduceDuringBackward(IReadOnlyList<Tensor> parameters, double bucketMegabytes)
    {
        if (_group is null || _hooks is not null) return;
        var cap = Math.Max(1L, (long)(bucketMegabytes * 1048576));
        var buckets = new List<List<int>>();
        long bytes = 0;
        for (var i = parameters.Count - 1; i >= 0; i--)
        {
            var size = parameters[i].numel() * parameters[i].dtype.ElementSize();
            if (buckets.Count == 0 || bytes + size > cap && buckets[^1].Count > 0 || parameters[buckets[^1][0]].dtype != parameters[i].dtype)
            {
                buckets.Add(new List<int>());
                bytes = 0;
            }
            buckets[^1].Add(i);
            bytes += size;
        }
        _buckets = buckets.Select(b => b.ToArray()).ToArray();
        _bucketOf = new int[parameters.Count];
        for (var b = 0; b < _buckets.Length; b++) foreach (var i in _buckets[b]) _bucketOf[i] = b;
        (_ready, _waiting, _hooked) = (new bool[parameters.Count], new int[_buckets.Length], parameters);
        _hooks = new List<RemovableHandle>(parameters.Count);
        for (var i = 0; i < parameters.Count; i++)
        {
            var index = i;
            if (parameters[i].requires_grad) _hooks.Add(parameters[i].register_post_accumulate_grad_hook(_ => Accumulated(index)));
        }
        BeginBackward();
    }

    /// <summary>Number of gradient buckets (0 until <see cref="ReduceDuringBackward"/>).</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>Buckets of the last step whose all-reduce started while backward was still running.</summary>
    public int BucketsStartedDuringBackward { get; private set; }

    /// <summary>Marks every gradient as not yet accumulated (before each backward).</summary>
    public void BeginBackward()
    {
        if (_hooked is null) return;
        lock (_gate)
        {
            Array.Clear(_ready);
            for (var b = 0; b < _buckets.Length; b++) _waiting[b] = _buckets[b].Length;
            _next = 0;
        }
    }

    void Accumulated(int index)                                   // from backward (a hook): start the buckets now full
    {
        lock (_gate)
        {
            if (_ready[index]) return;
            _ready[index] = true;
            if (--_waiting[_bucketOf[index]] == 0) StartFullBuckets();
        }
    }

    void StartFullBuckets()                                       // in order: every rank issues the same sequence
    {
        while (_next < _buckets.Length && _waiting[_next] == 0)
        {
            var grads = _buckets[_next++].Select(i => _hooked![i].grad!.DetachFromDisposeScope()).ToList();
            _inFlight.Add((_group!.all_reduce(grads, D.ReduceOp.AVG), grads));
        }
    }

    /// <summary>Averages the gradients of <paramref name="parameters"/> over the ranks: with
    /// <see cref="ReduceDuringBackward"/>, starts the buckets backward left (gradients it did not produce are zero-filled
    /// first) and waits for all of them; else one bucket per dtype now. A parameter without a gradient on this step gets
    /// a zero one, so that every rank sends the same list.</summary>
    public void AverageGradients(IReadOnlyList<Tensor> parameters)
    {
        if (_group is null) return;
        _gradientTime.Start();
        _gradientCalls++;
        try
        {
            if (_hooked is not null && ReferenceEquals(parameters, _hooked)) FinishBuckets();
            else AverageNow(parameters);
        }
        finally { _gradientTime.Stop(); }
    }

    void FinishBuckets()
    {
        lock (_gate)
        {
            BucketsStartedDuringBackward = _next;
            for (var i = 0; i < _hooked!.Count; i++)
                if (!_ready[i])
                {
                    ZeroIfMissing(_hooked[i]);
                    _ready[i] = true;
                    _waiting[_bucketOf[i]]--;
                }
            StartFullBuckets();
        }
        try
        {
            foreach (var (work, _) in _inFlight) work.wait();
        }
        finally
        {
            foreach (var (work, grads) in _inFlight)
            {
                work.Dispose();
                foreach (var g in grads) g.Dispose();
            }
            _inFlight.Clear();
        }
    }

    void AverageNow(IReadOnlyList<Tensor> parameters)
    {
        using var scope = torch.NewDisposeScope();
        var grads = new List<Tensor>(parameters.Count);
        foreach (var p in parameters) grads.Add(ZeroIfMissing(p));
        foreach (var group in grads.GroupBy(g => g.dtype))
            using (var w = _group!.all_reduce(group.ToList(), D.ReduceOp.AVG)) w.wait();
    }

    static Tensor ZeroIfMissing(Tensor p)
    {
        if (p.grad is { } g) return g;
        using (torch.no_grad()) p.grad = torch.zeros(p.shape, p.dtype, p.device);
        return p.grad!;
    }

    /// <summary>Removes the hooks of <see cref="ReduceDuringBackward"/>.</summary>
    public void Dispose()
    {
        if (_hooks is null) return;
        foreach (var h in _hooks) h.Dispose();
        foreach (var (work, grads) in _inFlight)
        {
            work.Dispose();
            foreach (var g in grads) g.Dispose();
        }
        _inFlight.Clear();
        (_hooks, _hooked) = (null, null);
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
