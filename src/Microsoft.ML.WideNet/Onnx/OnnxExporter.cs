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
    /// <summary>With <paramref name="views"/>, the graph scores every view of each image in one pass and returns the mean of their
    /// probabilities, as the transformer does.</summary>
    public static ModelProto Image(IClassifier model, string architecture, int imageSize, int channels, float[] mean, float[] std, IReadOnlyList<string> classNames,
                                   Vision.TestTimeViews? views = null)
    {
        var (classes, size, chans) = Geometry(model);
        if (size != imageSize || chans != channels)
            throw new ArgumentException($"the network reads {chans}×{size}×{size} images, not {channels}×{imageSize}×{imageSize}");
        CheckClasses(classNames, classes);
        var g = new OnnxGraph(model.Module.named_parameters().Concat(model.Module.named_buffers()));
        var dims = new[] { "batch", "channels", "height", "width" };
        var pixels = g.Input(PixelsInput, OnnxType.Float, new long?[] { null, channels, imageSize, imageSize }, dims);
        float[] PerChannel(float[] v) => v.Length == 1 ? Enumerable.Repeat(v[0], channels).ToArray() : v;
        var input = views is { Count: > 1 } v0 ? Views(g, pixels, v0, imageSize) : pixels;                                     // [V·N, C, S, S]
        var x = g.div(g.sub(g.div(input, g.Scalar(255f)), g.Const(PerChannel(mean), channels, 1, 1)), g.Const(PerChannel(std), channels, 1, 1)); // [V·N, C, S, S]
        var logits = model switch
        {
            WideNetVision w => g.Forward(w, x),
            ViT v => g.Forward(v, x),
            Brainformer b when b.embed is null => g.Forward(b, x),
            _ => throw new NotSupportedException($"{model.GetType().Name} is not an image classifier this exporter knows"),
        };
        if (views is { Count: > 1 } v1)
        {
            var probabilities = g.mean(g.reshape(g.softmax(logits, 1), v1.Count, -1, classNames.Count), [0]);                     // [V, N, K] → [N, K]
            g.Output(probabilities, ProbabilitiesOutput, OnnxType.Float, new long?[] { null, classNames.Count }, new[] { "batch", "classes" });
        }
        else Finish(g, logits, classNames.Count);
        return g.ToModel(Metadata(architecture, classNames,
                                  ("test_time_views", (views is { Count: > 1 } ? views.Count : 1).ToString(CultureInfo.InvariantCulture)),
                                  ("image_size", imageSize.ToString(CultureInfo.InvariantCulture)),
                                  ("channels", channels.ToString(CultureInfo.InvariantCulture)),
                                  ("input_range", "0-255"), ("layout", "NCHW planar " + (channels == 1 ? "grey" : "RGB"))),
                         $"{architecture} image classifier: {PixelsInput} [N, {channels}, {imageSize}, {imageSize}] float 0-255 → {ProbabilitiesOutput} [N, {classNames.Count}]");
    }

    /// <summary>The views of 0–255 pixels [N, C, S, S], stacked view by view as <see cref="Vision.TestTimeViews.Stack"/> does:
    /// shifts pad with 0 (black) and slice, mirrors reverse the width.</summary>
    static string Views(OnnxGraph g, string pixels, Vision.TestTimeViews views, int size)
    {
        var s = views.Shift;
        var padded = s > 0 ? g.pad(pixels, 0, 0, s, s, 0, 0, s, s) : pixels;                                                   // [N, C, S+2s, S+2s]
        var list = new List<string>();
        foreach (var (dx, dy) in views.Offsets)
        {
            var view = s == 0 ? pixels : g.narrow(g.narrow(padded, 2, g.Ints(s - dy), g.Ints(s - dy + size)), 3, g.Ints(s - dx), g.Ints(s - dx + size));
            list.Add(view);
            if (views.Flip) list.Add(g.flip(view, 3));
        }
        return g.cat(list.ToArray(), 0);
    }

    /// <summary>The graph of a text classifier taking token ids and an attention mask (1 at real tokens).</summary>
    public static ModelProto Text(IClassifier model, string architecture, int maxLength, IReadOnlyList<string> classNames)
    {
        CheckClasses(classNames, Geometry(model).classes);
        var g = new OnnxGraph(model.Module.named_parameters().Concat(model.Module.named_buffers()));
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

    /// <summary>Classes, and for image networks the input side and channels (0 for text networks).</summary>
    internal static (int classes, int imageSize, int channels) Geometry(IClassifier model) => model switch
    {
        WideNetVision w => (w.config.NumClasses, w.config.ImageSize, w.config.Channels),
        ViT v => (v.config.NumClasses, v.config.ImageSize, v.config.Channels),
        Brainformer { embed: null } b => (b.config.NumClasses, b.config.ImageSize, b.config.Channels),
        Brainformer b => (b.config.NumClasses, 0, 0),
        TextEncoder t => (t.config.NumClasses, 0, 0),
        _ => throw new NotSupportedException($"{model.GetType().Name} is not a classifier this exporter knows"),
    };

    static void CheckClasses(IReadOnlyList<string> names, int classes)
    {
        if (names.Count != classes) throw new ArgumentException($"{names.Count} class names for a network with {classes} classes");
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

/// <summary>ONNX export of a network built or trained without ML.NET (the ML.NET transformers have
/// <see cref="WideNetClassificationTransformer.ExportToOnnx(string)"/>): the same graphs, inputs and outputs.</summary>
public static class OnnxExport
{
    /// <summary>Writes an image classifier (WideNet, ViT, ViT-MoE, Brainformer) taking <c>pixels</c> [N, C, S, S] float
    /// 0–255, normalised as (x/255 − mean)/std inside the graph, giving <c>probabilities</c> [N, K].</summary>
    public static void ImageClassifier(IClassifier model, Stream output, int imageSize, int channels, float[]? mean = null, float[]? std = null,
                                       IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var names = classNames ?? Enumerable.Range(1, OnnxExporter.Geometry(model).classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        OnnxExporter.Write(OnnxExporter.Image(model, model.GetType().Name, imageSize, channels, mean ?? new[] { 0.5f }, std ?? new[] { 0.5f }, names), output);
    }

    /// <summary>Writes a text classifier taking <c>input_ids</c> and <c>attention_mask</c> [N, L] int64, giving
    /// <c>probabilities</c> [N, K].</summary>
    public static void TextClassifier(IClassifier model, Stream output, int maxLength, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var names = classNames ?? Enumerable.Range(1, OnnxExporter.Geometry(model).classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        OnnxExporter.Write(OnnxExporter.Text(model, model.GetType().Name, maxLength, names), output);
    }
}
