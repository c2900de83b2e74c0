using System.Text;
using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using WideNet.Torch.Optim;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;
using Xunit.Abstractions;

namespace Microsoft.ML.WideNet.Tests;

// Proves Brainformer builds from its recipe (the paper's blocks as presets, other orderings from a string), that
// the text encoders share what they claim to share, that Brainformer on text ignores padding, and that Brainformer-Tiny learns to tell fortunes categories
// apart from raw bytes.
[Collection(GlobalRngCollection.Name)]
public class TextAndBrainformerTests(ITestOutputHelper output)
{
    [Fact]
    public void RecipeDecidesTheSubLayers()
    {
        var cfg = BrainformerConfig.Preset(Preset.Tiny) with { ImageSize = 16, PatchSize = 4, Channels = 1, NumClasses = 3, Repeats = 2 };
        using var model = new Brainformer(cfg);
        Assert.Equal("AFMMMFFFAFMMMFFF", new string(model.layers.Select(l => l.kind).ToArray()));
        Assert.Equal(6, model.layers.Count(l => l.moe is not null));
        Assert.All(model.named_parameters().Where(p => !p.name.StartsWith("patch_embed")), p => Assert.DoesNotContain("bias", p.name)); // no biases past the stem
        using var block2 = new Brainformer(BrainformerConfig.Preset(Preset.Tiny, BrainformerConfig.Block2) with { ImageSize = 16, PatchSize = 4, Channels = 1, NumClasses = 3 });
        Assert.Equal("FAMAFMFA", new string(block2.layers.Select(l => l.kind).ToArray()));
        Assert.Equal(2.0, block2.layers.First(l => l.moe is not null).moe!.CapacityFactor);
        using var custom = new Brainformer(cfg with { Recipe = "a m a m", Repeats = 1 });
        Assert.Equal("AMAM", new string(custom.layers.Select(l => l.kind).ToArray()));
        Assert.Contains("'X'", Assert.Throws<ArgumentException>(() => new Brainformer(cfg with { Recipe = "A X" })).Message);

        using var scope = NewDisposeScope();
        var output = model.forward(randn(2, 1, 16, 16));
        Assert.Equal(new long[] { 2, 3 }, output.Logits.shape);
        Assert.Null(output.AuxLoss);
        var k = model.layers.First(l => l.moe is not null).moe!.TokensPerExpert(2 * 16);
        Assert.All(output.Routing!.TokensPerExpert.ToArray<long>(), n => Assert.Equal(6 * k, n)); // 6 MoE calls, k each
    }

    [Fact]
    public void BrainformerBaseIsTheHundredMillionScale()
    {
        var cfg = BrainformerConfig.Preset(Preset.Base);
        Assert.Equal((1024, 3, 32, 1536, 2048), (cfg.Dim, cfg.Repeats, cfg.NumExperts, cfg.FfnHidden, cfg.ExpertHidden));
        Assert.Equal(24, cfg.Layers.Length * cfg.Repeats);
    }

