using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Moe;

/// <summary>
/// Token-choice top-k mixture of experts (WideNet, ViT-MoE). Each token picks its k most probable experts; each
/// expert takes at most C = ⌈capacity_factor·k·tokens/E⌉ tokens per call, first choices claiming slots before second
/// choices; overflowing assignments are dropped (the token gets nothing from that expert and keeps its residual).
/// Gates are the raw softmax probabilities of the chosen experts (not renormalised), as in the WideNet code.
/// Dispatch and combine never read data back to the host: slot positions come from cumulative sums of one-hot
/// assignments, tokens are gathered into an [E, C, d] buffer, and results are combined with index_add.
/// On the CPU, where reading a few numbers back costs nothing, <see cref="ExactCpuDispatch"/> runs each expert on its
/// occupied slots only (the buffer's empty slots are ~1 − 1/capacity_factor of it), with identical results.
/// </summary>
public sealed class TopKMoe : Module
{
    /// <summary>Router d → E, no bias.</summary>
    public readonly Linear router;
    /// <summary>The stacked experts.</summary>
    public readonly Experts experts;

    /// <summary>Experts each token picks.</summary>
    public int TopK { get; }
    /// <summary>Capacity factor in training.</summary>
    public double CapacityFactor { get; }
    /// <summary>Capacity factor in evaluation (documented option; defaults to the training one).</summary>
    public double EvalCapacityFactor { get; }
    /// <summary>Standard deviation of the Gaussian noise added to router logits in training (1/E; 0 turns it off).</summary>
    public double NoiseStd { get; set; }
    /// <summary>In data-parallel training, the ranks over which the balance loss's assignment shares fᵢ are counted (set
    /// by the training loop): with global fᵢ and each rank's own Pᵢ, the gradient averaged over the ranks equals the
    /// single-process one. Null: this batch alone.</summary>
    public torch.distributed.ProcessGroup? StatisticsGroup { get; set; }

    /// <summary>On CPU tensors, compute only occupied expert slots (the per-expert counts are read back to the host,
    /// free on a CPU); on a GPU the fixed [E, C, d] buffer is always used so that the layer never synchronises.</summary>
    public bool ExactCpuDispatch = true;

    /// <summary>With <see cref="ExactCpuDispatch"/>, each expert's row count is rounded up to a multiple of this (empty
    /// slots fill the rest), so that tensor sizes repeat from step to step and the allocator can reuse blocks: exact
    /// counts made the resident memory of a training run grow step after step (glibc fragmentation).</summary>
    public const long CpuSlotBucket = 64;

    /// <summary>Creates the layer.</summary>
    public TopKMoe(long dim, long hidden, int numExperts, int topK = 2, double capacityFactor = 1.2, double? evalCapacityFactor = null,
                   bool gatedExperts = false, Generator? generator = null)
    {
        if (topK < 1 || topK > numExperts) throw new ArgumentOutOfRangeException(nameof(topK), topK, $"top-k must be in 1..{numExperts}");
        TopK = topK;
        CapacityFactor = capacityFactor;
        EvalCapacityFactor = evalCapacityFactor ?? capacityFactor;
        NoiseStd = 1.0 / numExperts;
        router = RegisterModule("router", new Linear(dim, numExperts, false, generator: generator));
        experts = RegisterModule("experts", new Experts(numExperts, dim, hidden, gatedExperts, generator));
    }

    /// <summary>Slots per expert for <paramref name="tokens"/> tokens in the current mode.</summary>
    public long Capacity(long tokens) =>
        Math.Max(1, (long)Math.Ceiling((training ? CapacityFactor : EvalCapacityFactor) * TopK * tokens / experts.Count));

