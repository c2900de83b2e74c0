// Proves that the binding's ops compute what PyTorch computes: every case below runs once in C# (through the
// native library) and once in python3-torch on bit-identical inputs (oracle/ops_oracle.py, one python run for all
// cases), and the outputs must agree in shape, dtype and value. Covers elementwise arithmetic and comparisons with
// broadcasting, linear algebra and convolution, views and shape changes, joins and splits, indexing/scatter/gather,
// sorting and selection, reductions, activations, normalisation, embedding, cross-entropy (label smoothing, soft
// targets) and scaled dot-product attention (default and reference paths, bool mask and causal).
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

public class OpsOracleTests
{
    sealed record OpCase(string Name, string Inputs, string Py, Func<object> Cs, double Rtol = 1e-5, double Atol = 1e-5);

    // Shared inputs, made once from a seeded generator (never freed: they live as long as the test process).
    static readonly Dictionary<string, Tensor> In = MakeInputs();

    static Dictionary<string, Tensor> MakeInputs()
    {
        using var g = new Generator(20240601);
        Tensor Rn(params long[] s) => randn(s, g).DetachFromDisposeScope();
        Tensor Ri(long lo, long hi, params long[] s) => randint(lo, hi, s, g).DetachFromDisposeScope();
        var d = new Dictionary<string, Tensor>
        {
            ["x"] = Rn(3, 4), ["y"] = Rn(3, 4), ["row"] = Rn(4), ["col"] = Rn(3, 1),
            ["A"] = Rn(3, 5), ["B"] = Rn(5, 2), ["C"] = Rn(3, 2), ["v5"] = Rn(5), ["M"] = Rn(4, 5),
            ["bA"] = Rn(2, 3, 4), ["bB"] = Rn(2, 4, 5), ["bC"] = Rn(2, 3, 5),
            ["W"] = Rn(6, 4), ["b6"] = Rn(6),
            ["img"] = Rn(2, 3, 6, 6), ["cw"] = Rn(4, 3, 3, 3), ["cb"] = Rn(4), ["cwg"] = Rn(6, 1, 3, 3),
            ["t"] = Rn(2, 3, 4), ["lnw"] = Rn(4), ["lnb"] = Rn(4),
            ["ia"] = Ri(1, 10, 3, 4), ["ib"] = Ri(1, 10, 3, 4),
            ["gidx"] = Ri(0, 4, 3, 2), ["gidx0"] = Ri(0, 3, 2, 4),
            ["lab"] = tensor(new long[] { 0, 3, 1, 3, 2 }), ["w5"] = Rn(5),
            ["emb"] = Rn(5, 4), ["tok"] = tensor(new long[] { 0, 4, 2, 2, 1, 3 }, 2, 3),
            ["L"] = Rn(4, 5), ["T"] = tensor(new long[] { 1, 0, 4, 2 }), ["cw5"] = rand(new long[] { 5 }, g).DetachFromDisposeScope(),
            ["Tign"] = tensor(new long[] { 1, -100, 4, 2 }),
            ["q"] = Rn(2, 2, 5, 8), ["k"] = Rn(2, 2, 6, 8), ["v"] = Rn(2, 2, 6, 8),
            ["kc"] = Rn(2, 2, 5, 8), ["vc"] = Rn(2, 2, 5, 8), ["fmask"] = Rn(5, 6),
            ["x64"] = randn(new long[] { 3, 4 }, g, ScalarType.Float64).DetachFromDisposeScope(),
        };
        d["pos"] = (rand(new long[] { 3, 4 }, g) + 0.1).DetachFromDisposeScope();
        d["P"] = d["L"].mul(0.7).softmax(1).DetachFromDisposeScope();
        d["idx"] = tensor(new long[] { 2, 0, 2 });
        d["perm"] = tensor(new long[] { 2, 0, 1 });
        d["sidx"] = tensor(new long[] { 0, 3, 1, 2, 3, 0 }, 3, 2);
        d["didx"] = tensor(new long[] { 0, 0, 1, 1, 2, 3 }, 3, 2);
        d["src"] = Rn(3, 2);
        // A bool mask [5, 6] with at least one kept key per query row.
        using (var m = rand(new long[] { 5, 6 }, g)) d["bmask"] = m.gt(0.4).logical_or(eye_bool(5, 6)).DetachFromDisposeScope();
        return d;
    }

