using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;

namespace Microsoft.ML.WideNet;

/// <summary>A trained text classifier (from <see cref="WideNetTextClassificationTrainer"/> or loaded from a model file):
/// tokenises the text column(s) with the tokenizer learned in training and adds Score and PredictedLabel.</summary>
public sealed class WideNetTextClassificationTransformer : WideNetClassificationTransformer
{
    internal const string Task = "text";
    internal const string TokenizerFile = "tokenizer.json";
    internal readonly TextInput Input;

    internal WideNetTextClassificationTransformer(IHostEnvironment env, IClassifier model, ModelSpec spec, LabelInfo label, string scoreColumnName,
                                                  string predictedLabelColumnName, TextInput input, ByteLevelBpeTokenizer tokenizer, TrainingResult? result)
        : base(env, model, spec, label, scoreColumnName, predictedLabelColumnName, result)
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
    /// the other steps are disposed), failing clearly when the file holds no WideNet text classifier.</summary>
    public static WideNetTextClassificationTransformer Load(MLContext context, string path, out DataViewSchema inputSchema) =>
        WideNetImageClassificationTransformer.LoadTyped<WideNetTextClassificationTransformer>(context, path, out inputSchema, "text");

    private protected override void CheckInput(DataViewSchema schema) => Input.CheckSchema(schema);
    internal override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema schema) => Input.Dependencies(schema);
    internal override Func<object> Reader(DataViewRow row)
    {
        var get = Input.Getter(row);
        return () => get();
    }

    internal override float[] ScoreItems(IReadOnlyList<object> items, Func<int, string> nameOf)
    {
        var encoded = Input.Encode(Tokenizer, items.Select(i => ((string, string?))i).ToArray());
        var (ids, mask) = TextInput.Pad(encoded);
        using (ids)
        using (mask)
            return Score(ids, mask);
    }

    internal override Onnx.ModelProto OnnxModel() => Onnx.OnnxExporter.Text(Model, Architecture.ToString(), Input.MaxLength, ClassNames);

    /// <summary>Writes the entry: model.json, label.json, weights.safetensors and tokenizer.json, each with its SHA-256.</summary>
    public override void Save(ModelSaveContext ctx)
    {
        var files = EntryFiles(Task, null, Input);
        files.Add((TokenizerFile, Encoding.UTF8.GetBytes(Tokenizer.ToJson())));
        ModelEntry.Save(ctx, ModelLoaders.TextClassifier.ModelSignature, ModelLoaders.TextClassifier.LoaderSignature, files);
    }

    /// <summary>Rebuilds a transformer from the verified files of its entry.</summary>
    internal static WideNetTextClassificationTransformer FromEntry(IHostEnvironment env, IReadOnlyDictionary<string, byte[]> files)
    {
        var (saved, model, label) = LoadCommon(env, files, Task);
        try
        {
            var input = saved.Text;
            if (input is null || string.IsNullOrEmpty(input.Sentence1Column) || input.MaxLength < 4)
                throw new InvalidDataException($"{ModelFile} has no valid text input description");
            ByteLevelBpeTokenizer tokenizer;
            try { tokenizer = ByteLevelBpeTokenizer.FromJson(Encoding.UTF8.GetString(Need(files, TokenizerFile))); }
            catch (Exception e) when (e is not InvalidDataException) { throw new InvalidDataException($"{TokenizerFile}: {e.Message}", e); }
            return new WideNetTextClassificationTransformer(env, model, saved.Spec, label, saved.ScoreColumnName, saved.PredictedLabelColumnName, input, tokenizer, null);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
