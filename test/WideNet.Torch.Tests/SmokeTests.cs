// Smoke tests: a tensor round-trips, errors and disposal behave, dispose scopes free tensors, backward runs.
// The detailed proofs live in the topic files beside this one.
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void CreatesTensorAndReadsItBack()
    {
        using var t = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        using var s = (t * 2 + 1).sum();
        Assert.Equal(2 * 21 + 6, s.item<float>());
    }

    [Fact]
    public void ShapeMismatchThrowsTorchExceptionWithShapes()
    {
        using var a = zeros(2, 3);
        using var b = zeros(4, 5);
        var e = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        // The process is still healthy afterwards.
        using var c = a.matmul(zeros(3, 1));
        Assert.Equal(new long[] { 2, 1 }, c.shape);
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposed()
    {
        var t = ones(3);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.sum());
    }

    [Fact]
    public void DisposeScopeFreesTensorsExceptMovedOnes()
    {
        Tensor kept, dropped;
        using (var scope = NewDisposeScope())
        {
            dropped = ones(2) + 1;
            kept = (ones(2) * 3).MoveToOuterScope();
        }
        Assert.True(dropped.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 3, 3 }, kept.ToArray<float>());
        kept.Dispose();
    }

    [Fact]
    public void BackwardComputesGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        (x * x).sum().backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.ToArray<float>());
    }
}
