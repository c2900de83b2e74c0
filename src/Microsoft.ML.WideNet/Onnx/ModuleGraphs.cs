using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Moe;
using Microsoft.ML.WideNet.Nn;

namespace Microsoft.ML.WideNet.Onnx;

/// <summary>
/// Each module's evaluation-mode forward pass written as ONNX operators, line for line with its LibTorch
/// <c>forward</c> (dropout and router noise are training-only and absent). Shapes in comments are the graph's.
/// </summary>
internal static class ModuleGraphs
{
    // ---- Nn ----------------------------------------------------------------------------------------------------

    /// <summary>[B, C, H, W] → [B, N, d].</summary>
    public static string Forward(this OnnxGraph g, PatchEmbed m, string images)
    {
        var x = images;
        for (var i = 0; i < m.stem_weight.Length; i++)
            x = g.gelu(g.conv2d(x, m.stem_weight[i], m.stem_bias[i], stride: 2, padding: 1)); // [B, cᵢ, ⌈H/2ⁱ⁺¹⌉, ⌈W/2ⁱ⁺¹⌉]
        var maps = g.conv2d(x, m.weight, m.bias, stride: m.HasStem ? 1 : m.weight.shape[2]);  // [B, d, h, w]
        return g.permute(g.reshape(maps, 0, 0, -1), 0, 2, 1);                          // [B, N, d]
    }

    public static string Forward(this OnnxGraph g, LayerNorm m, string x) => g.layer_norm(x, m.weight, m.bias, m.Eps);
    public static string Forward(this OnnxGraph g, RMSNorm m, string x) => g.rms_norm(x, m.weight, m.Eps);
    public static string Forward(this OnnxGraph g, Linear m, string x) => g.linear(x, m.weight, m.bias);

    /// <summary>[B, T, d] → [B, T, d]; <paramref name="keyMask"/> [B, T] bool, true at real tokens.</summary>
    public static string Forward(this OnnxGraph g, MultiHeadSelfAttention m, string x, string? keyMask = null)
    {
        var qkvs = g.permute(g.reshape(g.Forward(m.qkv, x), 0, 0, 3, m.Heads, -1), 2, 0, 3, 1, 4); // [3, B, H, T, hd]
        var (q, k, v) = (g.select(qkvs, 0, 0), g.select(qkvs, 0, 1), g.select(qkvs, 0, 2));         // [B, H, T, hd]
        var headDim = m.qkv.weight.shape[0] / 3 / m.Heads;
        var scores = g.mul(g.matmul(q, g.permute(k, 0, 1, 3, 2)), g.Scalar((float)(1.0 / Math.Sqrt(headDim)))); // [B, H, T, T]
        if (keyMask is not null)
            scores = g.where(g.unsqueeze(keyMask, 1, 2), scores, g.Scalar(float.NegativeInfinity)); // padded keys get −∞
        var y = g.matmul(g.softmax(scores, -1), v);                                     // [B, H, T, hd]
        y = g.reshape(g.permute(y, 0, 2, 1, 3), 0, 0, -1);                                // [B, T, H·hd]
        return g.Forward(m.proj, y);
    }

    public static string Forward(this OnnxGraph g, FeedForward m, string x) => g.Forward(m.fc2, g.gelu(g.Forward(m.fc1, x)));
    public static string Forward(this OnnxGraph g, GatedFeedForward m, string x) =>
        g.Forward(m.down, g.mul(g.gelu(g.Forward(m.gate, x)), g.Forward(m.up, x)));

    // ---- Moe ---------------------------------------------------------------------------------------------------

