// Proves the native optimizer steps: AdamW against torch.optim.AdamW and LAMB against a textbook LAMB written in
// python (oracle/ops_oracle.py: Adam moments with bias correction, update m̂/(√v̂+eps) + wd·p, trust ratio
// ‖p‖/‖update‖ or 1 when either is 0), step by step on identical tensors and gradients (6 steps, parameter
// groups with their own weight decay, a zero parameter, a learning-rate change) to 1e-6; and clip_grad_norm_
// against torch.nn.utils.clip_grad_norm_.
using WideNet.Torch;
using WideNet.Torch.Optim;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class OptimizerTests
{
    const int Steps = 6;
    const double Lr = 0.05, B1 = 0.9, B2 = 0.99, Wd = 0.1;

    static (Tensor[] ps, Tensor[] grads) Problem(ScalarType dtype)
    {
        using var g = new Generator(99);
        var ps = new[] { randn(new long[] { 3, 4 }, g, dtype), randn(new long[] { 4 }, g, dtype), zeros(new long[] { 2, 2 }, dtype) };
        var grads = ps.Select(p => randn(new[] { (long)Steps }.Concat(p.shape).ToArray(), g, dtype)).ToArray();
        return (ps, grads);
    }

    static Tensor[] RunCSharp(Func<IEnumerable<ParamGroup>, Optimizer> make, Tensor[] init, Tensor[] grads)
    {
        var ps = init.Select(p => p.clone().requires_grad_()).ToArray();
        using var opt = make(new[] { new ParamGroup(new[] { ps[0], ps[1] }), new ParamGroup(new[] { ps[2] }, WeightDecay: 0) });
        var outs = new List<Tensor>();
        for (var s = 0; s < Steps; s++)
        {
            if (s == 3) opt.LearningRate = Lr / 2;
            for (var i = 0; i < ps.Length; i++) ps[i].grad = grads[i][s].clone();
            opt.step();
            outs.AddRange(ps.Select(p => p.detach().clone()));
        }
        Assert.Equal(Steps, opt.StepCount);
        return outs.ToArray();
    }

    const string Setup = "ps = [p0.clone().requires_grad_(), p1.clone().requires_grad_(), p2.clone().requires_grad_()]\ngs = [g0, g1, g2]\nout = []\n";

    const string AdamWPy = Setup + """
        opt = torch.optim.AdamW([{'params': ps[:2]}, {'params': ps[2:], 'weight_decay': 0.0}], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
        for s in range(steps):
            if s == 3:
                for grp in opt.param_groups: grp['lr'] = lr / 2
            for p, g in zip(ps, gs): p.grad = g[s].clone()
            opt.step()
            out += [p.detach().clone() for p in ps]
        """;

    const string LambPy = Setup + """
        state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in ps]
        wds = [wd, wd, 0.0]
        with torch.no_grad():
            for s in range(steps):
                cur = lr / 2 if s >= 3 else lr
                for i, p in enumerate(ps):
                    lamb_step(p, gs[i][s], state[i][0], state[i][1], s + 1, cur, b1, b2, eps, wds[i])
                out += [p.detach().clone() for p in ps]
        """;

    static Dictionary<string, Tensor> Inputs(Tensor[] ps, Tensor[] gs) => new()
    { ["p0"] = ps[0], ["p1"] = ps[1], ["p2"] = ps[2], ["g0"] = gs[0], ["g1"] = gs[1], ["g2"] = gs[2] };

    static Dictionary<string, object> Args(double eps) => new()
    { ["lr"] = Lr, ["b1"] = B1, ["b2"] = B2, ["eps"] = eps, ["wd"] = Wd, ["steps"] = Steps };

    [Fact]
    public void AdamWAndLambMatchReferenceStepByStep()
    {
        using var scope = NewDisposeScope();
        var dtypes = new[] { ScalarType.Float32, ScalarType.Float64 };
        var problems = dtypes.Select(Problem).ToArray();
        // One python run for both optimizers and both dtypes.
        var expected = Oracle.Run(dtypes.SelectMany((dt, k) => new[]
        {
            new OracleCase($"adamw{k}", AdamWPy, Inputs(problems[k].ps, problems[k].grads), Args(1e-8)),
            new OracleCase($"lamb{k}", LambPy, Inputs(problems[k].ps, problems[k].grads), Args(1e-6)),
        }));
        for (var k = 0; k < dtypes.Length; k++)
        {
            var (ps, gs) = problems[k];
            var adamw = RunCSharp(g => new AdamW(g, Lr, B1, B2, 1e-8, Wd), ps, gs);
            var lamb = RunCSharp(g => new Lamb(g, Lr, B1, B2, 1e-6, Wd), ps, gs);
            Assert.Equal(Steps * 3, expected[$"adamw{k}"].Length);
            for (var i = 0; i < adamw.Length; i++)
            {
                Oracle.AssertClose(expected[$"adamw{k}"][i], adamw[i], 1e-6, 1e-6, $"{dtypes[k]} AdamW step {i / 3 + 1} param {i % 3}");
                Oracle.AssertClose(expected[$"lamb{k}"][i], lamb[i], 1e-6, 1e-6, $"{dtypes[k]} LAMB step {i / 3 + 1} param {i % 3}");
            }
            // The zero parameter moved (trust ratio 1 when ‖p‖ = 0).
            Assert.True(lamb[2].abs().sum().item<double>() > 0);
        }
    }

    [Fact]
    public void ParametersWithoutGradientAreSkipped()
    {
        using var scope = NewDisposeScope();
        var p = ones(new long[] { 3 }, requires_grad: true);
        using var opt = new Lamb(new[] { p });
        opt.step();
        Assert.Equal(new float[] { 1, 1, 1 }, p.ToArray<float>());
        Assert.Equal(2 * 1, opt.StateTensors().Count());
    }

    [Fact]
    public void ClipGradNormMatchesPyTorch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var configs = new[] { (ScalarType.Float32, 0.5), (ScalarType.Float64, 0.5), (ScalarType.Float32, 100.0) };
        var problems = configs.Select(c =>
        {
            var ps = new[] { randn(new long[] { 3, 4 }, g, c.Item1).requires_grad_(), randn(new long[] { 5 }, g, c.Item1).requires_grad_() };
            return (ps, gs: ps.Select(p => randn(p.shape, g, c.Item1)).ToArray(), max: c.Item2);
        }).ToArray();
        // One python run for all configurations.
        var expected = Oracle.Run(problems.Select((p, i) => new OracleCase($"clip{i}",
            "ps = [p0.clone().requires_grad_(), p1.clone().requires_grad_()]\nps[0].grad = g0.clone(); ps[1].grad = g1.clone()\n" +
            "total = torch.nn.utils.clip_grad_norm_(ps, max_norm)\nout = [total, ps[0].grad, ps[1].grad]",
            new Dictionary<string, Tensor> { ["p0"] = p.ps[0], ["p1"] = p.ps[1], ["g0"] = p.gs[0], ["g1"] = p.gs[1] },
            new Dictionary<string, object> { ["max_norm"] = p.max })));
        for (var c = 0; c < problems.Length; c++)
        {
            var (ps, gs, max) = problems[c];
            var e = expected[$"clip{c}"];
            for (var i = 0; i < 2; i++) ps[i].grad = gs[i].clone();
            var total = nn.utils.clip_grad_norm_(ps, max);
            Oracle.AssertClose(e[0], total, 1e-6, 1e-6, $"{configs[c]} total norm");
            Oracle.AssertClose(e[1], ps[0].grad!, 1e-6, 1e-7, $"{configs[c]} grad 0");
            Oracle.AssertClose(e[2], ps[1].grad!, 1e-6, 1e-7, $"{configs[c]} grad 1");
        }
    }
}
