using Microsoft.ML.WideNet.Moe;
using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>
/// The baselines WideNet is compared with: ViT (every block its own attention and dense GELU FFN) and ViT-MoE (the
/// last <see cref="VisionConfig.MoeLayers"/> FFNs replaced by unshared top-k MoE layers). Same stem and head as
/// <see cref="WideNetVision"/> (mean pooling, tanh pre-logits) so comparisons isolate the blocks.
/// </summary>
public sealed class ViT : Module, IClassifier
{
    /// <summary>A pre-LN transformer block with either a dense FFN or a MoE layer.</summary>
    public sealed class Block : Module
    {
        /// <summary>Norm before attention.</summary>
        public readonly LayerNorm ln_att;
        /// <summary>This block's attention.</summary>
        public readonly MultiHeadSelfAttention attn;
        /// <summary>Norm before the FFN / MoE.</summary>
        public readonly LayerNorm ln_ffn;
        /// <summary>Dense FFN, or null in a MoE block.</summary>
        public readonly FeedForward? ffn;
        /// <summary>MoE layer, or null in a dense block.</summary>
        public readonly TopKMoe? moe;

        /// <summary>Creates the block.</summary>
        public Block(VisionConfig c, bool useMoe, Generator g)
        {
            ln_att = RegisterModule("ln_att", new LayerNorm(c.Dim));
            attn = RegisterModule("attn", new MultiHeadSelfAttention(c.Dim, c.Heads, generator: g));
            ln_ffn = RegisterModule("ln_ffn", new LayerNorm(c.Dim));
            if (useMoe) moe = RegisterModule("moe", new TopKMoe(c.Dim, c.Hidden, c.NumExperts, c.TopK, c.CapacityFactor, c.EvalCapacityFactor, generator: g));
            else ffn = RegisterModule("ffn", new FeedForward(c.Dim, c.Hidden, c.Dropout, g));
        }
    }

    /// <summary>The configuration.</summary>
    public readonly VisionConfig config;
    /// <summary>Patch embedding.</summary>
    public readonly PatchEmbed patch_embed;
    /// <summary>Learned position embedding [1, N, d].</summary>
    public readonly Tensor pos_embed;
    /// <summary>The blocks.</summary>
    public readonly Block[] blocks;
    /// <summary>Final LayerNorm.</summary>
    public readonly LayerNorm norm;
    /// <summary>tanh pre-logits d → d.</summary>
    public readonly Linear pre_logits;
    /// <summary>Classifier d → K.</summary>
    public readonly Linear head;

    /// <summary>Builds ViT (<paramref name="withMoe"/> false) or ViT-MoE.</summary>
    public ViT(VisionConfig cfg, bool withMoe)
    {
        config = cfg.Validate();
        using var g = new Generator(cfg.Seed);
        patch_embed = RegisterModule("patch_embed", new PatchEmbed(cfg.Channels, cfg.PatchSize, cfg.Dim, g, cfg.ConvStem));
        using (torch.no_grad()) pos_embed = RegisterParameter("pos_embed", torch.empty(new long[] { 1, cfg.NumPatches, cfg.Dim }).normal_(0, 0.02, g));
        var list = RegisterModule("blocks", new ModuleList());
        blocks = new Block[cfg.Depth];
        for (var i = 0; i < cfg.Depth; i++) blocks[i] = list.Add(new Block(cfg, withMoe && i >= cfg.Depth - cfg.MoeLayers, g));
        norm = RegisterModule("norm", new LayerNorm(cfg.Dim));
        pre_logits = RegisterModule("pre_logits", new Linear(cfg.Dim, cfg.Dim, true, generator: g));
        head = RegisterModule("head", new Linear(cfg.Dim, cfg.NumClasses, true, generator: g));
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>[B, C, H, W] → logits [B, K] (and λ·Σ aux losses for ViT-MoE).</summary>
    public ClassifierOutput forward(Tensor images, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var x = F.dropout(patch_embed.forward(images) + pos_embed, config.Dropout, training); // [B, N, d]
        var totals = new MoeTotals();
        foreach (var b in blocks)
        {
            x = x + b.attn.forward(b.ln_att.forward(x));
            if (b.moe is null) { x = x + b.ffn!.forward(b.ln_ffn.forward(x)); continue; }
            var m = b.moe.forward(b.ln_ffn.forward(x));
            x = x + m.Output;
            totals.Add(m);
        }
        var logits = head.forward(pre_logits.forward(norm.forward(x).mean(1)).tanh());     // [B, K]
        return totals.Output(logits, config.AuxLossWeight);
    }
}