    /// <summary>[E, C, d] → [E, C, d]: expert e on row block e (batched matmuls over the stacked weights).</summary>
    public static string Forward(this OnnxGraph g, Experts m, string buffer)
    {
        var h = m.Gated
            ? g.mul(g.gelu(g.matmul(buffer, g.Weight(m.w1))), g.matmul(buffer, g.Weight(m.w_up!)))  // [E, C, h]
            : g.gelu(g.add(g.matmul(buffer, g.Weight(m.w1)), g.Weight(m.b1!)));                      // [E, C, h]
        var y = g.matmul(h, g.Weight(m.w2));                                                          // [E, C, d]
        return m.Gated ? y : g.add(y, g.Weight(m.b2!));
    }

    /// <summary>Token-choice top-k routing at the evaluation capacity C = max(1, ⌈c·k·S/E⌉) of the S tokens in the
    /// graph's batch: first choices claim slots before second choices (cumulative sums in rank-major order),
    /// assignments past C are dropped, gates are the raw softmax probabilities. <paramref name="tokenMask"/> [...]
    /// bool keeps padding out of routing as in LibTorch.</summary>
    public static string Forward(this OnnxGraph g, TopKMoe m, string input, string? tokenMask = null)
    {
        var d = m.router.weight.shape[1];
        var e = m.experts.Count;
        var k = m.TopK;
        var x = g.reshape(input, -1, d);                                                   // [S, d]
        var s = g.size(x, 0);                                                              // [1]
        var capacity = g.to(g.maximum(g.ceil(g.div(g.mul(g.to(s, OnnxType.Double), g.Scalar(m.EvalCapacityFactor * k)), g.Scalar((double)e))),
                                      g.Scalar(1.0)), OnnxType.Int64);                     // C, [1]

        var probs = g.softmax(g.Forward(m.router, x), -1);                                 // [S, E]
        var (gates, choice) = g.topk(probs, g.Ints(k));                                    // [S, k] each
        var assigned = g.one_hot(choice, e);                                               // [S, k, E]
        if (tokenMask is not null) assigned = g.mul(assigned, g.reshape(g.to(tokenMask, OnnxType.Float), -1, 1, 1));

        var rankMajor = g.reshape(g.permute(assigned, 1, 0, 2), -1, e);                    // [k·S, E]
        var position = g.mul(g.sub(g.cumsum(rankMajor, 0), g.Scalar(1f)), rankMajor);     // slot inside the chosen expert
        var pos = g.permute(g.reshape(g.sum(position, new long[] { -1 }), k, -1), 1, 0);  // [S, k]
        var keep = g.lt(pos, g.to(capacity, OnnxType.Float));                              // [S, k] bool
        if (tokenMask is not null) keep = g.logical_and(keep, g.reshape(tokenMask, -1, 1));
        var trash = g.mul(g.Ints(e), capacity);                                            // E·C, [1]
        var slot = g.where(keep, g.add(g.mul(choice, capacity), g.to(pos, OnnxType.Int64)), trash); // [S, k]

        // Dispatch: slot → token (the trash slot and empty slots read the zero row S).
        var tokenIds = g.reshape(g.expand(g.unsqueeze(g.arange(s), 1), g.cat(new[] { s, g.Ints(k) }, 0)), -1); // [S·k]
        var tokenOfSlot = g.scatter(g.expand(s, g.add(trash, g.Ints(1))), g.reshape(slot, -1), tokenIds);       // [E·C + 1]
        tokenOfSlot = g.narrow(tokenOfSlot, 0, g.Ints(0), trash);                          // [E·C]
        var padded = g.cat(new[] { x, g.zeros(g.Ints(1, d)) }, 0);                         // [S + 1, d]
        var buffer = g.reshape(g.index_select(padded, tokenOfSlot), e, -1, d);             // [E, C, d]
        var y = g.reshape(g.Forward(m.experts, buffer), -1, d);                            // [E·C, d]

        // Combine: each token reads its k slots back (a dropped one reads the zero row E·C), weighted by its gates.
        var yPadded = g.cat(new[] { y, g.zeros(g.Ints(1, d)) }, 0);                        // [E·C + 1, d]
        var weights = g.mul(gates, g.to(keep, OnnxType.Float));                            // [S, k]
        var combined = g.sum(g.mul(g.index_select(yPadded, slot), g.unsqueeze(weights, 2)), new long[] { 1 }); // [S, d]
        return g.reshape(combined, g.shape(input));                                       // [..., d]
    }

