using Microsoft.ML.WideNet.Moe;
using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>
/// WideNet for images ("Go Wider Instead of Deeper", Xue et al. 2022): a pre-LN ViT whose T blocks all reuse ONE
/// attention layer and ONE top-k MoE layer, while each block keeps its own two LayerNorms:
/// <c>x += Attn(LN_att_i(x)); x += MoE(LN_moe_i(x))</c>. Final LayerNorm, mean pooling over patches, tanh
/// pre-logits d → d, classifier. The load-balance loss of every reuse is summed and weighted by λ.
/// </summary>
public sealed class WideNetVision : Module, IClassifier
{
    /// <summary>One pair of individual LayerNorms.</summary>
    public sealed class Block : Module
    {
        /// <summary>Norm before the shared attention.</summary>
        public readonly LayerNorm ln_att;
        /// <summary>Norm before the shared MoE.</summary>
        public readonly LayerNorm ln_moe;

        /// <summary>Creates the norms.</summary>
        public Block(long dim)
        {
            ln_att = RegisterModule("ln_att", new LayerNorm(dim));
            ln_moe = RegisterModule("ln_moe", new LayerNorm(dim));
        }
    }

    /// <summary>The configuration.</summary>
    public readonly VisionConfig config;
    /// <summary>Patch embedding.</summary>
    public readonly PatchEmbed patch_embed;
    /// <summary>Learned position embedding [1, N, d], N(0, 0.02²).</summary>
    public readonly Tensor pos_embed;
    /// <summary>The attention shared by every block.</summary>
    public readonly MultiHeadSelfAttention attn;
    /// <summary>The MoE layer (router and experts) shared by every block.</summary>
    public readonly TopKMoe moe;
    /// <summary>Per-block LayerNorms.</summary>
    public readonly Block[] blocks;
    /// <summary>Final LayerNorm.</summary>
    public readonly LayerNorm norm;
    /// <summary>tanh pre-logits d → d.</summary>
    public readonly Linear pre_logits;
    /// <summary>Classifier d → K.</summary>
    public readonly Linear head;

    /// <summary>Builds the network from <paramref name="cfg"/>.</summary>
    public WideNetVision(VisionConfig cfg)
    {
        config = cfg.Validate();
        using var g = new Generator(cfg.Seed);
        patch_embed = RegisterModule("patch_embed", new PatchEmbed(cfg.Channels, cfg.PatchSize, cfg.Dim, g, cfg.ConvStem));
        using (torch.no_grad()) pos_embed = RegisterParameter("pos_embed", torch.empty(new long[] { 1, cfg.NumPatches, cfg.Dim }).normal_(0, 0.02, g));
        attn = RegisterModule("attn", new MultiHeadSelfAttention(cfg.Dim, cfg.Heads, generator: g));
        moe = RegisterModule("moe", new TopKMoe(cfg.Dim, cfg.Hidden, cfg.NumExperts, cfg.TopK, cfg.CapacityFactor, cfg.EvalCapacityFactor, generator: g));
        blocks = new Block[cfg.Depth];
        var list = RegisterModule("blocks", new ModuleList());
        for (var i = 0; i < cfg.Depth; i++) blocks[i] = list.Add(new Block(cfg.Dim));
        norm = RegisterModule("norm", new LayerNorm(cfg.Dim));
        pre_logits = RegisterModule("pre_logits", new Linear(cfg.Dim, cfg.Dim, true, generator: g));
        head = RegisterModule("head", new Linear(cfg.Dim, cfg.NumClasses, true, generator: g));
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>[B, C, H, W] → logits [B, K], λ·Σ aux losses, routing statistics summed over the T MoE calls.</summary>
    public ClassifierOutput forward(Tensor images, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var x = patch_embed.forward(images) + pos_embed;                  // [B, N, d]
        x = F.dropout(x, config.Dropout, training);
        var totals = new MoeTotals();
        foreach (var block in blocks)
        {
            x = x + attn.forward(block.ln_att.forward(x));                 // shared attention, own LayerNorm
            var m = moe.forward(block.ln_moe.forward(x));                   // shared MoE, own LayerNorm
            x = x + m.Output;
            totals.Add(m);
        }
        var pooled = norm.forward(x).mean(1);                             // [B, d]
        var logits = head.forward(pre_logits.forward(pooled).tanh());      // [B, K]
        return totals.Output(logits, config.AuxLossWeight);
    }
}
