// Proves that training does not leak: 10,000 small training steps (tiny MLP, AdamW, a dispose scope per step)
// keep the process's resident memory (VmRSS from /proc/self/status) within a fixed bound after warm-up.
using System.Text.RegularExpressions;
using WideNet.Torch;
using WideNet.Torch.Optim;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

[Collection(GlobalStateCollection.Name)]
public class MemoryTests
{
    static long RssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(Regex.Match(line, @"\d+").Value) * 1024;
    }

    [Fact]
    public void TenThousandTrainingStepsDoNotGrowResidentMemory()
    {
        using var g = new Generator(5);
        var w1 = (randn(new long[] { 16, 8 }, g) * 0.3).DetachFromDisposeScope().requires_grad_();
        var b1 = zeros(new long[] { 16 }, requires_grad: true);
        var w2 = (randn(new long[] { 3, 16 }, g) * 0.3).DetachFromDisposeScope().requires_grad_();
        var b2 = zeros(new long[] { 3 }, requires_grad: true);
        var x = randn(new long[] { 32, 8 }, g);
        var y = x.narrow(1, 0, 3).argmax(1);
        using var opt = new AdamW(new[] { w1, b1, w2, b2 }, lr: 1e-2);

        // Tiny ops gain nothing from the intra-op pool, and on a busy machine its spinning threads cost a lot.
        var threads = get_num_threads();
        set_num_threads(1);
        double Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var logits = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2);
            var loss = F.cross_entropy(logits, y, label_smoothing: 0.05);
            loss.backward();
            nn.utils.clip_grad_norm_(new[] { w1, b1, w2, b2 }, 1.0);
            opt.step();
            return loss.item<double>();
        }

        try
        {
            var first = 0.0;
            for (var i = 0; i < 500; i++) { var l = Step(); if (i == 0) first = l; }    // warm-up
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var before = RssBytes();
            var last = 0.0;
            for (var i = 0; i < 10_000; i++) last = Step();
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var growth = RssBytes() - before;
            Assert.True(growth < 30L * 1024 * 1024, $"resident memory grew by {growth / 1024.0 / 1024.0:F1} MB over 10,000 steps");
            Assert.True(last < first, $"the model did not learn: loss {first} → {last}");
        }
        finally
        {
            set_num_threads(threads);
        }
        foreach (var t in new[] { w1, b1, w2, b2, x, y }) t.Dispose();
    }
}
