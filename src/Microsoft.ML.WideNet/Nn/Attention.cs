using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>Multi-head self-attention: one fused qkv projection, scaled dot-product attention (LibTorch's fused
/// kernels where available), output projection.</summary>
public sealed class MultiHeadSelfAttention : Module
{
    readonly long _heads;
    readonly double _dropout;
    /// <summary>d → 3d.</summary>
    public readonly Linear qkv;
    /// <summary>d → d.</summary>
    public readonly Linear proj;

    /// <summary>Creates the layer; <paramref name="headDim"/> defaults to dim / heads.</summary>
    public MultiHeadSelfAttention(long dim, long heads, long? headDim = null, bool bias = true, double dropout = 0, Generator? generator = null)
    {
        var hd = headDim ?? dim / heads;
        if (headDim is null && dim % heads != 0) throw new ArgumentException($"dim {dim} is not divisible by heads {heads}");
        _heads = heads;
        _dropout = dropout;
        qkv = RegisterModule("qkv", new Linear(dim, 3 * heads * hd, bias, generator: generator));
        proj = RegisterModule("proj", new Linear(heads * hd, dim, bias, generator: generator));
    }

    /// <summary>Number of heads.</summary>
    public long Heads => _heads;

    /// <summary>[B, T, d] → [B, T, d]. <paramref name="keyMask"/> [B, T] bool: true at real tokens (text padding).</summary>
    public Tensor forward(Tensor x, Tensor? keyMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var (b, t) = (x.size(0), x.size(1));
        var qkvs = qkv.forward(x).reshape(b, t, 3, _heads, -1).permute(2, 0, 3, 1, 4); // [3, B, H, T, hd]
        var parts = qkvs.unbind(0);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        var mask = keyMask?.reshape(b, 1, 1, t);                                          // broadcast over heads and queries
        var y = F.scaled_dot_product_attention(q, k, v, mask, _dropout, training: training); // [B, H, T, hd]
        y = y.transpose(1, 2).reshape(b, t, -1);                                          // [B, T, H·hd]
        return proj.forward(y).MoveToOuterScope();
    }
}
