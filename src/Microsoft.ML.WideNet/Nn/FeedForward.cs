using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>Transformer MLP: d → h → d with GELU (ViT, WideNet experts' dense counterpart).</summary>
public sealed class FeedForward : Module
{
    readonly double _dropout;
    /// <summary>d → h.</summary>
    public readonly Linear fc1;
    /// <summary>h → d.</summary>
    public readonly Linear fc2;

    /// <summary>Creates the block.</summary>
    public FeedForward(long dim, long hidden, double dropout = 0, Generator? generator = null)
    {
        _dropout = dropout;
        fc1 = RegisterModule("fc1", new Linear(dim, hidden, true, generator: generator));
        fc2 = RegisterModule("fc2", new Linear(hidden, dim, true, generator: generator));
    }

    /// <summary>[..., d] → [..., d].</summary>
    public Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = h.gelu();
        using var d = F.dropout(a, _dropout, training);
        return fc2.forward(d);
    }
}

/// <summary>Gated FFN (GEGLU, no biases — GLaM convention used for Brainformer): down(gelu(x·W_gate) ⊙ x·W_up).</summary>
public sealed class GatedFeedForward : Module
{
    /// <summary>d → h, through GELU.</summary>
    public readonly Linear gate;
    /// <summary>d → h.</summary>
    public readonly Linear up;
    /// <summary>h → d.</summary>
    public readonly Linear down;

    /// <summary>Creates the block.</summary>
    public GatedFeedForward(long dim, long hidden, Generator? generator = null)
    {
        gate = RegisterModule("gate", new Linear(dim, hidden, false, generator: generator));
        up = RegisterModule("up", new Linear(dim, hidden, false, generator: generator));
        down = RegisterModule("down", new Linear(hidden, dim, false, generator: generator));
    }

    /// <summary>[..., d] → [..., d].</summary>
    public Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return down.forward(gate.forward(x).gelu() * up.forward(x)).MoveToOuterScope();
    }
}
