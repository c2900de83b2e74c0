// Tensor.register_post_accumulate_grad_hook: called once per backward per leaf, after .grad holds the summed gradient
// of every use; removable; an exception in a hook comes out of backward, not out of the native frames.
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class HookTests
{
    [Fact]
    public void APostAccumulateHookSeesTheAccumulatedGradientOncePerBackward()
    {
        using var w = tensor(new float[] { 1, 2, 3 }).requires_grad_();
        using var unused = tensor(new float[] { 5 }).requires_grad_();
        var seen = new List<float[]>();
        using var h = w.register_post_accumulate_grad_hook(t => { using var g = t.grad!; seen.Add(g.ToArray<float>()); });
        var unusedCalls = 0;
        using var hu = unused.register_post_accumulate_grad_hook(_ => unusedCalls++);
        using (var scope = NewDisposeScope())
            ((w * 2).sum() + (w * w).sum()).backward();              // w used twice: d/dw = 2 + 2w
        Assert.Equal(new[] { new float[] { 4, 6, 8 } }, seen);
        using (var scope = NewDisposeScope())
            (w * 3).sum().backward();                                // accumulates: 4+3, 6+3, 8+3
        Assert.Equal(2, seen.Count);
        Assert.Equal(new float[] { 7, 9, 11 }, seen[1]);
        Assert.Equal(0, unusedCalls);                                // not in the graph: never called
        h.remove();
        using (var scope = NewDisposeScope())
            w.sum().backward();
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void AnExceptionInAHookIsRethrownByBackward()
    {
        using var w = ones(2).requires_grad_();
        using var h = w.register_post_accumulate_grad_hook(_ => throw new InvalidOperationException("from the hook"));
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidOperationException>(() => (w * 2).sum().backward());
        Assert.Equal("from the hook", e.Message);
        using var g = w.grad!;
        Assert.Equal(new float[] { 2, 2 }, g.ToArray<float>());   // backward itself completed
        Assert.Throws<TorchException>(() => (w * 2).detach().register_post_accumulate_grad_hook(_ => { }));
    }
}
