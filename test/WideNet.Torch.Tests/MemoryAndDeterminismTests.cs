using WideNet.Torch.Optim;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

// Proves a training loop with one dispose scope per step leaks no native memory over 10,000 steps, and that seeded
// CPU runs are bit-reproducible.
public class MemoryAndDeterminismTests
{
    static long ResidentKb() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    static float[] Train(int steps, ulong seed, Action<int>? afterStep = null)
    {
        manual_seed(seed);
        using var g = new Generator(seed);
        var w1 = (randn(new long[] { 16, 8 }, g) * 0.3).requires_grad_().DetachFromDisposeScope();
        var w2 = (randn(new long[] { 3, 16 }, g) * 0.3).requires_grad_().DetachFromDisposeScope();
        using var opt = new AdamW(new[] { w1, w2 }, lr: 1e-2);
        var x = randn(new long[] { 32, 8 }, g).DetachFromDisposeScope();
        var y = randint(0, 3, new long[] { 32 }, g).DetachFromDisposeScope();
        for (var s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            var h = F.dropout(F.linear(x, w1).relu(), 0.1);
            var loss = F.cross_entropy(F.linear(h, w2), y);
            opt.zero_grad();
            loss.backward();
            opt.step();
            afterStep?.Invoke(s);
        }
        var result = cat(new[] { w1.detach().reshape(-1), w2.detach().reshape(-1) }).ToArray<float>();
        foreach (var t in new[] { w1, w2, x, y }) t.Dispose();
        return result;
    }

    [Fact]
    public void TenThousandStepsKeepResidentMemoryFlat()
    {
        long baseline = 0;
        Train(10_000, 1, s =>
        {
            if (s == 500) { GC.Collect(); baseline = ResidentKb(); }
        });
        GC.Collect();
        var growthMb = (ResidentKb() - baseline) / 1024.0;
        Assert.True(growthMb < 30, $"resident memory grew by {growthMb:F1} MB over 9,500 steps");
    }

    [Fact]
    public void SeededRunsAreBitIdentical()
    {
        var a = Train(50, 42);
        var b = Train(50, 42);
        var c = Train(50, 43);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void GeneratorsAndGlobalSeedAreReproducible()
    {
        using var scope = NewDisposeScope();
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        Assert.True(randn(new long[] { 10 }, g1).equal(randn(new long[] { 10 }, g2)));
        Assert.True(randint(0, 100, new long[] { 10 }, g1).equal(randint(0, 100, new long[] { 10 }, g2)));
        Assert.True(randperm(10, g1).equal(randperm(10, g2)));
        manual_seed(9); var r1 = rand(5);
        manual_seed(9); var r2 = rand(5);
        Assert.True(r1.equal(r2));
    }

    [Fact]
    public void ThreadCountDefaultsToProcessorsAndCanBeSet()
    {
        var before = get_num_threads();
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null && Environment.GetEnvironmentVariable("WIDENET_NUM_THREADS") is null)
            Assert.Equal(Environment.ProcessorCount, before);
        set_num_threads(1);
        Assert.Equal(1, get_num_threads());
        set_num_threads(before);
        Assert.Throws<ArgumentOutOfRangeException>(() => set_num_threads(0));
    }
}
