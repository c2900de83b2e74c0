using Microsoft.ML.WideNet.Moe;
using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>
/// Brainformer settings ("Brainformers: Trading Simplicity for Efficiency", Zhou et al. 2023). The block is data: a
/// recipe of sub-layers, <c>A</c> = self-attention, <c>F</c> = dense gated FFN, <c>M</c> = expert-choice MoE, each
/// pre-norm with a residual; the block is stacked <see cref="Repeats"/> times.
/// Unstated in the paper, GLaM conventions are assumed *(choice)*: RMSNorm pre-norm, no biases, gated-GELU FFNs
/// for dense layers and experts.
/// </summary>
public sealed record BrainformerConfig
{
    /// <summary>The paper's block #1, the one it scales: 1 attention, 3 expert-choice MoE, 4 dense FFN.</summary>
    public const string Block1 = "A F M M M F F F";
    /// <summary>The paper's block #2 (capacity factor 2).</summary>
    public const string Block2 = "F A M A F M F A";

    /// <summary>Sub-layers of one block, e.g. <see cref="Block1"/>.</summary>
    public string Recipe { get; init; } = Block1;
    /// <summary>How many times the block is stacked (3 at the 100M scale).</summary>
    public int Repeats { get; init; } = 3;
    /// <summary>Hidden size d.</summary>
    public int Dim { get; init; } = 1024;
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 16;
    /// <summary>Head size, chosen explicitly (64).</summary>
    public int HeadDim { get; init; } = 64;
    /// <summary>Dense FFN hidden size (1.5·d in block #1).</summary>
    public int FfnHidden { get; init; } = 1536;
    /// <summary>Expert FFN hidden size (2·d).</summary>
    public int ExpertHidden { get; init; } = 2048;
    /// <summary>Experts per MoE layer (32 at the 100M scale).</summary>
    public int NumExperts { get; init; } = 32;
    /// <summary>Expert-choice capacity factor c (1 for block #1, 2 for block #2).</summary>
    public double CapacityFactor { get; init; } = 1.0;
    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; } = 1000;
    /// <summary>Images: side, patch and channels (ignored for text).</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Patch side (images).</summary>
    public int PatchSize { get; init; } = 16;
    /// <summary>Image channels.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Images: a convolutional stem before the patch projection *(a departure; see <see cref="Nn.PatchEmbed"/>)*.</summary>
    public bool ConvStem { get; init; }
    /// <summary>Text: vocabulary size; 0 builds the vision model.</summary>
    public int VocabSize { get; init; }
    /// <summary>Text: longest sequence.</summary>
    public int MaxLength { get; init; } = 128;
    /// <summary>Dropout on the embedding.</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; }

    /// <summary>The recipe's sub-layer codes.</summary>
    public char[] Layers => Recipe.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public BrainformerConfig Validate()
    {
        var bad = Layers.FirstOrDefault(c => c is not ('A' or 'F' or 'M'));
        if (bad != default) throw new ArgumentException($"recipe '{Recipe}': unknown sub-layer '{bad}' (use A, F, M)");
        if (Layers.Length == 0 || Repeats < 1) throw new ArgumentException("the recipe must name at least one sub-layer and repeat at least once");
        if (VocabSize == 0 && !ConvStem && ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of patch size {PatchSize}");
        return this;
    }

    /// <summary>Named sizes: Tiny/Small for 2-core CPUs; Base, Large, Huge = the paper's 100M, 1B and 8B scales
    /// (block ×3 at d 1024, ×6 at d 2048, ×8 at d 4096; heads of 64).</summary>
    public static BrainformerConfig Preset(Preset preset, string recipe = Block1) => (preset switch
    {
        Models.Preset.Tiny => new BrainformerConfig { Recipe = recipe, Repeats = 1, Dim = 128, Heads = 4, HeadDim = 32, FfnHidden = 192, ExpertHidden = 256, NumExperts = 8 },
        Models.Preset.Small => new BrainformerConfig { Recipe = recipe, Repeats = 2, Dim = 256, Heads = 4, HeadDim = 64, FfnHidden = 384, ExpertHidden = 512, NumExperts = 8 },
        Models.Preset.Base => new BrainformerConfig { Recipe = recipe, Repeats = 3, Dim = 1024, Heads = 16, HeadDim = 64, FfnHidden = 1536, ExpertHidden = 2048, NumExperts = 32 },
        Models.Preset.Large => new BrainformerConfig { Recipe = recipe, Repeats = 6, Dim = 2048, Heads = 32, HeadDim = 64, FfnHidden = 3072, ExpertHidden = 4096, NumExperts = 32 },
        _ => new BrainformerConfig { Recipe = recipe, Repeats = 8, Dim = 4096, Heads = 64, HeadDim = 64, FfnHidden = 6144, ExpertHidden = 8192, NumExperts = 32 },
    }) with { CapacityFactor = recipe == Block2 ? 2.0 : 1.0 };
}

/// <summary>A Brainformer classifier: patch (images) or token (text) embedding, the recipe's sub-layers stacked,
/// final RMSNorm, mean pooling (images) or first token (text), classifier.</summary>
public sealed class Brainformer : Module, ITokenEncoder
{
    /// <summary>One pre-norm residual sub-layer.</summary>
    public sealed class SubLayer : Module
    {
        /// <summary>A, F or M.</summary>
        public readonly char kind;
        /// <summary>Pre-norm.</summary>
        public readonly RMSNorm norm;
        /// <summary>Attention (A).</summary>
        public readonly MultiHeadSelfAttention? attn;
        /// <summary>Dense gated FFN (F).</summary>
        public readonly GatedFeedForward? ffn;
        /// <summary>Expert-choice MoE (M).</summary>
        public readonly ExpertChoiceMoe? moe;

