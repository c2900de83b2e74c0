using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>The text recipe's options: word dropout on training batches only, mean pooling kept by a saved model, the
/// n-gram classifier fitted first and frozen.</summary>
public class TextRecipeOptionTests
{
    static EncodedText Text(int length, int seed)
    {
        var r = new Random(seed);
        var ids = new long[length];
        for (var i = 0; i < length; i++) ids[i] = i == 0 ? ByteLevelBpeTokenizer.ClsId : i == length - 1 ? ByteLevelBpeTokenizer.SepId : 100 + r.Next(900);
        return new EncodedText(ids, Enumerable.Repeat(true, length).ToArray(), new long[length]);
    }

    static long[][] Rows(Batch b)
    {
        var ids = b.Input.ToArray<long>();
        var l = (int)b.Input.size(1);
        return Enumerable.Range(0, (int)b.Input.size(0)).Select(i => ids.Skip(i * l).Take(l).ToArray()).ToArray();
    }

    [Fact]
    public void TokenDropoutMasksOrdinaryTokensOfTrainingBatchesPerExampleAndEpoch()
    {
        var texts = Enumerable.Range(0, 40).Select(i => Text(30 + i % 7, i)).ToList();
        var labels = Enumerable.Range(0, 40).Select(i => i % 3).ToList();
        var source = new TextRowsBatchSource(texts, labels, tokenDropout: 0.3);
        var all = Enumerable.Range(0, 40).ToArray();
        var epoch0 = new BatchContext(true, 0, 0, 7);

        using var train = source.GetBatch(all, epoch0);
        var rows = Rows(train);
        int masked = 0, ordinary = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var n = texts[i].Ids.Length;
            Assert.Equal(ByteLevelBpeTokenizer.ClsId, rows[i][0]);                  // special tokens stay
            Assert.Equal(ByteLevelBpeTokenizer.SepId, rows[i][n - 1]);
            for (var j = 1; j < n - 1; j++)
            {
                ordinary++;
                if (rows[i][j] == ByteLevelBpeTokenizer.MaskId) masked++;
                else Assert.Equal(texts[i].Ids[j], rows[i][j]);                      // a kept token is unchanged
            }
        }
        var share = (double)masked / ordinary;
        Assert.InRange(share, 0.25, 0.35);
        Assert.All(texts, t => Assert.DoesNotContain((long)ByteLevelBpeTokenizer.MaskId, t.Ids));   // the source's texts untouched

        // The same example in another batch (other companions, other step) is masked alike; another epoch differently.
        using var alone = source.GetBatch(new[] { 5 }, epoch0 with { Step = 9 });
        Assert.Equal(rows[5].Take(texts[5].Ids.Length), Rows(alone)[0]);
        using var next = source.GetBatch(all, epoch0 with { Epoch = 1 });
        Assert.NotEqual(rows.SelectMany(r => r), Rows(next).SelectMany(r => r));

