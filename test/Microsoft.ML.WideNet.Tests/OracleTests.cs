using System.Globalization;
using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Tests;

// Proves the .NET models compute what an independent PyTorch implementation (tools/pytorch/models.py, written from
// the papers' description) computes: the same safetensors weights and images in, equal logits, auxiliary loss, total
// loss and gradients of every parameter out (float32, 1e-5), with dropout and routing noise off and a capacity small
// enough that tokens are dropped.
/// <summary>One comparison against the PyTorch oracle: the model's weights and the batch go to <c>models.CONSTRUCT</c>
/// called as <c>m(CALL)</c>; its logits, aux loss, cross-entropy loss and the gradient of every parameter must equal
/// the .NET model's (which must already have run backward on the same loss).</summary>
static class OracleCheck
{
    public static void Run(IClassifier model, ClassifierOutput output, Tensor loss, Dictionary<string, Tensor> batch, string construct, string call)
    {
        var inputs = new Dictionary<string, Tensor>(model.Module.state_dict().Select(kv => KeyValuePair.Create("w." + kv.Key, kv.Value)));
        foreach (var (k, v) in batch) inputs[k] = v;
        var oracle = PyOracle.Run($$"""
            import models
            m = models.{{construct.ReplaceLineEndings(" ")}}
            m.load_state_dict({k[2:]: v for k, v in inputs.items() if k.startswith("w.")}, strict=True)
            m.eval()
            out = m({{call}})
            logits, aux = out if isinstance(out, tuple) else (out, torch.zeros(()))
            loss = F.cross_entropy(logits, inputs["labels"]) + aux
            loss.backward()
            outputs["logits"] = logits.detach(); outputs["aux"] = aux.detach(); outputs["loss"] = loss.detach()
            for k, p in m.named_parameters():
                outputs["g." + k] = p.grad
            """, inputs);
        PyOracle.AssertClose(oracle["logits"], output.Logits.detach(), what: "logits");
        PyOracle.AssertClose(oracle["loss"], loss.detach(), what: "loss");
        if (output.AuxLoss is { } aux) PyOracle.AssertClose(oracle["aux"], aux.detach(), what: "aux loss");
        var grads = 0;
        foreach (var (name, p) in model.Module.named_parameters())
        {
            PyOracle.AssertClose(oracle["g." + name], p.grad!, atol: 1e-5, rtol: 1e-4, what: "grad " + name);
            grads++;
        }
        Assert.Equal(oracle.Keys.Count(k => k.StartsWith("g.")), grads);
    }

    public static string Py(double v) => v.ToString(CultureInfo.InvariantCulture);
}

public class OracleTests
{
    static void Compare(Architecture arch, string pyArch)
    {
        var cfg = VisionPresets.Get(arch, Preset.Tiny) with
        {
            ImageSize = 16, PatchSize = 4, Channels = 2, NumClasses = 5, Dim = 32, Heads = 4, Depth = 3, Hidden = 48,
            Dropout = 0, EvalCapacityFactor = 0.6, MoeLayers = 2, Seed = 21,
        };
        using var scope = NewDisposeScope();
        using var model = VisionPresets.Create(arch, cfg);
        model.Module.eval();
        var images = randn(new long[] { 3, 2, 16, 16 }, new Generator(22));
        var labels = tensor(new long[] { 4, 0, 2 });
        var output = model.forward(images);
        var loss = F.cross_entropy(output.Logits, labels) + (output.AuxLoss ?? zeros(new long[0]));
        loss.backward();

        var c = cfg;
        OracleCheck.Run(model, output, loss, new() { ["images"] = images, ["labels"] = labels }, $$"""
            WideNet({{c.ImageSize}}, {{c.PatchSize}}, {{c.Channels}}, {{c.NumClasses}}, {{c.Dim}}, {{c.Heads}}, {{c.Depth}}, {{c.Hidden}},
                    experts={{c.NumExperts}}, topk={{c.TopK}}, capacity={{OracleCheck.Py(c.CapacityFactor)}},
                    eval_capacity={{OracleCheck.Py(c.EvalCapacityFactor)}}, arch="{{pyArch}}", moe_layers={{c.MoeLayers}}, loop_dispatch=True)
            """, "inputs[\"images\"]");
        Assert.True(output.Routing is null || output.Routing.DroppedFraction.item<float>() > 0, "the test capacity should drop tokens");
    }

    [Fact] public void WideNetMatchesPyTorch() => Compare(Architecture.WideNet, "widenet");
    [Fact] public void ViTMoeMatchesPyTorch() => Compare(Architecture.ViTMoE, "vit-moe");
    [Fact] public void ViTMatchesPyTorch() => Compare(Architecture.ViT, "vit");
}

// Brainformer against the independent PyTorch model (expert choice written there as a loop over experts).
public class BrainformerOracleTests
{
    [Theory]
    [InlineData(BrainformerConfig.Block1, 1.0)]
    [InlineData(BrainformerConfig.Block2, 2.0)]
    public void BrainformerMatchesPyTorch(string recipe, double capacity)
    {
        var c = new BrainformerConfig
        {
            Recipe = recipe, Repeats = 1, ImageSize = 16, PatchSize = 4, Channels = 2, NumClasses = 5, Dim = 32, Heads = 2, HeadDim = 8,
            FfnHidden = 48, ExpertHidden = 40, NumExperts = 4, CapacityFactor = capacity, Dropout = 0, Seed = 5,
        };
        using var scope = NewDisposeScope();
        using var model = new Brainformer(c);
        model.eval();
        var images = randn(new long[] { 3, 2, 16, 16 }, new Generator(6));
        var labels = tensor(new long[] { 1, 4, 0 });
        var output = model.forward(images);
        var loss = F.cross_entropy(output.Logits, labels);
        loss.backward();
        OracleCheck.Run(model, output, loss, new() { ["images"] = images, ["labels"] = labels },
                        $"Brainformer(\"{recipe}\", 1, 16, 4, 2, 5, 32, 2, 8, 48, 40, 4, {OracleCheck.Py(capacity)})", "inputs[\"images\"]");
    }
}