    /// <summary>[..., d] → <see cref="MoeOutput"/> with output [..., d]. <paramref name="tokenMask"/> (shape [...],
    /// bool, true at real tokens) keeps padding out of routing: padded tokens claim no capacity, count in neither
    /// the balance loss nor the statistics, and get a zero output.</summary>
    public MoeOutput forward(Tensor input, Tensor? tokenMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var shape = input.shape;
        var d = shape[^1];
        var x = input.reshape(-1, d);                                  // [S, d]
        var s = x.size(0);
        var e = experts.Count;
        var c = Capacity(s);

        // Router in float32; noise only in training.
        var logits = router.forward(x).to(ScalarType.Float32);        // [S, E]
        if (training) logits = logits + torch.randn(logits.shape, dtype: ScalarType.Float32, device: logits.device) * NoiseStd;
        var probs = logits.softmax(-1);                                // [S, E]
        var (gates, choice) = probs.topk(TopK, -1);                    // [S, k] each
        var real = tokenMask?.reshape(-1).to(ScalarType.Float32);     // [S], 1 at real tokens
        var realCount = real is null ? torch.scalar_tensor(s, device: x.device) : real.sum().clamp_min(1);

        // Load-balance loss from assignments before dropping: E·Σ fᵢ·Pᵢ, fᵢ = share of the (real) S·k assignments.
        var assigned = F.one_hot(choice, e).to(ScalarType.Float32);   // [S, k, E]
        if (real is not null) assigned = assigned * real.reshape(s, 1, 1);
        var perExpert = assigned.sum(new long[] { 0, 1 });              // [E]
        var f = perExpert / (realCount * TopK);                          // [E]
        if (training && StatisticsGroup is { WorldSize: > 1 } group)
        {
            var counts = torch.cat(new[] { perExpert, (realCount * TopK).reshape(1) }); // [E + 1]
            using (var w = group.all_reduce(counts)) w.wait();         // the whole group's assignments
            f = counts.narrow(0, 0, e) / counts.narrow(0, e, 1);
        }
        var p = (real is null ? probs : probs * real.unsqueeze(1)).sum(0) / realCount; // [E]
        var aux = (f * p).sum() * e;

        // Slot of each assignment: choice rank r claims slots after all earlier ranks (first choices first).
        var rankMajor = assigned.transpose(0, 1).reshape(TopK * s, e); // [k·S, E], rank-major order
        var position = (rankMajor.cumsum(0) - 1) * rankMajor;          // slot index inside the chosen expert
        var pos = position.sum(-1).to(ScalarType.Int64).reshape(TopK, s).transpose(0, 1); // [S, k]
        var keep = pos.lt(c);                                          // [S, k] bool
        if (tokenMask is not null) keep = keep.logical_and(tokenMask.reshape(s, 1));
        var trash = e * c;                                             // one extra row takes every dropped assignment
        var slot = torch.where(keep, choice * c + pos, torch.full(new long[] { 1 }, trash, ScalarType.Int64, x.device)); // [S, k]

        // Dispatch: slot → token map, then gather tokens into the [E, C, d] buffer (empty slots read a zero row).
        var tokenIds = torch.arange(s, x.device).unsqueeze(1).expand(s, TopK).reshape(-1);  // [S·k]
        var tokenOfSlot = torch.full(new long[] { trash + 1 }, s, ScalarType.Int64, x.device)
                               .scatter(0, slot.reshape(-1), tokenIds);                   // [E·C + 1]
        var gateOfSlot = torch.zeros(new long[] { trash + 1 }, gates.dtype, x.device)
                              .scatter(0, slot.reshape(-1), (gates * keep.to(gates.dtype)).reshape(-1));
        tokenOfSlot = tokenOfSlot.narrow(0, 0, trash);                 // [E·C]
        gateOfSlot = gateOfSlot.narrow(0, 0, trash);                   // [E·C]
        var padded = torch.cat(new[] { x, torch.zeros(new long[] { 1, d }, x.dtype, x.device) });   // [S + 1, d]
        var keptPerExpert = (assigned * keep.unsqueeze(2).to(ScalarType.Float32)).sum(new long[] { 0, 1 }).to(ScalarType.Int64); // [E]

        Tensor y;
        if (ExactCpuDispatch && x.device.Type == DeviceType.CPU)
        {
            // Expert e's kept assignments fill its slots 0..n_e−1: gather just those (rounded up to a multiple of
            // CpuSlotBucket, the extra slots being empty ones) and run each expert on its rows.
            var counts = keptPerExpert.ToArray<long>().Select(n => Math.Min(c, (n + CpuSlotBucket - 1) / CpuSlotBucket * CpuSlotBucket)).ToArray();
            var occupied = torch.tensor(counts.SelectMany((n, i) => Enumerable.Range(0, (int)n).Select(j => i * c + j)).ToArray()); // [N]
            tokenOfSlot = tokenOfSlot.index_select(0, occupied);       // [N]
            gateOfSlot = gateOfSlot.index_select(0, occupied);         // [N]
            y = experts.forward(padded.index_select(0, tokenOfSlot), counts); // [N, d]
        }
        else
        {
            var buffer = padded.index_select(0, tokenOfSlot).reshape(e, c, d);                  // [E, C, d]
            y = experts.forward(buffer).reshape(e * c, d);             // [E·C, d]
        }

        // Combine: each slot's output, weighted by its gate, added back to its token (index S collects empty slots).
        var weighted = y * gateOfSlot.unsqueeze(1).to(y.dtype);
        var combined = torch.zeros(new long[] { s + 1, d }, y.dtype, x.device).index_add(0, tokenOfSlot, weighted).narrow(0, 0, s);

        var dropped = 1.0 - keep.to(ScalarType.Float32).sum() / (realCount * TopK);
        return new MoeOutput(combined.reshape(shape).MoveToOuterScope(), aux.MoveToOuterScope(),
                             keptPerExpert.MoveToOuterScope(), dropped.MoveToOuterScope());
    }
}