    static Tensor eye_bool(long n, long m)
    {
        var data = new bool[n * m];
        for (var i = 0; i < Math.Min(n, m); i++) data[i * m + i] = true;
        return tensor(data, n, m);
    }

    static Tensor I(string name) => In[name];

    static readonly OpCase[] Cases =
    {
        // ---- elementwise arithmetic with broadcasting ----
        new("add_broadcast", "x,row", "out = [x + row, torch.add(x, row, alpha=2.5)]", () => new[] { I("x") + I("row"), I("x").add(I("row"), 2.5) }),
        new("sub_mul_div_broadcast", "x,col,pos", "out = [x - col, x * col, x / pos, torch.sub(x, col, alpha=0.5)]",
            () => new[] { I("x") - I("col"), I("x") * I("col"), I("x") / I("pos"), I("x").sub(I("col"), 0.5) }),
        new("scalar_arith", "x,pos", "out = [x + 2, x * 3, 2 - x, x - 1.5, x / 4, 2 / pos, -x]",
            () => new[] { I("x") + 2, I("x") * 3, 2 - I("x"), I("x") - 1.5, I("x") / 4, 2 / I("pos"), -I("x") }),
        new("pow", "x,y,pos", "out = [pos ** y, x ** 2, pos ** 0.5, x.pow(3)]",
            () => new[] { I("pos").pow(I("y")), I("x").pow(2), I("pos").pow(0.5), I("x").pow(3) }),
        new("maximum_minimum", "x,row", "out = [torch.maximum(x, row), torch.minimum(x, row)]", () => new[] { maximum(I("x"), I("row")), minimum(I("x"), I("row")) }),
        new("int_arith_promotion", "ia,ib", "out = [ia + ib, ia * 2, ia + 1, ia + 0.5, ia * ib, torch.div(ia, 2, rounding_mode='floor'), ia % 3, ia / 2]",
            () => new[] { I("ia") + I("ib"), I("ia") * 2, I("ia") + 1, I("ia") + 0.5, I("ia") * I("ib"), I("ia").floor_divide(2), I("ia").remainder(3), I("ia") / 2 }),
        new("float64_arith", "x64,row", "out = [x64 * 2 + 1, x64 + row]", () => new[] { I("x64") * 2 + 1, I("x64") + I("row") }),
        // ---- comparisons ----
        new("comparisons", "x,y", "out = [x < y, x > y, x <= y, x >= y, x == y, x != y, x == x]",
            () => new[] { I("x") < I("y"), I("x") > I("y"), I("x") <= I("y"), I("x") >= I("y"), I("x").eq(I("y")), I("x").ne(I("y")), I("x").eq(I("x")) }),
        new("comparisons_broadcast_scalar", "x,row,col,ia", "out = [x < row, col > x, x > 0, x <= 0.25, ia == 3, ia != 3, ia >= 5]",
            () => new[] { I("x") < I("row"), I("col") > I("x"), I("x").gt(0), I("x").le(0.25), I("ia").eq(3), I("ia").ne(3), I("ia").ge(5) }),
        new("logical", "x,y", "out = [(x > 0) & (y > 0), (x > 0) | (y > 0), ~(x > 0)]",
            () => new[] { I("x").gt(0).logical_and(I("y").gt(0)), I("x").gt(0).logical_or(I("y").gt(0)), I("x").gt(0).logical_not() }),
        // ---- linear algebra ----
        new("matmul", "A,B,bA,M,v5", "out = [A @ B, bA @ M, A @ v5, torch.matmul(v5, B)]",
            () => new[] { I("A").matmul(I("B")), I("bA").matmul(I("M")), I("A").matmul(I("v5")), matmul(I("v5"), I("B")) }, 1e-4),
        new("bmm_baddbmm", "bA,bB,bC", "out = [torch.bmm(bA, bB), torch.baddbmm(bC, bA, bB), torch.baddbmm(bC, bA, bB, beta=0.5, alpha=2)]",
            () => new[] { bmm(I("bA"), I("bB")), baddbmm(I("bC"), I("bA"), I("bB")), baddbmm(I("bC"), I("bA"), I("bB"), 0.5, 2) }, 1e-4),
        new("addmm", "A,B,C", "out = [torch.addmm(C, A, B), torch.addmm(C, A, B, beta=0.5, alpha=2)]",
            () => new[] { addmm(I("C"), I("A"), I("B")), addmm(I("C"), I("A"), I("B"), 0.5, 2) }, 1e-4),
        new("linear", "x,W,b6,bA", "out = [F.linear(x, W, b6), F.linear(x, W), F.linear(bA, W, b6)]",
            () => new[] { F.linear(I("x"), I("W"), I("b6")), F.linear(I("x"), I("W")), F.linear(I("bA"), I("W"), I("b6")) }, 1e-4),
        new("conv2d", "img,cw,cb,cwg", "out = [F.conv2d(img, cw, cb, padding=1), F.conv2d(img, cw, None, stride=2), F.conv2d(img, cw, cb, dilation=2, padding=2), F.conv2d(img, cwg, None, padding=1, groups=3)]",
            () => new[] { F.conv2d(I("img"), I("cw"), I("cb"), padding: 1), F.conv2d(I("img"), I("cw"), null, stride: 2), F.conv2d(I("img"), I("cw"), I("cb"), dilation: 2, padding: 2), F.conv2d(I("img"), I("cwg"), null, padding: 1, groups: 3) }, 1e-4),
        // ---- views and shapes ----
        new("views", "t,row", "u = t.reshape(2, 1, 3, 4)\nout = [t.reshape(4, 6), t.reshape(-1, 2), t.view(6, 4), t.permute(2, 0, 1), t.transpose(0, 2), t.flatten(), t.flatten(1), t.unsqueeze(1), t.unsqueeze(-1), u.squeeze(), u.squeeze(1), row.expand(3, 4), row.expand(2, -1, -1) if False else row.unsqueeze(0).expand(2, 4), t.permute(2, 0, 1).contiguous(), t.transpose(1, 2).reshape(2, 12)]",
            () =>
            {
                var u = I("t").reshape(2, 1, 3, 4);
                return new[] { I("t").reshape(4, 6), I("t").reshape(-1, 2), I("t").view(6, 4), I("t").permute(2, 0, 1), I("t").transpose(0, 2), I("t").flatten(), I("t").flatten(1), I("t").unsqueeze(1), I("t").unsqueeze(-1), u.squeeze(), u.squeeze(1), I("row").expand(3, 4), I("row").unsqueeze(0).expand(2, 4), I("t").permute(2, 0, 1).contiguous(), I("t").transpose(1, 2).reshape(2, 12) };
            }),
        // ---- joins and splits ----
        new("cat_stack", "x,y,row", "out = [torch.cat([x, y], 0), torch.cat([x, y], 1), torch.cat([x, y], -1), torch.stack([x, y], 0), torch.stack([x, y], 2), torch.stack([row, row])]",
            () => new[] { cat(new[] { I("x"), I("y") }, 0), cat(new[] { I("x"), I("y") }, 1), cat(new[] { I("x"), I("y") }, -1), stack(new[] { I("x"), I("y") }, 0), stack(new[] { I("x"), I("y") }, 2), stack(new[] { I("row"), I("row") }) }),
        new("split_chunk", "t", "out = [t.split(3, 2), t.split([1, 3], 2), t.chunk(3, 1), t.chunk(2, 2), t.split(1, 0), t.unbind(1), t.unbind(-1)]",
            () => new[] { I("t").split(3, 2), I("t").split(new long[] { 1, 3 }, 2), I("t").chunk(3, 1), I("t").chunk(2, 2), I("t").split(1, 0), I("t").unbind(1), I("t").unbind(-1) }.SelectMany(a => a).ToArray()),
        new("narrow_slice", "t", "out = [t.narrow(2, 1, 2), t[:, 1:3], t[..., ::2], t[:, -2:], t[1], t.select(2, 3), t[:, :, 1:], t.narrow(0, 1, 1)]",
            () => new[] { I("t").narrow(2, 1, 2), I("t").slice(1, 1, 3), I("t").slice(2, 0, 4, 2), I("t").slice(1, -2, 3), I("t")[1], I("t").select(2, 3), I("t").slice(2, 1, long.MaxValue), I("t").narrow(0, 1, 1) }),
        // ---- indexing, gather, scatter ----
        new("index_select_gather", "x,idx,gidx,gidx0", "out = [x.index_select(0, idx), x.index_select(1, idx), x.gather(1, gidx), x.gather(0, gidx0)]",
            () => new[] { I("x").index_select(0, I("idx")), I("x").index_select(1, I("idx")), I("x").gather(1, I("gidx")), I("x").gather(0, I("gidx0")) }),
        new("scatter", "x,sidx,didx,src", "out = [x.scatter(1, sidx, src), x.scatter(1, sidx, 7.0), x.scatter_add(1, didx, src), torch.zeros(3, 5).scatter_add(1, didx, src)]",
            () => new[] { I("x").scatter(1, I("sidx"), I("src")), I("x").scatter(1, I("sidx"), 7.0), I("x").scatter_add(1, I("didx"), I("src")), zeros(3, 5).scatter_add(1, I("didx"), I("src")) }),
        new("index_add_copy", "x,y,idx,perm", "out = [x.index_add(0, idx, y), x.index_add(0, idx, y, alpha=0.5), x.index_copy(0, perm, y), x.index_add(1, idx, y[:, :3])]",
            () => new[] { I("x").index_add(0, I("idx"), I("y")), I("x").index_add(0, I("idx"), I("y"), 0.5), I("x").index_copy(0, I("perm"), I("y")), I("x").index_add(1, I("idx"), I("y").slice(1, 0, 3)) }),
        new("masked_fill_where", "x,y,row,col", "out = [x.masked_fill(x > 0, -1.5), x.masked_fill(row > 0, 2.0), torch.where(x > 0, x, y), torch.where(row > 0, x, col)]",
            () => new[] { I("x").masked_fill(I("x").gt(0), -1.5), I("x").masked_fill(I("row").gt(0), 2.0), where(I("x").gt(0), I("x"), I("y")), where(I("row").gt(0), I("x"), I("col")) }),
        // ---- sorting and selection ----
        new("topk", "x", "out = [x.topk(2, 1), x.topk(2, 0, largest=False), x.topk(3)]",
            () => { var (a, b) = I("x").topk(2, 1); var (c, d) = I("x").topk(2, 0, largest: false); var (e, f) = I("x").topk(3); return new[] { a, b, c, d, e, f }; }),
        new("sort_argsort", "x", "out = [x.sort(1), x.sort(0, descending=True), x.argsort(1), x.argsort(0, descending=True)]",
            () => { var (a, b) = I("x").sort(1); var (c, d) = I("x").sort(0, descending: true); return new[] { a, b, c, d, I("x").argsort(1), I("x").argsort(0, descending: true) }; }),
        new("cumsum", "x,ia", "out = [x.cumsum(1), x.cumsum(0), ia.cumsum(0), x.cumsum(1, dtype=torch.float64)]",
            () => new[] { I("x").cumsum(1), I("x").cumsum(0), I("ia").cumsum(0), I("x").cumsum(1, ScalarType.Float64) }),
        new("one_hot_bincount", "lab,w5", "out = [F.one_hot(lab, 4), F.one_hot(lab), F.one_hot(lab, 6), torch.bincount(lab), torch.bincount(lab, minlength=7), torch.bincount(lab, weights=w5)]",
            () => new[] { F.one_hot(I("lab"), 4), F.one_hot(I("lab")), F.one_hot(I("lab"), 6), F.bincount(I("lab")), F.bincount(I("lab"), minlength: 7), F.bincount(I("lab"), I("w5")) }),
        // ---- reductions ----
        new("sum_mean", "x,t,ia", "out = [x.sum(), x.sum(0), x.sum(1, keepdim=True), t.sum((0, 2)), ia.sum(), x.sum(dtype=torch.float64), x.mean(), x.mean(0), t.mean((0, 2), keepdim=True), ia.sum(1)]",
            () => new[] { I("x").sum(), I("x").sum(0), I("x").sum(1, keepdim: true), I("t").sum(new long[] { 0, 2 }), I("ia").sum(), I("x").sum(ScalarType.Float64), I("x").mean(), I("x").mean(0), I("t").mean(new long[] { 0, 2 }, keepdim: true), I("ia").sum(1) }),
        new("max_argmax", "x,ia", "out = [x.max(), x.max(1), x.max(0, keepdim=True), x.argmax(), x.argmax(1), x.argmax(0, keepdim=True), ia.max()]",
            () => { var (a, b) = I("x").max(1); var (c, d) = I("x").max(0, keepdim: true); return new[] { I("x").max(), a, b, c, d, I("x").argmax(), I("x").argmax(1), I("x").argmax(0, keepdim: true), I("ia").max() }; }),
        new("logsumexp_norm", "x,t", "out = [x.logsumexp(1), x.logsumexp(0, keepdim=True), x.norm(), x.norm(1), torch.norm(x, 2, (1,)), torch.norm(t, 2, (0, 2), keepdim=True), x.norm(float('inf'))]",
            () => new[] { I("x").logsumexp(1), I("x").logsumexp(0, keepdim: true), I("x").norm(), I("x").norm(1), I("x").norm(2, new long[] { 1 }), I("t").norm(2, new long[] { 0, 2 }, keepdim: true), I("x").norm(double.PositiveInfinity) }),
        // ---- activations and unary functions ----
        new("softmax", "x,t", "out = [F.softmax(x, 1), F.softmax(x, 0), F.log_softmax(x, 1), F.softmax(x, -1, dtype=torch.float64), F.log_softmax(t, -1)]",
            () => new[] { F.softmax(I("x"), 1), F.softmax(I("x"), 0), F.log_softmax(I("x"), 1), F.softmax(I("x"), -1, ScalarType.Float64), F.log_softmax(I("t"), -1) }),
        new("activations", "x", "out = [F.gelu(x), F.gelu(x, approximate='tanh'), F.relu(x), F.silu(x), torch.tanh(x), torch.sigmoid(x), torch.exp(x), x.abs()]",
            () => new[] { F.gelu(I("x")), F.gelu(I("x"), true), F.relu(I("x")), F.silu(I("x")), I("x").tanh(), I("x").sigmoid(), I("x").exp(), I("x").abs() }),
        new("unary_positive", "pos,x", "out = [torch.log(pos), torch.sqrt(pos), torch.rsqrt(pos), x.clamp(-0.5, 0.5), x.clamp(min=0), x.clamp(max=0.1), torch.log(x)]",
            () => new[] { I("pos").log(), I("pos").sqrt(), I("pos").rsqrt(), I("x").clamp(-0.5, 0.5), I("x").clamp(min: 0), I("x").clamp(max: 0.1), I("x").log() }),
        // ---- normalisation, embedding, losses ----
        new("layer_norm", "t,lnw,lnb", "out = [F.layer_norm(t, (4,), lnw, lnb), F.layer_norm(t, (3, 4)), F.layer_norm(t, (4,), lnw, None, eps=1e-3)]",
            () => new[] { F.layer_norm(I("t"), new long[] { 4 }, I("lnw"), I("lnb")), F.layer_norm(I("t"), new long[] { 3, 4 }), F.layer_norm(I("t"), new long[] { 4 }, I("lnw"), null, 1e-3) }),
        new("embedding", "tok,emb", "out = [F.embedding(tok, emb)]", () => new[] { F.embedding(I("tok"), I("emb")) }),
        new("cross_entropy", "L,T,P,cw5,Tign",
            "out = [F.cross_entropy(L, T), F.cross_entropy(L, T, label_smoothing=0.1), F.cross_entropy(L, P), F.cross_entropy(L, P, label_smoothing=0.2), F.cross_entropy(L, T, reduction='sum'), F.cross_entropy(L, T, reduction='none'), F.cross_entropy(L, T, weight=cw5), F.cross_entropy(L, Tign), F.cross_entropy(L, T, weight=cw5, label_smoothing=0.3)]",
            () => new[] { F.cross_entropy(I("L"), I("T")), F.cross_entropy(I("L"), I("T"), label_smoothing: 0.1), F.cross_entropy(I("L"), I("P")), F.cross_entropy(I("L"), I("P"), label_smoothing: 0.2), F.cross_entropy(I("L"), I("T"), reduction: nn.Reduction.Sum), F.cross_entropy(I("L"), I("T"), reduction: nn.Reduction.None), F.cross_entropy(I("L"), I("T"), I("cw5")), F.cross_entropy(I("L"), I("Tign")), F.cross_entropy(I("L"), I("T"), I("cw5"), label_smoothing: 0.3) }),
        // ---- attention: the default path and the reference path against the definition ----
        new("sdpa_default", "q,k,v,kc,vc,bmask,fmask", "out = [sdpa_reference(q, k, v), sdpa_reference(q, k, v, bmask), sdpa_reference(q, kc, vc, causal=True), sdpa_reference(q, k, v, fmask)]",
            () => new[] { F.scaled_dot_product_attention(I("q"), I("k"), I("v")), F.scaled_dot_product_attention(I("q"), I("k"), I("v"), I("bmask")), F.scaled_dot_product_attention(I("q"), I("kc"), I("vc"), is_causal: true), F.scaled_dot_product_attention(I("q"), I("k"), I("v"), I("fmask")) }, 1e-4),
        new("sdpa_reference", "q,k,v,kc,vc,bmask,fmask", "out = [sdpa_reference(q, k, v), sdpa_reference(q, k, v, bmask), sdpa_reference(q, kc, vc, causal=True), sdpa_reference(q, k, v, fmask)]",
            () => new[] { F.scaled_dot_product_attention_reference(I("q"), I("k"), I("v")), F.scaled_dot_product_attention_reference(I("q"), I("k"), I("v"), I("bmask")), F.scaled_dot_product_attention_reference(I("q"), I("kc"), I("vc"), is_causal: true), F.scaled_dot_product_attention_reference(I("q"), I("k"), I("v"), I("fmask")) }, 1e-4),
    };

