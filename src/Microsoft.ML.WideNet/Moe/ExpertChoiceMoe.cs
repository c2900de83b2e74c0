using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Moe;

/// <summary>
/// Expert-choice mixture of experts (Zhou et al. 2022, used by Brainformer): per-token softmax over experts
/// S = softmax(X·W_g); each expert picks its top k = ⌊n·c/E⌋ tokens from its column of S within the routing group —
/// the whole batch passed to <see cref="forward"/> — and the output Σ_experts G·FFN_e(x) is scattered back. Tokens no
/// expert picks get zero here and keep their residual. Every expert processes exactly k tokens; there is no
/// balance loss. Because routing looks at the whole group, a token's output can depend on the other tokens of the
/// batch (and evaluation results on the batch size).
/// A token mask keeps padding out: padded tokens score −∞, so no expert picks them, and n counts only real tokens
/// *(choice: capacity follows the real tokens rather than the padded length, so real tokens are routed exactly as
/// if the padding were absent)*. That k lives on the device: the buffer is sized for the unpadded k of the whole
/// group and ranks from the real k on are dropped, with no read back to the host.
/// </summary>
public sealed class ExpertChoiceMoe : Module
{
    /// <summary>Router d → E, no bias.</summary>
    public readonly Linear router;
    /// <summary>The stacked (gated) experts.</summary>
    public readonly Experts experts;

    /// <summary>Capacity factor c (1 for Brainformer block #1, 2 for block #2).</summary>
    public double CapacityFactor { get; }

    /// <summary>Creates the layer.</summary>
    public ExpertChoiceMoe(long dim, long hidden, int numExperts, double capacityFactor = 1.0, bool gatedExperts = true, Generator? generator = null)
    {
        CapacityFactor = capacityFactor;
        router = RegisterModule("router", new Linear(dim, numExperts, false, generator: generator));
        experts = RegisterModule("experts", new Experts(numExperts, dim, hidden, gatedExperts, generator));
    }

    /// <summary>Tokens each expert takes from a group of <paramref name="tokens"/> real tokens: ⌊n·c/E⌋ within [1, n].</summary>
    public long TokensPerExpert(long tokens) => Math.Min(Math.Max((long)Math.Floor(tokens * CapacityFactor / experts.Count), 1), tokens);

    /// <summary>[..., d] → <see cref="MoeOutput"/> with output [..., d]. <paramref name="tokenMask"/> (shape [...],
    /// bool, true at real tokens): padded tokens are never picked, take no capacity, count in no statistic and get a
    /// zero output.</summary>
    public MoeOutput forward(Tensor input, Tensor? tokenMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var shape = input.shape;
        var d = shape[^1];
        var x = input.reshape(-1, d);                                   // [n, d]
        var n = x.size(0);
        var e = experts.Count;
        var k = TokensPerExpert(n);                                     // buffer slots per expert (no padding)
        var real = tokenMask?.reshape(n);                               // [n] bool
        var realCount = real?.sum(ScalarType.Float64) ?? torch.scalar_tensor(n, ScalarType.Float64, x.device); // 0-d

        var scores = router.forward(x).to(ScalarType.Float32).softmax(-1); // [n, E]
        if (real is not null) scores = scores.masked_fill(real.logical_not().unsqueeze(1), double.NegativeInfinity);
        var (gates, tokens) = scores.transpose(0, 1).topk(k, -1);          // [E, k] each: best first, padding last
        // Real capacity ⌊n_real·c/E⌋ in [1, n_real], on the device (same double arithmetic as TokensPerExpert).
        var kReal = realCount.mul(CapacityFactor).div(e).floor().clamp_min(1).minimum(realCount); // 0-d
        var keep = torch.arange(k, x.device).to(ScalarType.Float64).lt(kReal).unsqueeze(0).expand(e, k); // [E, k]
        var flatTokens = torch.where(keep, tokens, torch.full(new long[] { 1 }, n, ScalarType.Int64, x.device)).reshape(-1); // [E·k], n = zero row
        var padded = torch.cat(new[] { x, torch.zeros(new long[] { 1, d }, x.dtype, x.device) });  // [n + 1, d]
        var buffer = padded.index_select(0, flatTokens).reshape(e, k, d);   // [E, k, d]
        var g = torch.where(keep, gates, torch.zeros(new long[] { 1 }, gates.dtype, x.device));     // [E, k], −∞ never used
        var y = experts.forward(buffer) * g.unsqueeze(2).to(x.dtype);       // [E, k, d]
        var output = torch.zeros(new long[] { n + 1, d }, y.dtype, x.device).index_add(0, flatTokens, y.reshape(e * k, d)).narrow(0, 0, n);

        var perExpert = keep.sum(1, dtype: ScalarType.Int64);               // [E]
        var covered = torch.zeros(new long[] { n + 1 }, ScalarType.Float32, x.device)
                           .index_add(0, flatTokens, keep.reshape(-1).to(ScalarType.Float32)).narrow(0, 0, n); // [n]
        var missed = covered.eq(0);
        if (real is not null) missed = missed.logical_and(real);
        var unrouted = (missed.sum(ScalarType.Float64) / realCount.clamp_min(1)).to(ScalarType.Float32); // real tokens no expert picked
        return new MoeOutput(output.reshape(shape).MoveToOuterScope(), null, perExpert.MoveToOuterScope(), unrouted.MoveToOuterScope());
    }
}