    /// <summary>Expert-choice routing over the graph's batch (the routing group): each expert takes its top
    /// k = ⌊n·c/E⌋ ∈ [1, n] tokens by router probability; padding scores −∞ and the real capacity counts real tokens
    /// only, as in LibTorch.</summary>
    public static string Forward(this OnnxGraph g, ExpertChoiceMoe m, string input, string? tokenMask = null)
    {
        var d = m.router.weight.shape[1];
        var e = (double)m.experts.Count;
        var x = g.reshape(input, -1, d);                                                   // [n, d]
        var n = g.size(x, 0);                                                              // [1]
        var nd = g.to(n, OnnxType.Double);
        string Capacity(string count) =>                                                   // ⌊count·c/E⌋ within [1, count]
            g.minimum(g.maximum(g.floor(g.div(g.mul(count, g.Scalar(m.CapacityFactor)), g.Scalar(e))), g.Scalar(1.0)), count);
        var k = g.to(Capacity(nd), OnnxType.Int64);                                        // buffer slots, [1]

        var scores = g.softmax(g.Forward(m.router, x), -1);                                // [n, E]
        var realCount = nd;
        if (tokenMask is not null)
        {
            var real = g.reshape(tokenMask, -1);                                           // [n] bool
            scores = g.where(g.unsqueeze(real, 1), scores, g.Scalar(float.NegativeInfinity));
            realCount = g.sum(g.to(real, OnnxType.Double), new long[] { 0 }, keepdim: true);
        }
        var (gates, tokens) = g.topk(g.t(scores), k);                                      // [E, k] each
        var keep = g.lt(g.to(g.arange(k), OnnxType.Double), Capacity(realCount));          // [k]: ranks within the real capacity
        var flatTokens = g.reshape(g.where(keep, tokens, n), -1);                          // [E·k], n = the zero row
        var padded = g.cat(new[] { x, g.zeros(g.Ints(1, d)) }, 0);                         // [n + 1, d]
        var buffer = g.reshape(g.index_select(padded, flatTokens), (long)e, -1, d);        // [E, k, d]
        var gk = g.where(keep, gates, g.Scalar(0f));                                       // [E, k]
        var y = g.mul(g.Forward(m.experts, buffer), g.unsqueeze(gk, 2));                   // [E, k, d]
        var sums = g.index_add(g.zeros(g.cat(new[] { g.add(n, g.Ints(1)), g.Ints(d) }, 0)), flatTokens, g.reshape(y, -1, d)); // [n + 1, d]
        return g.reshape(g.narrow(sums, 0, g.Ints(0), n), g.shape(input));                // [..., d]
    }

    // ---- Models --------------------------------------------------------------------------------------------------

    /// <summary>Token ids [B, L] → [B, L, d].</summary>
    public static string Forward(this OnnxGraph g, TextEmbedding m, string ids)
    {
        var length = g.size(ids, 1);
        var x = g.add(g.index_select(g.Weight(m.tokens), ids), g.narrow(g.Weight(m.positions), 0, g.Ints(0), length)); // [B, L, e]
        x = g.Forward(m.norm, x);
        return m.proj is null ? x : g.Forward(m.proj, x);                                 // [B, L, d]
    }

