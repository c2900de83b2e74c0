using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet;

/// <summary>A trained image classifier (from <see cref="WideNetImageClassificationTrainer"/> or loaded from a model
/// file): decodes the image column exactly like evaluation during training (resize, normalise; no augmentation) and adds
/// Score and PredictedLabel.</summary>
public sealed class WideNetImageClassificationTransformer : WideNetClassificationTransformer
{
    internal const string Task = "image";
    internal readonly ImageInput Input;
    readonly ImagePreprocessor _pre;
    readonly float[] _zero;

    internal WideNetImageClassificationTransformer(IHostEnvironment env, IClassifier model, ModelSpec spec, LabelInfo label,
                                                   string scoreColumnName, string predictedLabelColumnName, ImageInput input, TrainingResult? result)
        : base(env, model, spec, label, scoreColumnName, predictedLabelColumnName, result)
    {
        Input = input;
        _pre = input.CreatePreprocessor();
        _zero = input.ZeroPixel();
    }

    /// <summary>The image column read when scoring.</summary>
    public string ImageColumnName => Input.Column;
    /// <summary>Side of the square network input.</summary>
    public int ImageSize => Input.ImageSize;
    /// <summary>Channels of the network input (1 grey, 3 RGB).</summary>
    public int Channels => Input.Channels;
    /// <summary>True when the model was trained on float pixel vectors (<see cref="PixelWidth"/> × <see cref="PixelHeight"/>
    /// × <see cref="Channels"/>); it still scores MLImage and encoded-byte columns.</summary>
    public bool TrainedOnPixels => Input.Pixels;
    /// <summary>Width of the pixel vectors the model was trained on (0 for images).</summary>
    public int PixelWidth => Input.PixelWidth;
    /// <summary>Height of the pixel vectors the model was trained on (0 for images).</summary>
    public int PixelHeight => Input.PixelHeight;

    /// <summary>Loads a model file saved from this transformer, alone or inside a pipeline (the classifier is returned;
    /// the other steps are disposed), failing clearly when the file holds no WideNet image classifier.</summary>
    public static WideNetImageClassificationTransformer Load(MLContext context, string path, out DataViewSchema inputSchema) =>
        LoadTyped<WideNetImageClassificationTransformer>(context, path, out inputSchema, "image");

    internal static T LoadTyped<T>(MLContext context, string path, out DataViewSchema inputSchema, string task) where T : WideNetClassificationTransformer
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = ModelFiles.Load(context, path, out inputSchema);
        var parts = model is IEnumerable<ITransformer> chain ? chain.ToArray() : new[] { model };
        var typed = parts.OfType<T>().LastOrDefault();
        foreach (var p in parts) if (!ReferenceEquals(p, typed)) (p as IDisposable)?.Dispose();
        if (typed is not null) return typed;
        var found = parts.LastOrDefault() ?? model;
        throw new InvalidDataException($"'{path}' holds a {found.GetType().Name}, not a WideNet {task} classifier");
    }

    private protected override void CheckInput(DataViewSchema schema) => Input.CheckSchema(schema);
    internal override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema schema) => [schema[Input.Column]];
    internal override Func<object> Reader(DataViewRow row) => Input.Getter(row);

    /// <summary>The views averaged when scoring (see <see cref="WideNetImageClassificationTrainer.Options.TestTimeAugmentation"/>),
    /// or null when each image is scored alone.</summary>
    public TestTimeViews? TestTimeViews => Input.Views;

    internal override float[] ScoreItems(IReadOnlyList<object> items, Func<int, string> nameOf)
    {
        using var x = Input.Batch(_pre, items, j => $"column '{Input.Column}', {nameOf(j)}");
        if (Input.Views is not { } views) return Score(x, null);
        // All views of a row go through one forward pass (as in the ONNX graph); rows per pass shrink so that the
        // network still sees about BatchSize images.
        var rows = Math.Max(1, BatchSize / views.Count);
        var scores = new float[items.Count * ClassCount];
        for (var start = 0; start < items.Count; start += rows)
        {
            var n = Math.Min(rows, items.Count - start);
            using var part = x.narrow(0, start, n);
            using var stacked = views.Stack(part, _zero);                       // [V·n, C, S, S]
            views.Average(Score(stacked, null), ClassCount).CopyTo(scores, start * ClassCount);
        }
        return scores;
    }

    internal override Onnx.ModelProto OnnxModel() =>
        Onnx.OnnxExporter.Image(Model, Architecture.ToString(), Input.ImageSize, Input.Channels, Input.Mean, Input.Std, ClassNames, Input.Views);

    // ---- saving and loading ---------------------------------------------------------------------------------

    /// <summary>Writes the entry: model.json, label.json, weights.safetensors, each with its SHA-256.</summary>
    public override void Save(ModelSaveContext ctx) =>
        ModelEntry.Save(ctx, ModelLoaders.ImageClassifier.ModelSignature, ModelLoaders.ImageClassifier.LoaderSignature, EntryFiles(Task, Input, null));

    /// <summary>Rebuilds a transformer from the verified files of its entry.</summary>
    internal static WideNetImageClassificationTransformer FromEntry(IHostEnvironment env, IReadOnlyDictionary<string, byte[]> files)
    {
        var (saved, model, label) = LoadCommon(env, files, Task);
        var input = saved.Image;
        if (input is null || string.IsNullOrEmpty(input.Column) || input.ImageSize < 1 || input.Channels is not (1 or 3))
        {
            model.Dispose();
            throw new InvalidDataException($"{ModelFile} has no valid image input description");
        }
        return new WideNetImageClassificationTransformer(env, model, saved.Spec, label, saved.ScoreColumnName, saved.PredictedLabelColumnName, input, null);
    }
}
