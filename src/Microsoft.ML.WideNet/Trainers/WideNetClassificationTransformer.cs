using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;
using WideNet.Torch;
using WideNet.Torch.Serialization;

namespace Microsoft.ML.WideNet;

/// <summary>
/// A trained WideNet-family classifier as an ML.NET transformer: adds <c>Score</c> (softmax probabilities, one per class,
/// with the class names as slot names) and <c>PredictedLabel</c> (a key with the label's key values), scoring
/// <see cref="BatchSize"/> rows per forward pass. It never reads the label column. It owns the network's native memory:
/// dispose it when done.
/// </summary>
public abstract class WideNetClassificationTransformer : BatchColumnTransformerBase, IDisposable
{
    private protected readonly IClassifier Model;
    internal readonly ModelSpec Spec;
    internal readonly LabelInfo Label;
    private protected readonly MLContext Context;
    readonly global::WideNet.Torch.Device _device;
    bool _disposed;

    private protected WideNetClassificationTransformer(MLContext context, IClassifier model, ModelSpec spec, LabelInfo label,
                                                       string scoreColumnName, string predictedLabelColumnName, TrainingResult? result)
    {
        Context = context;
        Model = model;
        Spec = spec;
        Label = label;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        TrainingResult = result;
        Model.Module.eval();
        _device = model.Module.parameters().FirstOrDefault()?.device ?? global::WideNet.Torch.Device.CPU;
    }

    /// <summary>The output column of class probabilities.</summary>
    public string ScoreColumnName { get; }
    /// <summary>The output key column of the predicted class.</summary>
    public string PredictedLabelColumnName { get; }
    /// <summary>The label column the model was trained on (its key type is the type of PredictedLabel).</summary>
    public string LabelColumnName => Label.Name;
    /// <summary>The network family.</summary>
    public ModelArchitecture Architecture => Spec.Architecture;
    /// <summary>Number of classes.</summary>
    public int ClassCount => Label.ClassCount;
    /// <summary>Class names in key order (the label's key values, or "1".."K").</summary>
    public IReadOnlyList<string> ClassNames => Label.ClassNames;
    /// <summary>Trainable parameters of the network.</summary>
    public long ParameterCount => Model.Module.parameter_count();
    /// <summary>One line describing the network.</summary>
    public string ModelDescription => Spec.Describe();
    /// <summary>Where the network runs.</summary>
    public string Device => _device.ToString();
    /// <summary>Epoch history, best epoch and steps of the training run; null for a model loaded from a file.</summary>
    public TrainingResult? TrainingResult { get; }
    /// <summary>Rows scored per forward pass.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The schema shape a trainer promises: the input plus Score and PredictedLabel.</summary>
    internal static SchemaShape OutputShape(SchemaShape input, string label, string score, string predicted)
    {
        var cols = input.Where(c => c.Name != score && c.Name != predicted).ToList();
        cols.Add(new SchemaShape.Column(score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
        cols.Add(new SchemaShape.Column(predicted, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true));
        return new SchemaShape(cols);
    }

    /// <summary>Softmax probabilities [n·K] of a batch of network inputs (CPU tensors).</summary>
    private protected float[] Score(Tensor input, Tensor? mask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var autocast = _device.IsCuda;
        ClassifierOutput output;
        if (autocast)
        {
            using var _ = torch.autocast(DeviceType.CUDA, ScalarType.BFloat16);
            output = Model.forward(input.to(_device), mask?.to(_device));
        }
        else output = Model.forward(input.to(_device), mask?.to(_device));
        return output.Logits.to(ScalarType.Float32).softmax(1).to(global::WideNet.Torch.Device.CPU).ToArray<float>();
    }

    /// <summary>Writes probabilities and argmax keys of a block of rows.</summary>
    private protected void WriteOutputs(BatchColumnOutputs outputs, float[] probabilities)
    {
        var k = ClassCount;
        var scores = outputs.IsActive(0) ? outputs.GetValues<VBuffer<float>>(0) : default;
        var labels = outputs.IsActive(1) ? outputs.GetValues<uint>(1) : default;
        for (var r = 0; r < outputs.RowCount; r++)
        {
            var row = probabilities.AsSpan(r * k, k);
            if (!scores.IsEmpty)
            {
                var editor = VBufferEditor.Create(ref scores[r], k);
                row.CopyTo(editor.Values);
                scores[r] = editor.Commit();
            }
            if (!labels.IsEmpty)
            {
                var best = 0;
                for (var c = 1; c < k; c++) if (row[c] > row[best]) best = c;
                labels[r] = (uint)best + 1;
            }
        }
    }

    /// <summary>The Score and PredictedLabel columns with their annotations.</summary>
    private protected IEnumerable<DataViewSchema.DetachedColumn> OutputColumns()
    {
        var k = ClassCount;
        var names = Label.ClassNames;
        var score = new DataViewSchema.Annotations.Builder();
        score.AddSlotNames(k, (ref VBuffer<ReadOnlyMemory<char>> dst) =>
        {
            var editor = VBufferEditor.Create(ref dst, k);
            for (var i = 0; i < k; i++) editor.Values[i] = names[i].AsMemory();
            dst = editor.Commit();
        });
        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.Add(Label.Annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
        yield return new(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations());
        yield return new(PredictedLabelColumnName, Label.Type, predicted.ToAnnotations());
    }

    // ---- saving and loading ---------------------------------------------------------------------------------

    internal const string ModelFile = "model.json";
    internal const string LabelFile = "label.schema.json";
    internal const string WeightsFile = "weights.safetensors";

    /// <summary>What every WideNet model entry holds besides the weights.</summary>
    internal sealed class SavedModel
    {
        public string Task { get; set; } = "";
        public ModelSpec Spec { get; set; } = new();
        public string ScoreColumnName { get; set; } = "";
        public string PredictedLabelColumnName { get; set; } = "";
        public ImageInput? Image { get; set; }
        public TextInput? Text { get; set; }
    }

    private protected void SaveCommon(ModelSaveContext ctx, string loaderName, string task, ImageInput? image, TextInput? text)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ctx.SetVersionInfo(loaderName, 1);
        ctx.WriteJson(ModelFile, new SavedModel
        {
            Task = task, Spec = Spec, ScoreColumnName = ScoreColumnName, PredictedLabelColumnName = PredictedLabelColumnName, Image = image, Text = text,
        });
        ctx.WriteSchema(LabelFile, Label.ToSchema());
        using var scope = torch.NewDisposeScope();
        var cpu = Model.Module.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.detach().to(global::WideNet.Torch.Device.CPU)));
        ctx.WriteBytes(WeightsFile, Safetensors.Serialize(cpu));
    }

