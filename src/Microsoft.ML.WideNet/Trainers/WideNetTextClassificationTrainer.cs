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
        /// <summary>Brainformer's block recipe (A attention, F dense FFN, M expert-choice MoE).</summary>
        public string BrainformerRecipe = BrainformerConfig.Block1;

        internal override bool IsImageTask => false;

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
        var rows = Read(input, "training data");
        EstimatorCore.CheckTrainingRows(rows, label);
        if (rows.SkippedMissingLabels > 0) EstimatorCore.Log(ch, $"skipped {rows.SkippedMissingLabels} rows with a missing label");

        MLNetBridge.CheckAlive(_host);
        var seed = o.Seed ?? _host.Rand.Next();
        var (train, validation) = EstimatorCore.Split(rows, o.ValidationSet, o.ValidationFraction, seed, label,
                                                      v => Read(v, "validation set"), m => EstimatorCore.Log(ch, m));
        var corpus = train.Items.SelectMany(t => t.Item2 is null ? new[] { t.Item1 } : new[] { t.Item1, t.Item2 });
        var tokenizer = ByteLevelBpeTokenizer.Train(corpus, o.VocabularySize);
        EstimatorCore.Log(ch, $"tokenizer: {tokenizer.VocabularySize} tokens learned from {train.Items.Count} training texts");
        var trainTexts = text.Encode(tokenizer, train.Items);
        var validationTexts = validation is null ? null : text.Encode(tokenizer, validation.Items);

        var spec = ModelSpec.ForText(o, tokenizer.VocabularySize, label.ClassCount, (ulong)(uint)seed);
        EstimatorCore.Log(ch, $"{spec.Describe()}, {label.ClassCount} classes");
        var model = spec.Create();
        try
        {
            if (o.PretrainEpochs > 0)
                MaskedLanguageModelPretraining.Run(_host, ch, o, seed, model, trainTexts, tokenizer.VocabularySize);
            var result = EstimatorCore.Train(_host, ch, o, seed, model, new TextRowsBatchSource(trainTexts, train.Labels),
                                             validationTexts is null ? null : new TextRowsBatchSource(validationTexts, validation!.Labels));
            return new WideNetTextClassificationTransformer(_host, model, spec, label, o.ScoreColumnName, o.PredictedLabelColumnName, text, tokenizer, result);
        }
        catch
        {
            model.Dispose();
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
