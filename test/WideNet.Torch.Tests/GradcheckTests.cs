// Proves that autograd through the binding is right for every differentiable op of the list: the
// gradient from backward() / torch.autograd.grad equals central finite differences in float64 (each input element
// perturbed by ±1e-6). Also covers the autograd surface itself: requires_grad, backward, grad accumulation,
// zero_grad, detach, retain_grad, torch.autograd.grad options, and the no_grad / inference_mode scopes.
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

public class GradcheckTests
{
    const ScalarType D = ScalarType.Float64;

    /// <summary>Compares autograd's gradient of sum(f(inputs)·w) (w fixed random weights) with central differences.</summary>
    internal static void GradCheck(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        var leaves = inputs.Select(t => t.to(D).detach().requires_grad_()).ToArray();
        var outShape = f(leaves).shape;
        var w = randn(outShape, g, D);
        var loss = (f(leaves) * w).sum();
        var analytic = autograd.grad(new[] { loss }, leaves, allow_unused: true);

        const double eps = 1e-6;
        for (var i = 0; i < leaves.Length; i++)
        {
            var data = leaves[i].detach().ToArray<double>();
            var shape = leaves[i].shape;
            var numeric = new double[data.Length];
            using (no_grad())
            {
                for (var j = 0; j < data.Length; j++)
                {
                    double Eval(double delta)
                    {
                        using var s = NewDisposeScope();
                        var copy = (double[])data.Clone();
                        copy[j] += delta;
                        var args = leaves.ToArray();
                        args[i] = tensor(copy, shape);
                        return (f(args) * w).sum().item<double>();
                    }
                    numeric[j] = (Eval(eps) - Eval(-eps)) / (2 * eps);
                }
            }
            var a = analytic[i]?.ToArray<double>() ?? new double[data.Length];
            for (var j = 0; j < data.Length; j++)
                Assert.True(Math.Abs(a[j] - numeric[j]) <= 1e-5 + 1e-4 * Math.Abs(numeric[j]),
                            $"input {i} element {j}: autograd {a[j]:R}, finite differences {numeric[j]:R}");
        }
        // backward() must agree with autograd.grad.
        var loss2 = (f(leaves) * w).sum();
        loss2.backward();
        for (var i = 0; i < leaves.Length; i++)
            if (analytic[i] is { } ag) Assert.True(leaves[i].grad!.allclose(ag, 1e-12, 1e-12), $"backward() differs from autograd.grad for input {i}");
    }

    static Tensor R(params long[] shape) { using var g = new Generator((ulong)shape.Aggregate(17L, (a, b) => a * 31 + b)); return randn(shape, g, D); }
    static Tensor Pos(params long[] shape) => R(shape).abs() + 0.5;
    static Tensor L(params long[] v) => tensor(v);

    public static IEnumerable<object[]> Names => Cases.Keys.Select(k => new object[] { k });

