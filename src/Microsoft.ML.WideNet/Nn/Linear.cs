using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>y = x Wᵀ + b (torch.nn.Linear). Weight [out, in]; PyTorch's default init U(±1/√in) unless
/// initStd asks for N(0, std²) (ViT/BERT-style 0.02) with zero bias.</summary>
public sealed class Linear : Module
{
    /// <summary>[out_features, in_features].</summary>
    public readonly Tensor weight;
    /// <summary>[out_features], or null without bias.</summary>
    public readonly Tensor? bias;

    /// <summary>Creates the layer.</summary>
    public Linear(long inFeatures, long outFeatures, bool hasBias = true, double? initStd = null, Generator? generator = null)
    {
        var bound = 1.0 / Math.Sqrt(inFeatures);
        using var _ = torch.no_grad();
        weight = RegisterParameter("weight", initStd is { } std
            ? torch.empty(new[] { outFeatures, inFeatures }).normal_(0, std, generator)
            : torch.empty(new[] { outFeatures, inFeatures }).uniform_(-bound, bound, generator));
        if (hasBias)
            bias = RegisterParameter("bias", initStd is null
                ? torch.empty(new[] { outFeatures }).uniform_(-bound, bound, generator)
                : torch.zeros(outFeatures));
    }

    /// <summary>[..., in] → [..., out].</summary>
    public Tensor forward(Tensor x) => F.linear(x, weight, bias);
}
