using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>
/// A linear "wide" part beside a text encoder: class logits from the bag of the text's tokens and hashed token
/// bigrams (fastText-like: the mean of one K-vector per n-gram), added to the encoder's logits and trained with them
/// (Wide &amp; Deep). *(A departure from the WideNet and Brainformer papers, off by default.)* The tables start at zero,
/// so the model starts as the encoder alone; the mean is scaled by <see cref="Scale"/> so that the tables learn at a
/// linear model's pace under the encoder's learning rate.
/// </summary>
public sealed class NGramLogits : Module
{
    /// <summary>Multiplier of the mean n-gram vector (with Adam, as a learning rate 32× the encoder's).</summary>
    public const double Scale = 32;
    /// <summary>Odd multiplier of the first token id in the bigram hash <c>(a·M + b) mod buckets</c>.</summary>
    public const long HashMultiplier = 1_000_003;

    /// <summary>[vocab, K]: one vector per token.</summary>
    public readonly Tensor unigrams;
    /// <summary>[buckets, K]: one vector per bigram hash bucket.</summary>
    public readonly Tensor bigrams;

    /// <summary>Creates the tables (zeros).</summary>
    public NGramLogits(int vocab, int buckets, int classes)
    {
        if (buckets < 1) throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "at least one bigram bucket");
        unigrams = RegisterParameter("unigrams", torch.zeros(new long[] { vocab, classes }));
        bigrams = RegisterParameter("bigrams", torch.zeros(new long[] { buckets, classes }));
    }

    /// <summary>The bucket of each bigram: ids [B, L] → [B, L − 1].</summary>
    public Tensor BigramIds(Tensor ids) => Buckets(ids, bigrams.size(0));

    /// <summary>The bucket <c>(a·M + b) mod buckets</c> of each bigram of ids [B, L] → [B, L − 1] (shared with
    /// <see cref="NGramClassifier"/>).</summary>
    public static Tensor Buckets(Tensor ids, long buckets)
    {
        var l = ids.size(1);
        return ids.narrow(1, 0, l - 1).mul(HashMultiplier).add(ids.narrow(1, 1, l - 1)).remainder(buckets);
    }

    /// <summary>The bucket of the bigram (<paramref name="a"/>, <paramref name="b"/>), as <see cref="Buckets"/> computes it.</summary>
    public static long Bucket(long a, long b, long buckets) => (a * HashMultiplier + b) % buckets;

    /// <summary>Token ids [B, L] and mask [B, L] (true at real tokens) → logits [B, K].</summary>
    public Tensor forward(Tensor ids, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var l = ids.size(1);
        var m = (attentionMask ?? torch.ones(ids.shape, ScalarType.Bool)).unsqueeze(2).to(unigrams.dtype); // [B, L, 1]
        var sum = F.embedding(ids, unigrams).mul(m).sum(1);                                                 // [B, K]
        var count = m.sum(1);                                                                              // [B, 1]
        if (l > 1)
        {
            var mb = m.narrow(1, 0, l - 1).mul(m.narrow(1, 1, l - 1));                                      // [B, L−1, 1]
            sum = sum.add(F.embedding(BigramIds(ids), bigrams).mul(mb).sum(1));
            count = count.add(mb.sum(1));
        }
        return sum.div(count.clamp_min(1)).mul(Scale).MoveToOuterScope();                                // [B, K]
    }
}
