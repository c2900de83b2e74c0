using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

// Proves every differentiable op the models use has a correct gradient: autograd's gradient of a random projection
// of the op's output must equal central finite differences in float64.
public class GradientTests
{
    static void GradCheck(string name, Func<Tensor[], Tensor> f, params long[][] shapes)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var inputs = shapes.Select(s => (rand(s, g, ScalarType.Float64) + 0.5).requires_grad_()).ToArray();
        var probe = randn(f(inputs).shape, g, ScalarType.Float64);
        Tensor Objective(Tensor[] xs) => (f(xs) * probe).sum();
        var analytic = autograd.grad(new[] { Objective(inputs) }, inputs);
        const double h = 1e-6;
        for (var k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            var n = (int)x.numel();
            var numeric = new double[n];
            using (no_grad())
            {
                var flat = x.detach().reshape(-1);
                for (var i = 0; i < n; i++)
                {
                    var v = flat[i].item<double>();
                    var plus = inputs.Select((t, j) => j == k ? t.detach().reshape(-1).clone() : t.detach()).ToArray();
                    var minus = inputs.Select((t, j) => j == k ? t.detach().reshape(-1).clone() : t.detach()).ToArray();
                    plus[k][i].fill_(v + h); minus[k][i].fill_(v - h);
                    plus[k] = plus[k].reshape(x.shape); minus[k] = minus[k].reshape(x.shape);
                    numeric[i] = (Objective(plus).item<double>() - Objective(minus).item<double>()) / (2 * h);
                }
            }
            var a = analytic[k]!.reshape(-1).ToArray<double>();
            for (var i = 0; i < n; i++)
                Assert.True(Math.Abs(a[i] - numeric[i]) <= 1e-5 + 1e-4 * Math.Abs(numeric[i]),
                    $"{name}: input {k} element {i}: autograd {a[i]:G8} vs finite difference {numeric[i]:G8}");
        }
    }

    [Fact] public void Arithmetic() => GradCheck("arith", x => (x[0] * x[1] + x[0] / x[1] - x[1].pow(2.0)) * 0.5 + x[0].exp(), new[] { 2L, 3 }, new[] { 2L, 3 });
    [Fact] public void Unary() => GradCheck("unary", x => x[0].log() + x[0].sqrt() + x[0].rsqrt() + x[0].tanh() + x[0].sigmoid(), new[] { 5L });
    [Fact] public void Activations() => GradCheck("act", x => (x[0] - 1).gelu() + (x[0] - 1).gelu(true) + (x[0] - 1).silu() + (x[0] - 0.9).relu() + x[0].clamp(0.6, 1.2), new[] { 6L });
    [Fact] public void MatrixProducts() => GradCheck("matmul", x => x[0].matmul(x[1]).bmm(x[2]), new[] { 2L, 3, 4 }, new[] { 2L, 4, 2 }, new[] { 2L, 2, 3 });
    [Fact] public void BaddbmmAndLinear() => GradCheck("baddbmm", x => baddbmm(x[0], x[1], x[2]) + F.linear(x[1], x[3], x[4]).sum(), new[] { 2L, 3, 3 }, new[] { 2L, 3, 4 }, new[] { 2L, 4, 3 }, new[] { 3L, 4 }, new[] { 3L });
    [Fact] public void Conv2d() => GradCheck("conv2d", x => F.conv2d(x[0], x[1], x[2], stride: 2, padding: 1), new[] { 1L, 2, 5, 5 }, new[] { 3L, 2, 3, 3 }, new[] { 3L });
    [Fact] public void SoftmaxFamily() => GradCheck("softmax", x => x[0].softmax(1) + x[0].log_softmax(0) + x[0].logsumexp(1, keepdim: true), new[] { 3L, 4 });
    [Fact] public void Reductions() => GradCheck("reduce", x => x[0].sum(1) + x[0].mean(1) + x[0].max(1).values + x[0].norm(2, new long[] { 1 }) + x[0].cumsum(1).select(1, 2), new[] { 3L, 4 });
    [Fact] public void LayerNorm() => GradCheck("layer_norm", x => F.layer_norm(x[0], new long[] { 4 }, x[1], x[2]), new[] { 3L, 4 }, new[] { 4L }, new[] { 4L });
    [Fact] public void RmsNorm() => GradCheck("rms_norm", x => F.rms_norm(x[0], x[1]), new[] { 3L, 4 }, new[] { 4L });
    [Fact] public void CrossEntropy()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new long[] { 1, 0, 3 });
        GradCheck("ce", x => F.cross_entropy(x[0], target, label_smoothing: 0.1), new[] { 3L, 4 });
        GradCheck("ce_soft", x => F.cross_entropy(x[0], x[1].softmax(1)), new[] { 3L, 4 }, new[] { 3L, 4 });
    }
    [Fact] public void Attention() => GradCheck("sdpa", x => F.scaled_dot_product_attention(x[0], x[1], x[2]), new[] { 1L, 2, 3, 4 }, new[] { 1L, 2, 3, 4 }, new[] { 1L, 2, 3, 4 });
    [Fact]
    public void IndexingAndScatter()
    {
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 2, 0, 2 });
        var gidx = tensor(new long[] { 0, 2, 1, 1 }, 2, 2);
        GradCheck("index_select", x => x[0].index_select(0, idx), new[] { 3L, 3 });
        GradCheck("gather", x => x[0].gather(1, gidx), new[] { 3L, 3 });
        GradCheck("index_add", x => zeros(new long[] { 3, 2 }, ScalarType.Float64).index_add(0, idx, x[0]), new[] { 3L, 2 });
        GradCheck("narrow_topk", x => x[0].narrow(1, 0, 2) + x[0].topk(2, 1).values, new[] { 3L, 3 });
        GradCheck("embedding", x => F.embedding(idx, x[0]), new[] { 3L, 3 });
        GradCheck("scatter", x => zeros(new long[] { 2, 3 }, ScalarType.Float64).scatter_add(1, gidx, x[0]) + x[1].masked_fill(x[1] > 1.0, 0) + where(x[1] > 1.0, x[1], x[1] * 3),
                  new[] { 2L, 2 }, new[] { 2L, 3 });
        GradCheck("shape", x => cat(new[] { x[0].transpose(0, 1), x[0].permute(1, 0) }, 0).reshape(3, 4).unsqueeze(0).expand(2, 3, 4).flatten(1) * stack(new[] { x[0].sum(), x[0].mean() }).unsqueeze(1),
                  new[] { 2L, 3 });
    }
}
