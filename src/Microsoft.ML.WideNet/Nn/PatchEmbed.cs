using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>Splits an image into non-overlapping patches and projects each to <c>dim</c> (a convolution whose
/// kernel and stride are the patch size).</summary>
public sealed class PatchEmbed : Module
{
    readonly long _patch;
    /// <summary>[dim, channels, patch, patch].</summary>
    public readonly Tensor weight;
    /// <summary>[dim].</summary>
    public readonly Tensor bias;

    /// <summary>Creates the embedding (PyTorch's conv default init).</summary>
    public PatchEmbed(long channels, long patch, long dim, Generator? generator = null)
    {
        _patch = patch;
        var bound = 1.0 / Math.Sqrt(channels * patch * patch);
        using var _ = torch.no_grad();
        weight = RegisterParameter("weight", torch.empty(new[] { dim, channels, patch, patch }).uniform_(-bound, bound, generator));
        bias = RegisterParameter("bias", torch.empty(new[] { dim }).uniform_(-bound, bound, generator));
    }

    /// <summary>[B, C, H, W] → [B, (H/p)·(W/p), dim].</summary>
    public Tensor forward(Tensor images)
    {
        using var maps = F.conv2d(images, weight, bias, stride: _patch); // [B, dim, H/p, W/p]
        using var flat = maps.flatten(2);                                  // [B, dim, N]
        return flat.transpose(1, 2);                                       // [B, N, dim]
    }
}
