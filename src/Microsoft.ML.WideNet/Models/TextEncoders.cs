using Microsoft.ML.WideNet.Moe;
using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>How a text encoder shares its layers.</summary>
public enum TextSharing
{
    /// <summary>WideNet: one attention and one top-k MoE shared by every block, individual LayerNorms.</summary>
    WideNet,
    /// <summary>BERT-like: every block its own attention and dense FFN.</summary>
    None,
    /// <summary>ALBERT-like: one attention and one dense FFN shared by every block, individual LayerNorms (so the
    /// only difference from WideNet is the MoE) *(choice: ALBERT also shares its LayerNorms)*.</summary>
    Albert,
}

/// <summary>
/// Pre-LN text encoders for classification: WideNet text (ALBERT-like embedding, shared attention and shared MoE,
/// individual LayerNorms), the dense BERT-like Transformer, and the ALBERT-like shared dense encoder. The classifier
/// reads the first token ([CLS]) or the mean of the real tokens (<see cref="TextConfig.Pooling"/>) through a tanh pooler.
/// </summary>
public sealed class TextEncoder : Module, ITokenEncoder
{
    /// <summary>A block's own layers: its two LayerNorms, plus attention and FFN when nothing is shared.</summary>
    public sealed class Block : Module
    {
        /// <summary>Norm before attention.</summary>
        public readonly LayerNorm ln_att;
        /// <summary>Norm before the FFN / MoE.</summary>
        public readonly LayerNorm ln_ffn;
        /// <summary>Own attention (unshared encoders only).</summary>
        public readonly MultiHeadSelfAttention? attn;
        /// <summary>Own FFN (unshared encoders only).</summary>
        public readonly FeedForward? ffn;

        /// <summary>Creates the block.</summary>
        public Block(TextConfig c, bool own, Generator g)
        {
            ln_att = RegisterModule("ln_att", new LayerNorm(c.Dim));
            ln_ffn = RegisterModule("ln_ffn", new LayerNorm(c.Dim));
            if (!own) return;
            attn = RegisterModule("attn", new MultiHeadSelfAttention(c.Dim, c.Heads, generator: g));
            ffn = RegisterModule("ffn", new FeedForward(c.Dim, c.Hidden, c.Dropout, g));
        }
    }

    /// <summary>The configuration.</summary>
    public readonly TextConfig config;
    /// <summary>The sharing scheme.</summary>
    public readonly TextSharing sharing;
    /// <summary>Input embedding.</summary>
    public readonly TextEmbedding embed;
    /// <summary>Shared attention (WideNet, ALBERT).</summary>
    public readonly MultiHeadSelfAttention? attn;
    /// <summary>Shared MoE (WideNet).</summary>
    public readonly TopKMoe? moe;
    /// <summary>Shared dense FFN (ALBERT).</summary>
    public readonly FeedForward? ffn;
    /// <summary>The blocks.</summary>
    public readonly Block[] blocks;
    /// <summary>Final LayerNorm.</summary>
    public readonly LayerNorm norm;
    /// <summary>tanh pooler d → d on the first token.</summary>
    public readonly Linear pooler;
    /// <summary>Classifier d → K.</summary>
    public readonly Linear head;
    /// <summary>The linear n-gram logits added to the head's (null unless <see cref="TextConfig.NGramBuckets"/> &gt; 0).</summary>
    public readonly NGramLogits? ngrams;
    /// <summary>The TF-IDF n-gram classifier averaged with the encoder in evaluation (null unless <see cref="TextConfig.NGramClassifier"/>).</summary>
    public readonly NGramClassifier? ngram_classifier;