    /// <summary>Normalised images [B, C, H, W] → logits [B, K].</summary>
    public static string Forward(this OnnxGraph g, WideNetVision m, string images)
    {
        var x = g.add(g.Forward(m.patch_embed, images), g.Weight(m.pos_embed));           // [B, N, d]
        foreach (var block in m.blocks)
        {
            x = g.add(x, g.Forward(m.attn, g.Forward(block.ln_att, x)));                    // shared attention, own LayerNorm
            x = g.add(x, g.Forward(m.moe, g.Forward(block.ln_moe, x)));                     // shared MoE, own LayerNorm
        }
        var pooled = g.mean(g.Forward(m.norm, x), new long[] { 1 });                       // [B, d]
        return g.Forward(m.head, g.tanh(g.Forward(m.pre_logits, pooled)));                 // [B, K]
    }

    /// <summary>Normalised images [B, C, H, W] → logits [B, K] (ViT or ViT-MoE).</summary>
    public static string Forward(this OnnxGraph g, ViT m, string images)
    {
        var x = g.add(g.Forward(m.patch_embed, images), g.Weight(m.pos_embed));           // [B, N, d]
        foreach (var b in m.blocks)
        {
            x = g.add(x, g.Forward(b.attn, g.Forward(b.ln_att, x)));
            var h = g.Forward(b.ln_ffn, x);
            x = g.add(x, b.moe is null ? g.Forward(b.ffn!, h) : g.Forward(b.moe, h));
        }
        var pooled = g.mean(g.Forward(m.norm, x), new long[] { 1 });                       // [B, d]
        return g.Forward(m.head, g.tanh(g.Forward(m.pre_logits, pooled)));                 // [B, K]
    }

    /// <summary>Images [B, C, H, W] or token ids [B, L] with a mask [B, L] bool → logits [B, K].</summary>
    public static string Forward(this OnnxGraph g, Brainformer m, string input, string? mask = null)
    {
        var x = m.embed is not null
            ? g.Forward(m.embed, input)                                                    // [B, L, d]
            : g.add(g.Forward(m.patch_embed!, input), g.Weight(m.pos_embed!));             // [B, N, d]
        foreach (var layer in m.layers)
        {
            var h = g.Forward(layer.norm, x);
            x = g.add(x, layer.attn is not null ? g.Forward(layer.attn, h, mask)
                       : layer.ffn is not null ? g.Forward(layer.ffn, h)
                       : g.Forward(layer.moe!, h, mask));
        }
        x = g.Forward(m.norm, x);
        var pooled = m.embed is not null ? g.select(x, 1, 0) : g.mean(x, new long[] { 1 }); // [B, d]
        return g.Forward(m.head, pooled);                                                  // [B, K]
    }

    /// <summary>Token ids [B, L] and mask [B, L] bool → logits [B, K] (WideNet text, Transformer, ALBERT-like).</summary>
    public static string Forward(this OnnxGraph g, TextEncoder m, string ids, string mask)
    {
        var x = g.Forward(m.embed, ids);                                                   // [B, L, d]
        foreach (var b in m.blocks)
        {
            x = g.add(x, g.Forward(m.attn ?? b.attn!, g.Forward(b.ln_att, x), mask));
            var h = g.Forward(b.ln_ffn, x);
            x = g.add(x, m.moe is not null ? g.Forward(m.moe, h, mask) : g.Forward(m.ffn ?? b.ffn!, h));
        }
        x = g.Forward(m.norm, x);
        string pooled;
        if (m.config.Pooling == TextPooling.Mean)
        {
            var w = g.to(g.unsqueeze(mask, 2), OnnxType.Float);                             // [B, L, 1]
            pooled = g.div(g.sum(g.mul(x, w), new long[] { 1 }), g.sum(w, new long[] { 1 })); // [B, d], mean of real tokens
        }
        else pooled = g.select(x, 1, 0);                                                   // [B, d], the [CLS] position
        var logits = g.Forward(m.head, g.tanh(g.Forward(m.pooler, pooled)));               // [B, K]
        if (m.ngrams is not null) logits = g.add(logits, g.Forward(m.ngrams, ids, mask));  // wide + deep
        if (m.ngram_classifier is null) return logits;
        var wide = g.Forward(m.ngram_classifier, ids, mask);                               // [B, K]
        var weight = g.Weight(m.ngram_classifier.encoder_weight);                          // [1]
        return g.add(g.mul(g.log_softmax(logits, 1), weight), g.mul(g.log_softmax(wide, 1), g.sub(g.Scalar(1f), weight))); // the ensemble
    }

