using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;

namespace Microsoft.ML.WideNet;

/// <summary>
/// Trains a WideNet, Brainformer, BERT-like Transformer or ALBERT text classifier from one or two string columns and a
/// key label. A byte-level BPE tokenizer is learned from the training text (so unseen characters never fail) and saved
/// with the model. <see cref="Fit"/> returns a <see cref="WideNetTextClassificationTransformer"/>. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.WideNet(...)</c>.
/// </summary>
public sealed class WideNetTextClassificationTrainer : IEstimator<WideNetTextClassificationTransformer>
{
    /// <summary>Settings of the text estimator (public fields with defaults).</summary>
    public sealed class Options : WideNetTrainerOptionsBase
    {
        /// <summary>Creates options with the text defaults (batch size 32).</summary>
        public Options() => BatchSize = 32;

        /// <summary>The text column.</summary>
        public string Sentence1ColumnName = "Sentence1";
        /// <summary>A second text column for pair tasks (encoded as [CLS] a [SEP] b [SEP]), or null.</summary>
        public string? Sentence2ColumnName;
        /// <summary>Tokens per example, [CLS] and [SEP] included; longer texts are truncated.</summary>
        public int MaxSequenceLength = 128;
        /// <summary>Tokenizer vocabulary size (5 special tokens and 256 bytes included; fewer when the text has fewer
        /// frequent pairs).</summary>
        public int VocabularySize = 4000;
        /// <summary>Token embedding width; a projection maps it to <see cref="WideNetTrainerOptionsBase.HiddenSize"/>
        /// when they differ (ALBERT's factorised embedding). Ignored by Brainformer.</summary>
        public int EmbeddingSize = 128;
        /// <summary>Epochs of masked-language-model pretraining on the training text before fine-tuning (ALBERT-style; 0 = none).</summary>
        public int PretrainEpochs;
        /// <summary>How the encoder's token states are pooled for the classifier: the first token ([CLS]) or the mean of the
        /// real tokens (WideNet, Transformer, ALBERT; Brainformer reads the first token).</summary>
        public TextPooling Pooling = TextPooling.First;
        /// <summary>Word-dropout augmentation: the probability that a token of a training text (not [CLS] or [SEP]) is
        /// replaced by [MASK], drawn anew each epoch (0 = off). Validation and scoring see the texts unchanged.</summary>
        public double TokenDropout;
        /// <summary>Hash buckets of token bigrams for the n-gram parts beside the encoder (WideNet, Transformer, ALBERT):
        /// linear logits over the text's tokens and bigrams trained with the encoder and added to its logits (fastText-like,
        /// Wide &amp; Deep), and a TF-IDF linear classifier over the same n-grams fitted before the encoder and averaged with
        /// it in evaluation (an ensemble; see <see cref="NGramEpochs"/>). 0 = none, the papers' encoders. On by default, a
        /// departure from the papers for small text data sets (fortunes: 60.10% against 56.43% without, docs/benchmarks.md);
        /// each part has (vocabulary + buckets) × classes weights.</summary>
        public int NGramBuckets = 65536;
        /// <summary>Epochs of the TF-IDF n-gram classifier's own fit before the encoder trains (with <see cref="NGramBuckets"/>;
        /// 0 = no such classifier, only the n-gram logits trained with the encoder). Null: 40, fewer when the training
        /// texts make more than 80 batches of 128, so that the fit takes at most 3,200 steps (fortunes: 40 epochs, 25 s).</summary>
        public int? NGramEpochs;

