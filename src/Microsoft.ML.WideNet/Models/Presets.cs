namespace Microsoft.ML.WideNet.Models;

/// <summary>Network families.</summary>
public enum Architecture
{
    /// <summary>Shared attention + shared top-k MoE, individual LayerNorms.</summary>
    WideNet,
    /// <summary>Plain ViT (dense FFNs, nothing shared).</summary>
    ViT,
    /// <summary>ViT whose last FFNs are unshared top-k MoE layers.</summary>
    ViTMoE,
}

/// <summary>Model sizes. Tiny and Small fit 2-core CPUs; Base/Large/Huge are the papers' ImageNet models.</summary>
public enum Preset
{
    /// <summary>d 128, 4 heads, 6 blocks: a training step on 64 Fashion-MNIST images takes a fraction of a second on 2 cores.</summary>
    Tiny,
    /// <summary>d 256, 8 heads, 8 blocks.</summary>
    Small,
    /// <summary>The paper's B (d 768, 12 heads, 12 blocks).</summary>
    Base,
    /// <summary>The paper's L (d 1024, 16 heads, 24 blocks).</summary>
    Large,
    /// <summary>The paper's H (d 1280, 16 heads, 32 blocks).</summary>
    Huge,
}

/// <summary>Named configurations and the factory that builds a network from them.</summary>
public static class VisionPresets
{
    /// <summary>The configuration of <paramref name="arch"/> at <paramref name="preset"/> (224×224, patch 16, 3 channels,
    /// 1000 classes: change those with <c>with { ... }</c>).</summary>
    public static VisionConfig Get(Architecture arch, Preset preset)
    {
        // WideNet presets follow the paper (E = 4, k = 2; expert hidden 4096/4096/5120 for B/L/H). ViT's FFN is 4·d.
        var (dim, heads, depth, expertHidden) = preset switch
        {
            Preset.Tiny => (128, 4, 6, 256),
            Preset.Small => (256, 8, 8, 512),
            Preset.Base => (768, 12, 12, 4096),
            Preset.Large => (1024, 16, 24, 4096),
            Preset.Huge => (1280, 16, 32, 5120),
            _ => throw new ArgumentOutOfRangeException(nameof(preset)),
        };
        var hidden = arch == Architecture.WideNet ? expertHidden : preset is Preset.Tiny or Preset.Small ? 2 * dim : 4 * dim;
        return new VisionConfig { Dim = dim, Heads = heads, Depth = depth, Hidden = hidden, NumExperts = 4, TopK = 2 };
    }

    /// <summary>Builds the network.</summary>
    public static IClassifier Create(Architecture arch, VisionConfig config) => arch switch
    {
        Architecture.WideNet => new WideNetVision(config),
        Architecture.ViT => new ViT(config, withMoe: false),
        Architecture.ViTMoE => new ViT(config, withMoe: true),
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    /// <summary>Total parameters and parameters active per token (a top-k MoE layer counts k of its E experts).</summary>
    public static (long total, long activePerToken) CountParameters(IClassifier model)
    {
        var total = model.Module.parameter_count();
        var inactive = 0L;
        foreach (var (_, m) in model.Module.named_modules())
            if (m is Moe.TopKMoe moe)
                inactive += moe.experts.parameter_count() * (moe.experts.Count - moe.TopK) / moe.experts.Count;
        return (total, total - inactive);
    }
}
