using Microsoft.ML.WideNet.Moe;
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace Microsoft.ML.WideNet.Tests;

// Proves the MoE layers' routing invariants: top-k experts never exceed capacity and first choices win slots,
// dropped tokens get exactly nothing (so they keep their residual), the result equals a naive per-token loop,
// gradients reach the router through the gates, and expert-choice experts take exactly k tokens each; padded tokens
// are never routed, by either kind.
[Collection(GlobalRngCollection.Name)]
public class MoeTests
{
    /// <summary>Per token, per chosen expert, if kept: gate·FFN_e(x) — the definition, written as plainly as possible.</summary>
    static Tensor NaiveTopK(TopKMoe moe, Tensor x)
    {
        var e = moe.experts;
        var probs = moe.router.forward(x).softmax(-1);
        var (gates, choice) = probs.topk(moe.TopK, -1);
        var c = moe.Capacity(x.size(0));
        var used = new long[e.Count];
        var kept = new bool[x.size(0), moe.TopK];
        var ch = choice.ToArray<long>();
        for (var r = 0; r < moe.TopK; r++)            // first choices claim slots before second choices
            for (var t = 0; t < x.size(0); t++)
            {
                var ex = ch[t * moe.TopK + r];
                if (used[ex] < c) { used[ex]++; kept[t, r] = true; }
            }
        var rows = new List<Tensor>();
        for (var t = 0; t < x.size(0); t++)
        {
            var y = zeros(x.size(1));
            for (var r = 0; r < moe.TopK; r++)
            {
                if (!kept[t, r]) continue;
                var ex = ch[t * moe.TopK + r];
                var h = (x[t].matmul(e.w1[ex]) + e.b1![ex][0]).gelu();
                y = y + (h.matmul(e.w2[ex]) + e.b2![ex][0]) * gates[t][r];
            }
            rows.Add(y);
        }
        return stack(rows);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.6)]
    public void TopKMatchesNaiveLoopAndRespectsCapacity(double capacityFactor)
    {
        using var scope = NewDisposeScope();
        using var moe = new TopKMoe(8, 16, 4, 2, capacityFactor, generator: new Generator(3));
        moe.eval();
        using (no_grad()) moe.experts.b1!.normal_(0, 0.1);
        var x = randn(new long[] { 24, 8 }, new Generator(4));
        var result = moe.forward(x);
        var expected = NaiveTopK(moe, x);
        Assert.True(expected.allclose(result.Output, 1e-5, 1e-6));
        var perExpert = result.TokensPerExpert.ToArray<long>();
        Assert.All(perExpert, n => Assert.InRange(n, 0, moe.Capacity(24)));
        var droppedAssignments = 48 - perExpert.Sum();
        Assert.Equal(droppedAssignments / 48.0, result.DroppedFraction.item<float>(), 5);
        if (capacityFactor >= 2) Assert.Equal(0, droppedAssignments);
        else Assert.True(droppedAssignments > 0);
        Assert.True(result.AuxLoss!.item<float>() > 0);
    }

    [Theory]
    [InlineData(2.0, false)]
    [InlineData(0.6, false)]
    [InlineData(1.0, true)]
    public void ExactCpuDispatchEqualsTheFixedBuffer(double capacityFactor, bool gated)
    {
        // The CPU path runs experts on occupied slots only; outputs, aux loss, statistics and every gradient must be
        // those of the [E, C, d] buffer path (with and without dropping, with an expert that gets nothing).
        using var scope = NewDisposeScope();
        // 210 real tokens of 300: at capacity 2 (C = 300) each used expert fills ~140 slots, so the CPU path runs a
        // partial bucket of rows (a multiple of TopKMoe.CpuSlotBucket, below C); at 0.6 (C = 90) experts overflow.
        var x = rand(new long[] { 3, 100, 8 }, new Generator(6));       // positive inputs: the router rows below decide
        var mask = arange(100).unsqueeze(0).lt(tensor(new long[] { 100, 70, 40 }).unsqueeze(1));
        var results = new List<(Tensor output, Tensor aux, long[] kept, float dropped, Tensor[] grads, Tensor xGrad)>();
        foreach (var exact in new[] { true, false })
        {
            using var moe = new TopKMoe(8, 16, 4, 2, capacityFactor, gatedExperts: gated, generator: new Generator(5)) { ExactCpuDispatch = exact };
            if (!gated) using (no_grad()) { moe.experts.b1!.normal_(0, 0.1, new Generator(7)); moe.experts.b2!.normal_(0, 0.1, new Generator(8)); }
            using (no_grad())
            {
                moe.router.weight.narrow(0, 0, 3).uniform_(0.1, 1, new Generator(9));
                moe.router.weight.select(0, 3).fill_(-5);               // expert 3 is nobody's choice
            }
            moe.eval();                                                  // no routing noise: both runs route alike
            var input = x.detach().requires_grad_();
            var r = moe.forward(input, mask);
            (r.Output.pow(2).sum() + r.AuxLoss!).backward();
            results.Add((r.Output.detach(), r.AuxLoss!.detach(), r.TokensPerExpert.ToArray<long>(), r.DroppedFraction.item<float>(),
                         moe.parameters().Select(p => p.grad!.clone()).ToArray(), input.grad!.clone()));
        }
        var (a, b) = (results[0], results[1]);
        Assert.Equal(0, a.kept[3]);
        if (capacityFactor == 2.0) Assert.All(a.kept.Take(3), n => Assert.InRange(n, 1, 300 - TopKMoe.CpuSlotBucket));
        Assert.True(a.output.allclose(b.output, 1e-5, 1e-6));
        Assert.True(a.aux.allclose(b.aux, 1e-6, 1e-7));
        Assert.Equal(b.kept, a.kept);
        Assert.Equal(b.dropped, a.dropped);
        Assert.True(a.xGrad.allclose(b.xGrad, 1e-5, 1e-6));
        for (var i = 0; i < a.grads.Length; i++) Assert.True(a.grads[i].allclose(b.grads[i], 1e-5, 1e-6), $"gradient {i}");
    }

    [Fact]
    public void DroppedTokensKeepExactlyTheirResidual()
    {
        using var scope = NewDisposeScope();
        using var moe = new TopKMoe(4, 8, 4, 2, capacityFactor: 0.4, generator: new Generator(5));
        moe.eval();
        // Every token prefers expert 0, then expert 1: with C = ⌈0.4·2·10/4⌉ = 2 only tokens 0 and 1 are served.
        using (no_grad())
        {
            moe.router.weight.zero_();
            moe.router.weight[0][0].fill_(10);
            moe.router.weight[1][0].fill_(5);
        }
        var x = rand(new long[] { 10, 4 }, new Generator(6)) + 0.5;
        Assert.Equal(2, moe.Capacity(10));
        var result = moe.forward(x);
        var residual = x + result.Output;
        for (var t = 2; t < 10; t++) Assert.True(residual[t].equal(x[t]), $"token {t} changed");
        Assert.False(result.Output[0].equal(zeros(4)));
        Assert.Equal(new long[] { 2, 2, 0, 0 }, result.TokensPerExpert.ToArray<long>());
    }

    [Fact]
    public void PaddedTokensTakeNoCapacityAndGetNothing()
    {
        using var scope = NewDisposeScope();
        using var moe = new TopKMoe(8, 16, 4, 2, capacityFactor: 1.0, generator: new Generator(13));
        moe.eval();
        var x = randn(new long[] { 2, 6, 8 }, new Generator(14));
        var mask = tensor(new[] { true, true, true, false, false, false, true, true, true, true, false, false }, 2, 6);
        var r = moe.forward(x, mask);
        var output = r.Output.reshape(12, 8);
        var m = mask.reshape(12).ToArray<bool>();
        for (var t = 0; t < 12; t++)
            if (!m[t]) Assert.True(output[t].equal(zeros(8)), $"padded token {t} got expert output");
        var served = r.TokensPerExpert.ToArray<long>().Sum();
        Assert.True(served <= 7 * 2, $"{served} assignments served for 7 real tokens");
        Assert.Equal(1.0 - served / 14.0, r.DroppedFraction.item<float>(), 5);
        // Real tokens are routed exactly as if the padding were absent, when capacity is not binding.
        using var roomy = new TopKMoe(8, 16, 4, 2, capacityFactor: 4.0, generator: new Generator(13));
        roomy.eval();
        var alone = roomy.forward(x[0].narrow(0, 0, 3)).Output;
        Assert.True(alone.allclose(roomy.forward(x, mask).Output[0].narrow(0, 0, 3), 1e-6, 1e-7));
    }

    [Fact]
    public void GradientsReachTheRouterThroughTheGates()
    {
        using var scope = NewDisposeScope();
        using var moe = new TopKMoe(8, 16, 4, 2, 1.2, generator: new Generator(7));
        moe.eval();
        var x = randn(new long[] { 16, 8 }, new Generator(8));
        moe.forward(x).Output.pow(2).sum().backward();   // the task loss alone, no balance loss
        Assert.True(moe.router.weight.grad!.abs().sum().item<float>() > 0);
        Assert.True(moe.experts.w1.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void TrainingNoiseIsOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        using var moe = new TopKMoe(8, 16, 4, 2, 2.0, generator: new Generator(9));
        var x = randn(new long[] { 16, 8 }, new Generator(10));
        moe.eval();
        Assert.True(moe.forward(x).Output.equal(moe.forward(x).Output));
        moe.train();
        manual_seed(1);
        var a = moe.forward(x).Output;
        manual_seed(2);
        var b = moe.forward(x).Output;
        Assert.False(a.equal(b));
    }

    [Fact]
    public void ExpertChoiceGivesEveryExpertExactlyKTokens()
    {
        using var scope = NewDisposeScope();
        using var moe = new ExpertChoiceMoe(8, 16, 4, capacityFactor: 1.0, generator: new Generator(11));
        var x = randn(new long[] { 3, 10, 8 }, new Generator(12));
        var r = moe.forward(x);
        Assert.Equal(new long[] { 3, 10, 8 }, r.Output.shape);
        Assert.Null(r.AuxLoss);
        var k = moe.TokensPerExpert(30);
        Assert.Equal(7, k);
        Assert.All(r.TokensPerExpert.ToArray<long>(), n => Assert.Equal(k, n));
        // Naive check: expert e's chosen tokens are the top-k of its score column; unchosen tokens get zero output.
        var scores = moe.router.forward(x.reshape(-1, 8)).softmax(-1);
        var chosen = new HashSet<long>();
        for (var e = 0; e < 4; e++) foreach (var t in scores.select(1, e).topk(k).indices.ToArray<long>()) chosen.Add(t);
        var flat = r.Output.reshape(-1, 8);
        for (var t = 0; t < 30; t++)
            Assert.Equal(!chosen.Contains(t), flat[t].equal(zeros(8)));
        Assert.Equal((30 - chosen.Count) / 30.0, r.DroppedFraction.item<float>(), 5);
        r.Output.sum().backward();
        Assert.True(moe.router.weight.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void ExpertChoiceNeverPicksPaddedTokens()
    {
        using var scope = NewDisposeScope();
        using var moe = new ExpertChoiceMoe(8, 16, 4, capacityFactor: 2.0, generator: new Generator(15));
        var x = randn(new long[] { 2, 6, 8 }, new Generator(16)).requires_grad_();
        var mask = tensor(new[] { true, true, true, false, false, false, true, true, true, true, false, false }, 2, 6);
        var m = mask.reshape(12).ToArray<bool>();
        // Without the mask, experts do pick padding (so the masked run below proves something).
        var unmasked = moe.forward(x).Output.reshape(12, 8);
        Assert.Contains(Enumerable.Range(0, 12), t => !m[t] && !unmasked[t].equal(zeros(8)));

        var r = moe.forward(x, mask);
        var output = r.Output.reshape(12, 8);
        var k = moe.TokensPerExpert(7);                                 // capacity from the 7 real tokens: ⌊7·2/4⌋ = 3
        Assert.Equal(3, k);
        Assert.All(r.TokensPerExpert.ToArray<long>(), n => Assert.Equal(k, n));
        // Naive check over the real tokens only: expert e takes the top k of its score column among them.
        var scores = moe.router.forward(x.reshape(12, 8)).softmax(-1);
        var realIds = Enumerable.Range(0, 12).Where(t => m[t]).Select(t => (long)t).ToArray();
        var chosen = new HashSet<long>();
        for (var e = 0; e < 4; e++)
            foreach (var j in scores.select(1, e).index_select(0, tensor(realIds)).topk(k).indices.ToArray<long>()) chosen.Add(realIds[j]);
        for (var t = 0; t < 12; t++)
            Assert.Equal(!chosen.Contains(t), output[t].equal(zeros(8)));   // padded tokens: exactly zero
        Assert.Equal((7 - chosen.Count) / 7.0, r.DroppedFraction.item<float>(), 5);
        // Padded tokens take no part in the computation: no gradient reaches them.
        r.Output.pow(2).sum().backward();
        var grad = x.grad!.reshape(12, 8);
        for (var t = 0; t < 12; t++)
            if (!m[t]) Assert.True(grad[t].equal(zeros(8)), $"padded token {t} got a gradient");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void ExpertChoiceRealTokensIgnoreTrailingPadding(double capacityFactor)
    {
        using var scope = NewDisposeScope();
        using var moe = new ExpertChoiceMoe(8, 16, 4, capacityFactor, generator: new Generator(17));
        var x = randn(new long[] { 2, 5, 8 }, new Generator(18));
        var mask = tensor(new[] { true, true, true, true, true, true, true, false, false, false }, 2, 5);
        var reference = moe.forward(x, mask);
        foreach (var pad in new[] { 1, 4, 11 })
        {
            // Padding with large activations (confident router scores) after the real tokens of both rows.
            var padded = cat(new[] { x, randn(new long[] { 2, pad, 8 }, new Generator((ulong)pad)) * 10 }, 1);
            var paddedMask = cat(new[] { mask, zeros(new long[] { 2, pad }, ScalarType.Bool) }, 1);
            var r = moe.forward(padded, paddedMask);
            Assert.True(reference.Output.allclose(r.Output.narrow(1, 0, 5), 1e-6, 1e-7), $"{pad} padded tokens changed the result");
            Assert.True(r.Output.narrow(1, 5, pad).equal(zeros(new long[] { 2, pad, 8 })));
            Assert.Equal(reference.TokensPerExpert.ToArray<long>(), r.TokensPerExpert.ToArray<long>());
            Assert.Equal(reference.DroppedFraction.item<float>(), r.DroppedFraction.item<float>());
        }
    }
}