    [Theory]
    [InlineData(TextSharing.WideNet)]
    [InlineData(TextSharing.Albert)]
    [InlineData(TextSharing.None)]
    public void TextEncodersShareWhatTheyClaim(TextSharing sharing)
    {
        var cfg = new TextConfig { VocabSize = 50, MaxLength = 16, EmbeddingSize = 16, Dim = 32, Heads = 4, Depth = 3, Hidden = 64, NumClasses = 4 };
        using var model = new TextEncoder(cfg, sharing);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(sharing == TextSharing.None ? 0 : 1, names.Count(n => n == "attn.qkv.weight"));
        Assert.Equal(sharing == TextSharing.WideNet ? 1 : 0, names.Count(n => n == "moe.experts.w1"));
        Assert.Equal(3, names.Count(n => n.EndsWith("ln_att.weight")));
        Assert.Contains("embed.proj.weight", names); // factorised 16 → 32
        using var scope = NewDisposeScope();
        model.eval();
        var ids = randint(0, 50, new long[] { 2, 10 }, new Generator(1));
        var mask = ones(new long[] { 2, 10 }, ScalarType.Bool);
        var full = model.forward(ids, mask).Logits;
        // Padding after the real tokens must not change the result when masked out (for WideNet: padded tokens take
        // no expert capacity, and the evaluation capacity leaves room for every real assignment).
        {
            var padded = cat(new[] { ids, zeros(new long[] { 2, 4 }, ScalarType.Int64) }, 1);
            var paddedMask = cat(new[] { mask, zeros(new long[] { 2, 4 }, ScalarType.Bool) }, 1);
            Assert.True(full.allclose(model.forward(padded, paddedMask).Logits, 1e-4, 1e-5));
        }
        Assert.Throws<ArgumentException>(() => model.forward(randint(0, 50, new long[] { 1, 17 })));
    }

    [Fact]
    public void MeanPoolingAveragesTheRealTokensOnly()
    {
        var cfg = new TextConfig { VocabSize = 50, MaxLength = 16, EmbeddingSize = 16, Dim = 32, Heads = 4, Depth = 2, Hidden = 64, NumClasses = 4,
                                   EvalCapacityFactor = 4, Dropout = 0, Pooling = TextPooling.Mean };
        using var model = new TextEncoder(cfg, TextSharing.WideNet);
        using var first = new TextEncoder(cfg with { Pooling = TextPooling.First }, TextSharing.WideNet); // same seed, same weights
        model.eval(); first.eval();
        using var scope = NewDisposeScope();
        var ids = randint(5, 50, new long[] { 2, 10 }, new Generator(1));
        var mask = tensor(Enumerable.Range(0, 20).Select(i => i < 10 || i < 16).ToArray(), 2, 10);   // row 1: 6 real tokens
        var logits = model.forward(ids, mask).Logits;                                                    // [2, 4]
        // By hand: the mean of each row's real token states through the tanh pooler and the head.
        var (states, _) = model.encode(ids, mask);                                                       // [2, 10, d]
        var row0 = states.select(0, 0).mean(0);
        var row1 = states.select(0, 1).narrow(0, 0, 6).mean(0);
        var expected = model.head.forward(model.pooler.forward(stack(new[] { row0, row1 })).tanh());
        Assert.True(logits.allclose(expected, 1e-4, 1e-5), "mean pooling is not the mean of the real tokens' states");
        Assert.False(logits.allclose(first.forward(ids, mask).Logits, 1e-3, 1e-3), "mean and first-token pooling gave the same logits");
        // Padding of any ids after the real tokens leaves the result as it was.
        var padded = cat(new[] { ids, randint(5, 50, new long[] { 2, 4 }, new Generator(2)) }, 1);
        var paddedMask = cat(new[] { mask, zeros(new long[] { 2, 4 }, ScalarType.Bool) }, 1);
        Assert.True(logits.allclose(model.forward(padded, paddedMask).Logits, 1e-4, 1e-5), "padding changed mean-pooled logits");
    }

