using System.Globalization;
using System.Text.Json;
using Microsoft.ML.WideNet.Models;
using ProtoBuf;

namespace Microsoft.ML.WideNet.Onnx;

/// <summary>
/// Writes a trained classifier as an ONNX model (opset 17) that ONNX Runtime, and ML.NET's <c>ApplyOnnxModel</c>,
/// run without LibTorch. Images: input <see cref="PixelsInput"/> [N, C, S, S] float pixels in 0–255 (what
/// <c>LoadImages → ResizeImages → ExtractPixels</c> gives with its defaults), normalised inside the graph. Text:
/// <see cref="IdsInput"/> and <see cref="MaskInput"/> [N, L] int64 from the model's tokenizer. Output
/// <see cref="ProbabilitiesOutput"/> [N, K]. The batch is dynamic; MoE layers route over the whole batch at the
/// evaluation capacity, exactly as the LibTorch model does for the same batch.
/// </summary>
internal static class OnnxExporter
{
    public const string PixelsInput = "pixels";
    public const string IdsInput = "input_ids";
    public const string MaskInput = "attention_mask";
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The graph of an image classifier taking 0–255 pixels; (x/255 − mean)/std is its first step.</summary>
    public static ModelProto Image(IClassifier model, string architecture, int imageSize, int channels, float[] mean, float[] std, IReadOnlyList<string> classNames)
    {
        var g = new OnnxGraph(model.Module.named_parameters());
        var dims = new[] { "batch", "channels", "height", "width" };
        var pixels = g.Input(PixelsInput, OnnxType.Float, new long?[] { null, channels, imageSize, imageSize }, dims);
        float[] PerChannel(float[] v) => v.Length == 1 ? Enumerable.Repeat(v[0], channels).ToArray() : v;
        var x = g.div(g.sub(g.div(pixels, g.Scalar(255f)), g.Const(PerChannel(mean), channels, 1, 1)), g.Const(PerChannel(std), channels, 1, 1)); // [N, C, S, S]
        var logits = model switch
        {
            WideNetVision w => g.Forward(w, x),
            ViT v => g.Forward(v, x),
            Brainformer b when b.embed is null => g.Forward(b, x),
            _ => throw new NotSupportedException($"{model.GetType().Name} is not an image classifier this exporter knows"),
        };
        Finish(g, logits, classNames.Count);
        return g.ToModel(Metadata(architecture, classNames,
                                  ("image_size", imageSize.ToString(CultureInfo.InvariantCulture)),
                                  ("channels", channels.ToString(CultureInfo.InvariantCulture)),
                                  ("input_range", "0-255"), ("layout", "NCHW planar " + (channels == 1 ? "grey" : "RGB"))),
                         $"{architecture} image classifier: {PixelsInput} [N, {channels}, {imageSize}, {imageSize}] float 0-255 → {ProbabilitiesOutput} [N, {classNames.Count}]");
    }

    /// <summary>The graph of a text classifier taking token ids and an attention mask (1 at real tokens).</summary>
    public static ModelProto Text(IClassifier model, string architecture, int maxLength, IReadOnlyList<string> classNames)
    {
        var g = new OnnxGraph(model.Module.named_parameters());
        var dims = new[] { "batch", "sequence" };
        var ids = g.Input(IdsInput, OnnxType.Int64, new long?[] { null, null }, dims);
        var mask = g.to(g.Input(MaskInput, OnnxType.Int64, new long?[] { null, null }, dims), OnnxType.Bool); // [N, L] bool
        var logits = model switch
        {
            TextEncoder t => g.Forward(t, ids, mask),
            Brainformer b when b.embed is not null => g.Forward(b, ids, mask),
            _ => throw new NotSupportedException($"{model.GetType().Name} is not a text classifier this exporter knows"),
        };
        Finish(g, logits, classNames.Count);
        return g.ToModel(Metadata(architecture, classNames, ("max_length", maxLength.ToString(CultureInfo.InvariantCulture))),
                         $"{architecture} text classifier: {IdsInput}, {MaskInput} [N, L ≤ {maxLength}] int64 → {ProbabilitiesOutput} [N, {classNames.Count}]");
    }

    static void Finish(OnnxGraph g, string logits, int classes) =>
        g.Output(g.softmax(logits, 1), ProbabilitiesOutput, OnnxType.Float, new long?[] { null, classes }, new[] { "batch", "classes" });

    static IEnumerable<KeyValuePair<string, string>> Metadata(string architecture, IReadOnlyList<string> classNames, params (string key, string value)[] more) =>
        new[] { ("architecture", architecture), ("class_names", JsonSerializer.Serialize(classNames)) }.Concat(more)
            .Select(kv => KeyValuePair.Create(kv.Item1, kv.Item2));

    /// <summary>Serialises <paramref name="model"/> (protobuf, ONNX's message numbers).</summary>
    public static void Write(ModelProto model, Stream stream) => Serializer.Serialize(stream, model);

    /// <summary>Reads a model written by <see cref="Write"/> (tests and tools).</summary>
    public static ModelProto Read(Stream stream) => Serializer.Deserialize<ModelProto>(stream);
}
