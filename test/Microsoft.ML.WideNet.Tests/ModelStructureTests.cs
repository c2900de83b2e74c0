using Microsoft.ML.WideNet.Models;
using WideNet.Torch;
using WideNet.Torch.Serialization;
using static WideNet.Torch.torch;

namespace Microsoft.ML.WideNet.Tests;

// Proves the models are built as the papers say: parameter counts of the published sizes, weights truly shared
// across WideNet blocks while LayerNorms are individual, and save → load reproducing outputs bit for bit.
public class ModelStructureTests
{
    static long Count(Architecture arch, Preset preset)
    {
        using var model = VisionPresets.Create(arch, VisionPresets.Get(arch, preset));
        return model.Module.parameter_count();
    }

    [Theory]
    [InlineData(Preset.Base, 29.0e6)]
    [InlineData(Preset.Large, 40.0e6)]
    [InlineData(Preset.Huge, 63.0e6)]
    public void WideNetPresetsMatchThePaper(Preset preset, double paper)
    {
        var n = Count(Architecture.WideNet, preset);
        Assert.InRange(n / paper, 0.97, 1.03);
    }

    [Fact]
    public void ViTBaseHas86Point6MillionParameters() => Assert.InRange(Count(Architecture.ViT, Preset.Base) / 86.6e6, 0.98, 1.02);

    [Fact]
    public void ActiveParametersCountTwoOfFourExperts()
    {
        using var model = VisionPresets.Create(Architecture.WideNet, VisionPresets.Get(Architecture.WideNet, Preset.Tiny) with { ImageSize = 28, PatchSize = 4, Channels = 1, NumClasses = 10 });
        var (total, active) = VisionPresets.CountParameters(model);
        var experts = ((WideNetVision)model).moe.experts.parameter_count();
        Assert.Equal(total - experts / 2, active);
    }

    [Fact]
    public void WideNetSharesAttentionAndMoeButNotLayerNorms()
    {
        var cfg = VisionPresets.Get(Architecture.WideNet, Preset.Tiny) with { ImageSize = 28, PatchSize = 4, Channels = 1, NumClasses = 10 };
        using var model = new WideNetVision(cfg);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Single(names, n => n == "attn.qkv.weight");
        Assert.Single(names, n => n == "moe.experts.w1");
        Assert.Single(names, n => n == "moe.router.weight");
        Assert.Equal(cfg.Depth, names.Count(n => n.EndsWith(".ln_att.weight")));
        Assert.Equal(cfg.Depth, names.Count(n => n.EndsWith(".ln_moe.weight")));
        // No per-block weights other than the two LayerNorms.
        Assert.All(names.Where(n => n.StartsWith("blocks.")), n => Assert.Matches(@"^blocks\.\d+\.ln_(att|moe)\.(weight|bias)$", n));
        var lnWeights = model.blocks.Select(b => b.ln_att.weight).Concat(model.blocks.Select(b => b.ln_moe.weight)).ToList();
        Assert.Equal(lnWeights.Count, lnWeights.Distinct(ReferenceEqualityComparer.Instance).Count());

        // The shared layers receive gradient from every block: zeroing blocks' contributions changes the gradient.
        using var scope = NewDisposeScope();
        model.eval();
        var x = randn(new long[] { 2, 1, 28, 28 }, new Generator(1));
        model.forward(x).Logits.sum().backward();
        Assert.NotNull(model.attn.qkv.weight.grad);
        Assert.All(model.blocks, b => Assert.True(b.ln_att.weight.grad!.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void SaveLoadReproducesOutputsBitForBit()
    {
        var cfg = VisionPresets.Get(Architecture.WideNet, Preset.Tiny) with { ImageSize = 28, PatchSize = 4, Channels = 1, NumClasses = 10 };
        var path = Path.Combine(Path.GetTempPath(), $"wn-{Guid.NewGuid():N}.safetensors");
        using var scope = NewDisposeScope();
        using var a = new WideNetVision(cfg);
        using var b = new WideNetVision(cfg with { Seed = 99 });
        a.eval(); b.eval();
        var x = randn(new long[] { 4, 1, 28, 28 }, new Generator(2));
        var before = a.forward(x).Logits;
        Assert.False(before.equal(b.forward(x).Logits));
        try
        {
            Safetensors.Save(path, a.state_dict());
            b.load_state_dict(Safetensors.Load(path));
            Assert.True(before.equal(b.forward(x).Logits));
        }
        finally { File.Delete(path); }
        var wrong = new Dictionary<string, Tensor>(a.state_dict()) { ["head.weight"] = zeros(3, 3) };
        Assert.Contains("head.weight", Assert.Throws<InvalidDataException>(() => b.load_state_dict(wrong)).Message);
    }

    [Fact]
    public void ViTMoeReplacesOnlyTheLastFfns()
    {
        var cfg = VisionPresets.Get(Architecture.ViTMoE, Preset.Tiny) with { ImageSize = 28, PatchSize = 4, Channels = 1, NumClasses = 10, MoeLayers = 2 };
        using var model = new ViT(cfg, withMoe: true);
        Assert.Equal(cfg.Depth - 2, model.blocks.Count(b => b.ffn is not null));
        Assert.True(model.blocks[^1].moe is not null && model.blocks[^2].moe is not null);
        Assert.NotSame(model.blocks[^1].moe, model.blocks[^2].moe);
        using var scope = NewDisposeScope();
        var output = model.forward(randn(2, 1, 28, 28));
        Assert.Equal(new long[] { 2, 10 }, output.Logits.shape);
        Assert.NotNull(output.AuxLoss);
    }
}