    /// <summary>Reads the common parts of a saved entry and rebuilds the network with its weights, on the GPU when
    /// <see cref="MLContext.GpuDeviceId"/> is set and one is available (else the CPU).</summary>
    internal static (SavedModel saved, IClassifier model, LabelInfo label) LoadCommon(ModelLoadContext ctx, string expectedTask)
    {
        var saved = ctx.ReadJson<SavedModel>(ModelFile);
        if (saved.Task != expectedTask)
            throw new InvalidDataException($"the model entry holds a WideNet {saved.Task} classifier, not a {expectedTask} classifier");
        var label = LabelInfo.FromSchema(ctx.ReadSchema(LabelFile));
        var model = saved.Spec.Create();
        try
        {
            Dictionary<string, Tensor> weights;
            try { weights = Safetensors.Deserialize(ctx.ReadBytes(WeightsFile), out _); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or TorchException) { throw new InvalidDataException($"{WeightsFile} is damaged: {e.Message}", e); }
            try { model.Module.load_state_dict(weights, strict: true); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or TorchException)
            {
                throw new InvalidDataException($"{WeightsFile} does not match the network described in {ModelFile}: {e.Message}", e);
            }
            finally { foreach (var t in weights.Values) t.Dispose(); }
            if (ctx.Context.GpuDeviceId is { } gpu)
            {
                if (torch.cuda.is_available()) model.Module.to(global::WideNet.Torch.Device.CUDA(gpu));
                else if (!ctx.Context.FallbackToCpu) throw new InvalidOperationException($"MLContext.GpuDeviceId is {gpu} but no CUDA GPU is available (FallbackToCpu is false)");
            }
            return (saved, model, label);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Frees the network.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Model.Dispose();
        GC.SuppressFinalize(this);
    }

    internal static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };
}
