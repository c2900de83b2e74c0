// Proves reproducibility and thread settings: manual_seed makes CPU runs (sampling, dropout, a training step)
// bit-identical, seeded Generators are independent of the global seed and of each other, and
// set_num_threads/get_num_threads round-trip with the processor count as the default (unless OMP_NUM_THREADS or
// WIDENET_NUM_THREADS pins it).
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

[Collection(GlobalStateCollection.Name)]
public class RandomAndThreadsTests
{
    static byte[] Run(ulong seed)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var w = randn(8, 4).requires_grad_();
        var x = rand(16, 8);
        var idx = randint(0, 4, new long[] { 16 });
        var perm = randperm(16);
        var h = F.dropout(x.matmul(w), 0.3);
        var loss = F.cross_entropy(h, idx);
        loss.backward();
        var noise = empty(new long[] { 5 }).normal_().add(empty(new long[] { 5 }).uniform_(-1, 1)).add(empty(new long[] { 5 }).bernoulli_(0.5));
        return Oracle.RawBytes(w.grad!).Concat(Oracle.RawBytes(perm)).Concat(Oracle.RawBytes(noise)).Concat(Oracle.RawBytes(loss)).ToArray();
    }

    [Fact]
    public void ManualSeedMakesRunsBitIdentical()
    {
        var a = Run(42);
        var b = Run(42);
        var c = Run(43);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void SeededGeneratorsAreReproducibleAndIndependent()
    {
        using var scope = NewDisposeScope();
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        using var g3 = new Generator(8);
        Assert.Equal(7UL, g1.Seed);
        manual_seed(1);
        var a = randn(new long[] { 100 }, g1).ToArray<float>();
        manual_seed(2);                                  // the global seed does not affect a generator
        var b = randn(new long[] { 100 }, g2).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, randn(new long[] { 100 }, g3).ToArray<float>());
        Assert.NotEqual(a, randn(new long[] { 100 }, g1).ToArray<float>());  // the state advances
        using var g4 = new Generator(9);
        using var g5 = new Generator(9);
        Assert.Equal(randint(0, 1000, new long[] { 50 }, g4).ToArray<long>(), randint(0, 1000, new long[] { 50 }, g5).ToArray<long>());
        Assert.Equal(randperm(20, g4).ToArray<long>(), randperm(20, g5).ToArray<long>());
        Assert.Equal(rand(new long[] { 9 }, g4, ScalarType.Float64).ToArray<double>(), rand(new long[] { 9 }, g5, ScalarType.Float64).ToArray<double>());
        Assert.Equal(empty(new long[] { 9 }).normal_(1, 2, g4).ToArray<float>(), empty(new long[] { 9 }).normal_(1, 2, g5).ToArray<float>());
    }

    [Fact]
    public void SampleStatisticsAreRight()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        var u = rand(new long[] { 100_000 }, g, ScalarType.Float64);
        Assert.InRange(u.min().item<double>(), 0, 1);
        Assert.InRange(u.max().item<double>(), 0, 1);
        Assert.InRange(u.mean().item<double>(), 0.49, 0.51);
        var n = randn(new long[] { 100_000 }, g, ScalarType.Float64);
        Assert.InRange(n.mean().item<double>(), -0.02, 0.02);
        Assert.InRange(n.var(new long[] { 0 }).item<double>(), 0.97, 1.03);
        var r = randint(3, 7, new long[] { 10_000 }, g);
        Assert.Equal(3L, r.min().item<long>());
        Assert.Equal(6L, r.max().item<long>());
        Assert.Equal(ScalarType.Int64, r.dtype);
        Assert.Equal(ScalarType.Int32, randint(0, 5, new long[] { 3 }, g, ScalarType.Int32).dtype);
    }

    [Fact]
    public void NumThreadsDefaultsToProcessorCountAndRoundTrips()
    {
        var pinned = Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is not null || Environment.GetEnvironmentVariable("WIDENET_NUM_THREADS") is not null;
        var initial = get_num_threads();
        if (!pinned) Assert.Equal(Environment.ProcessorCount, initial);
        try
        {
            set_num_threads(1);
            Assert.Equal(1, get_num_threads());
            set_num_threads(3);
            Assert.Equal(3, get_num_threads());
            Assert.Throws<ArgumentOutOfRangeException>(() => set_num_threads(0));
        }
        finally
        {
            set_num_threads(initial);
        }
        Assert.Equal(initial, get_num_threads());
    }
}
