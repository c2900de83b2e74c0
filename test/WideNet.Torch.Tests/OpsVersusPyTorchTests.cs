using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

// Proves the binding's ops compute what PyTorch computes: identical inputs go to python3-torch (the same LibTorch
// kernels, reached through Python) and every result must match in value, shape and dtype.
public class OpsVersusPyTorchTests
{
    [Fact]
    public void ElementwiseReductionsAndLinearAlgebraMatchPyTorch()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(1);
        var a = randn(new long[] { 3, 4 }, g);
        var b = randn(new long[] { 4 }, g);
        var m = randn(new long[] { 2, 4, 5 }, g);
        var x = randn(new long[] { 2, 3, 8, 8 }, g);
        var w = randn(new long[] { 4, 3, 3, 3 }, g);
        var cb = randn(new long[] { 4 }, g);
        var pos = rand(new long[] { 3, 4 }, g) + 0.1;
        var mine = new Dictionary<string, Tensor>
        {
            ["add"] = a + b * 2, ["sub"] = a - b, ["mul"] = a * b, ["div"] = a / (b.abs() + 1), ["rsub"] = 1.5 - a,
            ["pow"] = pos.pow(2.5), ["clamp"] = a.clamp(-0.5, 0.5), ["gt"] = a > b, ["eq"] = a.eq(a),
            ["exp"] = a.exp(), ["log"] = pos.log(), ["sqrt"] = pos.sqrt(), ["rsqrt"] = pos.rsqrt(),
            ["tanh"] = a.tanh(), ["sigmoid"] = a.sigmoid(), ["relu"] = a.relu(), ["silu"] = a.silu(),
            ["gelu"] = a.gelu(), ["gelu_tanh"] = a.gelu(true),
            ["sum"] = a.sum(), ["sum1"] = a.sum(1, keepdim: true), ["mean0"] = a.mean(0), ["max"] = a.max(),
            ["max1"] = a.max(1).values, ["argmax1"] = a.argmax(1), ["lse"] = a.logsumexp(1), ["norm"] = a.norm(),
            ["cumsum"] = a.cumsum(1), ["softmax"] = a.softmax(-1), ["log_softmax"] = a.log_softmax(0),
            ["matmul"] = a.matmul(m), ["bmm"] = m.transpose(1, 2).bmm(m),
            ["baddbmm"] = baddbmm(ones(2, 5, 5), m.transpose(1, 2), m, 0.5, 2),
            ["addmm"] = addmm(b.narrow(0, 0, 3), a, a.transpose(0, 1), 0.5, 2),
            ["linear"] = F.linear(a, randn(new long[] { 6, 4 }, new Generator(2)), zeros(6)),
            ["conv2d"] = F.conv2d(x, w, cb, stride: 2, padding: 1),
            ["layer_norm"] = F.layer_norm(a, new long[] { 4 }, b, b * 0.5),
        };
        var oracle = PyOracle.Run("""
            a, b, m, x, w, cb, pos = (inputs[k] for k in ["a", "b", "m", "x", "w", "cb", "pos"])
            g = torch.Generator().manual_seed(2)
            o = outputs
            o["add"] = a + b * 2; o["sub"] = a - b; o["mul"] = a * b; o["div"] = a / (b.abs() + 1); o["rsub"] = 1.5 - a
            o["pow"] = pos.pow(2.5); o["clamp"] = a.clamp(-0.5, 0.5); o["gt"] = a > b; o["eq"] = a == a
            o["exp"] = a.exp(); o["log"] = pos.log(); o["sqrt"] = pos.sqrt(); o["rsqrt"] = pos.rsqrt()
            o["tanh"] = a.tanh(); o["sigmoid"] = a.sigmoid(); o["relu"] = a.relu(); o["silu"] = F.silu(a)
            o["gelu"] = F.gelu(a); o["gelu_tanh"] = F.gelu(a, approximate="tanh")
            o["sum"] = a.sum(); o["sum1"] = a.sum(1, keepdim=True); o["mean0"] = a.mean(0); o["max"] = a.max()
            o["max1"] = a.max(1).values; o["argmax1"] = a.argmax(1); o["lse"] = a.logsumexp(1); o["norm"] = a.norm()
            o["cumsum"] = a.cumsum(1); o["softmax"] = a.softmax(-1); o["log_softmax"] = a.log_softmax(0)
            o["matmul"] = a.matmul(m); o["bmm"] = m.transpose(1, 2).bmm(m)
            o["baddbmm"] = torch.baddbmm(torch.ones(2, 5, 5), m.transpose(1, 2), m, beta=0.5, alpha=2)
            o["addmm"] = torch.addmm(b[:3], a, a.t(), beta=0.5, alpha=2)
            o["linear"] = F.linear(a, torch.randn(6, 4, generator=g), torch.zeros(6))
            o["conv2d"] = F.conv2d(x, w, cb, stride=2, padding=1)
            o["layer_norm"] = F.layer_norm(a, [4], b, b * 0.5)
            """, ("a", a), ("b", b), ("m", m), ("x", x), ("w", w), ("cb", cb), ("pos", pos));
        foreach (var (name, t) in mine) PyOracle.AssertClose(oracle[name], t, what: name);
    }

    [Fact]
    public void ShapeIndexingAndSelectionMatchPyTorch()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var a = randn(new long[] { 4, 6 }, g);
        var idx = tensor(new long[] { 3, 0, 3 });
        var gidx = randint(0, 6, new long[] { 4, 2 }, g);
        var src = randn(new long[] { 4, 2 }, g);
        var rows = randn(new long[] { 3, 6 }, g);
        var mask = a > 0;
        var cls = tensor(new long[] { 2, 0, 1, 2, 2 });
        var parts = a.split(4, 1);
        var chunks = a.chunk(3, 0);
        var mine = new Dictionary<string, Tensor>
        {
            ["reshape"] = a.reshape(3, -1), ["permute"] = a.reshape(2, 3, 4).permute(2, 0, 1).contiguous(),
            ["flatten"] = a.reshape(2, 2, 6).flatten(1), ["unsq"] = a.unsqueeze(1).expand(4, 3, 6).contiguous(),
            ["squeeze"] = a.reshape(1, 4, 1, 6).squeeze(), ["cat"] = cat(new[] { a, a * 2 }, 1), ["stack"] = stack(new[] { a, a }, 0),
            ["split0"] = parts[0], ["split1"] = parts[1], ["chunk2"] = chunks[1], ["narrow"] = a.narrow(1, 2, 3),
            ["slice"] = a.slice(1, 1, 6, 2), ["select"] = a.select(0, 2),
            ["index_select"] = a.index_select(0, idx), ["gather"] = a.gather(1, gidx),
            ["scatter"] = zeros(4, 6).scatter(1, gidx, src), ["scatter_add"] = zeros(4, 6).scatter_add(1, gidx, src),
            ["index_add"] = zeros(4, 6).index_add(0, idx, rows), ["index_copy"] = zeros(4, 6).index_copy(0, tensor(new long[] { 3, 0, 1 }), rows),
            ["masked_fill"] = a.masked_fill(mask, -1), ["where"] = where(mask, a, a * 10),
            ["topk_v"] = a.topk(2, 1).values, ["topk_i"] = a.topk(2, 1).indices, ["sort_v"] = a.sort(0).values,
            ["argsort"] = a.argsort(1, descending: true), ["one_hot"] = F.one_hot(cls, 4), ["bincount"] = F.bincount(cls, minlength: 4),
            ["embedding"] = F.embedding(cls, a),
        };
        var oracle = PyOracle.Run("""
            a, idx, gidx, src, rows, cls = (inputs[k] for k in ["a", "idx", "gidx", "src", "rows", "cls"])
            mask = a > 0
            o = outputs
            o["reshape"] = a.reshape(3, -1); o["permute"] = a.reshape(2, 3, 4).permute(2, 0, 1).contiguous()
            o["flatten"] = a.reshape(2, 2, 6).flatten(1); o["unsq"] = a.unsqueeze(1).expand(4, 3, 6).contiguous()
            o["squeeze"] = a.reshape(1, 4, 1, 6).squeeze(); o["cat"] = torch.cat([a, a * 2], 1); o["stack"] = torch.stack([a, a], 0)
            p = a.split(4, 1); o["split0"] = p[0]; o["split1"] = p[1]; o["chunk2"] = a.chunk(3, 0)[1]; o["narrow"] = a.narrow(1, 2, 3)
            o["slice"] = a[:, 1:6:2]; o["select"] = a[2]
            o["index_select"] = a.index_select(0, idx); o["gather"] = a.gather(1, gidx)
            o["scatter"] = torch.zeros(4, 6).scatter(1, gidx, src); o["scatter_add"] = torch.zeros(4, 6).scatter_add(1, gidx, src)
            o["index_add"] = torch.zeros(4, 6).index_add(0, idx, rows); o["index_copy"] = torch.zeros(4, 6).index_copy(0, torch.tensor([3, 0, 1]), rows)
            o["masked_fill"] = a.masked_fill(mask, -1); o["where"] = torch.where(mask, a, a * 10)
            t = a.topk(2, 1); o["topk_v"] = t.values; o["topk_i"] = t.indices; o["sort_v"] = a.sort(0).values
            o["argsort"] = a.argsort(1, descending=True); o["one_hot"] = F.one_hot(cls, 4); o["bincount"] = torch.bincount(cls, minlength=4)
            o["embedding"] = F.embedding(cls, a)
            """, ("a", a), ("idx", idx), ("gidx", gidx), ("src", src), ("rows", rows), ("cls", cls));
        foreach (var (name, t) in mine) PyOracle.AssertClose(oracle[name], t, what: name);
    }

    [Fact]
    public void LossesAttentionAndDropoutMatchPyTorch()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(4);
        var logits = randn(new long[] { 5, 7 }, g);
        var target = randint(0, 7, new long[] { 5 }, g);
        var soft = rand(new long[] { 5, 7 }, g).softmax(1);
        var q = randn(new long[] { 2, 3, 6, 8 }, g);
        var k = randn(new long[] { 2, 3, 6, 8 }, g);
        var v = randn(new long[] { 2, 3, 6, 8 }, g);
        var keep = rand(new long[] { 2, 1, 1, 6 }, g) > 0.3;
        keep = keep.logical_or(arange(6).eq(0).reshape(1, 1, 1, 6)); // every row keeps at least one key
        var mine = new Dictionary<string, Tensor>
        {
            ["ce"] = F.cross_entropy(logits, target), ["ce_ls"] = F.cross_entropy(logits, target, label_smoothing: 0.1),
            ["ce_soft"] = F.cross_entropy(logits, soft), ["ce_none"] = F.cross_entropy(logits, target, reduction: torch.nn.Reduction.None),
            ["attn"] = F.scaled_dot_product_attention(q, k, v), ["attn_ref"] = F.scaled_dot_product_attention_reference(q, k, v),
            ["attn_mask"] = F.scaled_dot_product_attention(q, k, v, keep), ["attn_causal"] = F.scaled_dot_product_attention(q, k, v, is_causal: true),
        };
        var oracle = PyOracle.Run("""
            logits, target, soft, q, k, v, keep = (inputs[n] for n in ["logits", "target", "soft", "q", "k", "v", "keep"])
            o = outputs
            o["ce"] = F.cross_entropy(logits, target); o["ce_ls"] = F.cross_entropy(logits, target, label_smoothing=0.1)
            o["ce_soft"] = F.cross_entropy(logits, soft); o["ce_none"] = F.cross_entropy(logits, target, reduction="none")
            def attn(q, k, v, mask=None, causal=False):
                s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
                if causal:
                    s = s.masked_fill(~torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril(), float("-inf"))
                if mask is not None:
                    s = s.masked_fill(~mask, float("-inf"))
                return s.softmax(-1) @ v
            o["attn"] = attn(q, k, v); o["attn_ref"] = attn(q, k, v); o["attn_mask"] = attn(q, k, v, keep); o["attn_causal"] = attn(q, k, v, causal=True)
            """, ("logits", logits), ("target", target), ("soft", soft), ("q", q), ("k", k), ("v", v), ("keep", keep));
        foreach (var (name, t) in mine) PyOracle.AssertClose(oracle[name], t, what: name);

        // Dropout: p = 0 or eval is the identity; in training, kept elements are scaled by 1/(1-p) and about p are zero.
        var x = ones(100_000);
        Assert.True(F.dropout(x, 0.3, training: false).equal(x));
        var d = F.dropout(x, 0.3);
        var zeroFraction = d.eq(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(zeroFraction, 0.29, 0.31);
        Assert.Equal(1 / 0.7, d.max().item<float>(), 5);
    }
}