// Text encoders and Brainformer on token ids against the independent PyTorch models, on a padded batch: attention
// keys are masked, and padded tokens are kept out of routing (top-k: no capacity, no balance-loss share, zero output;
// expert choice: never picked, capacity from the real tokens). Logits, losses and every gradient at 1e-5.
public class TextOracleTests
{
    const int Vocab = 40, MaxLength = 12, Length = 10;
    static readonly long[] Lengths = { 10, 6, 3 };

    /// <summary>Ids [3, 10] with padding (id 0) after each sequence's length, mask [3, 10], labels [3].</summary>
    static (Tensor ids, Tensor mask, Tensor labels) Batch()
    {
        var mask = arange(Length).unsqueeze(0).lt(tensor(Lengths).unsqueeze(1));     // [3, 10]
        var ids = randint(1, Vocab, new long[] { 3, Length }, new Generator(31)).masked_fill(mask.logical_not(), 0);
        return (ids, mask, tensor(new long[] { 4, 0, 2 }));
    }

    /// <summary>Runs the model and the oracle on the same weights and batch and compares everything.</summary>
    static RoutingStats? Compare(IClassifier model, string construct)
    {
        model.Module.eval();
        var (ids, mask, labels) = Batch();
        var output = model.forward(ids, mask);
        var loss = F.cross_entropy(output.Logits, labels) + (output.AuxLoss ?? zeros(new long[0]));
        loss.backward();
        OracleCheck.Run(model, output, loss, new() { ["ids"] = ids, ["mask"] = mask, ["labels"] = labels }, construct, "inputs[\"ids\"], inputs[\"mask\"]");
        return output.Routing;
    }

    [Theory]
    [InlineData(TextSharing.WideNet, "widenet")]
    [InlineData(TextSharing.Albert, "albert")]
    [InlineData(TextSharing.None, "none")]
    public void TextEncoderMatchesPyTorch(TextSharing sharing, string pySharing)
    {
        var c = new TextConfig
        {
            VocabSize = Vocab, MaxLength = MaxLength, EmbeddingSize = 16, Dim = 32, Heads = 4, Depth = 3, Hidden = 48, NumClasses = 5,
            NumExperts = 4, TopK = 2, CapacityFactor = 1.2, EvalCapacityFactor = 0.6, Dropout = 0, AuxLossWeight = 0.01, Seed = 23,
        };
        using var scope = NewDisposeScope();
        using var model = new TextEncoder(c, sharing);
        var routing = Compare(model, $$"""
            TextEncoder({{c.VocabSize}}, {{c.MaxLength}}, {{c.EmbeddingSize}}, {{c.NumClasses}}, {{c.Dim}}, {{c.Heads}}, {{c.Depth}}, {{c.Hidden}},
                        sharing="{{pySharing}}", experts={{c.NumExperts}}, topk={{c.TopK}}, capacity={{Py(c.CapacityFactor)}},
                        eval_capacity={{Py(c.EvalCapacityFactor)}}, aux_weight={{Py(c.AuxLossWeight)}})
            """);
        Assert.Equal(sharing == TextSharing.WideNet, routing is not null);
        if (routing is not null)
        {
            Assert.True(routing.DroppedFraction.item<float>() > 0, "the test capacity should drop tokens");
            // 19 real tokens, 2 choices each, 3 reuses of the shared MoE: padding takes no slot.
            Assert.True(routing.TokensPerExpert.sum().item<long>() < 3 * 19 * 2);
        }
    }

    [Theory]
    [InlineData(BrainformerConfig.Block1, 1.0)]
    [InlineData(BrainformerConfig.Block2, 2.0)]
    public void BrainformerTextMatchesPyTorch(string recipe, double capacity)
    {
        var c = new BrainformerConfig
        {
            Recipe = recipe, Repeats = 1, VocabSize = Vocab, MaxLength = MaxLength, NumClasses = 5, Dim = 32, Heads = 2, HeadDim = 8,
            FfnHidden = 48, ExpertHidden = 40, NumExperts = 4, CapacityFactor = capacity, Dropout = 0, Seed = 7,
        };
        using var scope = NewDisposeScope();
        using var model = new Brainformer(c);
        var routing = Compare(model, $$"""
            Brainformer("{{recipe}}", 1, 16, 4, 2, {{c.NumClasses}}, {{c.Dim}}, {{c.Heads}}, {{c.HeadDim}}, {{c.FfnHidden}}, {{c.ExpertHidden}},
                        {{c.NumExperts}}, {{Py(capacity)}}, vocab={{c.VocabSize}}, max_len={{c.MaxLength}})
            """.ReplaceLineEndings(" "))!;
        // Each expert takes ⌊19·c/4⌋ of the 19 real tokens in every MoE layer, whatever the padded length (30).
        var layers = c.Layers.Count(l => l == 'M');
        Assert.All(routing.TokensPerExpert.ToArray<long>(), n => Assert.Equal(layers * (long)Math.Floor(19 * capacity / 4), n));
        if (capacity == 1.0) Assert.True(routing.DroppedFraction.item<float>() > 0, "some real tokens should go unrouted");
    }

    static string Py(double v) => OracleCheck.Py(v);
}