        /// <summary>The n-gram classifier's epochs for <paramref name="trainingTexts"/> (see <see cref="NGramEpochs"/>).</summary>
        internal int NGramEpochsFor(int trainingTexts) =>
            NGramEpochs ?? Math.Clamp(3200 / Math.Max(1, (trainingTexts + NGramFit.BatchSize - 1) / NGramFit.BatchSize), 1, 40);
        /// <summary>Training batches of texts of similar length (pools of 50 batches sorted by length, the batches
        /// shuffled): less padding per step, so long <see cref="MaxSequenceLength"/>s cost less (fortunes, 128 tokens:
        /// 2.3× the texts per second, accuracy within the noise; docs/benchmarks.md). False: batches in shuffled order.</summary>
        public bool BatchByLength = true;
        /// <summary>Brainformer's block recipe (A attention, F dense FFN, M expert-choice MoE).</summary>
        public string BrainformerRecipe = BrainformerConfig.Block1;
        /// <summary>Most megabytes of training text held in memory (as UTF-16 strings). Past it the tokenizer is learned
        /// from the rows read so far (validation rows included: it sees no labels) and every row is written as
        /// token ids to a cache file in the temp folder that the epochs read batch by batch, so text larger than memory
        /// trains. The file is deleted after Fit.</summary>
        public double MemoryLimitMB = 2048;

        internal override bool IsImageTask => false;

        internal override Training.TrainerOptions ToTrainerOptions(int seed, string? checkpointDirectory, int trainingRows)
        {
            var t = base.ToTrainerOptions(seed, checkpointDirectory, trainingRows);
            t.BatchByLength = BatchByLength;
            return t;
        }

        /// <summary>A copy.</summary>
        public Options Clone() => (Options)CloneBase();

        /// <summary>The untrained network these options describe for a vocabulary of <paramref name="vocabularySize"/>
        /// tokens and <paramref name="numClasses"/> classes (to inspect sizes; the caller disposes it).</summary>
        public IClassifier CreateModel(int vocabularySize, int numClasses)
        {
            Validate();
            return ModelSpec.ForText(this, vocabularySize, numClasses, (ulong)(uint)(Seed ?? 0)).Create();
        }