        /// <summary>Creates the sub-layer.</summary>
        public SubLayer(char kind, BrainformerConfig c, Generator g)
        {
            this.kind = kind;
            norm = RegisterModule("norm", new RMSNorm(c.Dim));
            switch (kind)
            {
                case 'A': attn = RegisterModule("attn", new MultiHeadSelfAttention(c.Dim, c.Heads, c.HeadDim, bias: false, generator: g)); break;
                case 'F': ffn = RegisterModule("ffn", new GatedFeedForward(c.Dim, c.FfnHidden, g)); break;
                default: moe = RegisterModule("moe", new ExpertChoiceMoe(c.Dim, c.ExpertHidden, c.NumExperts, c.CapacityFactor, gatedExperts: true, generator: g)); break;
            }
        }

        /// <summary>x + sublayer(norm(x)); the MoE's statistics are returned for logging.</summary>
        public (Tensor x, MoeOutput? moe) forward(Tensor x, Tensor? mask)
        {
            var h = norm.forward(x);
            if (attn is not null) return (x + attn.forward(h, mask), null);
            if (ffn is not null) return (x + ffn.forward(h), null);
            var m = moe!.forward(h, mask);                          // padding never chosen by an expert
            return (x + m.Output, m);
        }
    }

    /// <summary>The configuration.</summary>
    public readonly BrainformerConfig config;
    /// <summary>Patch embedding (images).</summary>
    public readonly PatchEmbed? patch_embed;
    /// <summary>Position embedding [1, N, d] (images).</summary>
    public readonly Tensor? pos_embed;
    /// <summary>Token embedding (text; not factorised).</summary>
    public readonly TextEmbedding? embed;
    /// <summary>Sub-layers of every repeat, in order.</summary>
    public readonly SubLayer[] layers;
    /// <summary>Final RMSNorm.</summary>
    public readonly RMSNorm norm;
    /// <summary>Classifier d → K (no bias).</summary>
    public readonly Linear head;

    /// <summary>Builds the network (text when <see cref="BrainformerConfig.VocabSize"/> &gt; 0).</summary>
    public Brainformer(BrainformerConfig cfg)
    {
        config = cfg.Validate();
        using var g = new Generator(cfg.Seed);
        if (cfg.VocabSize > 0)
            embed = RegisterModule("embed", new TextEmbedding(cfg.VocabSize, cfg.MaxLength, cfg.Dim, cfg.Dim, cfg.Dropout, g));
        else
        {
            patch_embed = RegisterModule("patch_embed", new PatchEmbed(cfg.Channels, cfg.PatchSize, cfg.Dim, g, cfg.ConvStem));
            var side = PatchEmbed.GridSide(cfg.ImageSize, cfg.PatchSize, cfg.ConvStem);
            var n = side * side;
            using (torch.no_grad()) pos_embed = RegisterParameter("pos_embed", torch.empty(new long[] { 1, n, cfg.Dim }).normal_(0, 0.02, g));
        }
        var list = RegisterModule("layers", new ModuleList());
        layers = Enumerable.Range(0, cfg.Repeats).SelectMany(_ => cfg.Layers).Select(k => list.Add(new SubLayer(k, cfg, g))).ToArray();
        norm = RegisterModule("norm", new RMSNorm(cfg.Dim));
        head = RegisterModule("head", new Linear(cfg.Dim, cfg.NumClasses, false, generator: g));
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>Images [B, C, H, W] or token ids [B, L] (+ mask) → logits [B, K]; no auxiliary loss (expert choice).</summary>
    public ClassifierOutput forward(Tensor input, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var (x, totals) = Encode(input, attentionMask);                                         // [B, L, d]
        var pooled = embed is not null ? x.select(1, 0) : x.mean(1);                            // [B, d]
        var logits = head.forward(pooled);                                                       // [B, K]
        return totals.Output(logits, auxLossWeight: 0);   // expert choice returns no balance loss, so aux stays null
    }

    /// <inheritdoc/>
    public int HiddenSize => config.Dim;

    /// <summary>Token states [B, L, d] after the final norm (text mode only); no auxiliary loss.</summary>
    public (Tensor states, Tensor? auxLoss) encode(Tensor ids, Tensor? attentionMask = null)
    {
        if (embed is null) throw new InvalidOperationException("encode reads token states: this Brainformer was built for images (VocabSize 0)");
        using var scope = torch.NewDisposeScope();
        var (x, _) = Encode(ids, attentionMask);
        return (x.MoveToOuterScope(), null);
    }

    /// <summary>Embedding, the recipe's sub-layers and the final norm (in the caller's dispose scope).</summary>
    (Tensor states, MoeTotals totals) Encode(Tensor input, Tensor? attentionMask)
    {
        var x = embed is not null
            ? embed.forward(input)                                                              // [B, L, d]
            : F.dropout(patch_embed!.forward(input) + pos_embed!, config.Dropout, training);     // [B, N, d]
        var totals = new MoeTotals();
        foreach (var layer in layers)
        {
            (x, var m) = layer.forward(x, attentionMask);
            if (m is not null) totals.Add(m);
        }
        return (norm.forward(x), totals);
    }
}
