using System.Text;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Training;
using WideNet.Torch;
using WideNet.Torch.Serialization;

namespace Microsoft.ML.WideNet;

/// <summary>
/// A trained WideNet-family classifier as an ML.NET transformer: adds <c>Score</c> (softmax probabilities, one per class,
/// with the class names as slot names) and <c>PredictedLabel</c> (a key with the label's key values). <c>Transform</c> is
/// lazy and scores <see cref="BatchSize"/> rows per forward pass; <c>GetRowToRowMapper</c> serves
/// <c>PredictionEngine</c>. It never reads the label column. It owns the network's native memory: dispose it (or the
/// chain holding it) when done.
/// </summary>
public abstract class WideNetClassificationTransformer : ITransformer, IDisposable
{
    private protected readonly IClassifier Model;
    internal readonly ModelSpec Spec;
    internal readonly LabelInfo Label;
    private protected readonly IHostEnvironment Env;
    readonly global::WideNet.Torch.Device _device;
    bool _disposed;

    private protected WideNetClassificationTransformer(IHostEnvironment env, IClassifier model, ModelSpec spec, LabelInfo label,
                                                       string scoreColumnName, string predictedLabelColumnName, TrainingResult? result)
    {
        Env = env;
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

    /// <summary>The network (for tests).</summary>
    internal IClassifier Network => Model;
    /// <summary>One line describing the network.</summary>
    public string ModelDescription => Spec.Describe();
    /// <summary>Where the network runs.</summary>
    public string Device => _device.ToString();
    /// <summary>Epoch history, best epoch and steps of the training run; null for a model loaded from a file.</summary>
    public TrainingResult? TrainingResult { get; }
    /// <summary>The tuner's trial history when <see cref="WideNetAutoTrainer"/> chose this model; otherwise null.</summary>
    public TuningResult? Tuning { get; internal set; }
    /// <summary>Rows scored per forward pass.</summary>
    public int BatchSize { get; set; } = 64;

    // ---- ITransformer ---------------------------------------------------------------------------------------

    /// <summary>True: the transformer maps rows one to one (PredictionEngine works).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score and PredictedLabel; a missing or mistyped input column throws, naming it.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInput(inputSchema);
        return new ScoringSchema(inputSchema, OutputColumns()).Output;
    }

