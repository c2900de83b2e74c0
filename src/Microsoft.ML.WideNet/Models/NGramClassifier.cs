using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>
/// A linear classifier beside a text encoder, over the bag of the text's tokens and hashed token bigrams weighted by
/// inverse document frequency (TF-IDF, L2-normalised), as the linear text models ML.NET users know. It is fitted on its
/// own before the encoder trains (<c>NGramFit</c>) and then frozen; in evaluation the encoder's and its log-probabilities
/// are averaged with a weight (an ensemble of the two). Unlike <see cref="NGramLogits"/>, trained with the encoder and
/// summed with its logits, it learns the whole task rather than what the encoder leaves. *(A departure from the WideNet
/// and Brainformer papers, off by default.)*
/// </summary>
public sealed class NGramClassifier : Module
{
    /// <summary>Odd multiplier of the first token id in the bigram hash <c>(a·M + b) mod buckets</c>.</summary>
    public const long HashMultiplier = NGramLogits.HashMultiplier;

    /// <summary>[vocab, K]: one weight vector per token.</summary>
    public readonly Tensor unigrams;
    /// <summary>[buckets, K]: one weight vector per bigram hash bucket.</summary>
    public readonly Tensor bigrams;
    /// <summary>[K]: the class biases.</summary>
    public readonly Tensor bias;
    /// <summary>[vocab]: each token's inverse document frequency in the training texts (0 for tokens in fewer than two).</summary>
    public readonly Tensor unigram_idf;
    /// <summary>[buckets]: the same for the bigram buckets.</summary>
    public readonly Tensor bigram_idf;
    /// <summary>[1]: the encoder's weight w in the ensemble (0.5 until chosen on the validation set after training).</summary>
    public readonly Tensor encoder_weight;

    /// <summary>Creates zero tables and unit weights (call <see cref="SetDocumentFrequencies"/> before fitting).</summary>
    public NGramClassifier(int vocab, int buckets, int classes)
    {
        if (buckets < 1) throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "at least one bigram bucket");
        unigrams = RegisterParameter("unigrams", torch.zeros(new long[] { vocab, classes }));
        bigrams = RegisterParameter("bigrams", torch.zeros(new long[] { buckets, classes }));
        bias = RegisterParameter("bias", torch.zeros(new long[] { classes }));
        unigram_idf = RegisterBuffer("unigram_idf", torch.ones(new long[] { vocab }));
        bigram_idf = RegisterBuffer("bigram_idf", torch.ones(new long[] { buckets }));
        encoder_weight = RegisterBuffer("encoder_weight", torch.full(new long[] { 1 }, 0.5));
    }

    /// <summary>The bucket of the bigram (<paramref name="a"/>, <paramref name="b"/>): the hash of <see cref="NGramLogits"/>.</summary>
    public static long Bucket(long a, long b, long buckets) => NGramLogits.Bucket(a, b, buckets);

    /// <summary>The bucket of each bigram: ids [B, L] → [B, L − 1].</summary>
    public Tensor BigramIds(Tensor ids) => NGramLogits.Buckets(ids, bigrams.size(0));

    /// <summary>Sets the inverse document frequencies from the training texts' token ids: ln((1 + N) / (1 + df)) + 1
    /// (scikit-learn's smoothed idf), 0 for n-grams in fewer than two texts, which the classifier then ignores.</summary>
    public void SetDocumentFrequencies(IEnumerable<long[]> texts)
    {
        var (vocab, buckets) = (unigram_idf.size(0), bigram_idf.size(0));
        var (du, db) = (new int[vocab], new int[buckets]);
        var n = 0;
        var seen = new HashSet<long>();
        foreach (var ids in texts)
        {
            n++;
            seen.Clear();
            foreach (var id in ids) if (seen.Add(id)) du[id]++;
            seen.Clear();
            for (var i = 0; i + 1 < ids.Length; i++)
                if (Bucket(ids[i], ids[i + 1], buckets) is var k && seen.Add(k)) db[k]++;
        }
        float Idf(int df) => df < 2 ? 0f : (float)(Math.Log((1.0 + n) / (1.0 + df)) + 1);
        using var _ = torch.no_grad();
        using (var u = torch.tensor(du.Select(Idf).ToArray(), vocab)) unigram_idf.copy_(u);
        using (var b = torch.tensor(db.Select(Idf).ToArray(), buckets)) bigram_idf.copy_(b);
    }

    /// <summary>Token ids [B, L] and mask [B, L] (true at real tokens) → logits [B, K]: the idf-weighted sum of the
    /// n-grams' vectors over the L2 norm of the idf weights, plus the bias.</summary>
    public Tensor forward(Tensor ids, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var l = ids.size(1);
        var m = (attentionMask ?? torch.ones(ids.shape, ScalarType.Bool)).to(unigrams.dtype);               // [B, L]
        var w = F.embedding(ids, unigram_idf.unsqueeze(1)).squeeze(2).mul(m);                                // [B, L], idf of each real token
        var sum = F.embedding(ids, unigrams).mul(w.unsqueeze(2)).sum(1);                                     // [B, K]
        var norm = w.square().sum(1, keepdim: true);                                                         // [B, 1]
        if (l > 1)
        {
            var bucket = BigramIds(ids);                                                                     // [B, L−1]
            var wb = F.embedding(bucket, bigram_idf.unsqueeze(1)).squeeze(2)
                      .mul(m.narrow(1, 0, l - 1)).mul(m.narrow(1, 1, l - 1));                                // [B, L−1]
            sum = sum.add(F.embedding(bucket, bigrams).mul(wb.unsqueeze(2)).sum(1));
            norm = norm.add(wb.square().sum(1, keepdim: true));
        }
        return sum.div(norm.sqrt().clamp_min(1e-6)).add(bias).MoveToOuterScope();                         // [B, K]
    }

    /// <summary>The ensemble of an encoder's logits [B, K] with these: w·log_softmax(encoder) + (1 − w)·log_softmax(n-grams),
    /// w = <see cref="encoder_weight"/>.</summary>
    public Tensor Ensemble(Tensor encoderLogits, Tensor ngramLogits)
    {
        using var scope = torch.NewDisposeScope();
        var w = encoder_weight.to(encoderLogits.device);
        return F.log_softmax(encoderLogits, 1).mul(w).add(F.log_softmax(ngramLogits, 1).mul(w.neg().add(1))).MoveToOuterScope();
    }
}
