using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;
using WideNet.Torch.Optim;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;
using Xunit.Abstractions;

namespace Microsoft.ML.WideNet.Tests;

// Proves the models learn for real: WideNet-Tiny trained from scratch on 2,000 Fashion-MNIST images for a bounded
// number of steps classifies 1,000 held-out images far above chance.
[Collection(GlobalRngCollection.Name)]
public class LearningTests(ITestOutputHelper output)
{
    [Fact]
    public void WideNetTinyLearnsFashionMnist()
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        using var scope = NewDisposeScope();
        var all = tensor<byte>(images.Data.AsSpan(0, 3000 * 784), new long[] { 3000, 1, 28, 28 }).to(ScalarType.Float32) / 255.0;
        var x = ((all - 0.286) / 0.353).DetachFromDisposeScope();
        var y = tensor(labels.AsSpan(0, 3000).ToArray()).to(ScalarType.Int64).DetachFromDisposeScope();
        var cfg = VisionPresets.Get(Architecture.WideNet, Preset.Tiny) with { ImageSize = 28, PatchSize = 4, Channels = 1, NumClasses = 10, Dropout = 0 };
        using var model = new WideNetVision(cfg);
        using var opt = new AdamW(model.parameters(), lr: 2e-3, weight_decay: 0.05);
        using var g = new Generator(0);
        manual_seed(0);
        // 150 steps of 64 = 4.8 epochs of the 2,000 training images (about two minutes on 2 cores).
        for (var step = 0; step < 150; step++)
        {
            using var s = NewDisposeScope();
            var idx = randint(0, 2000, new long[] { 64 }, g);
            var output = model.forward(x.index_select(0, idx));
            var loss = F.cross_entropy(output.Logits, y.index_select(0, idx), label_smoothing: 0.1) + output.AuxLoss!;
            opt.LearningRate = 2e-3 * Math.Min(1, (step + 1) / 15.0);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        model.eval();
        double correct;
        using (inference_mode())
        {
            var logits = model.forward(x.narrow(0, 2000, 1000)).Logits;
            correct = logits.argmax(1).eq(y.narrow(0, 2000, 1000)).to(ScalarType.Float32).mean().item<float>();
        }
        // Chance is 10%. This budget reaches about 66% (PyTorch with the same recipe: 64%); the bound, five times
        // chance, leaves room for seed-to-seed variation while still failing for a model that does not learn.
        output.WriteLine($"held-out accuracy {correct:P1}");
        Assert.True(correct > 0.5, $"held-out accuracy {correct:P1}");
        x.Dispose(); y.Dispose();
    }
}
