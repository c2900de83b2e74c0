using WideNet.Torch.Optim;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

// Proves AdamW and LAMB update parameters exactly as torch.optim.AdamW and the textbook LAMB (written in Python in
// the oracle snippet) do, step by step on identical tensors, and that global-norm clipping matches PyTorch's.
public class OptimizerTests
{
    static (Tensor w, Tensor b, Tensor[] gw, Tensor[] gb) Setup()
    {
        var g = new Generator(11);
        var w = randn(new long[] { 3, 4 }, g);
        var b = randn(new long[] { 4 }, g);
        var gw = Enumerable.Range(0, 5).Select(_ => randn(new long[] { 3, 4 }, g)).ToArray();
        var gb = Enumerable.Range(0, 5).Select(_ => randn(new long[] { 4 }, g)).ToArray();
        return (w, b, gw, gb);
    }

    static Dictionary<string, Tensor> Inputs(Tensor w, Tensor b, Tensor[] gw, Tensor[] gb)
    {
        var d = new Dictionary<string, Tensor> { ["w"] = w, ["b"] = b };
        for (var i = 0; i < gw.Length; i++) { d[$"gw{i}"] = gw[i]; d[$"gb{i}"] = gb[i]; }
        return d;
    }

    static Dictionary<string, Tensor> RunMine(Func<Tensor[], Optimizer> make, Tensor w0, Tensor b0, Tensor[] gw, Tensor[] gb)
    {
        var w = w0.clone().requires_grad_();
        var b = b0.clone().requires_grad_();
        using var opt = make(new[] { w, b });
        var result = new Dictionary<string, Tensor>();
        for (var s = 0; s < gw.Length; s++)
        {
            opt.LearningRate = 0.01 * (s + 1);  // a schedule changes the rate between steps
            w.grad = gw[s].clone();
            b.grad = gb[s].clone();
            opt.step();
            result[$"w{s}"] = w.detach().clone();
            result[$"b{s}"] = b.detach().clone();
        }
        return result;
    }

    const string StepLoop = """
        w = inputs["w"].clone().requires_grad_(); b = inputs["b"].clone().requires_grad_()
        opt = make([w, b])
        for s in range(5):
            for group in opt.param_groups: group["lr"] = 0.01 * (s + 1)
            w.grad = inputs[f"gw{s}"].clone(); b.grad = inputs[f"gb{s}"].clone()
            opt.step()
            outputs[f"w{s}"] = w.detach().clone(); outputs[f"b{s}"] = b.detach().clone()
        """;

    [Fact]
    public void AdamWMatchesTorchOptim()
    {
        using var scope = NewDisposeScope();
        var (w, b, gw, gb) = Setup();
        var mine = RunMine(p => new AdamW(p, lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0.1), w, b, gw, gb);
        var oracle = PyOracle.Run("make = lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)\n" + StepLoop,
                                  Inputs(w, b, gw, gb));
        foreach (var (k, t) in mine) PyOracle.AssertClose(oracle[k], t, atol: 1e-6, rtol: 1e-6, what: k);
    }

    [Fact]
    public void LambMatchesTextbookLamb()
    {
        using var scope = NewDisposeScope();
        var (w, b, gw, gb) = Setup();
        var mine = RunMine(p => new Lamb(p, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-6, weight_decay: 0.01), w, b, gw, gb);
        var oracle = PyOracle.Run("""
            class Lamb(torch.optim.Optimizer):
                def __init__(self, params, lr, betas, eps, weight_decay):
                    super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
                @torch.no_grad()
                def step(self):
                    for g in self.param_groups:
                        b1, b2 = g["betas"]
                        for p in g["params"]:
                            st = self.state[p]
                            if not st:
                                st["t"] = 0; st["m"] = torch.zeros_like(p); st["v"] = torch.zeros_like(p)
                            st["t"] += 1; t = st["t"]
                            st["m"] = b1 * st["m"] + (1 - b1) * p.grad
                            st["v"] = b2 * st["v"] + (1 - b2) * p.grad * p.grad
                            u = (st["m"] / (1 - b1 ** t)) / ((st["v"] / (1 - b2 ** t)).sqrt() + g["eps"]) + g["weight_decay"] * p
                            wn, un = p.norm(), u.norm()
                            trust = wn / un if wn > 0 and un > 0 else torch.tensor(1.0)
                            p -= g["lr"] * trust * u
            make = lambda p: Lamb(p, lr=0.01, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01)
            """ + "\n" + StepLoop, Inputs(w, b, gw, gb));
        foreach (var (k, t) in mine) PyOracle.AssertClose(oracle[k], t, atol: 1e-6, rtol: 1e-6, what: k);
    }

    [Fact]
    public void ClipGradNormMatchesPyTorch()
    {
        using var scope = NewDisposeScope();
        var (w, b, gw, gb) = Setup();
        var pw = w.clone().requires_grad_();
        var pb = b.clone().requires_grad_();
        pw.grad = gw[0].clone(); pb.grad = gb[0].clone();
        var norm = nn.utils.clip_grad_norm_(new[] { pw, pb }, 1.0);
        var oracle = PyOracle.Run("""
            w = inputs["w"].clone().requires_grad_(); b = inputs["b"].clone().requires_grad_()
            w.grad = inputs["gw0"].clone(); b.grad = inputs["gb0"].clone()
            outputs["norm"] = torch.nn.utils.clip_grad_norm_([w, b], 1.0); outputs["gw"] = w.grad; outputs["gb"] = b.grad
            """, Inputs(w, b, gw, gb));
        PyOracle.AssertClose(oracle["norm"], norm, what: "norm");
        PyOracle.AssertClose(oracle["gw"], pw.grad!, what: "gw");
        PyOracle.AssertClose(oracle["gb"], pb.grad!, what: "gb");
        // Below the threshold nothing changes.
        var small = nn.utils.clip_grad_norm_(new[] { pw, pb }, 100.0);
        PyOracle.AssertClose(oracle["gw"], pw.grad!, what: "unclipped");
        Assert.True(small.item<float>() <= 1.0001f);
    }

    [Fact]
    public void ParametersWithoutGradientAreLeftAlone()
    {
        using var scope = NewDisposeScope();
        var p = ones(3).requires_grad_();
        using var opt = new AdamW(new[] { p }, weight_decay: 0.5);
        opt.step();
        Assert.Equal(new float[] { 1, 1, 1 }, p.detach().ToArray<float>());
    }
}
