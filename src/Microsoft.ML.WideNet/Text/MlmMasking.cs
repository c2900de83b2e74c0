using WideNet.Torch;

namespace Microsoft.ML.WideNet.Text;

/// <summary>
/// BERT/ALBERT masked-language-model corruption: each real, non-special token is chosen with probability
/// <c>probability</c> (15%); a chosen token becomes [MASK] 80% of the time, a random non-special token 10%, and
/// stays 10%. Labels hold the original id at chosen positions and −100 (cross-entropy's ignore index) elsewhere.
/// Randomness comes only from the caller's <see cref="Random"/>.
/// </summary>
public static class MlmMasking
{
    /// <summary>The label of positions that are not predicted.</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Masks a batch of ids [B, L] (int64, CPU). Returns new tensors (inputs, labels) of the same shape.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="attentionMask">[B, L] bool, true at real tokens; null treats every non-[PAD] token as real.</param>
    /// <param name="vocabularySize">Size of the vocabulary (random replacements are drawn from the non-special ids).</param>
    /// <param name="random">The random source.</param>
    /// <param name="probability">Fraction of tokens chosen for prediction.</param>
    public static (Tensor inputs, Tensor labels) Mask(Tensor ids, Tensor? attentionMask, int vocabularySize, Random random, double probability = 0.15)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(random);
        if (vocabularySize <= ByteLevelBpeTokenizer.SpecialCount) throw new ArgumentOutOfRangeException(nameof(vocabularySize));
        var shape = ids.shape;
        using var cpu = ids.to(Device.CPU, ScalarType.Int64);
        var x = cpu.ToArray<long>();
        bool[]? mask = null;
        if (attentionMask is not null)
        {
            using var m = attentionMask.to(Device.CPU, ScalarType.Bool);
            mask = m.ToArray<bool>();
        }
        var (inputs, labels) = Mask(x, mask, vocabularySize, random, probability);
        return (torch.tensor(inputs, shape), torch.tensor(labels, shape));
    }

    /// <summary>Masks flat id arrays (any shape, row-major); see the tensor overload.</summary>
    public static (long[] inputs, long[] labels) Mask(long[] ids, bool[]? attentionMask, int vocabularySize, Random random, double probability = 0.15)
    {
        if (attentionMask is not null && attentionMask.Length != ids.Length) throw new ArgumentException("ids and mask differ in length", nameof(attentionMask));
        var inputs = (long[])ids.Clone();
        var labels = new long[ids.Length];
        Array.Fill(labels, IgnoreIndex);
        for (var i = 0; i < ids.Length; i++)
        {
            var real = attentionMask?[i] ?? ids[i] != ByteLevelBpeTokenizer.PadId;
            if (!real || ids[i] < ByteLevelBpeTokenizer.SpecialCount) continue;
            if (random.NextDouble() >= probability) continue;
            labels[i] = ids[i];
            var r = random.NextDouble();
            if (r < 0.8) inputs[i] = ByteLevelBpeTokenizer.MaskId;
            else if (r < 0.9) inputs[i] = random.NextInt64(ByteLevelBpeTokenizer.SpecialCount, vocabularySize);
        }
        return (inputs, labels);
    }
}
