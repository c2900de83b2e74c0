using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Moe;

/// <summary>
/// Expert-choice mixture of experts (Zhou et al. 2022, used by Brainformer): per-token softmax over experts
/// S = softmax(X·W_g); each expert picks its top k = ⌊n·c/E⌋ tokens from its column of S within the routing group —
/// the whole batch passed to <see cref="forward"/> — and the output Σ_experts G·FFN_e(x) is scattered back. Tokens no
/// expert picks get zero here and keep their residual. Every expert processes exactly k tokens; there is no
/// balance loss. Because routing looks at the whole group, a token's output can depend on the other tokens of the
/// batch (and evaluation results on the batch size). With a token mask (text padding), padded tokens rank below every
/// real token in each expert's choice, get gate 0 when an expert still has to take one (k counts every position of the
/// group, so the shapes stay static and nothing synchronises with the host), and output exactly zero.
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

    /// <summary>Tokens each expert takes from a group of <paramref name="tokens"/>.</summary>
    public long TokensPerExpert(long tokens) => Math.Clamp((long)Math.Floor(tokens * CapacityFactor / experts.Count), 1, tokens);

    /// <summary>[..., d] → <see cref="MoeOutput"/> with output [..., d]. <paramref name="tokenMask"/> (shape [...],
    /// bool, true at real tokens) keeps padding out of the experts' choices.</summary>
    public MoeOutput forward(Tensor input, Tensor? tokenMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var shape = input.shape;
        var d = shape[^1];
        var x = input.reshape(-1, d);                                   // [n, d]
        var n = x.size(0);
        var e = experts.Count;
        var k = TokensPerExpert(n);

        var scores = router.forward(x).to(ScalarType.Float32).softmax(-1); // [n, E], in [0, 1]
        var real = tokenMask?.reshape(-1, 1);                               // [n, 1] bool
        if (real is not null) scores = scores.masked_fill(real.logical_not(), -1.0);   // padding ranks last
        var (gates, tokens) = scores.transpose(0, 1).topk(k, -1);          // [E, k] each: expert e's chosen tokens
        if (real is not null) gates = gates.clamp_min(0);                   // a padded pick contributes nothing
        var flatTokens = tokens.reshape(-1);                                // [E·k]
        var buffer = x.index_select(0, flatTokens).reshape(e, k, d);        // [E, k, d]
        var y = experts.forward(buffer) * gates.unsqueeze(2).to(x.dtype);   // [E, k, d]
        var output = torch.zeros(new long[] { n, d }, y.dtype, x.device).index_add(0, flatTokens, y.reshape(e * k, d));
        if (real is not null) output = output.masked_fill(real.logical_not(), 0.0);   // exactly zero at padding

        var perExpert = torch.full(new long[] { e }, k, ScalarType.Int64, x.device);
        var covered = torch.zeros(new long[] { n }, ScalarType.Float32, x.device).index_add(0, flatTokens, torch.ones(new long[] { e * k }, ScalarType.Float32, x.device));
        var unroutedMask = covered.eq(0).to(ScalarType.Float32);            // [n], 1 where no expert picked the token
        var unrouted = real is null ? unroutedMask.mean()                   // fraction of (real) tokens no expert picked
            : (unroutedMask * real.reshape(-1).to(ScalarType.Float32)).sum() / real.to(ScalarType.Float32).sum().clamp_min(1);
        return new MoeOutput(output.reshape(shape).MoveToOuterScope(), null, perExpert.MoveToOuterScope(), unrouted.MoveToOuterScope());
    }
}
