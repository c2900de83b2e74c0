using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Vision;

/// <summary>
/// RandAugment-lite (Cubuk et al. 2020): applies N operations drawn uniformly from the list below, each at magnitude
/// M on the 0–10 level scale (level = M / 10; signed operations flip their sign with probability 1/2), to a
/// [C, H, W] float image in [0, 1]. Operations: Identity, AutoContrast, Equalize-free contrast stretch
/// (AutoContrast stands in for Equalize), Invert, Rotate (±30°·level), Posterize (8 − 4·level bits), Solarize
/// (threshold 1 − level), SolarizeAdd, Color, Contrast, Brightness, Sharpness (factor 1 ± 0.9·level), ShearX/ShearY
/// (±0.3·level), TranslateX/TranslateY (±0.45·level of the side). Geometric operations use nearest-neighbour
/// sampling with zero fill. All randomness comes from the caller's <see cref="Random"/>.
/// </summary>
public static class RandAugment
{
    /// <summary>Names of the operations, in the order they are drawn from.</summary>
    public static readonly string[] Operations =
    {
        "Identity", "AutoContrast", "Invert", "Rotate", "Posterize", "Solarize", "SolarizeAdd", "Color",
        "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateX", "TranslateY",
    };

    /// <summary>Applies <paramref name="count"/> random operations at <paramref name="magnitude"/> (0–10 scale).</summary>
    public static Tensor Apply(Tensor image, int count, double magnitude, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var x = image;
        for (var i = 0; i < count; i++)
        {
            var op = Operations[random.Next(Operations.Length)];
            x = ApplyOne(x, op, magnitude, random);
        }
        return (ReferenceEquals(x, image) ? image.clone() : x).MoveToOuterScope();
    }

    /// <summary>Applies one named operation (see <see cref="Operations"/>).</summary>
    public static Tensor ApplyOne(Tensor x, string operation, double magnitude, Random random)
    {
        var level = magnitude / 10.0;
        double Signed(double v) => random.Next(2) == 0 ? v : -v;
        switch (operation)
        {
            case "Identity": return x.clone();
            case "AutoContrast":
            {
                var flat = x.flatten(1);
                var lo = flat.min(1, keepdim: true).values.unsqueeze(-1);
                var hi = flat.max(1, keepdim: true).values.unsqueeze(-1);
                var range = (hi - lo).clamp_min(1e-6);
                return ((x - lo) / range).clamp(0, 1);
            }
            case "Invert": return 1.0 - x;
            case "Rotate": return Affine(x, Signed(30 * level) * Math.PI / 180, 0, 0, 0, 0);
            case "Posterize":
            {
                var bits = Math.Clamp(8 - (int)(4 * level), 1, 8);
                var q = Math.Pow(2, 8 - bits);
                return ((x * 255.0 / q).floor() * q / 255.0).clamp(0, 1);
            }
            case "Solarize":
            {
                var threshold = Math.Clamp(1 - level, 0, 1);
                using var mask = x >= threshold;
                return torch.where(mask, 1.0 - x, x);
            }
            case "SolarizeAdd":
            {
                var add = Math.Min(110 * level, 255) / 255.0;
                using var mask = x < 0.5;
                return torch.where(mask, (x + add).clamp(0, 1), x);
            }
            case "Color": return Blend(Grey(x), x, 1 + Signed(0.9 * level));
            case "Contrast":
            {
                var mean = Grey(x).mean();
                return Blend(mean, x, 1 + Signed(0.9 * level));
            }
            case "Brightness": return (x * Math.Max(0, 1 + Signed(0.9 * level))).clamp(0, 1);
            case "Sharpness":
            {
                var c = x.size(0);
                var k = torch.tensor(new float[] { 1, 1, 1, 1, 5, 1, 1, 1, 1 }, 1, 1, 3, 3) / 13.0;
                var blurred = F.conv2d(x.unsqueeze(0), k.expand(c, 1, 3, 3).contiguous(), padding: 1, groups: c).squeeze(0);
                return Blend(blurred, x, 1 + Signed(0.9 * level));
            }
            case "ShearX": return Affine(x, 0, Signed(0.3 * level), 0, 0, 0);
            case "ShearY": return Affine(x, 0, 0, Signed(0.3 * level), 0, 0);
            case "TranslateX": return Affine(x, 0, 0, 0, Signed(0.45 * level) * x.size(2), 0);
            case "TranslateY": return Affine(x, 0, 0, 0, 0, Signed(0.45 * level) * x.size(1));
            default: throw new ArgumentException($"unknown RandAugment operation '{operation}'", nameof(operation));
        }
    }

    static Tensor Grey(Tensor x) =>
        x.size(0) == 3 ? (x * torch.tensor(new[] { 0.299f, 0.587f, 0.114f }, 3, 1, 1)).sum(0, keepdim: true) : x;

    /// <summary>PIL's ImageEnhance blend: degenerate + factor·(image − degenerate), clamped to [0, 1].</summary>
    static Tensor Blend(Tensor degenerate, Tensor image, double factor) => (degenerate + (image - degenerate) * factor).clamp(0, 1);

    /// <summary>Inverse-maps every output pixel through rotation (about the centre), shear and translation, sampling
    /// the nearest source pixel; pixels from outside the image are zero.</summary>
    static Tensor Affine(Tensor x, double angle, double shearX, double shearY, double tx, double ty)
    {
        long c = x.size(0), h = x.size(1), w = x.size(2);
        var index = new long[h * w];
        var valid = new float[h * w];
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0, cos = Math.Cos(angle), sin = Math.Sin(angle);
        for (long y = 0; y < h; y++)
            for (long xx = 0; xx < w; xx++)
            {
                // Output → source: undo translation, rotation, then shear.
                double u = xx - cx - tx, v = y - cy - ty;
                double ru = cos * u + sin * v, rv = -sin * u + cos * v;
                double su = ru - shearX * rv, sv = rv - shearY * su;
                var sx = (long)Math.Round(su + cx);
                var sy = (long)Math.Round(sv + cy);
                var o = y * w + xx;
                if (sx >= 0 && sx < w && sy >= 0 && sy < h) { index[o] = sy * w + sx; valid[o] = 1; }
            }
        var idx = torch.tensor(index);
        var mask = torch.tensor(valid, 1, h * w);
        return (x.reshape(c, h * w).index_select(1, idx) * mask).reshape(c, h, w);
    }
}