    /// <summary>The hash bucket of each bigram of ids [B, L] → [B, L − 1] (<see cref="NGramLogits.Buckets"/>), with L − 1
    /// and L for narrowing the masks alike.</summary>
    static (string bucket, string last, string length) BigramBuckets(this OnnxGraph g, string ids, long buckets)
    {
        var length = g.size(ids, 1);
        var last = g.sub(length, g.Ints(1));
        var (a, b) = (g.narrow(ids, 1, g.Ints(0), last), g.narrow(ids, 1, g.Ints(1), length)); // [B, L−1] each
        return (g.remainder(g.add(g.mul(a, g.Scalar(NGramLogits.HashMultiplier)), b), g.Scalar(buckets)), last, length);
    }

    /// <summary>Token ids [B, L] and mask [B, L] → the wide n-gram logits [B, K].</summary>
    public static string Forward(this OnnxGraph g, NGramLogits m, string ids, string mask)
    {
        var w = g.unsqueeze(g.to(mask, OnnxType.Float), 2);                                // [B, L, 1]
        var sum = g.sum(g.mul(g.index_select(g.Weight(m.unigrams), ids), w), new long[] { 1 }); // [B, K]
        var count = g.sum(w, new long[] { 1 });                                            // [B, 1]
        var (bucket, last, length) = g.BigramBuckets(ids, m.bigrams.size(0));             // [B, L−1]
        var both = g.mul(g.narrow(w, 1, g.Ints(0), last), g.narrow(w, 1, g.Ints(1), length)); // [B, L−1, 1]
        sum = g.add(sum, g.sum(g.mul(g.index_select(g.Weight(m.bigrams), bucket), both), new long[] { 1 }));
        count = g.add(count, g.sum(both, new long[] { 1 }));
        return g.mul(g.div(sum, g.maximum(count, g.Scalar(1f))), g.Scalar((float)NGramLogits.Scale)); // [B, K]
    }

    /// <summary>Token ids [B, L] and mask [B, L] → the n-gram classifier's logits [B, K]: idf-weighted sum over the
    /// L2 norm of the weights, plus the bias.</summary>
    public static string Forward(this OnnxGraph g, NGramClassifier m, string ids, string mask)
    {
        var w = g.mul(g.index_select(g.Weight(m.unigram_idf), ids), g.to(mask, OnnxType.Float)); // [B, L], idf of each real token
        var sum = g.sum(g.mul(g.index_select(g.Weight(m.unigrams), ids), g.unsqueeze(w, 2)), new long[] { 1 }); // [B, K]
        var norm = g.sum(g.mul(w, w), new long[] { 1 }, keepdim: true);                  // [B, 1]
        var (bucket, last, length) = g.BigramBuckets(ids, m.bigrams.size(0));             // [B, L−1]
        var wb = g.mul(g.mul(g.index_select(g.Weight(m.bigram_idf), bucket), g.to(g.narrow(mask, 1, g.Ints(0), last), OnnxType.Float)),
                       g.to(g.narrow(mask, 1, g.Ints(1), length), OnnxType.Float));       // [B, L−1]
        sum = g.add(sum, g.sum(g.mul(g.index_select(g.Weight(m.bigrams), bucket), g.unsqueeze(wb, 2)), new long[] { 1 }));
        norm = g.add(norm, g.sum(g.mul(wb, wb), new long[] { 1 }, keepdim: true));
        return g.add(g.div(sum, g.maximum(g.sqrt(norm), g.Scalar(1e-6f))), g.Weight(m.bias)); // [B, K]
    }
}
