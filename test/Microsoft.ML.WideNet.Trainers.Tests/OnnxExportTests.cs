using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Onnx;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>Every architecture's ONNX graph against its LibTorch forward pass: probabilities within 1e-4 at batch 1 and 7,
/// on batches where the MoE capacity drops assignments (and the drops change the result).</summary>
public class OnnxExportTests
{
    const int Size = 16, Classes = 5;

    static VisionConfig Vision(int channels, double evalCapacity) => new()
    {
        ImageSize = Size, PatchSize = 4, Channels = channels, NumClasses = Classes, Dim = 32, Heads = 4, Depth = 3, Hidden = 48,
        NumExperts = 4, TopK = 2, CapacityFactor = 1.0, EvalCapacityFactor = evalCapacity, MoeLayers = 2, Dropout = 0, Seed = 7,
    };

    static BrainformerConfig Brain(int channels = 3, int vocab = 0, double capacity = 1.0) => new()
    {
        Recipe = "A F M M", Repeats = 2, Dim = 32, Heads = 4, HeadDim = 8, FfnHidden = 48, ExpertHidden = 48, NumExperts = 4,
        CapacityFactor = capacity, NumClasses = Classes, ImageSize = Size, PatchSize = 4, Channels = channels, VocabSize = vocab, MaxLength = 24,
        Dropout = 0, Seed = 11,
    };

    static TextConfig Text(double evalCapacity) => new()
    {
        VocabSize = 300, MaxLength = 24, EmbeddingSize = 16, NumClasses = Classes, Dim = 32, Heads = 4, Depth = 3, Hidden = 48,
        NumExperts = 4, TopK = 2, CapacityFactor = 1.0, EvalCapacityFactor = evalCapacity, Dropout = 0, Seed = 5,
    };

