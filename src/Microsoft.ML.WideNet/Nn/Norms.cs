using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>LayerNorm over the last dimension with learned scale (ones) and shift (zeros).</summary>
public sealed class LayerNorm : Module
{
    readonly long _dim;
    readonly double _eps;
    /// <summary>Scale [dim].</summary>
    public readonly Tensor weight;
    /// <summary>Shift [dim].</summary>
    public readonly Tensor bias;

    /// <summary>Creates the norm (eps 1e-6 as ViT).</summary>
    public LayerNorm(long dim, double eps = 1e-6)
    {
        _dim = dim;
        _eps = eps;
        weight = RegisterParameter("weight", torch.ones(dim));
        bias = RegisterParameter("bias", torch.zeros(dim));
    }

    /// <summary>The ε added to the variance.</summary>
    public double Eps => _eps;

    /// <summary>[..., dim] → [..., dim].</summary>
    public Tensor forward(Tensor x) => F.layer_norm(x, new[] { _dim }, weight, bias, _eps);
}

/// <summary>RMSNorm over the last dimension with a learned scale (Brainformer/GLaM pre-norm).</summary>
public sealed class RMSNorm : Module
{
    readonly double _eps;
    /// <summary>Scale [dim].</summary>
    public readonly Tensor weight;

    /// <summary>Creates the norm.</summary>
    public RMSNorm(long dim, double eps = 1e-6)
    {
        _eps = eps;
        weight = RegisterParameter("weight", torch.ones(dim));
    }

    /// <summary>The ε added to the mean square.</summary>
    public double Eps => _eps;

    /// <summary>[..., dim] → [..., dim].</summary>
    public Tensor forward(Tensor x) => F.rms_norm(x, weight, _eps);
}
