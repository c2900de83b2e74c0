using Microsoft.ML.WideNet.Models;

namespace Microsoft.ML.WideNet;

/// <summary>
/// What a configuration costs per training example, estimated before it trains: multiply-adds of one forward pass over
/// its tokens (projections d² per token, attention N·d per token, the FFN or the experts each token goes through; shared
/// layers cost per application). The tuner compares it with the first configuration's to keep sampled configurations
/// within a multiple of the defaults' epoch time (cost-frugal search, after FLAML's CFO); only ratios matter.
/// </summary>
internal static class TrialCost
{
    /// <summary>Estimated multiply-adds per example, or null when the options do not make a valid model.</summary>
    public static double? PerExample(WideNetTrainerOptionsBase options, int imageSize)
    {
        try
        {
            return Of(ModelSpec.ForOptions(options, imageSize));
        }
        catch (ArgumentException) { return null; }
    }

    /// <summary>Multiply-adds of one example's forward pass through the network <paramref name="spec"/> describes.</summary>
    public static double Of(ModelSpec spec)
    {
        static double Attention(double tokens, double d) => tokens * (4 * d * d + 2 * tokens * d);     // qkv + output, scores + values
        if (spec.Brainformer is { } b)
        {
            double tokens = b.VocabSize > 0 ? b.MaxLength : Math.Pow(b.ImageSize / (double)b.PatchSize, 2);
            var perRepeat = b.Recipe.Where(c => c != ' ').Sum(c => c switch
            {
                'A' => Attention(tokens, b.Dim),
                'F' => tokens * 3.0 * b.Dim * b.FfnHidden,                                               // gated FFN
                'M' => tokens * b.CapacityFactor * 2.0 * b.Dim * b.ExpertHidden,                          // each token ~c experts
                _ => 0.0,
            });
            return perRepeat * b.Repeats;
        }
        if (spec.Vision is { } v)
        {
            double tokens = v.NumPatches, d = v.Dim;
            double dense = tokens * 2 * d * v.Hidden, moe = tokens * v.TopK * 2 * d * v.Hidden;
            var ffn = spec.Architecture switch
            {
                ModelArchitecture.ViT => v.Depth * dense,
                ModelArchitecture.ViTMoE => (v.Depth - v.MoeLayers) * dense + v.MoeLayers * moe,
                _ => v.Depth * moe,                                                                        // WideNet: one shared MoE per block
            };
            return v.Depth * Attention(tokens, d) + ffn;
        }
        var t = spec.Text!;
        double length = t.MaxLength, dim = t.Dim;
        var perToken = spec.Architecture == ModelArchitecture.WideNet ? t.TopK * 2 * dim * t.Hidden : 2 * dim * t.Hidden;
        return t.Depth * (Attention(length, dim) + length * perToken);
    }
}