    [Fact]
    public void NGramLogitsAreTheScaledMeanOfTokenAndHashedBigramVectors()
    {
        var cfg = new TextConfig { VocabSize = 50, MaxLength = 16, EmbeddingSize = 16, Dim = 32, Heads = 4, Depth = 2, Hidden = 64, NumClasses = 3,
                                   EvalCapacityFactor = 4, Dropout = 0, NGramBuckets = 11 };
        using var wide = new TextEncoder(cfg, TextSharing.WideNet);
        using var plain = new TextEncoder(cfg with { NGramBuckets = 0 }, TextSharing.WideNet);
        wide.eval(); plain.eval();
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 2, 7, 9, 7, 9, 3, 2, 30, 3, 0, 0, 0 }, 2, 6);
        var mask = tensor(new[] { true, true, true, true, true, true, true, true, true, false, false, false }, 2, 6);
        // The tables start at zero: the wide model starts as the encoder alone.
        Assert.True(wide.forward(ids, mask).Logits.allclose(plain.forward(ids, mask).Logits, 1e-6, 1e-6));

        using (no_grad())
        {
            wide.ngrams!.unigrams.copy_(randn(new long[] { 50, 3 }, new Generator(1)));
            wide.ngrams.bigrams.copy_(randn(new long[] { 11, 3 }, new Generator(2)));
        }
        var u = wide.ngrams.unigrams.ToArray<float>();
        var b = wide.ngrams.bigrams.ToArray<float>();
        float[] Expected(long[] row)
        {
            var sum = new double[3];
            foreach (var t in row) for (var k = 0; k < 3; k++) sum[k] += u[t * 3 + k];
            for (var i = 0; i + 1 < row.Length; i++)
            {
                var bucket = (row[i] * NGramLogits.HashMultiplier + row[i + 1]) % 11;
                for (var k = 0; k < 3; k++) sum[k] += b[bucket * 3 + k];
            }
            return sum.Select(v => (float)(v / (2 * row.Length - 1) * NGramLogits.Scale)).ToArray();
        }
        var actual = wide.ngrams.forward(ids, mask).ToArray<float>();
        var expected = Expected(new long[] { 2, 7, 9, 7, 9, 3 }).Concat(Expected(new long[] { 2, 30, 3 })).ToArray(); // padding left out
        static void Near(float e, float a) => Assert.True(Math.Abs(e - a) <= 1e-4 * Math.Max(1, Math.Abs(e)), $"expected {e}, got {a}");
        for (var i = 0; i < expected.Length; i++) Near(expected[i], actual[i]);
        // The encoder's logits plus the n-gram logits.
        var deep = plain.forward(ids, mask).Logits.ToArray<float>();
        var total = wide.forward(ids, mask).Logits.ToArray<float>();
        for (var i = 0; i < total.Length; i++) Near(deep[i] + expected[i], total[i]);
    }

    [Fact]
    public void TheNGramClassifierIsAnIdfWeightedLinearModelAveragedWithTheEncoderInEvaluation()
    {
        var cfg = new TextConfig { VocabSize = 50, MaxLength = 16, EmbeddingSize = 16, Dim = 32, Heads = 4, Depth = 2, Hidden = 64, NumClasses = 3,
                                   EvalCapacityFactor = 4, Dropout = 0, NGramBuckets = 11, NGramClassifier = true };
        using var wide = new TextEncoder(cfg, TextSharing.WideNet);
        using var plain = new TextEncoder(cfg with { NGramBuckets = 0, NGramClassifier = false }, TextSharing.WideNet); // the n-gram logits start at zero
        using var scope = NewDisposeScope();
        var rows = new[] { new long[] { 2, 7, 9, 7, 9, 3 }, new long[] { 2, 30, 3 } };
        var ids = tensor(new long[] { 2, 7, 9, 7, 9, 3, 2, 30, 3, 0, 0, 0 }, 2, 6);
        var mask = tensor(new[] { true, true, true, true, true, true, true, true, true, false, false, false }, 2, 6);

        // Document frequencies of three texts: 2, 3 and 9 are in two or more (idf = ln(4 / (1 + df)) + 1), the others
        // in fewer (idf 0: ignored); bigram (7, 9) is in two texts, every other bigram in one.
        wide.ngram_classifier!.SetDocumentFrequencies(new[] { rows[0], rows[1], new long[] { 2, 7, 9, 3 } });
        var idf = wide.ngram_classifier.unigram_idf.ToArray<float>();
        float Idf(int df) => (float)(Math.Log(4.0 / (1 + df)) + 1);
        Assert.Equal(Idf(3), idf[2], 5);
        Assert.Equal(Idf(2), idf[9], 5);
        Assert.Equal(Idf(2), idf[7], 5);
        Assert.Equal(0f, idf[30]);
        var bigramIdf = wide.ngram_classifier.bigram_idf.ToArray<float>();
        Assert.Equal(Idf(2), bigramIdf[NGramClassifier.Bucket(7, 9, 11)], 5);
        Assert.Equal(0f, bigramIdf[NGramClassifier.Bucket(9, 7, 11)]);

        using (no_grad())
        {
            wide.ngram_classifier.unigrams.copy_(randn(new long[] { 50, 3 }, new Generator(1)));
            wide.ngram_classifier.bigrams.copy_(randn(new long[] { 11, 3 }, new Generator(2)));
            wide.ngram_classifier.bias.copy_(randn(new long[] { 3 }, new Generator(3)));
            wide.ngram_classifier.bigram_idf.copy_(rand(new long[] { 11 }, new Generator(4)).add(0.5));   // every bucket weighted
        }
        var (u, b, bias, bi) = (wide.ngram_classifier.unigrams.ToArray<float>(), wide.ngram_classifier.bigrams.ToArray<float>(), wide.ngram_classifier.bias.ToArray<float>(), wide.ngram_classifier.bigram_idf.ToArray<float>());
        float[] Expected(long[] row)
        {
            var (sum, norm) = (new double[3], 0.0);
            foreach (var t in row) { for (var k = 0; k < 3; k++) sum[k] += idf[t] * u[t * 3 + k]; norm += idf[t] * idf[t]; }
            for (var i = 0; i + 1 < row.Length; i++)
            {
                var bucket = (row[i] * NGramClassifier.HashMultiplier + row[i + 1]) % 11;
                for (var k = 0; k < 3; k++) sum[k] += bi[bucket] * b[bucket * 3 + k];
                norm += bi[bucket] * bi[bucket];
            }
            return sum.Select((v, k) => (float)(v / Math.Sqrt(norm) + bias[k])).ToArray();
        }
        var actual = wide.ngram_classifier.forward(ids, mask).ToArray<float>();
        var expected = Expected(rows[0]).Concat(Expected(rows[1])).ToArray(); // padding left out
        static void Near(float e, float a) => Assert.True(Math.Abs(e - a) <= 1e-4 * Math.Max(1, Math.Abs(e)), $"expected {e}, got {a}");
        for (var i = 0; i < expected.Length; i++) Near(expected[i], actual[i]);

        // Training: the encoder's own logits (the n-gram classifier is fitted before, alone). Evaluation: the mean of
        // the two log-softmaxes.
        wide.train(); plain.train();
        manual_seed(5);
        var trained = wide.forward(ids, mask).Logits;
        manual_seed(5);                                      // the same routing noise in both
        Assert.True(trained.allclose(plain.forward(ids, mask).Logits, 1e-6, 1e-6));
        wide.eval(); plain.eval();
        var deep = plain.forward(ids, mask).Logits.log_softmax(1).ToArray<float>();
        var shallow = tensor(expected, 2, 3).log_softmax(1).ToArray<float>();
        var total = wide.forward(ids, mask).Logits.ToArray<float>();
        for (var i = 0; i < total.Length; i++) Near((deep[i] + shallow[i]) / 2, total[i]);
    }

    [Fact]
    public void BrainformerTextIgnoresPadding()
    {
        var cfg = BrainformerConfig.Preset(Preset.Tiny) with { Dim = 32, Heads = 2, HeadDim = 16, FfnHidden = 48, ExpertHidden = 40, NumExperts = 4, VocabSize = 50, MaxLength = 24, NumClasses = 3, Dropout = 0 };
        using var model = new Brainformer(cfg);
        model.eval();
        using var scope = NewDisposeScope();
        var ids = randint(1, 50, new long[] { 2, 8 }, new Generator(3));
        var mask = tensor(new[] { true, true, true, true, true, true, true, true, true, true, true, true, true, false, false, false }, 2, 8);
        var reference = model.forward(ids, mask);
        foreach (var pad in new[] { 2, 16 })
        {
            // Padding (any ids) after the real tokens: masked out of attention and of expert choice, with the capacity
            // of every expert still computed from the 13 real tokens.
            var padded = cat(new[] { ids, randint(1, 50, new long[] { 2, pad }, new Generator((ulong)pad)) }, 1);
            var paddedMask = cat(new[] { mask, zeros(new long[] { 2, pad }, ScalarType.Bool) }, 1);
            var output = model.forward(padded, paddedMask);
            Assert.True(reference.Logits.allclose(output.Logits, 1e-4, 1e-5), $"{pad} padded tokens changed the logits");
            Assert.Equal(reference.Routing!.TokensPerExpert.ToArray<long>(), output.Routing!.TokensPerExpert.ToArray<long>());
        }
    }

    static List<(string text, int label)> Fortunes(string category, int label)
    {
        var texts = File.ReadAllText(Path.Combine("/usr/share/games/fortunes", category), Encoding.Latin1)
            .Split("\n%\n").Select(t => t.Trim()).Where(t => t.Length > 0).ToList();
        return texts.Select(t => (t, label)).ToList();
    }

    [Fact]
    public void BrainformerTinyLearnsFortunesCategories()
    {
        string[] categories = { "definitions", "songs-poems", "computers" };
        var rng = new Random(0);
        var data = categories.SelectMany((c, i) => Fortunes(c, i).Take(600)).OrderBy(_ => rng.Next()).ToList();
        const int length = 64;
        long[] Encode((string text, int label) item)   // [CLS] then bytes + 2, padded with 0
        {
            var ids = new long[length];
            ids[0] = 1;
            var bytes = Encoding.UTF8.GetBytes(item.text.ToLowerInvariant());
            for (var j = 0; j < Math.Min(bytes.Length, length - 1); j++) ids[j + 1] = bytes[j] + 2;
            return ids;
        }
        using var scope = NewDisposeScope();
        var x = tensor(data.SelectMany(Encode).ToArray(), data.Count, length).DetachFromDisposeScope();
        var y = tensor(data.Select(d => (long)d.label).ToArray()).DetachFromDisposeScope();
        var mask = x.ne(0).DetachFromDisposeScope();
        var trainCount = data.Count - 300;
        var cfg = BrainformerConfig.Preset(Preset.Tiny) with { VocabSize = 258, MaxLength = length, NumClasses = 3, Dropout = 0 };
        using var model = new Brainformer(cfg);
        using var opt = new AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.01);
        using var g = new Generator(0);
        manual_seed(0);
        // 200 steps of 32 texts ≈ 4 epochs of 1,500 texts.
        for (var step = 0; step < 200; step++)
        {
            using var s = NewDisposeScope();
            var idx = randint(0, trainCount, new long[] { 32 }, g);
            var output = model.forward(x.index_select(0, idx), mask.index_select(0, idx));
            var loss = F.cross_entropy(output.Logits, y.index_select(0, idx));
            opt.LearningRate = 1e-3 * Math.Min(1, (step + 1) / 20.0);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        model.eval();
        double accuracy;
        using (inference_mode())
            accuracy = model.forward(x.narrow(0, trainCount, 300), mask.narrow(0, trainCount, 300)).Logits.argmax(1)
                            .eq(y.narrow(0, trainCount, 300)).to(ScalarType.Float32).mean().item<float>();
        // Chance is 33%. 55% is a bound a model that does not learn cannot reach, with margin under what this budget gives.
        output.WriteLine($"held-out accuracy {accuracy:P1}");
        Assert.True(accuracy > 0.55, $"held-out accuracy {accuracy:P1}");
        x.Dispose(); y.Dispose(); mask.Dispose();
    }
}