    static readonly Lazy<Dictionary<string, Tensor[]>> Expected = new(() =>
    {
        var r = Oracle.Run(Cases.Select(c => new OracleCase(c.Name, c.Py, c.Inputs.Split(',').ToDictionary(n => n, n => In[n]))));
        foreach (var ts in r.Values) foreach (var t in ts) t.DetachFromDisposeScope();
        return r;
    });

    public static IEnumerable<object[]> CaseNames => Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var expected = Expected.Value[name];
        using var scope = NewDisposeScope();
        var actual = c.Cs() switch { Tensor t => new[] { t }, Tensor[] a => a, var o => throw new InvalidOperationException(o.GetType().Name) };
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Oracle.AssertClose(expected[i], actual[i], c.Rtol, c.Atol, $"{name}[{i}]");
    }

    [Fact]
    public void ViewsShareStorageAndContiguousCopies()
    {
        using var scope = NewDisposeScope();
        var t = I("t").clone();
        var p = t.permute(2, 0, 1);
        Assert.False(p.is_contiguous());
        Assert.Equal(new long[] { 1, 12, 4 }, p.stride());
        var c = p.contiguous();
        Assert.True(c.is_contiguous());
        Assert.Equal(new long[] { 6, 3, 1 }, c.stride());
        // A view writes through to its base.
        t.view(24).narrow(0, 0, 1).fill_(42);
        Assert.Equal(42f, t[0][0][0].item<float>());
        Assert.Throws<TorchException>(() => p.view(24));
    }

    [Fact]
    public void DropoutZeroesAndRescales()
    {
        using var scope = NewDisposeScope();
        var x = ones(new long[] { 200_000 });
        var y = F.dropout(x, 0.3);
        var kept = y.ne(0).to(ScalarType.Float32).mean().item<double>();
        Assert.InRange(kept, 0.69, 0.71);
        // Survivors are scaled by 1/(1-p), so the mean is preserved.
        Assert.Equal(1 / 0.7, y.max().item<double>(), 5);
        Assert.InRange(y.mean().item<double>(), 0.98, 1.02);
        // p = 0 and evaluation mode are the identity.
        Assert.True(F.dropout(x, 0).allclose(x));
        Assert.True(F.dropout(I("x"), 0.5, training: false).eq(I("x")).all().item<bool>());
        Assert.True(F.dropout(I("x"), 0.0).eq(I("x")).all().item<bool>());
        // p = 1 drops everything.
        Assert.Equal(0.0, F.dropout(x, 1.0).abs().sum().item<double>());
    }
}
