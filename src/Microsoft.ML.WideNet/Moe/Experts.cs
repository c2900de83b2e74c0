using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Moe;

/// <summary>E expert FFNs with weights stacked as [E, d, h] and [E, h, d], so all experts run as one batched matmul
/// over a dispatch buffer [E, C, d]. <see cref="Gated"/> experts are GEGLU without biases (Brainformer); the others
/// are GELU with biases (WideNet, ViT-MoE).</summary>
public sealed class Experts : Module
{
    /// <summary>Gate weights [E, d, h] (gated experts) or first layer [E, d, h].</summary>
    public readonly Tensor w1;
    /// <summary>Up weights [E, d, h] (gated experts only).</summary>
    public readonly Tensor? w_up;
    /// <summary>Second layer [E, h, d].</summary>
    public readonly Tensor w2;
    /// <summary>First-layer bias [E, 1, h] (GELU experts only).</summary>
    public readonly Tensor? b1;
    /// <summary>Second-layer bias [E, 1, d] (GELU experts only).</summary>
    public readonly Tensor? b2;

    /// <summary>Number of experts.</summary>
    public long Count { get; }
    /// <summary>True for GEGLU experts.</summary>
    public bool Gated { get; }

    /// <summary>Creates E experts d → h → d. Each expert is initialised as PyTorch initialises a Linear layer
    /// (U(±1/√fan_in) weights; biases zero) *(choice: the papers do not say)*.</summary>
    public Experts(long experts, long dim, long hidden, bool gated, Generator? generator = null)
    {
        Count = experts;
        Gated = gated;
        using var _ = torch.no_grad();
        double bound1 = 1 / Math.Sqrt(dim), bound2 = 1 / Math.Sqrt(hidden);
        w1 = RegisterParameter("w1", torch.empty(new[] { experts, dim, hidden }).uniform_(-bound1, bound1, generator));
        if (gated) w_up = RegisterParameter("w_up", torch.empty(new[] { experts, dim, hidden }).uniform_(-bound1, bound1, generator));
        w2 = RegisterParameter("w2", torch.empty(new[] { experts, hidden, dim }).uniform_(-bound2, bound2, generator));
        if (!gated)
        {
            b1 = RegisterParameter("b1", torch.zeros(experts, 1, hidden));
            b2 = RegisterParameter("b2", torch.zeros(experts, 1, dim));
        }
    }

    /// <summary>[E, C, d] → [E, C, d]: expert e transforms row block e.</summary>
    public Tensor forward(Tensor buffer)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = Gated
            ? buffer.bmm(w1).gelu() * buffer.bmm(w_up!)     // [E, C, h]
            : torch.baddbmm(b1!, buffer, w1).gelu();         // [E, C, h]
        var y = Gated ? h.bmm(w2) : torch.baddbmm(b2!, h, w2); // [E, C, d]
        return y.MoveToOuterScope();
    }

    /// <summary>[N, d] rows grouped by expert — the first <paramref name="counts"/>[0] rows for expert 0, and so on —
    /// → [N, d], each expert run on its own rows only (the same function as the buffer form, without empty slots).</summary>
    public Tensor forward(Tensor rows, long[] counts)
    {
        if (counts.Length != Count) throw new ArgumentException($"{counts.Length} counts for {Count} experts", nameof(counts));
        using var scope = torch.NewDisposeScope();
        var xs = rows.split(counts);                                  // E × [n_e, d]
        var (w1s, w2s) = (w1.unbind(0), w2.unbind(0));                // E × [d, h], E × [h, d]
        var (ups, b1s, b2s) = (w_up?.unbind(0), b1?.unbind(0), b2?.unbind(0)); // E × [d, h], E × [1, h], E × [1, d]
        var outputs = new Tensor[Count];
        for (var i = 0; i < Count; i++)
        {
            var h = Gated ? xs[i].matmul(w1s[i]).gelu() * xs[i].matmul(ups![i]) // [n_e, h]
                          : torch.addmm(b1s![i], xs[i], w1s[i]).gelu();
            outputs[i] = Gated ? h.matmul(w2s[i]) : torch.addmm(b2s![i], h, w2s[i]); // [n_e, d]
        }
        return torch.cat(outputs).MoveToOuterScope();                 // [N, d]
    }
}