        internal void Validate()
        {
            ValidateCommon();
            if (string.IsNullOrWhiteSpace(Sentence1ColumnName)) throw new ArgumentException("Sentence1ColumnName must name a column", nameof(Sentence1ColumnName));
            if (MaxSequenceLength < 4) throw new ArgumentOutOfRangeException(nameof(MaxSequenceLength), MaxSequenceLength, "MaxSequenceLength must be at least 4");
            if (VocabularySize < ByteLevelBpeTokenizer.MinVocabularySize)
                throw new ArgumentOutOfRangeException(nameof(VocabularySize), VocabularySize, $"VocabularySize must be at least {ByteLevelBpeTokenizer.MinVocabularySize} (5 special tokens + 256 bytes)");
            if (EmbeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), EmbeddingSize, "EmbeddingSize must be positive");
            if (TokenDropout is < 0 or >= 1 || double.IsNaN(TokenDropout)) throw new ArgumentOutOfRangeException(nameof(TokenDropout), TokenDropout, "TokenDropout must be in [0, 1)");
            if (NGramBuckets < 0) throw new ArgumentOutOfRangeException(nameof(NGramBuckets), NGramBuckets, "NGramBuckets must not be negative");
            if (NGramEpochs < 0) throw new ArgumentOutOfRangeException(nameof(NGramEpochs), NGramEpochs, "NGramEpochs must not be negative");
            if (PretrainEpochs < 0) throw new ArgumentOutOfRangeException(nameof(PretrainEpochs), PretrainEpochs, "PretrainEpochs must not be negative");
        }
    }

    readonly IHost _host;
    readonly Options _options;

    /// <summary>Creates the estimator (the options are copied).</summary>
    public WideNetTextClassificationTrainer(MLContext context, Options options)
        : this((IHostEnvironment)(context ?? throw new ArgumentNullException(nameof(context))), options) { }

    internal WideNetTextClassificationTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = env.Register(nameof(WideNetTextClassificationTrainer));
        _options = options.Clone();
        _options.Validate();
    }

    /// <summary>The options in use (a copy).</summary>
    public Options TrainerOptions => _options.Clone();

    /// <summary>Trains on <paramref name="input"/> and returns the scoring transformer.</summary>
    public WideNetTextClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var ch = _host.Start("Fit");   // one channel per Fit: what MLContext.Log shows
        var o = _options.Clone();
        var label = Columns.Label(input.Schema, o.LabelColumnName);
        var text = new TextInput { Sentence1Column = o.Sentence1ColumnName, Sentence2Column = o.Sentence2ColumnName, MaxLength = o.MaxSequenceLength };
        text.CheckSchema(input.Schema);
        LabeledRows<(string, string?)> Read(IDataView data, string name)
        {
            text.CheckSchema(data.Schema);
            return EstimatorCore.Read(data, label, text.Dependencies(data.Schema), text.Getter, name);
        }
        var (rows, cache, cachedTokenizer) = ReadTraining(o, ch, input, label, text);
        try
        {
            EstimatorCore.CheckTrainingRows(rows, label);
            if (rows.SkippedMissingLabels > 0) EstimatorCore.Log(ch, $"skipped {rows.SkippedMissingLabels} rows with a missing label");
            MLNetBridge.CheckAlive(_host);
            var seed = o.Seed ?? _host.Rand.Next();
            if (cache is null)
            {
                var (train, validation) = EstimatorCore.Split(rows, o.ValidationSet, o.ValidationFraction, seed, label,
                                                              v => Read(v, "validation set"), m => EstimatorCore.Log(ch, m));
                var corpus = train.Items.SelectMany(t => t.Item2 is null ? new[] { t.Item1 } : new[] { t.Item1, t.Item2 });
                var tokenizer = ByteLevelBpeTokenizer.Train(corpus, o.VocabularySize);
                EstimatorCore.Log(ch, $"tokenizer: {tokenizer.VocabularySize} tokens learned from {train.Items.Count} training texts");
                return FitOn(o, ch, seed, label, text, tokenizer, text.Encode(tokenizer, train.Items), train.Labels,
                             validation is null ? null : text.Encode(tokenizer, validation.Items), validation?.Labels);
            }
            // rows in the cache: the same stratified split, over record numbers; a validation set is read in memory
            var (trainRecords, validationRecords) = o.ValidationSet is null && EstimatorCore.SplitIndices(rows.Labels, o.ValidationFraction, seed, m => EstimatorCore.Log(ch, m)) is var (t, v)
                ? (t, v) : (Enumerable.Range(0, rows.Labels.Count).ToList(), null);
            var given = o.ValidationSet is null ? null : EstimatorCore.Split(rows, o.ValidationSet, 0, seed, label, vs => Read(vs, "validation set"), _ => { }).validation;
            IReadOnlyList<EncodedText>? validationTexts = validationRecords is not null ? new CachedTexts(cache, o.MaxSequenceLength, validationRecords)
                : given is null ? null : text.Encode(cachedTokenizer!, given.Items);
            IReadOnlyList<int>? validationLabels = validationRecords is not null ? validationRecords.Select(i => rows.Labels[i]).ToList() : given?.Labels;
            return FitOn(o, ch, seed, label, text, cachedTokenizer!, new CachedTexts(cache, o.MaxSequenceLength, trainRecords),
                         trainRecords.Select(i => rows.Labels[i]).ToList(), validationTexts, validationLabels);
        }
        finally { cache?.Dispose(); }
    }

    WideNetTextClassificationTransformer FitOn(Options o, IChannel ch, int seed, LabelInfo label, TextInput text, ByteLevelBpeTokenizer tokenizer,
                                              IReadOnlyList<EncodedText> trainTexts, IReadOnlyList<int> trainLabels,
                                              IReadOnlyList<EncodedText>? validationTexts, IReadOnlyList<int>? validationLabels)
    {
        var spec = ModelSpec.ForText(o, tokenizer.VocabularySize, label.ClassCount, (ulong)(uint)seed);
        EstimatorCore.Log(ch, $"{spec.Describe()}, {label.ClassCount} classes");
        var model = spec.Create();
        try
        {
            if (o.PretrainEpochs > 0)
                MaskedLanguageModelPretraining.Run(_host, ch, o, seed, model, trainTexts, tokenizer.VocabularySize);
            NGramFit.Run(_host, ch, o, seed, model, trainTexts, trainLabels, validationTexts, validationLabels);
            var result = EstimatorCore.Train(_host, ch, o, seed, model, new TextRowsBatchSource(trainTexts, trainLabels, o.TokenDropout),
                                             validationTexts is null ? null : new TextRowsBatchSource(validationTexts, validationLabels!));
            NGramFit.ChooseEncoderWeight(ch, model, validationTexts, validationLabels);
            return new WideNetTextClassificationTransformer(_host, model, spec, label, o.ScoreColumnName, o.PredictedLabelColumnName, text, tokenizer, result);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The training rows: held in memory up to MemoryLimitMB of text; past it, the tokenizer is learned from the
    /// rows held and every row is written as token ids to a temporary cache (the rows' labels stay in memory).</summary>
    static (LabeledRows<(string, string?)> rows, Training.ExampleCache? cache, ByteLevelBpeTokenizer? tokenizer) ReadTraining(
        Options o, IChannel ch, IDataView input, LabelInfo label, TextInput text)
    {
        var rows = new LabeledRows<(string, string?)>([], [], [], 0);
        var limit = (long)Math.Min(long.MaxValue / 2, o.MemoryLimitMB * 1048576);
        long held = 0, peak = 0;
        Training.ExampleCache? cache = null;
        ByteLevelBpeTokenizer? tokenizer = null;
        var pending = new List<(string, string?)>();
        var record = new byte[TokenRecord.Bytes(o.MaxSequenceLength)];
        void Flush()                                                  // tokenise a chunk in parallel, append in order
        {
            foreach (var e in text.Encode(tokenizer!, pending))
            {
                TokenRecord.Write(e, o.MaxSequenceLength, record);
                cache!.Append(record);
            }
            pending.Clear();
        }
        try
        {
            text.CheckSchema(input.Schema);
            var skipped = EstimatorCore.Stream(input, label, text.Dependencies(input.Schema), text.Getter, "training data", (item, y, row) =>
            {
                rows.Labels.Add(y);
                rows.RowNumbers.Add(row);
                if (cache is not null)
                {
                    pending.Add(item);
                    if (pending.Count >= 4096) Flush();
                    return;
                }
                rows.Items.Add(item);
                held += 2L * (item.Item1.Length + (item.Item2?.Length ?? 0)) + 64;
                peak = Math.Max(peak, held);
                if (held <= limit) return;
                var corpus = rows.Items.SelectMany(t => t.Item2 is null ? new[] { t.Item1 } : new[] { t.Item1, t.Item2 });
                tokenizer = ByteLevelBpeTokenizer.Train(corpus, o.VocabularySize);
                var path = Path.Combine(Path.GetTempPath(), $"widenet-tokens-{Guid.NewGuid():N}.cache");
                EstimatorCore.Log(ch, FormattableString.Invariant(
                    $"the training text passes MemoryLimitMB ({o.MemoryLimitMB:G4} MB) at row {row}: tokenizer of {tokenizer.VocabularySize} tokens learned from the {rows.Items.Count} rows read; caching every row as at most {o.MaxSequenceLength} token ids in {path}"));
                cache = new Training.ExampleCache(path, TokenRecord.Bytes(o.MaxSequenceLength));
                pending.AddRange(rows.Items);
                Flush();
                rows.Items.Clear();
                rows.Items.TrimExcess();
                held = 0;
            });
            if (cache is not null)
            {
                Flush();
                cache.Seal();
                EstimatorCore.Log(ch, FormattableString.Invariant(
                    $"cached {cache.Count} training rows ({cache.Length / 1048576.0:F1} MB on disk); at most {peak / 1048576.0:F2} MB of text was held in memory"));
            }
            return (rows with { SkippedMissingLabels = skipped }, cache, tokenizer);
        }
        catch
        {
            cache?.Dispose();
            throw;
        }
    }

    /// <summary>The input plus Score and PredictedLabel; throws, naming the column, when the label or a text column is
    /// missing or not of the right type.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaChecks.Label(inputSchema, _options.LabelColumnName);
        SchemaChecks.Text(inputSchema, _options.Sentence1ColumnName, "text");
        if (_options.Sentence2ColumnName is { } second) SchemaChecks.Text(inputSchema, second, "second text");
        return WideNetClassificationTransformer.OutputShape(inputSchema, _options.LabelColumnName, _options.ScoreColumnName, _options.PredictedLabelColumnName);
    }
}