    static readonly Dictionary<string, (Func<Tensor[], Tensor> f, Func<Tensor[]> inputs)> Cases = new()
    {
        ["add_broadcast"] = (a => a[0] + a[1] * 2 - a[0].add(a[1], 0.5), () => new[] { R(2, 3), R(3) }),
        ["sub_scalar_ops"] = (a => (3 - a[0]) * 2 + a[0] / 4 - 1, () => new[] { R(2, 3) }),
        ["mul_div"] = (a => a[0] * a[1] / a[2], () => new[] { R(2, 3), R(2, 1), Pos(3) }),
        ["rdiv"] = (a => 2 / a[0], () => new[] { Pos(2, 3) }),
        ["pow"] = (a => a[0].pow(a[1]) + a[0].pow(3) + a[0].pow(0.5), () => new[] { Pos(2, 3), R(2, 3) }),
        ["maximum_minimum"] = (a => maximum(a[0], a[1]) + minimum(a[0], a[1]) * 2, () => new[] { R(2, 3), R(2, 3) }),
        ["matmul"] = (a => a[0].matmul(a[1]), () => new[] { R(2, 3, 4), R(4, 2) }),
        ["bmm"] = (a => a[0].bmm(a[1]), () => new[] { R(2, 2, 3), R(2, 3, 2) }),
        ["baddbmm"] = (a => baddbmm(a[0], a[1], a[2], 0.5, 2), () => new[] { R(2, 2, 2), R(2, 2, 3), R(2, 3, 2) }),
        ["addmm"] = (a => addmm(a[0], a[1], a[2], 0.5, 2), () => new[] { R(2, 2), R(2, 3), R(3, 2) }),
        ["linear"] = (a => F.linear(a[0], a[1], a[2]), () => new[] { R(2, 3), R(4, 3), R(4) }),
        ["conv2d"] = (a => F.conv2d(a[0], a[1], a[2], stride: 1, padding: 1), () => new[] { R(1, 2, 4, 4), R(2, 2, 3, 3), R(2) }),
        ["views"] = (a => a[0].reshape(3, 4).permute(1, 0).transpose(0, 1).flatten().view(2, 6).unsqueeze(0).squeeze(0) * a[1].expand(2, 6),
                     () => new[] { R(2, 3, 2), R(1, 6) }),
        ["cat_stack"] = (a => cat(new[] { a[0], a[1] }, 1) * stack(new[] { a[0], a[1] }, 1).flatten(1), () => new[] { R(2, 2), R(2, 2) }),
        ["unbind"] = (a => a[0].unbind(1)[0] * a[0].unbind(1)[2] + a[0].unbind(0)[1].unsqueeze(1), () => new[] { R(2, 3) }),
        ["split_chunk"] = (a => a[0].split(2, 1)[1] * a[0].chunk(2, 1)[0] + a[0].split(new long[] { 1, 3 }, 1)[0], () => new[] { R(2, 4) }),
        ["narrow_slice"] = (a => a[0].narrow(1, 1, 2) * a[0].slice(1, 0, 4, 2) + a[0][1].narrow(0, 1, 2), () => new[] { R(2, 4) }),
        ["index_select_gather"] = (a => a[0].index_select(0, L(2, 0, 2)).sum(0) + a[0].gather(1, L(0, 3, 1, 1, 2, 0).reshape(3, 2)).sum(1).sum(), () => new[] { R(3, 4) }),
        ["scatter"] = (a => a[0].scatter(1, L(0, 3, 1, 2).reshape(2, 2), a[1]), () => new[] { R(2, 4), R(2, 2) }),
        ["scatter_add"] = (a => a[0].scatter_add(1, L(0, 0, 1, 3).reshape(2, 2), a[1]), () => new[] { R(2, 4), R(2, 2) }),
        ["index_add"] = (a => a[0].index_add(0, L(2, 0, 2), a[1], 0.5), () => new[] { R(3, 2), R(3, 2) }),
        ["index_copy"] = (a => a[0].index_copy(0, L(2, 0), a[1]), () => new[] { R(3, 2), R(2, 2) }),
        ["masked_fill_where"] = (a => a[0].masked_fill(a[1].gt(0), 1.5) + where(a[1].gt(0), a[0], a[1] * 3), () => new[] { R(2, 3), R(2, 3) }),
        ["topk_sort"] = (a => a[0].topk(2, 1).values + a[0].sort(1, descending: true).values.narrow(1, 0, 2), () => new[] { R(2, 4) }),
        ["cumsum"] = (a => a[0].cumsum(1), () => new[] { R(2, 4) }),
        ["sum_mean"] = (a => a[0].sum(1) + a[0].mean(1) + a[0].sum() + a[0].mean(), () => new[] { R(2, 3) }),
        ["max"] = (a => a[0].max(1).values + a[0].max(), () => new[] { R(2, 4) }),
        ["logsumexp"] = (a => a[0].logsumexp(1), () => new[] { R(2, 4) }),
        ["norm"] = (a => a[0].norm() + a[0].norm(2, new long[] { 1 }).sum() + a[0].norm(1), () => new[] { R(2, 3) }),
        ["softmax_log_softmax"] = (a => F.softmax(a[0], 1) + F.log_softmax(a[0], 0), () => new[] { R(2, 4) }),
        ["gelu"] = (a => F.gelu(a[0]) + F.gelu(a[0], true), () => new[] { R(2, 3) }),
        ["relu_silu"] = (a => F.relu(a[0]) + F.silu(a[0]), () => new[] { R(2, 3) }),
        ["tanh_sigmoid_exp"] = (a => a[0].tanh() + a[0].sigmoid() + a[0].exp(), () => new[] { R(2, 3) }),
        ["log_sqrt_rsqrt"] = (a => a[0].log() + a[0].sqrt() + a[0].rsqrt(), () => new[] { Pos(2, 3) }),
        ["clamp"] = (a => a[0].clamp(-0.5, 0.7) + a[0].clamp(min: 0.1), () => new[] { R(3, 3) }),
        ["layer_norm"] = (a => F.layer_norm(a[0], new long[] { 4 }, a[1], a[2]), () => new[] { R(2, 4), R(4), R(4) }),
        ["embedding"] = (a => F.embedding(L(0, 2, 2, 1), a[0]), () => new[] { R(3, 2) }),
        ["cross_entropy_smoothing"] = (a => F.cross_entropy(a[0], L(1, 0, 2), label_smoothing: 0.1), () => new[] { R(3, 4) }),
        ["cross_entropy_soft"] = (a => F.cross_entropy(a[0], a[1].softmax(1), label_smoothing: 0.2), () => new[] { R(3, 4), R(3, 4) }),
        ["sdpa"] = (a => F.scaled_dot_product_attention(a[0], a[1], a[2], is_causal: true), () => new[] { R(1, 3, 2), R(1, 3, 2), R(1, 3, 2) }),
        ["sdpa_mask_reference"] = (a => F.scaled_dot_product_attention_reference(a[0], a[1], a[2], tensor(new[] { true, false, true, true, true, false }, 2, 3)), () => new[] { R(1, 2, 2), R(1, 3, 2), R(1, 3, 2) }),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientMatchesFiniteDifferences(string name)
    {
        var (f, inputs) = Cases[name];
        using var scope = NewDisposeScope();
        GradCheck(f, inputs());
    }

    [Fact]
    public void DropoutGradientIsTheMaskScaled()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 1000 }, new Generator(3), D).requires_grad_();
        var y = F.dropout(x, 0.25);
        y.sum().backward();
        var expected = y.ne(0).to(D) / 0.75;
        Assert.True(x.grad!.allclose(expected));
        var x0 = ones(new long[] { 4 }, D, requires_grad: true);
        F.dropout(x0, 0).sum().backward();
        Assert.Equal(new double[] { 1, 1, 1, 1 }, x0.grad!.ToArray<double>());
    }

    [Fact]
    public void GradAccumulatesAndZeroGradDetachWork()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        Assert.True(x.requires_grad);
        Assert.True(x.is_leaf);
        Assert.Null(x.grad);
        (x * x).sum().backward();
        (x * 3).sum().backward();
        Assert.Equal(new double[] { 5, 7, 9 }, x.grad!.ToArray<double>());
        x.grad = null;                      // zero_grad(set_to_none=True)
        Assert.Null(x.grad);
        using (var opt = new Optim.AdamW(new[] { x }))
        {
            (x * 2).sum().backward();
            Assert.NotNull(x.grad);
            opt.zero_grad();
            Assert.Null(x.grad);
        }
        var d = (x * 2).detach();
        Assert.False(d.requires_grad);
        Assert.True(d.is_leaf);
        var y = x * 2;
        Assert.False(y.is_leaf);
        y.retain_grad();
        y.sum().backward();
        Assert.Equal(new double[] { 1, 1, 1 }, y.grad!.ToArray<double>());
        x.requires_grad_(false);
        Assert.False((x * 2).requires_grad);
    }

    [Fact]
    public void AutogradGradOptions()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2 }, requires_grad: true);
        var unused = tensor(new double[] { 5 }, requires_grad: true);
        var y = x * x * x;                               // non-scalar output with grad_outputs
        var g = autograd.grad(new[] { y }, new[] { x }, new Tensor?[] { ones(new long[] { 2 }, D) }, create_graph: true)[0]!;
        Assert.Equal(new double[] { 3, 12 }, g.ToArray<double>());
        var g2 = autograd.grad(g.sum(), x)[0]!;          // second derivative 6x via create_graph
        Assert.Equal(new double[] { 6, 12 }, g2.ToArray<double>());
        Assert.Null(x.grad);                             // autograd.grad leaves .grad alone
        var r = autograd.grad(new[] { x.sum() }, new[] { x, unused }, allow_unused: true);
        Assert.Null(r[1]);
        var e = Assert.Throws<TorchException>(() => autograd.grad(new[] { x.sum() }, new[] { x, unused }));
        Assert.Contains("autograd.grad", e.Message);
        Assert.Throws<TorchException>(() => autograd.grad(new[] { x * 2 }, new[] { x }));  // non-scalar without grad_outputs
    }

    [Fact]
    public void NoGradAndInferenceModeScopes()
    {
        using var scope = NewDisposeScope();
        var x = ones(new long[] { 2 }, requires_grad: true);
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
            using (enable_grad())
            {
                Assert.True(is_grad_enabled());
                Assert.True((x * 2).requires_grad);
            }
            Assert.False(is_grad_enabled());
        }
        Assert.True(is_grad_enabled());
        Assert.True((x * 2).requires_grad);

        Assert.False(is_inference_mode_enabled());
        Tensor made;
        using (inference_mode())
        {
            Assert.True(is_inference_mode_enabled());
            Assert.False(is_grad_enabled());
            made = x * 2;
            Assert.False(made.requires_grad);
            using (inference_mode()) Assert.True(is_inference_mode_enabled());
            Assert.True(is_inference_mode_enabled());
        }
        Assert.False(is_inference_mode_enabled());
        Assert.True(is_grad_enabled());
        // An inference tensor cannot be saved for backward later: a TorchException, not a crash.
        Assert.Throws<TorchException>(() => (made * x).sum().backward());
    }
}
