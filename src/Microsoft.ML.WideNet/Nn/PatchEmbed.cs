using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>Turns an image into tokens of width <c>dim</c>. By default (the papers): non-overlapping patches, each
/// projected linearly (a convolution whose kernel and stride are the patch size). With <c>convStem</c> *(a departure
/// from the WideNet and ViT papers, after Xiao et al. 2021, "Early Convolutions Help Transformers See Better")*:
/// n = ⌈log₂ patch⌉ 3×3 convolutions of stride 2 with GELU, channels doubling up to dim/2, then a 1×1 projection, so
/// the token grid is ⌈side / 2ⁿ⌉ squared (28 → 4×4 for patch 7, as many tokens as the patches).</summary>
public sealed class PatchEmbed : Module
{
    readonly long _patch;
    /// <summary>Projection [dim, channels, patch, patch] (patches) or [dim, c, 1, 1] (after the stem).</summary>
    public readonly Tensor weight;
    /// <summary>[dim].</summary>
    public readonly Tensor bias;
    /// <summary>The stem's 3×3 stride-2 convolutions, [cᵢ, cᵢ₋₁, 3, 3] (empty without a stem).</summary>
    public readonly Tensor[] stem_weight;
    /// <summary>Their biases [cᵢ].</summary>
    public readonly Tensor[] stem_bias;

    /// <summary>Stride-2 convolutions a stem uses for <paramref name="patch"/>: ⌈log₂ patch⌉.</summary>
    public static int StemLayers(int patch) => (int)Math.Ceiling(Math.Log2(Math.Max(2, patch)) - 1e-9);

    /// <summary>Token grid side for an image of <paramref name="side"/> pixels.</summary>
    public static int GridSide(int side, int patch, bool convStem)
    {
        if (!convStem) return side / patch;
        for (var i = 0; i < StemLayers(patch); i++) side = (side + 1) / 2;
        return side;
    }

    /// <summary>Creates the embedding (PyTorch's conv default init).</summary>
    public PatchEmbed(long channels, long patch, long dim, Generator? generator = null, bool convStem = false)
    {
        _patch = patch;
        using var _ = torch.no_grad();
        var layers = convStem ? StemLayers((int)patch) : 0;
        stem_weight = new Tensor[layers];
        stem_bias = new Tensor[layers];
        var c = channels;
        for (var i = 0; i < layers; i++)
        {
            var next = Math.Max(8, dim >> (layers - i));                           // …, dim/4, dim/2
            var b = 1.0 / Math.Sqrt(c * 9);
            stem_weight[i] = RegisterParameter($"stem{i}_weight", torch.empty(new[] { next, c, 3, 3 }).uniform_(-b, b, generator));
            stem_bias[i] = RegisterParameter($"stem{i}_bias", torch.empty(new[] { next }).uniform_(-b, b, generator));
            c = next;
        }
        var k = convStem ? 1 : patch;
        var bound = 1.0 / Math.Sqrt(c * k * k);
        weight = RegisterParameter("weight", torch.empty(new[] { dim, c, k, k }).uniform_(-bound, bound, generator));
        bias = RegisterParameter("bias", torch.empty(new[] { dim }).uniform_(-bound, bound, generator));
    }

    /// <summary>True when a convolutional stem precedes the projection.</summary>
    public bool HasStem => stem_weight.Length > 0;

    /// <summary>[B, C, H, W] → [B, N, dim].</summary>
    public Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var x = images;
        for (var i = 0; i < stem_weight.Length; i++)
            x = F.conv2d(x, stem_weight[i], stem_bias[i], stride: 2, padding: 1).gelu(); // [B, cᵢ, ⌈H/2ⁱ⁺¹⌉, ⌈W/2ⁱ⁺¹⌉]
        var maps = HasStem ? F.conv2d(x, weight, bias) : F.conv2d(x, weight, bias, stride: _patch); // [B, dim, h, w]
        return maps.flatten(2).transpose(1, 2).MoveToOuterScope();                                // [B, h·w, dim]
    }
}
