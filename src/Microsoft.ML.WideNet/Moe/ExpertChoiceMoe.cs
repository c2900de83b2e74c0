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

    /// <summary>[..., d] → <see cref="MoeOutput"/> with output [..., d].</summary>
    public MoeOutput forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var shape = input.shape;
        var d = shape[^1];
        var x = input.reshape(-1, d);                                   // [n, d]
        var n = x.size(0);
        var e = experts.Count;
        var k = TokensPerExpert(n);

        var scores = router.forward(x).to(ScalarType.Float32).softmax(-1); // [n, E]
        var (gates, tokens) = scores.transpose(0, 1).topk(k, -1);          // [E, k] each: expert e's chosen tokens
        var flatTokens = tokens.reshape(-1);                                // [E·k]
        var buffer = x.index_select(0, flatTokens).reshape(e, k, d);        // [E, k, d]
        var y = experts.forward(buffer) * gates.unsqueeze(2).to(x.dtype);   // [E, k, d]
        var output = torch.zeros(new long[] { n, d }, y.dtype, x.device).index_add(0, flatTokens, y.reshape(e * k, d));

        var perExpert = torch.full(new long[] { e }, k, ScalarType.Int64, x.device);
        var covered = torch.zeros(new long[] { n }, ScalarType.Float32, x.device).index_add(0, flatTokens, torch.ones(new long[] { e * k }, ScalarType.Float32, x.device));
        var unrouted = covered.eq(0).to(ScalarType.Float32).mean();         // tokens no expert picked
        return new MoeOutput(output.reshape(shape).MoveToOuterScope(), null, perExpert.MoveToOuterScope(), unrouted.MoveToOuterScope());
    }
}
