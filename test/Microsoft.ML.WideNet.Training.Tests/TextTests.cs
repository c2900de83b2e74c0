using Microsoft.ML.WideNet.Text;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training.Tests;

public class TextTests
{
    static readonly string[] Corpus =
    {
        "The quick brown fox jumps over the lazy dog.",
        "A journey of a thousand miles begins with a single step.",
        "To be, or not to be: that is the question.",
        "All that glitters is not gold; all who wander are not lost.",
        "The only thing we have to fear is fear itself.",
        "In the middle of difficulty lies opportunity.",
        "Numbers like 12345 and 3.14159 appear too, with tabs\tand\nnew lines.",
    };

    static IEnumerable<string> RepeatedCorpus => Enumerable.Range(0, 20).SelectMany(_ => Corpus);

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("Ünïcödé façade — naïve café, 漢字かな交じり文, Ελληνικά, العربية")]
    [InlineData("emoji 😀👍🏽 and flags 🇫🇷 and ZWJ 👨‍👩‍👧‍👦!!")]
    [InlineData("  leading and   multiple   spaces\t\ttabs\r\nCRLF  trailing  ")]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("e\u0301 combining marks and \u00A0 non-breaking space")]
    public void DecodeOfEncodeIsIdentity(string text)
    {
        var tok = ByteLevelBpeTokenizer.Train(RepeatedCorpus, 400);
        Assert.Equal(text, tok.Decode(tok.Tokenize(text)));
        // Through the padded encoding with specials, when it fits.
        var enc = tok.Encode(text, 512);
        Assert.Equal(text, tok.Decode(enc.Ids));
        Assert.DoesNotContain((long)ByteLevelBpeTokenizer.UnkId, enc.Ids);
    }

    [Fact]
    public void PreTokenizerPiecesConcatenateToTheText()
    {
        const string s = "Hello,  world! 42 times\n\tmore 😀😀 end ";
        var pieces = ByteLevelBpeTokenizer.PreTokenize(s).Select(r => s[r]).ToList();
        Assert.Equal(s, string.Concat(pieces));
        Assert.Contains(" world", pieces);
        Assert.Contains(" 42", pieces);
    }

    [Fact]
    public void VocabularySizeIsRespectedAndMergesCompress()
    {
        var tok = ByteLevelBpeTokenizer.Train(RepeatedCorpus, 300);
        Assert.Equal(300, tok.VocabularySize);
        Assert.All(tok.Tokenize(string.Concat(Corpus)), id => Assert.InRange(id, ByteLevelBpeTokenizer.FirstByteId, 299));
        var small = ByteLevelBpeTokenizer.Train(RepeatedCorpus, ByteLevelBpeTokenizer.MinVocabularySize);
        Assert.Equal(ByteLevelBpeTokenizer.MinVocabularySize, small.VocabularySize);
        Assert.True(tok.Tokenize(Corpus[0]).Length < small.Tokenize(Corpus[0]).Length);
        // A tiny corpus cannot fill a large vocabulary: it stops when no pair repeats.
        var tiny = ByteLevelBpeTokenizer.Train(new[] { "ab ab" }, 10_000);
        Assert.True(tiny.VocabularySize < 10_000);
        Assert.Throws<ArgumentOutOfRangeException>(() => ByteLevelBpeTokenizer.Train(Corpus, 100));
        Assert.Equal(" the", tok.TokenToString(tok.Tokenize(" the")[0]));
    }

    [Fact]
    public void TrainingIsDeterministicAndSaveLoadRoundTrips()
    {
        var a = ByteLevelBpeTokenizer.Train(RepeatedCorpus, 350);
        var b = ByteLevelBpeTokenizer.Train(RepeatedCorpus.Reverse(), 350);
        Assert.Equal(a.ToJson(), ByteLevelBpeTokenizer.Train(RepeatedCorpus, 350).ToJson());
        Assert.Equal(a.ToJson(), b.ToJson()); // counts, not order, decide
        var path = Path.Combine(Path.GetTempPath(), $"tok-{Guid.NewGuid():N}.json");
        try
        {
            a.Save(path);
            var loaded = ByteLevelBpeTokenizer.Load(path);
            Assert.Equal(a.ToJson(), loaded.ToJson());
            Assert.Equal(a.Tokenize("fear of the unknown 😀"), loaded.Tokenize("fear of the unknown 😀"));
            File.WriteAllText(path, "{\"type\": \"byte_level_bpe\", \"merges\": [[");
            var e = Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EncodesWithSpecialsTruncationMaskAndPairs()
    {
        var tok = ByteLevelBpeTokenizer.Train(RepeatedCorpus, 300);
        var long_ = string.Join(' ', Corpus);
        var e = tok.Encode(long_, 16);
        Assert.Equal(16, e.Ids.Length);
        Assert.Equal(ByteLevelBpeTokenizer.ClsId, e.Ids[0]);
        Assert.Equal(ByteLevelBpeTokenizer.SepId, e.Ids[15]);
        Assert.All(e.AttentionMask, Assert.True);
        Assert.StartsWith(tok.Decode(e.Ids), long_);

        var shortEnc = tok.Encode("fox", 16);
        var n = shortEnc.Length;
        Assert.True(n < 16);
        Assert.Equal(ByteLevelBpeTokenizer.SepId, shortEnc.Ids[n - 1]);
        Assert.All(shortEnc.Ids.Skip(n), id => Assert.Equal(ByteLevelBpeTokenizer.PadId, id));
        Assert.All(shortEnc.AttentionMask.Skip(n), Assert.False);
        Assert.Equal(n, tok.Encode("fox", 16, pad: false).Ids.Length);

        var pair = tok.Encode(long_, "short second", 24);
        Assert.Equal(24, pair.Length);
        Assert.Equal(2, pair.Ids.Count(id => id == ByteLevelBpeTokenizer.SepId));
        var secondStart = Array.IndexOf(pair.Ids, (long)ByteLevelBpeTokenizer.SepId) + 1;
        Assert.Equal("short second", tok.Decode(pair.Ids.Skip(secondStart)));
        Assert.All(pair.TokenTypeIds.Skip(secondStart), t => Assert.Equal(1, t));
        Assert.All(pair.TokenTypeIds.Take(secondStart), t => Assert.Equal(0, t));

        using var scope = torch.NewDisposeScope();
        var (ids, mask) = tok.EncodeBatch(new[] { "fox", long_ }, 32);
        Assert.Equal(new long[] { 2, 32 }, ids.shape);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(ScalarType.Bool, mask.dtype);
        Assert.Equal(n + 32, mask.sum(ScalarType.Int64).item<long>());
    }

    [Fact]
    public void FortunesLoaderFindsTheRealCategoriesAndSplitsStratified()
    {
        var files = FortunesLoader.CategoryFiles();
        Assert.DoesNotContain(files, f => f.EndsWith(".dat") || f.EndsWith(".u8"));
        var all = FortunesLoader.Load();
        var perCategory = all.GroupBy(t => t.Category).ToDictionary(g => g.Key, g => g.Count());
        // Count the real files independently: texts are separated by lines holding only '%'.
        foreach (var f in files.Take(5))
        {
            var independent = File.ReadAllText(f).Replace("\r", "").Split("\n%\n").Count(t => t.Trim('\n', '%', ' ', '\t').Length > 0);
            Assert.InRange(perCategory.GetValueOrDefault(Path.GetFileName(f)), independent - 2, independent + 2);
        }
        Assert.True(perCategory.Count(kv => kv.Value >= 200) >= 20, $"categories with ≥ 200 texts: {perCategory.Count(kv => kv.Value >= 200)}");
        Assert.InRange(all.Count, 10_000, 20_000);
        Assert.DoesNotContain(all, t => t.Text.Contains('\b') || t.Text.Length == 0);

        var big = FortunesLoader.Load(minTextsPerCategory: 200);
        Assert.True(big.Select(t => t.Category).Distinct().Count() >= 20);
        var (train, test) = StratifiedSplit.Split(big, 0.2, seed: 7);
        Assert.Equal(big.Count, train.Count + test.Count);
        foreach (var g in big.GroupBy(t => t.Category))
        {
            var inTest = test.Count(t => t.Category == g.Key);
            Assert.InRange(inTest, (int)Math.Floor(g.Count() * 0.2) - 1, (int)Math.Ceiling(g.Count() * 0.2) + 1);
        }
        var (train2, test2) = StratifiedSplit.Split(big, 0.2, seed: 7);
        Assert.Equal(test, test2);
        Assert.Equal(train, train2);
    }

    [Fact]
    public void TokenizerTrainsOnAllFortunes()
    {
        var texts = FortunesLoader.Load().Select(t => t.Text).ToList();
        var tok = ByteLevelBpeTokenizer.Train(texts, 8000);   // about 2 s on 2 cores
        Assert.Equal(8000, tok.VocabularySize);
        var sample = texts[123];
        Assert.Equal(sample, tok.Decode(tok.Tokenize(sample)));
        // Subwords compress English well: well under one token per 2 characters.
        var chars = texts.Take(500).Sum(t => t.Length);
        var tokens = texts.Take(500).Sum(t => tok.Tokenize(t).Length);
        Assert.True(tokens < chars / 3.0, $"{tokens} tokens for {chars} characters");
    }

    /// <summary>The hand-written encoder Tokenize used before it went through Microsoft.ML.Tokenizers: UTF-8 bytes of
    /// each pre-tokenized piece, then the earliest-learned merge present applied everywhere, until none is.</summary>
    static int[] ReferenceTokenize(ByteLevelBpeTokenizer tok, string text)
    {
        var rank = new Dictionary<(int, int), int>();
        for (var i = 0; i < tok.Merges.Count; i++) rank.TryAdd(tok.Merges[i], i);
        var ids = new List<int>();
        foreach (var range in ByteLevelBpeTokenizer.PreTokenize(text))
        {
            var s = System.Text.Encoding.UTF8.GetBytes(text[range]).Select(b => ByteLevelBpeTokenizer.FirstByteId + b).ToList();
            while (s.Count > 1)
            {
                var best = int.MaxValue;
                for (var i = 0; i + 1 < s.Count; i++)
                    if (rank.TryGetValue((s[i], s[i + 1]), out var rk) && rk < best) best = rk;
                if (best == int.MaxValue) break;
                var (l, r) = tok.Merges[best];
                var merged = new List<int>(s.Count);
                for (var i = 0; i < s.Count; i++)
                {
                    if (i + 1 < s.Count && s[i] == l && s[i + 1] == r) { merged.Add(ByteLevelBpeTokenizer.MinVocabularySize + best); i++; }
                    else merged.Add(s[i]);
                }
                s = merged;
            }
            ids.AddRange(s);
        }
        return ids.ToArray();
    }

    [Fact]
    public void MicrosoftMLTokenizersEncodingGivesTheHandWrittenIdsOnAllFortunes()
    {
        var texts = FortunesLoader.Load().Select(t => t.Text).ToList();
        var tok = ByteLevelBpeTokenizer.FromJson(ByteLevelBpeTokenizer.Train(texts, 4000).ToJson());
        Assert.Equal(4000, tok.VocabularySize);
        var encoded = new int[texts.Count][];
        Parallel.For(0, texts.Count, i => encoded[i] = tok.Tokenize(texts[i]));   // as TextInput.Encode does
        var mismatches = Enumerable.Range(0, texts.Count).Where(i => !encoded[i].SequenceEqual(ReferenceTokenize(tok, texts[i]))).ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {texts.Count} texts encode differently, first #{mismatches.FirstOrDefault()}");
        Assert.Equal(texts.Count, texts.Count(t => t.Length > 0));
    }

    [Fact]
    public void MicrosoftMLTokenizersEncodingGivesTheHandWrittenIdsOnEveryInputClass()
    {
        // (Not [InlineData]: unpaired surrogates do not survive test-case serialisation.)
        var cases = new (string inputClass, string text)[]
        {
            ("whitespace runs and a final ' '", "a  b   c    d \n e\n\n  f\t\tg\r\nh   "),
            ("NBSP, em space, control characters", "a\u00A0b\u2003c \u0007\u0000\u001b[0m"),
            ("accents, combining marks, scripts", "Ünïcödé façade e\u0301 漢字かな交じり文 Ελληνικά العربية"),
            ("supplementary planes, number forms", "emoji 😀👍🏽 🇫🇷 👨‍👩‍👧‍👦!! 𝐀𝐁𝐂 a𝐀b 𝟏𝟐𝟑 𠀀 Ⅻ ½ ² ①"),
            ("unpaired surrogates (→ U+FFFD)", "bad \uD800 surrogate, \uDC00 low, at the end \uD83D"),
            ("special-token names are plain text", "[CLS] a [SEP] b [MASK] [PAD] [UNK]"),
            ("digits, punctuation, symbol runs", "3.14159, 12345!!! ... --- ??? ==== ~~~~ ____"),
            ("one long piece", new string('a', 3000) + new string('=', 999)),
            ("empty", ""),
        };
        var tok = ByteLevelBpeTokenizer.Train(RepeatedCorpus.Append(new string('=', 40)).Append("aaaaaaa bbbb"), 400);
        foreach (var (inputClass, text) in cases)
        {
            var ids = tok.Tokenize(text);
            Assert.True(ReferenceTokenize(tok, text).SequenceEqual(ids), inputClass);
            Assert.DoesNotContain(ids, id => id < ByteLevelBpeTokenizer.SpecialCount);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text)), tok.Decode(ids));
        }
    }

    [Fact]
    public void MergesMakingTheSameBytesTwiceAreRejected()
    {
        // 'a'+'b' → 261, 'b'+'c' → 262, then 261+'c' and 'a'+262 both make "abc": one id too many for a
        // vocabulary keyed by bytes, so such a document is damaged (Train never writes one).
        int a = ByteLevelBpeTokenizer.FirstByteId + 'a', b = a + 1, c = a + 2;
        var json = $"{{\"type\":\"byte_level_bpe\",\"version\":1,\"vocab_size\":265,\"special_tokens\":[\"[PAD]\",\"[UNK]\",\"[CLS]\",\"[SEP]\",\"[MASK]\"],\"merges\":[[{a},{b}],[{b},{c}],[261,{c}],[{a},262]]}}";
        var e = Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.FromJson(json));
        Assert.Contains("same bytes as token 263", e.Message);
        Assert.Equal(264, ByteLevelBpeTokenizer.FromJson(json.Replace(",[" + a + ",262]", "").Replace("265", "264")).VocabularySize);
    }

    [Fact]
    public void MlmMaskingFollowsTheBertRecipe()
    {
        const int rows = 200, len = 64, vocab = 1000;
        var rng = new Random(1);
        var ids = new long[rows * len];
        var mask = new bool[rows * len];
        for (var r = 0; r < rows; r++)
        {
            var real = 10 + rng.Next(len - 10);
            for (var i = 0; i < len; i++)
            {
                mask[r * len + i] = i < real;
                ids[r * len + i] = i >= real ? ByteLevelBpeTokenizer.PadId
                    : i == 0 ? ByteLevelBpeTokenizer.ClsId : i == real - 1 ? ByteLevelBpeTokenizer.SepId : rng.Next(ByteLevelBpeTokenizer.SpecialCount, vocab);
            }
        }
        var (inputs, labels) = MlmMasking.Mask(ids, mask, vocab, new Random(5));
        var eligible = Enumerable.Range(0, ids.Length).Where(i => mask[i] && ids[i] >= ByteLevelBpeTokenizer.SpecialCount).ToArray();
        var chosen = Enumerable.Range(0, ids.Length).Where(i => labels[i] != MlmMasking.IgnoreIndex).ToArray();
        Assert.All(chosen, i => Assert.Contains(i, eligible));
        Assert.All(chosen, i => Assert.Equal(ids[i], labels[i]));
        Assert.InRange((double)chosen.Length / eligible.Length, 0.13, 0.17);
        var masked = chosen.Count(i => inputs[i] == ByteLevelBpeTokenizer.MaskId) / (double)chosen.Length;
        var kept = chosen.Count(i => inputs[i] == ids[i]) / (double)chosen.Length;
        Assert.InRange(masked, 0.75, 0.85);
        Assert.InRange(kept, 0.06, 0.15); // 10% kept plus random replacements that drew the same id
        Assert.All(Enumerable.Range(0, ids.Length).Except(chosen), i => Assert.Equal(ids[i], inputs[i]));

        using var scope = torch.NewDisposeScope();
        var (ti, tl) = MlmMasking.Mask(torch.tensor(ids, rows, len), torch.tensor(mask, rows, len), vocab, new Random(5));
        Assert.Equal(inputs, ti.ToArray<long>());
        Assert.Equal(labels, tl.ToArray<long>());
    }
}
