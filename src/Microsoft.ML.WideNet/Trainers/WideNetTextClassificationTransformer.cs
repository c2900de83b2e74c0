using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;

[assembly: Microsoft.ML.ModelLoader(typeof(Microsoft.ML.WideNet.WideNetTextClassificationLoader))]

namespace Microsoft.ML.WideNet;

/// <summary>A trained text classifier (from <see cref="WideNetTextClassificationTrainer"/> or loaded from a model file):
/// tokenises the text column(s) with the tokenizer learned in training and adds Score and PredictedLabel.</summary>
public sealed class WideNetTextClassificationTransformer : WideNetClassificationTransformer
{
    internal const string LoaderName = "WideNetTextClassification";
    internal const string Task = "text";
    internal const string TokenizerFile = "tokenizer.json";
    internal readonly TextInput Input;

    internal WideNetTextClassificationTransformer(MLContext context, IClassifier model, ModelSpec spec, LabelInfo label, string scoreColumnName,
                                                  string predictedLabelColumnName, TextInput input, ByteLevelBpeTokenizer tokenizer, TrainingResult? result)
        : base(context, model, spec, label, scoreColumnName, predictedLabelColumnName, result)
    {
        Input = input;
        Tokenizer = tokenizer;
    }

    /// <summary>The tokenizer learned from the training text.</summary>
    public ByteLevelBpeTokenizer Tokenizer { get; }
    /// <summary>The text column read when scoring.</summary>
    public string Sentence1ColumnName => Input.Sentence1Column;
    /// <summary>The second text column, or null.</summary>
    public string? Sentence2ColumnName => Input.Sentence2Column;
    /// <summary>Tokens per example; longer texts are truncated.</summary>
    public int MaxSequenceLength => Input.MaxLength;

    /// <summary>Loads a model file saved from this transformer, alone or inside a pipeline (the classifier is returned;
    /// the other steps are dropped), failing clearly when the file holds no WideNet text classifier.</summary>
    public static WideNetTextClassificationTransformer Load(MLContext context, string path, out DataViewSchema inputSchema) =>
        WideNetImageClassificationTransformer.LoadTyped<WideNetTextClassificationTransformer>(context, path, out inputSchema, "text");

    /// <inheritdoc/>
    protected override BatchColumnMapper CreateMapper(DataViewSchema inputSchema)
    {
        Input.CheckSchema(inputSchema);
        return new Mapper(this, inputSchema);
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        SaveCommon(ctx, LoaderName, Task, null, Input);
        ctx.WriteText(TokenizerFile, Tokenizer.ToJson());
    }

    sealed class Mapper(WideNetTextClassificationTransformer parent, DataViewSchema inputSchema) : BatchColumnMapper(inputSchema)
    {
        public override int BatchSize => Math.Max(1, parent.BatchSize);
        protected override IEnumerable<DataViewSchema.DetachedColumn> GetOutputColumns() => parent.OutputColumns();
        public override IEnumerable<DataViewSchema.Column> GetDependencies(IReadOnlyList<bool> activeOutputs) => parent.Input.Dependencies(InputSchema);
        public override BatchColumnWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs) => new Worker(parent, input, BatchSize);
    }

    sealed class Worker(WideNetTextClassificationTransformer parent, DataViewRow input, int batchSize) : BatchColumnWorker
    {
        readonly Func<(string, string?)> _get = parent.Input.Getter(input);
        readonly (string, string?)[] _texts = new (string, string?)[batchSize];

        public override void AddRow(int rowInBatch) => _texts[rowInBatch] = _get();

        public override void ComputeBatch(BatchColumnOutputs outputs)
        {
            var encoded = parent.Input.Encode(parent.Tokenizer, new ArraySegment<(string, string?)>(_texts, 0, outputs.RowCount));
            var (ids, mask) = TextInput.Pad(encoded);
            using (ids)
            using (mask)
                parent.WriteOutputs(outputs, parent.Score(ids, mask));
        }
    }
}

/// <summary>Reads <see cref="WideNetTextClassificationTransformer"/> entries of model files.</summary>
public sealed class WideNetTextClassificationLoader : IModelLoader
{
    /// <inheritdoc/>
    public string LoaderName => WideNetTextClassificationTransformer.LoaderName;
    /// <inheritdoc/>
    public int FormatVersion => 1;

    /// <inheritdoc/>
    public ITransformer Load(ModelLoadContext context)
    {
        var (saved, model, label) = WideNetClassificationTransformer.LoadCommon(context, WideNetTextClassificationTransformer.Task);
        var input = saved.Text ?? throw new InvalidDataException("the model entry has no text input description");
        ByteLevelBpeTokenizer tokenizer;
        try { tokenizer = ByteLevelBpeTokenizer.FromJson(context.ReadText(WideNetTextClassificationTransformer.TokenizerFile)); }
        catch (Exception e) when (e is not InvalidDataException)
        {
            model.Dispose();
            throw new InvalidDataException($"{WideNetTextClassificationTransformer.TokenizerFile}: {e.Message}", e);
        }
        return new WideNetTextClassificationTransformer(context.Context, model, saved.Spec, label, saved.ScoreColumnName,
                                                        saved.PredictedLabelColumnName, input, tokenizer, null);
    }
}
