using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// Mixup (Zhang et al. 2018) as in timm: one λ ~ Beta(α, α) per batch, each example mixed with the example at the
/// mirrored position of the batch (x' = λx + (1 − λ)·flip(x)), targets mixed the same way from label-smoothed
/// one-hot vectors. Train with <c>F.cross_entropy(logits, softTargets)</c> (soft targets, no further smoothing).
/// </summary>
public static class Mixup
{
    /// <summary>Smoothed one-hot targets [B, K] float32: 1 − ε + ε/K at the label, ε/K elsewhere.</summary>
    public static Tensor SmoothOneHot(Tensor labels, long numClasses, double labelSmoothing)
    {
        using var scope = torch.NewDisposeScope();
        var oneHot = torch.nn.functional.one_hot(labels, numClasses).to(ScalarType.Float32);
        var off = labelSmoothing / numClasses;
        return (oneHot * (1 - labelSmoothing) + off).MoveToOuterScope();
    }

    /// <summary>Mixes a batch. Returns the mixed inputs (same shape as <paramref name="inputs"/>), the soft targets
    /// [B, K] (rows sum to 1) and λ.</summary>
    public static (Tensor inputs, Tensor targets, double lambda) Apply(Tensor inputs, Tensor labels, long numClasses, double alpha, double labelSmoothing, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!inputs.dtype.IsFloatingPoint()) throw new ArgumentException("mixup needs floating-point inputs (images), not token ids", nameof(inputs));
        var lambda = alpha > 0 ? SampleBeta(alpha, alpha, random) : 1.0;
        return (MixInputs(inputs, lambda), MixTargets(labels, numClasses, lambda, labelSmoothing), lambda);
    }

    /// <summary>λ·x + (1 − λ)·flip(x) along the batch dimension.</summary>
    public static Tensor MixInputs(Tensor inputs, double lambda)
    {
        using var flipped = inputs.flip(0);
        using var a = inputs * lambda;
        using var b = flipped * (1 - lambda);
        return a + b;
    }

    /// <summary>λ·t + (1 − λ)·flip(t) of the smoothed one-hot targets: [B, K], rows sum to 1.</summary>
    public static Tensor MixTargets(Tensor labels, long numClasses, double lambda, double labelSmoothing)
    {
        using var t = SmoothOneHot(labels, numClasses, labelSmoothing);
        return MixInputs(t, lambda);
    }

    /// <summary>A Beta(a, b) sample from two Gamma samples.</summary>
    public static double SampleBeta(double a, double b, Random random)
    {
        var x = SampleGamma(a, random);
        var y = SampleGamma(b, random);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /// <summary>A Gamma(shape, 1) sample (Marsaglia–Tsang; shape &lt; 1 boosted by U^(1/shape)).</summary>
    public static double SampleGamma(double shape, Random random)
    {
        if (!(shape > 0)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "shape must be positive");
        if (shape < 1)
        {
            var u = random.NextDouble();
            return SampleGamma(shape + 1, random) * Math.Pow(u, 1.0 / shape);
        }
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            var u = random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