    /// <summary>A lazy view of <paramref name="input"/> with Score and PredictedLabel, scored in batches.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInput(input.Schema);
        return new ScoringDataView(input, this);
    }

    /// <summary>The row-to-row mapper PredictionEngine and TransformerChain use.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInput(inputSchema);
        return new ScoringRowMapper(inputSchema, this);
    }

    /// <summary>Writes this transformer's entry into ML.NET's model zip (called by <c>mlContext.Model.Save</c>).</summary>
    public abstract void Save(ModelSaveContext ctx);

    // ---- ONNX -----------------------------------------------------------------------------------------------

    /// <summary>Writes the network as an ONNX model (opset 17) that ONNX Runtime and ML.NET's <c>ApplyOnnxModel</c> run
    /// without LibTorch: images take <c>pixels</c> [N, C, S, S] float 0–255, text takes <c>input_ids</c> and
    /// <c>attention_mask</c> [N, L] int64; the output is <c>probabilities</c> [N, K]. The file is written next to
    /// <paramref name="path"/> first and moved into place when complete, so an existing file is never half-replaced.</summary>
    public void ExportToOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(Path.GetDirectoryName(full)))
            throw new DirectoryNotFoundException($"cannot write '{path}': the folder '{Path.GetDirectoryName(full)}' does not exist");
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                ExportToOnnx(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes the ONNX model (see <see cref="ExportToOnnx(string)"/>) to <paramref name="stream"/>.</summary>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var model = OnnxModel();
        using var buffer = new MemoryStream();
        Onnx.OnnxExporter.Write(model, buffer);                    // the whole model first: a failure writes nothing
        buffer.Position = 0;
        buffer.CopyTo(stream);
    }

    /// <summary>This classifier's ONNX graph.</summary>
    internal abstract Onnx.ModelProto OnnxModel();

    // ---- what the image and text transformers provide -----------------------------------------------------------

    /// <summary>Throws, naming the column, when <paramref name="schema"/> lacks an input column or has a wrong type.</summary>
    private protected abstract void CheckInput(DataViewSchema schema);
    /// <summary>The input columns scoring reads (checked by <see cref="CheckInput"/>).</summary>
    internal abstract IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema schema);
    /// <summary>A reader of the current row's input (a copy that stays valid after the row moves on).</summary>
    internal abstract Func<object> Reader(DataViewRow row);
    /// <summary>Probabilities [n·K] of the items <see cref="Reader"/> returned; <paramref name="nameOf"/> names an item in messages.</summary>
    internal abstract float[] ScoreItems(IReadOnlyList<object> items, Func<int, string> nameOf);

    /// <summary>The schema shape a trainer promises: the input plus Score (with slot names) and PredictedLabel (a key
    /// with the label's key values, so MapKeyToValue can follow).</summary>
    internal static SchemaShape OutputShape(SchemaShape input, string label, string score, string predicted)
    {
        var cols = input.Where(c => c.Name != score && c.Name != predicted).ToList();
        var text = TextDataViewType.Instance;
        var scoreAnnotations = new List<SchemaShape.Column>
        {
            MLNetBridge.Column(AnnotationUtils.Kinds.ScoreColumnKind, SchemaShape.Column.VectorKind.Scalar, text, false),
            MLNetBridge.Column(AnnotationUtils.Kinds.ScoreValueKind, SchemaShape.Column.VectorKind.Scalar, text, false),
        };
        var predictedAnnotations = new List<SchemaShape.Column>();
        if (SchemaChecks.TryFind(input, label, out var labelColumn) && labelColumn.Annotations is { } a && SchemaChecks.TryFind(a, AnnotationUtils.Kinds.KeyValues, out var keyValues))
        {
            predictedAnnotations.Add(keyValues);
            if (keyValues.ItemType is TextDataViewType)
                scoreAnnotations.Add(MLNetBridge.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, text, false));
        }
        cols.Add(MLNetBridge.Column(score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(scoreAnnotations)));
        cols.Add(MLNetBridge.Column(predicted, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, new SchemaShape(predictedAnnotations)));
        return new SchemaShape(cols);
    }

    /// <summary>Softmax probabilities [n·K] of a batch of network inputs (CPU tensors).</summary>
    private protected float[] Score(Tensor input, Tensor? mask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        ClassifierOutput output;
        try
        {
            if (_device.IsCuda)
            {
                using var _ = torch.autocast(DeviceType.CUDA, ScalarType.BFloat16);
                output = Model.forward(input.to(_device), mask?.to(_device));
            }
            else output = Model.forward(input.to(_device), mask?.to(_device));
        }
        catch (TorchException e)
        {
            throw new InvalidOperationException($"scoring a batch of shape [{string.Join(", ", input.shape)}] failed in LibTorch: {e.Message}", e);
        }
        return output.Logits.to(ScalarType.Float32).softmax(1).to(global::WideNet.Torch.Device.CPU).ToArray<float>();
    }

    /// <summary>The Score and PredictedLabel columns with their annotations (slot names = class names; ML.NET's score
    /// kinds, so evaluators recognise a multiclass score; the label's key values on PredictedLabel).</summary>
    internal DataViewSchema.DetachedColumn[] OutputColumns()
    {
        var k = ClassCount;
        var names = Label.ClassNames;
        var score = new DataViewSchema.Annotations.Builder();
        score.Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, k), (ref VBuffer<ReadOnlyMemory<char>> dst) =>
        {
            var editor = VBufferEditor.Create(ref dst, k);
            for (var i = 0; i < k; i++) editor.Values[i] = names[i].AsMemory();
            dst = editor.Commit();
        });
        score.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance,
                  (ref ReadOnlyMemory<char> dst) => dst = AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        score.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance,
                  (ref ReadOnlyMemory<char> dst) => dst = AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());
        return
        [
            new(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations()),
            new(PredictedLabelColumnName, Label.Type, Label.KeyValueAnnotations()),
        ];
    }

    // ---- saving and loading ---------------------------------------------------------------------------------

    internal const string ModelFile = "model.json";
    internal const string LabelFile = "label.json";
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

    /// <summary>The files of this transformer's entry: configuration, label, weights (plus what a subclass adds).</summary>
    private protected List<(string name, byte[] bytes)> EntryFiles(string task, ImageInput? image, TextInput? text)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var saved = new SavedModel
        {
            Task = task, Spec = Spec, ScoreColumnName = ScoreColumnName, PredictedLabelColumnName = PredictedLabelColumnName, Image = image, Text = text,
        };
        using var scope = torch.NewDisposeScope();
        var cpu = Model.Module.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.detach().to(global::WideNet.Torch.Device.CPU)));
        return
        [
            (ModelFile, JsonSerializer.SerializeToUtf8Bytes(saved, Json)),
            (LabelFile, JsonSerializer.SerializeToUtf8Bytes(Label.ToSaved(), Json)),
            (WeightsFile, Safetensors.Serialize(cpu)),
        ];
    }

    /// <summary>Parses the common files of an entry (already checksum-verified) and rebuilds the network with its
    /// weights, on the GPU when the context's <c>GpuDeviceId</c> is set and one is available (else the CPU).</summary>
    internal static (SavedModel saved, IClassifier model, LabelInfo label) LoadCommon(IHostEnvironment env, IReadOnlyDictionary<string, byte[]> files, string expectedTask)
    {
        var saved = ReadJson<SavedModel>(files, ModelFile);
        if (saved.Task != expectedTask)
            throw new InvalidDataException($"the model entry holds a WideNet {saved.Task} classifier, not a {expectedTask} classifier");
        var label = LabelInfo.FromSaved(ReadJson<SavedLabel>(files, LabelFile));
        IClassifier model;
        try { model = saved.Spec.Create(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TorchException)
        {
            throw new InvalidDataException($"{ModelFile} describes no network this library can build: {e.Message}", e);
        }
        try
        {
            Dictionary<string, Tensor> weights;
            try { weights = Safetensors.Deserialize(Need(files, WeightsFile), out _); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or TorchException) { throw new InvalidDataException($"{WeightsFile} is damaged: {e.Message}", e); }
            try { model.Module.load_state_dict(weights, strict: true); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or TorchException)
            {
                throw new InvalidDataException($"{WeightsFile} does not match the network described in {ModelFile}: {e.Message}", e);
            }
            finally { foreach (var t in weights.Values) t.Dispose(); }
            var (gpu, fallback) = MLNetBridge.Gpu(env);
            if (gpu is { } id)
            {
                if (torch.cuda.is_available()) model.Module.to(global::WideNet.Torch.Device.CUDA(id));
                else if (!fallback) throw new InvalidOperationException($"MLContext.GpuDeviceId is {id} but no CUDA GPU is available (FallbackToCpu is false)");
            }
            return (saved, model, label);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    internal static byte[] Need(IReadOnlyDictionary<string, byte[]> files, string name) =>
        files.TryGetValue(name, out var b) ? b : throw new InvalidDataException($"the model entry has no file '{name}'");

    internal static T ReadJson<T>(IReadOnlyDictionary<string, byte[]> files, string name)
    {
        try { return JsonSerializer.Deserialize<T>(Need(files, name), Json) ?? throw new InvalidDataException($"{name} is empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{name} is not valid: {e.Message}", e); }
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