        // Validation and scoring batches see the texts as they are.
        using var eval = source.GetBatch(all, new BatchContext(false, 0, 0, 7));
        var evalRows = Rows(eval);
        for (var i = 0; i < texts.Count; i++) Assert.Equal(texts[i].Ids, evalRows[i].Take(texts[i].Ids.Length));
    }

    [Fact]
    public void MeanPoolingAndTokenDropoutTrainAndSurviveSaveAndLoad()
    {
        var (trainRows, testRows) = TextEndToEndTests.Data();
        var ml = new MLContext(seed: 0);
        var train = ml.Data.LoadFromEnumerable(trainRows.Take(240).ToList());
        var test = ml.Data.LoadFromEnumerable(testRows.Take(60).ToList());
        var options = new WideNetTextClassificationTrainer.Options
        {
            MaxEpochs = 1, MaxSequenceLength = 32, VocabularySize = ByteLevelBpeTokenizer.MinVocabularySize, NumLayers = 1, Seed = 1,
            Pooling = TextPooling.Mean, TokenDropout = 0.2, ValidationFraction = 0,
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(options));
        using var model = pipeline.Fit(train);
        var before = ml.Data.CreateEnumerable<FortuneScores>(model.Transform(test), reuseRowObject: false).SelectMany(p => p.Score).ToArray();

        var path = Path.Combine(Directory.CreateTempSubdirectory("widenet-pooling").FullName, "mean.zip");
        ml.Model.Save(model, train.Schema, path);
        using var loaded = (IDisposable)ml.Model.Load(path, out _);
        var after = ml.Data.CreateEnumerable<FortuneScores>(((ITransformer)loaded).Transform(test), reuseRowObject: false).SelectMany(p => p.Score).ToArray();
        Assert.Equal(before, after);                                                     // first-token pooling would score otherwise
    }

    [Fact]
    public void TheNGramClassifierIsFittedFirstThenFrozenAndSavedWithTheModel()
    {
        var (trainRows, testRows) = TextEndToEndTests.Data();
        var ml = new MLContext(seed: 0);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("WideNet", StringComparison.Ordinal)) lock (log) log.Add(e.RawMessage); };
        var train = ml.Data.LoadFromEnumerable(trainRows.Take(240).ToList());
        var test = ml.Data.LoadFromEnumerable(testRows.Take(60).ToList());
        WideNetTextClassificationTrainer.Options Options(int epochs) => new()
        {
            MaxEpochs = epochs, MaxSequenceLength = 32, VocabularySize = ByteLevelBpeTokenizer.MinVocabularySize, NumLayers = 1, Seed = 1,
            NGramBuckets = 257, NGramEpochs = 3, ValidationFraction = 0.1, EarlyStoppingPatience = 0,
        };
        ITransformer Fit(int epochs) => ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(Options(epochs))).Fit(train);
        using var one = (TransformerChain<WideNetTextClassificationTransformer>)Fit(1);
        Assert.Contains(log, m => m.StartsWith("n-gram classifier epoch 3/3: loss ", StringComparison.Ordinal) && m.Contains("validation accuracy"));
        Assert.Contains(log, m => m.StartsWith("ensemble: encoder weight ", StringComparison.Ordinal));
        using var two = (TransformerChain<WideNetTextClassificationTransformer>)Fit(2);
        var (a, b) = ((TextEncoder)one.LastTransformer.Network, (TextEncoder)two.LastTransformer.Network);

        // Fitted (not the zeros it starts from), with idf weights from the training texts, and frozen: a second
        // encoder epoch changes the encoder, not the n-gram classifier.
        var table = a.ngram_classifier!.unigrams.ToArray<float>();
        Assert.Contains(table, v => v != 0);
        var idf = a.ngram_classifier.unigram_idf.ToArray<float>();
        Assert.Contains(idf, v => v == 0);
        Assert.Contains(idf, v => v > 1);
        Assert.Equal(table, b.ngram_classifier!.unigrams.ToArray<float>());
        Assert.Equal(a.ngram_classifier.bigrams.ToArray<float>(), b.ngram_classifier.bigrams.ToArray<float>());
        Assert.InRange(a.ngram_classifier.encoder_weight.item<float>(), 0.1f, 0.9f);
        Assert.NotEqual(a.head.weight.ToArray<float>(), b.head.weight.ToArray<float>());

        // Saved and loaded with the model: the same scores.
        var before = ml.Data.CreateEnumerable<FortuneScores>(one.Transform(test), reuseRowObject: false).SelectMany(p => p.Score).ToArray();
        var path = Path.Combine(Directory.CreateTempSubdirectory("widenet-ngrams").FullName, "ngrams.zip");
        ml.Model.Save(one, train.Schema, path);
        using var loaded = (IDisposable)ml.Model.Load(path, out _);
        var after = ml.Data.CreateEnumerable<FortuneScores>(((ITransformer)loaded).Transform(test), reuseRowObject: false).SelectMany(p => p.Score).ToArray();
        Assert.Equal(before, after);

        // The n-gram logits trained with the encoder do change; NGramEpochs = 0 leaves the classifier out.
        Assert.NotEqual(a.ngrams!.unigrams.ToArray<float>(), b.ngrams!.unigrams.ToArray<float>());
        var joint = Options(1);
        joint.NGramEpochs = 0;
        using var jointOnly = (TransformerChain<WideNetTextClassificationTransformer>)ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(joint)).Fit(train);
        Assert.Null(((TextEncoder)jointOnly.LastTransformer.Network).ngram_classifier);
        Assert.NotNull(((TextEncoder)jointOnly.LastTransformer.Network).ngrams);
    }

    [Fact]
    public void NGramEpochsAreAutomaticUpToFortyAndANegativeCountIsRejectedByName()
    {
        var o = new WideNetTextClassificationTrainer.Options();
        Assert.Equal(40, o.NGramEpochsFor(9_687));        // fortunes: 76 batches of 128
        Assert.Equal(32, o.NGramEpochsFor(12_800));       // 100 batches: 3,200 steps
        Assert.Equal(1, o.NGramEpochsFor(1_000_000));     // at least one epoch
        o.NGramEpochs = 7;
        Assert.Equal(7, o.NGramEpochsFor(1_000_000));     // a set count is kept

        var (trainRows, _) = TextEndToEndTests.Data();
        var ml = new MLContext(seed: 0);
        var bad = new WideNetTextClassificationTrainer.Options { NGramEpochs = -1, MaxEpochs = 1 };
        var error = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.WideNet(bad)).Fit(ml.Data.LoadFromEnumerable(trainRows.Take(40).ToList())));
        Assert.Contains("NGramEpochs", error.Message);
    }

    sealed class FortuneScores
    {
        public float[] Score = [];
    }
}
