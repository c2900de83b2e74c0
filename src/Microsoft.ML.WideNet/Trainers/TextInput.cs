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

/// <summary>Texts tokenised once, batched with padding to the longest text of the batch.</summary>
internal sealed class TextRowsBatchSource(IReadOnlyList<EncodedText> texts, IReadOnlyList<int> labels) : IBatchSource
{
    public int Count => texts.Count;

    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        var (ids, mask) = TextInput.Pad(indices.Select(i => texts[i]).ToArray());
        return new Batch(ids, torch.tensor(indices.Select(i => (long)labels[i]).ToArray()), mask);
    }
}
