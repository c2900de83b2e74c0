using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;
using WideNet.Torch;

namespace Microsoft.ML.WideNet;

/// <summary>How the text column(s) are read and tokenised; saved with the model (the tokenizer in its own file).</summary>
internal sealed class TextInput
{
    public string Sentence1Column { get; set; } = "";
    public string? Sentence2Column { get; set; }
    public int MaxLength { get; set; } = 128;

    public void CheckSchema(DataViewSchema schema)
    {
        Columns.Text(schema, Sentence1Column, "text");
        if (Sentence2Column is not null) Columns.Text(schema, Sentence2Column, "second text");
    }

    public IEnumerable<DataViewSchema.Column> Dependencies(DataViewSchema schema) =>
        Sentence2Column is null ? [schema[Sentence1Column]] : [schema[Sentence1Column], schema[Sentence2Column]];

    /// <summary>A getter of the current row's text (pair); missing text reads as empty.</summary>
    public Func<(string first, string? second)> Getter(DataViewRow row)
    {
        var g1 = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[Sentence1Column]);
        var g2 = Sentence2Column is null ? null : row.GetGetter<ReadOnlyMemory<char>>(row.Schema[Sentence2Column]);
        ReadOnlyMemory<char> a = default, b = default;
        return () =>
        {
            g1(ref a);
            if (g2 is null) return (a.ToString(), null);
            g2(ref b);
            return (a.ToString(), b.ToString());
        };
    }

    /// <summary>Token ids [B, L] and mask [B, L] padded to the longest text of the batch.</summary>
    public static (Tensor ids, Tensor mask) Pad(IReadOnlyList<EncodedText> texts)
    {
        var l = Math.Max(1, texts.Max(t => t.Ids.Length));
        var ids = new long[texts.Count * l];
        var mask = new bool[texts.Count * l];
        for (var i = 0; i < texts.Count; i++)
        {
            Array.Copy(texts[i].Ids, 0, ids, i * l, texts[i].Ids.Length);
            Array.Copy(texts[i].AttentionMask, 0, mask, i * l, texts[i].AttentionMask.Length);
        }
        return (torch.tensor(ids, texts.Count, l), torch.tensor(mask, texts.Count, l));
    }

    public EncodedText[] Encode(ByteLevelBpeTokenizer tokenizer, IReadOnlyList<(string first, string? second)> texts)
    {
        var result = new EncodedText[texts.Count];
        Parallel.For(0, texts.Count, i => result[i] = tokenizer.Encode(texts[i].first, texts[i].second, MaxLength, pad: false));
        return result;
    }
}

/// <summary>Texts tokenised once, batched with padding to the longest text of the batch; in training each token but
/// the special ones becomes [MASK] with probability <paramref name="tokenDropout"/> (per example and epoch, seeded).</summary>
internal sealed class TextRowsBatchSource(IReadOnlyList<EncodedText> texts, IReadOnlyList<int> labels, double tokenDropout = 0) : IBatchSource, IExampleLengths
{
    public int Count => texts.Count;

    public int LengthOf(int index) => texts[index].Ids.Length;

    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        var batch = indices.Select(i => context.Training && tokenDropout > 0 ? DropTokens(texts[i], context.RandomForExample(i)) : texts[i]).ToArray();
        var (ids, mask) = TextInput.Pad(batch);
        return new Batch(ids, torch.tensor(indices.Select(i => (long)labels[i]).ToArray()), mask);
    }

    EncodedText DropTokens(EncodedText text, Random random)
    {
        var ids = (long[])text.Ids.Clone();
        for (var j = 0; j < ids.Length; j++)
            if (ids[j] >= ByteLevelBpeTokenizer.SpecialCount && random.NextDouble() < tokenDropout) ids[j] = ByteLevelBpeTokenizer.MaskId;
        return text with { Ids = ids };
    }
}

/// <summary>Token records of an <see cref="ExampleCache"/>: int32 length, then <c>maxLength</c> int32 ids, then
/// <c>maxLength</c> token-type bytes (0 first text, 1 second); the attention mask is the first <c>length</c> positions.</summary>
internal static class TokenRecord
{
    public static int Bytes(int maxLength) => 4 + 5 * maxLength;

    public static void Write(EncodedText text, int maxLength, Span<byte> record)
    {
        record.Clear();
        var n = text.Ids.Length;
        if (n > maxLength) throw new ArgumentException($"{n} tokens, the records hold {maxLength}");
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(record, n);
        for (var i = 0; i < n; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(record[(4 + 4 * i)..], checked((int)text.Ids[i]));
            record[4 + 4 * maxLength + i] = (byte)text.TokenTypeIds[i];
        }
    }

    public static EncodedText Read(ReadOnlySpan<byte> record, int maxLength)
    {
        var n = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(record);
        if ((uint)n > (uint)maxLength) throw new InvalidDataException($"a token record says {n} tokens, at most {maxLength} fit");
        var (ids, mask, types) = (new long[n], new bool[n], new long[n]);
        for (var i = 0; i < n; i++)
        {
            ids[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(record[(4 + 4 * i)..]);
            mask[i] = true;
            types[i] = record[4 + 4 * maxLength + i];
        }
        return new EncodedText(ids, mask, types);
    }
}

/// <summary>Tokenised texts read from an <see cref="ExampleCache"/> of <see cref="TokenRecord"/>s as they are asked for;
/// <paramref name="records"/> picks this list's records (a training or validation subset).</summary>
internal sealed class CachedTexts(ExampleCache cache, int maxLength, IReadOnlyList<int> records) : IReadOnlyList<EncodedText>
{
    public int Count => records.Count;

    public EncodedText this[int index]
    {
        get
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(cache.RecordBytes);
            try
            {
                cache.Read(records[index], buffer);
                return TokenRecord.Read(buffer.AsSpan(0, cache.RecordBytes), maxLength);
            }
            finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        }
    }

    public IEnumerator<EncodedText> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
