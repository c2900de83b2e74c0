using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;

[assembly: Microsoft.ML.ModelLoader(typeof(Microsoft.ML.WideNet.WideNetImageClassificationLoader))]

namespace Microsoft.ML.WideNet;

/// <summary>A trained image classifier (from <see cref="WideNetImageClassificationTrainer"/> or loaded from a model
/// file): decodes the image column exactly like evaluation during training (resize, normalise; no augmentation) and adds
/// Score and PredictedLabel.</summary>
public sealed class WideNetImageClassificationTransformer : WideNetClassificationTransformer
{
    internal const string LoaderName = "WideNetImageClassification";
    internal const string Task = "image";
    internal readonly ImageInput Input;
    readonly ImagePreprocessor _pre;

    internal WideNetImageClassificationTransformer(MLContext context, IClassifier model, ModelSpec spec, LabelInfo label,
                                                   string scoreColumnName, string predictedLabelColumnName, ImageInput input, TrainingResult? result)
        : base(context, model, spec, label, scoreColumnName, predictedLabelColumnName, result)
    {
        Input = input;
        _pre = input.CreatePreprocessor();
    }

    /// <summary>The image column read when scoring.</summary>
    public string ImageColumnName => Input.Column;
    /// <summary>Side of the square network input.</summary>
    public int ImageSize => Input.ImageSize;

    /// <summary>Loads a model file saved from this transformer, alone or inside a pipeline (the classifier is returned;
    /// the other steps are dropped), failing clearly when the file holds no WideNet image classifier.</summary>
    public static WideNetImageClassificationTransformer Load(MLContext context, string path, out DataViewSchema inputSchema) =>
        LoadTyped<WideNetImageClassificationTransformer>(context, path, out inputSchema, "image");

    internal static T LoadTyped<T>(MLContext context, string path, out DataViewSchema inputSchema, string task) where T : WideNetClassificationTransformer
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = context.Model.Load(path, out inputSchema);
        var parts = model is IEnumerable<ITransformer> chain ? chain.ToArray() : new[] { model };
        if (parts.OfType<T>().LastOrDefault() is { } typed) return typed;
        var found = parts.LastOrDefault() ?? model;
        (model as IDisposable)?.Dispose();
        throw new InvalidDataException($"'{path}' holds a {found.GetType().Name}, not a WideNet {task} classifier");
    }

    /// <inheritdoc/>
    protected override BatchColumnMapper CreateMapper(DataViewSchema inputSchema)
    {
        Input.CheckSchema(inputSchema);
        return new Mapper(this, inputSchema);
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx) => SaveCommon(ctx, LoaderName, Task, Input, null);

    sealed class Mapper(WideNetImageClassificationTransformer parent, DataViewSchema inputSchema) : BatchColumnMapper(inputSchema)
    {
        readonly DataViewSchema.Column _image = inputSchema[parent.Input.Column];
        public override int BatchSize => Math.Max(1, parent.BatchSize);
        protected override IEnumerable<DataViewSchema.DetachedColumn> GetOutputColumns() => parent.OutputColumns();
        public override IEnumerable<DataViewSchema.Column> GetDependencies(IReadOnlyList<bool> activeOutputs) => [_image];
        public override BatchColumnWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs) => new Worker(parent, input, BatchSize);
    }

    sealed class Worker(WideNetImageClassificationTransformer parent, DataViewRow input, int batchSize) : BatchColumnWorker
    {
        readonly Func<object> _get = parent.Input.Getter(input);
        readonly object[] _items = new object[batchSize];
        readonly long[] _rows = new long[batchSize];
        long _rowCount;

        public override void AddRow(int rowInBatch)
        {
            _items[rowInBatch] = _get();
            _rows[rowInBatch] = ++_rowCount;
        }

        public override void ComputeBatch(BatchColumnOutputs outputs)
        {
            var n = outputs.RowCount;
            using var x = parent.Input.Batch(parent._pre, new ArraySegment<object>(_items, 0, n), j => $"column '{parent.Input.Column}', row {_rows[j]}");
            parent.WriteOutputs(outputs, parent.Score(x, null));
        }
    }
}

/// <summary>Reads <see cref="WideNetImageClassificationTransformer"/> entries of model files.</summary>
public sealed class WideNetImageClassificationLoader : IModelLoader
{
    /// <inheritdoc/>
    public string LoaderName => WideNetImageClassificationTransformer.LoaderName;
    /// <inheritdoc/>
    public int FormatVersion => 1;

    /// <inheritdoc/>
    public ITransformer Load(ModelLoadContext context)
    {
        var (saved, model, label) = WideNetClassificationTransformer.LoadCommon(context, WideNetImageClassificationTransformer.Task);
        var input = saved.Image ?? throw new InvalidDataException("the model entry has no image input description");
        return new WideNetImageClassificationTransformer(context.Context, model, saved.Spec, label, saved.ScoreColumnName,
                                                         saved.PredictedLabelColumnName, input, null);
    }
}