    /// <summary>Builds the encoder.</summary>
    public TextEncoder(TextConfig cfg, TextSharing sharing)
    {
        config = cfg.Validate();
        this.sharing = sharing;
        using var g = new Generator(cfg.Seed);
        embed = RegisterModule("embed", new TextEmbedding(cfg.VocabSize, cfg.MaxLength, cfg.EmbeddingSize, cfg.Dim, cfg.Dropout, g));
        if (sharing != TextSharing.None) attn = RegisterModule("attn", new MultiHeadSelfAttention(cfg.Dim, cfg.Heads, generator: g));
        if (sharing == TextSharing.WideNet) moe = RegisterModule("moe", new TopKMoe(cfg.Dim, cfg.Hidden, cfg.NumExperts, cfg.TopK, cfg.CapacityFactor, cfg.EvalCapacityFactor, generator: g));
        if (sharing == TextSharing.Albert) ffn = RegisterModule("ffn", new FeedForward(cfg.Dim, cfg.Hidden, cfg.Dropout, g));
        var list = RegisterModule("blocks", new ModuleList());
        blocks = new Block[cfg.Depth];
        for (var i = 0; i < cfg.Depth; i++) blocks[i] = list.Add(new Block(cfg, sharing == TextSharing.None, g));
        norm = RegisterModule("norm", new LayerNorm(cfg.Dim));
        pooler = RegisterModule("pooler", new Linear(cfg.Dim, cfg.Dim, generator: g));
        head = RegisterModule("head", new Linear(cfg.Dim, cfg.NumClasses, generator: g));
        if (cfg.NGramBuckets > 0) ngrams = RegisterModule("ngrams", new NGramLogits(cfg.VocabSize, cfg.NGramBuckets, cfg.NumClasses));
        if (cfg.NGramBuckets > 0 && cfg.NGramClassifier)
            ngram_classifier = RegisterModule("ngram_classifier", new NGramClassifier(cfg.VocabSize, cfg.NGramBuckets, cfg.NumClasses));
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <inheritdoc/>
    public int HiddenSize => config.Dim;

    /// <summary>Token ids [B, L] and mask [B, L] (true at real tokens) → logits [B, K]. With the n-gram classifier: in
    /// training the encoder's own logits (the classifier is fitted before, on its own), in evaluation the ensemble of both.</summary>
    public ClassifierOutput forward(Tensor ids, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var (logits, totals) = EncoderLogits(ids, attentionMask);                // [B, K]
        if (ngram_classifier is not null && !training) logits = ngram_classifier.Ensemble(logits, ngram_classifier.forward(ids, attentionMask)); // [B, K]
        return totals.Output(logits, config.AuxLossWeight);
    }

    /// <summary>The encoder's own logits [B, K] (its n-gram logits included), without the n-gram classifier.</summary>
    public Tensor encoder_logits(Tensor ids, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        return EncoderLogits(ids, attentionMask).logits.MoveToOuterScope();
    }

    (Tensor logits, MoeTotals totals) EncoderLogits(Tensor ids, Tensor? attentionMask)
    {
        var (x, totals) = Encode(ids, attentionMask);                            // [B, L, d]
        var pooled = config.Pooling == TextPooling.Mean ? MaskedMean(x, attentionMask) : x.select(1, 0); // [B, d]
        var logits = head.forward(pooler.forward(pooled).tanh());                 // [B, K]
        if (ngrams is not null) logits = logits + ngrams.forward(ids, attentionMask); // [B, K], wide + deep
        return (logits, totals);
    }

    /// <inheritdoc/>
    public (Tensor states, Tensor? auxLoss) encode(Tensor ids, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        var (x, totals) = Encode(ids, attentionMask);
        var output = totals.Output(x, config.AuxLossWeight);
        return (output.Logits, output.AuxLoss);
    }

    /// <summary>The mean over the real tokens: states [B, L, d], mask [B, L] → [B, d].</summary>
    static Tensor MaskedMean(Tensor x, Tensor? attentionMask)
    {
        if (attentionMask is null) return x.mean(1);
        var m = attentionMask.unsqueeze(2).to(x.dtype);                          // [B, L, 1]
        return x.mul(m).sum(1).div(m.sum(1).clamp_min(1));                       // [B, d]
    }

    /// <summary>Embedding, blocks and final norm: token states [B, L, d] (in the caller's dispose scope).</summary>
    (Tensor states, MoeTotals totals) Encode(Tensor ids, Tensor? attentionMask)
    {
        var x = embed.forward(ids);                                              // [B, L, d]
        var totals = new MoeTotals();
        foreach (var b in blocks)
        {
            x = x + (attn ?? b.attn!).forward(b.ln_att.forward(x), attentionMask);
            var h = b.ln_ffn.forward(x);
            if (moe is null) { x = x + (ffn ?? b.ffn!).forward(h); continue; }
            var m = moe.forward(h, attentionMask);
            x = x + m.Output;
            totals.Add(m);
        }
        return (norm.forward(x), totals);                                        // [B, L, d]
    }
}