    /// <summary>At their initial scale the experts add little to the residual stream and the head gives nearly uniform
    /// probabilities; larger expert outputs and a sharper head make any routing difference visible.</summary>
    static T Sharpened<T>(T model) where T : IClassifier
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in model.Module.named_parameters())
        {
            if (name.StartsWith("head.")) p.mul_(6);
            if (name.EndsWith("experts.w2")) p.mul_(8);
            if (name.StartsWith("ngram")) p.copy_(torch.randn(p.shape, generator: new Generator(9))); // the tables start at zero
        }
        foreach (var (name, b) in model.Module.named_buffers())
            if (name.StartsWith("ngram_classifier.")) b.copy_(torch.rand(b.shape, generator: new Generator(10)).mul(3)); // idf weights (and the ensemble weight)
        model.Module.eval();
        return model;
    }

    static float[] Pixels(int batch, int channels, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, batch * channels * Size * Size).Select(_ => (float)r.Next(256)).ToArray();
    }

    /// <summary>LibTorch: the transformer's preprocessing ((x/255 − 0.5)/0.5) and forward, softmax.</summary>
    static float[] TorchImages(IClassifier model, float[] pixels, int batch, int channels, out ClassifierOutput stats)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var x = (torch.tensor(pixels, batch, channels, Size, Size).div(255.0) - 0.5) / 0.5;
        var output = model.forward(x);
        stats = output;
        output.Routing?.DroppedFraction.DetachFromDisposeScope();
        return output.Logits.softmax(1).ToArray<float>();
    }

    static byte[] Export(Func<ModelProto> build)
    {
        using var s = new MemoryStream();
        OnnxExporter.Write(build(), s);
        return s.ToArray();
    }

    static float[] Run(byte[] onnx, params NamedOnnxValue[] inputs)
    {
        using var session = new InferenceSession(onnx);
        using var results = session.Run(inputs);
        return results.Single(r => r.Name == OnnxExporter.ProbabilitiesOutput).AsTensor<float>().ToArray();
    }

    static float MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }

    public static TheoryData<string, int> ImageCases => new()
    {
        { "WideNet", 1 }, { "WideNet", 3 }, { "ViT", 3 }, { "ViTMoE", 1 }, { "Brainformer", 3 }, { "WideNetConvStem", 1 }, { "BrainformerConvStem", 3 },
    };

    static IClassifier BuildImage(string architecture, int channels, double evalCapacity) => architecture switch
    {
        "WideNet" => new WideNetVision(Vision(channels, evalCapacity)),
        "ViT" => new ViT(Vision(channels, evalCapacity), withMoe: false),
        "ViTMoE" => new ViT(Vision(channels, evalCapacity), withMoe: true),
        "WideNetConvStem" => new WideNetVision(Vision(channels, evalCapacity) with { PatchSize = 3, ConvStem = true }), // 16 → 8 → 4: 16 tokens
        "BrainformerConvStem" => new Brainformer(Brain(channels, capacity: evalCapacity == 0.5 ? 1.0 : 4.0) with { ConvStem = true }),
        _ => new Brainformer(Brain(channels, capacity: evalCapacity == 0.5 ? 1.0 : 4.0)),
    };

    [Theory, MemberData(nameof(ImageCases))]
    public void ImageGraphMatchesLibTorchWhereCapacityDropsTokens(string architecture, int channels)
    {
        using var model = Sharpened(BuildImage(architecture, channels, evalCapacity: 0.5));
        if (architecture.EndsWith("ConvStem"))
            Assert.Equal(2, model.Module.named_parameters().Count(p => p.name.StartsWith("patch_embed.stem") && p.name.EndsWith("_weight")));
        var onnx = Export(() => OnnxExporter.Image(model, architecture, Size, channels, new[] { 0.5f }, new[] { 0.5f },
                                                    Enumerable.Range(0, Classes).Select(i => $"c{i}").ToArray()));
        foreach (var batch in new[] { 1, 7 })
        {
            var pixels = Pixels(batch, channels, seed: batch);
            var expected = TorchImages(model, pixels, batch, channels, out var stats);
            var actual = Run(onnx, NamedOnnxValue.CreateFromTensor(OnnxExporter.PixelsInput,
                                   new DenseTensor<float>(pixels, new[] { batch, channels, Size, Size })));
            var diff = MaxDiff(expected, actual);
            Assert.True(diff <= 1e-4, $"{architecture} batch {batch}: max |ONNX − LibTorch| = {diff:G3}");
            if (architecture == "ViT") continue;
            var dropped = stats.Routing!.DroppedFraction.item<float>();
            Assert.True(dropped > 0.05, $"{architecture} batch {batch}: the capacity dropped only {dropped:P1} of the assignments");
            // The drops matter: the same weights with room for every token give other probabilities.
            using var roomy = Sharpened(BuildImage(architecture, channels, evalCapacity: 4.0));
            var change = MaxDiff(expected, TorchImages(roomy, pixels, batch, channels, out _));
            Assert.True(change > 1e-2, $"dropping tokens changed the probabilities by only {change:G3}: the test would not see wrong routing");
        }
    }

    public static TheoryData<string> TextCases => new() { "WideNet", "WideNetMeanPooling", "WideNetNGrams", "Transformer", "Albert", "Brainformer" };

    static IClassifier BuildText(string architecture, double evalCapacity) => architecture switch
    {
        "WideNet" => new TextEncoder(Text(evalCapacity), TextSharing.WideNet),
        "WideNetMeanPooling" => new TextEncoder(Text(evalCapacity) with { Pooling = TextPooling.Mean }, TextSharing.WideNet),
        "WideNetNGrams" => new TextEncoder(Text(evalCapacity) with { NGramBuckets = 97, NGramClassifier = true }, TextSharing.WideNet),
        "Transformer" => new TextEncoder(Text(evalCapacity), TextSharing.None),
        "Albert" => new TextEncoder(Text(evalCapacity), TextSharing.Albert),
        _ => new Brainformer(Brain(vocab: 300, capacity: evalCapacity == 0.5 ? 1.0 : 4.0)),
    };

    /// <summary>A padded batch: [CLS] then random ids, lengths 3..L, padding 0 after each text (even a single one).</summary>
    static (long[] ids, long[] mask, int length) Tokens(int batch, int seed)
    {
        var r = new Random(seed);
        const int length = 20;
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        for (var b = 0; b < batch; b++)
        {
            var n = batch == 1 ? 12 : 3 + r.Next(length - 3);
            if (b == 0 && batch > 1) n = length;                    // one text fills the batch's length
            for (var i = 0; i < n; i++)
            {
                ids[b * length + i] = i == 0 ? 2 : 5 + r.Next(295);
                mask[b * length + i] = 1;
            }
        }
        return (ids, mask, length);
    }

    static float[] TorchText(IClassifier model, long[] ids, long[] mask, int batch, int length, out ClassifierOutput stats)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var output = model.forward(torch.tensor(ids, batch, length), torch.tensor(mask.Select(m => m != 0).ToArray(), batch, length));
        stats = output;
        output.Routing?.DroppedFraction.DetachFromDisposeScope();
        return output.Logits.softmax(1).ToArray<float>();
    }

    [Theory, MemberData(nameof(TextCases))]
    public void TextGraphMatchesLibTorchOnAPaddedBatch(string architecture)
    {
        using var model = Sharpened(BuildText(architecture, evalCapacity: 0.5));
        var onnx = Export(() => OnnxExporter.Text(model, architecture, 24, Enumerable.Range(0, Classes).Select(i => $"c{i}").ToArray()));
        foreach (var batch in new[] { 1, 7 })
        {
            var (ids, mask, length) = Tokens(batch, seed: batch);
            var expected = TorchText(model, ids, mask, batch, length, out var stats);
            var dims = new[] { batch, length };
            var actual = Run(onnx, NamedOnnxValue.CreateFromTensor(OnnxExporter.IdsInput, new DenseTensor<long>(ids, dims)),
                                   NamedOnnxValue.CreateFromTensor(OnnxExporter.MaskInput, new DenseTensor<long>(mask, dims)));
            var diff = MaxDiff(expected, actual);
            Assert.True(diff <= 1e-4, $"{architecture} batch {batch}: max |ONNX − LibTorch| = {diff:G3}");
            if (architecture is "Transformer" or "Albert") continue;
            var dropped = stats.Routing!.DroppedFraction.item<float>();
            Assert.True(dropped > 0.05, $"{architecture} batch {batch}: the capacity dropped only {dropped:P1} of the assignments");
            using var roomy = Sharpened(BuildText(architecture, evalCapacity: 4.0));
            var change = MaxDiff(expected, TorchText(roomy, ids, mask, batch, length, out _));
            Assert.True(change > 1e-2, $"dropping tokens changed the probabilities by only {change:G3}: the test would not see wrong routing");
        }
    }
}
