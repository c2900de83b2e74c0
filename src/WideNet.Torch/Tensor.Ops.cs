using WideNet.Torch.Native;
using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

// Elementwise arithmetic, comparisons, unary functions, reductions and conversions (PyTorch names).
public sealed partial class Tensor
{
    // ---- arithmetic ---------------------------------------------------------------------------------------
    /// <summary>this + alpha·other (broadcasting).</summary>
    public Tensor add(Tensor other, double alpha = 1) => Result(N.wn_add(Handle, other.Handle, alpha), "add", this, other);
    /// <summary>this + scalar.</summary>
    public Tensor add(double other) => Result(N.wn_add_scalar(Handle, other), "add", this);
    /// <summary>this − alpha·other.</summary>
    public Tensor sub(Tensor other, double alpha = 1) => Result(N.wn_sub(Handle, other.Handle, alpha), "sub", this, other);
    /// <summary>this − scalar.</summary>
    public Tensor sub(double other) => Result(N.wn_sub_scalar(Handle, other), "sub", this);
    /// <summary>this · other (elementwise).</summary>
    public Tensor mul(Tensor other) => Result(N.wn_mul(Handle, other.Handle), "mul", this, other);
    /// <summary>this · scalar.</summary>
    public Tensor mul(double other) => Result(N.wn_mul_scalar(Handle, other), "mul", this);
    /// <summary>this / other (true division).</summary>
    public Tensor div(Tensor other) => Result(N.wn_div(Handle, other.Handle), "div", this, other);
    /// <summary>this / scalar.</summary>
    public Tensor div(double other) => Result(N.wn_div_scalar(Handle, other), "div", this);
    /// <summary>this ** exponent.</summary>
    public Tensor pow(Tensor exponent) => Result(N.wn_pow(Handle, exponent.Handle), "pow", this, exponent);
    /// <summary>this ** exponent.</summary>
    public Tensor pow(double exponent) => Result(N.wn_pow_scalar(Handle, exponent), "pow", this);
    /// <summary>Elementwise maximum.</summary>
    public Tensor maximum(Tensor other) => Result(N.wn_maximum(Handle, other.Handle), "maximum", this, other);
    /// <summary>Elementwise minimum.</summary>
    public Tensor minimum(Tensor other) => Result(N.wn_minimum(Handle, other.Handle), "minimum", this, other);
    /// <summary>Python-style remainder.</summary>
    public Tensor remainder(double other) => Result(N.wn_remainder_scalar(Handle, other), "remainder", this);
    /// <summary>Floor division.</summary>
    public Tensor floor_divide(double other) => Result(N.wn_floor_divide_scalar(Handle, other), "floor_divide", this);
    /// <summary>this + weight·(end − this).</summary>
    public Tensor lerp(Tensor end, double weight) => Result(N.wn_lerp(Handle, end.Handle, weight), "lerp", this, end);
    /// <summary>this + value·t1·t2.</summary>
    public Tensor addcmul(Tensor t1, Tensor t2, double value = 1) => Result(N.wn_addcmul(Handle, t1.Handle, t2.Handle, value), "addcmul", this, t1, t2);
    /// <summary>Clamps into [min, max]; either bound may be absent.</summary>
    public Tensor clamp(double? min = null, double? max = null) =>
        Result(N.wn_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0), "clamp", this);
    /// <summary>Clamps from below.</summary>
    public Tensor clamp_min(double min) => clamp(min, null);
    /// <summary>Clamps from above.</summary>
    public Tensor clamp_max(double max) => clamp(null, max);

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => a.add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => b.add(a);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.sub(b);
    /// <summary>scalar − tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => Result(N.wn_rsub_scalar(b.Handle, a), "rsub", b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.neg();
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.mul(a);
    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.div(b);
    /// <summary>scalar / tensor.</summary>
    public static Tensor operator /(double a, Tensor b) => Result(N.wn_rdiv_scalar(b.Handle, a), "rdiv", b);
    /// <summary>Elementwise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
    /// <summary>Elementwise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
    /// <summary>Elementwise a &lt;= b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
    /// <summary>Elementwise a &gt;= b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
    /// <summary>Elementwise a &lt; scalar.</summary>
    public static Tensor operator <(Tensor a, double b) => a.lt(b);
    /// <summary>Elementwise a &gt; scalar.</summary>
    public static Tensor operator >(Tensor a, double b) => a.gt(b);
    /// <summary>Elementwise a &lt;= scalar.</summary>
    public static Tensor operator <=(Tensor a, double b) => a.le(b);
    /// <summary>Elementwise a &gt;= scalar.</summary>
    public static Tensor operator >=(Tensor a, double b) => a.ge(b);
    /// <summary>Logical and of boolean tensors.</summary>
    public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
    /// <summary>Logical or of boolean tensors.</summary>
    public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
    /// <summary>Logical not of a boolean tensor.</summary>
    public static Tensor operator !(Tensor a) => a.logical_not();

    // ---- in place -----------------------------------------------------------------------------------------
    /// <summary>this += other; returns this.</summary>
    public Tensor add_(Tensor other) { Status(N.wn_add_(Handle, other.Handle), "add_", this, other); return this; }
    /// <summary>this += scalar; returns this.</summary>
    public Tensor add_(double other) { Status(N.wn_add_scalar_(Handle, other), "add_", this); return this; }
    /// <summary>this -= other; returns this.</summary>
    public Tensor sub_(Tensor other) { Status(N.wn_sub_(Handle, other.Handle), "sub_", this, other); return this; }
    /// <summary>this *= other; returns this.</summary>
    public Tensor mul_(Tensor other) { Status(N.wn_mul_(Handle, other.Handle), "mul_", this, other); return this; }
    /// <summary>this *= scalar; returns this.</summary>
    public Tensor mul_(double other) { Status(N.wn_mul_scalar_(Handle, other), "mul_", this); return this; }
    /// <summary>this /= other; returns this.</summary>
    public Tensor div_(Tensor other) { Status(N.wn_div_(Handle, other.Handle), "div_", this, other); return this; }
    /// <summary>Copies <paramref name="src"/> (broadcast, converted) into this; returns this.</summary>
    public Tensor copy_(Tensor src) { Status(N.wn_copy_(Handle, src.Handle), "copy_", this, src); return this; }
    /// <summary>Fills with a value; returns this.</summary>
    public Tensor fill_(double value) { Status(N.wn_fill_(Handle, value), "fill_", this); return this; }
    /// <summary>Fills with zeros; returns this.</summary>
    public Tensor zero_() { Status(N.wn_zero_(Handle), "zero_", this); return this; }
    /// <summary>Fills with samples of N(mean, std²); returns this.</summary>
    public Tensor normal_(double mean = 0, double std = 1, Generator? generator = null)
    { Status(N.wn_normal_(Handle, mean, std, Generator.H(generator)), "normal_", this); return this; }
    /// <summary>Fills with samples of U(from, to); returns this.</summary>
    public Tensor uniform_(double from = 0, double to = 1, Generator? generator = null)
    { Status(N.wn_uniform_(Handle, from, to, Generator.H(generator)), "uniform_", this); return this; }
    /// <summary>Fills with Bernoulli(p) samples; returns this.</summary>
    public Tensor bernoulli_(double p, Generator? generator = null)
    { Status(N.wn_bernoulli_(Handle, p, Generator.H(generator)), "bernoulli_", this); return this; }

    // ---- comparisons --------------------------------------------------------------------------------------
    /// <summary>Elementwise equality.</summary>
    public Tensor eq(Tensor other) => Result(N.wn_eq(Handle, other.Handle), "eq", this, other);
    /// <summary>Elementwise equality with a scalar.</summary>
    public Tensor eq(double other) => Result(N.wn_eq_scalar(Handle, other), "eq", this);
    /// <summary>Elementwise inequality.</summary>
    public Tensor ne(Tensor other) => Result(N.wn_ne(Handle, other.Handle), "ne", this, other);
    /// <summary>Elementwise inequality with a scalar.</summary>
    public Tensor ne(double other) => Result(N.wn_ne_scalar(Handle, other), "ne", this);
    /// <summary>Elementwise less-than.</summary>
    public Tensor lt(Tensor other) => Result(N.wn_lt(Handle, other.Handle), "lt", this, other);
    /// <summary>Elementwise less-than a scalar.</summary>
    public Tensor lt(double other) => Result(N.wn_lt_scalar(Handle, other), "lt", this);
    /// <summary>Elementwise less-or-equal.</summary>
    public Tensor le(Tensor other) => Result(N.wn_le(Handle, other.Handle), "le", this, other);
    /// <summary>Elementwise less-or-equal a scalar.</summary>
    public Tensor le(double other) => Result(N.wn_le_scalar(Handle, other), "le", this);
    /// <summary>Elementwise greater-than.</summary>
    public Tensor gt(Tensor other) => Result(N.wn_gt(Handle, other.Handle), "gt", this, other);
    /// <summary>Elementwise greater-than a scalar.</summary>
    public Tensor gt(double other) => Result(N.wn_gt_scalar(Handle, other), "gt", this);
    /// <summary>Elementwise greater-or-equal.</summary>
    public Tensor ge(Tensor other) => Result(N.wn_ge(Handle, other.Handle), "ge", this, other);
    /// <summary>Elementwise greater-or-equal a scalar.</summary>
    public Tensor ge(double other) => Result(N.wn_ge_scalar(Handle, other), "ge", this);
    /// <summary>Elementwise logical and.</summary>
    public Tensor logical_and(Tensor other) => Result(N.wn_logical_and(Handle, other.Handle), "logical_and", this, other);
    /// <summary>Elementwise logical or.</summary>
    public Tensor logical_or(Tensor other) => Result(N.wn_logical_or(Handle, other.Handle), "logical_or", this, other);
    /// <summary>Elementwise logical not.</summary>
    public Tensor logical_not() => Result(N.wn_logical_not(Handle), "logical_not", this);
    /// <summary>True when all elements are close (|a−b| ≤ atol + rtol·|b|).</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        using var r = Result(N.wn_allclose(Handle, other.Handle, rtol, atol), "allclose", this, other);
        return r.item<bool>();
    }
    /// <summary>True when both tensors have the same shape and the same elements (torch.equal).</summary>
    public bool equal(Tensor other)
    {
        if (!shape.SequenceEqual(other.shape)) return false;
        using var same = eq(other);
        using var all = same.all();
        return all.item<bool>();
    }
    /// <summary>Elementwise finiteness test.</summary>
    public Tensor isfinite() => Result(N.wn_isfinite(Handle), "isfinite", this);
    /// <summary>True if any element is true (0-d bool tensor).</summary>
    public Tensor any() => Result(N.wn_any(Handle), "any", this);
    /// <summary>True if every element is true (0-d bool tensor).</summary>
    public Tensor all() => Result(N.wn_all(Handle), "all", this);

    // ---- unary --------------------------------------------------------------------------------------------
    /// <summary>−x.</summary>
    public Tensor neg() => Result(N.wn_neg(Handle), "neg", this);
    /// <summary>|x|.</summary>
    public Tensor abs() => Result(N.wn_abs(Handle), "abs", this);
    /// <summary>eˣ.</summary>
    public Tensor exp() => Result(N.wn_exp(Handle), "exp", this);
    /// <summary>ln x.</summary>
    public Tensor log() => Result(N.wn_log(Handle), "log", this);
    /// <summary>√x.</summary>
    public Tensor sqrt() => Result(N.wn_sqrt(Handle), "sqrt", this);
    /// <summary>1/√x.</summary>
    public Tensor rsqrt() => Result(N.wn_rsqrt(Handle), "rsqrt", this);
    /// <summary>x².</summary>
    public Tensor square() => Result(N.wn_square(Handle), "square", this);
    /// <summary>sign(x).</summary>
    public Tensor sign() => Result(N.wn_sign(Handle), "sign", this);
    /// <summary>⌊x⌋.</summary>
    public Tensor floor() => Result(N.wn_floor(Handle), "floor", this);
    /// <summary>⌈x⌉.</summary>
    public Tensor ceil() => Result(N.wn_ceil(Handle), "ceil", this);
    /// <summary>Round half to even.</summary>
    public Tensor round() => Result(N.wn_round(Handle), "round", this);
    /// <summary>1/x.</summary>
    public Tensor reciprocal() => Result(N.wn_reciprocal(Handle), "reciprocal", this);
    /// <summary>tanh x.</summary>
    public Tensor tanh() => Result(N.wn_tanh(Handle), "tanh", this);
    /// <summary>Logistic sigmoid.</summary>
    public Tensor sigmoid() => Result(N.wn_sigmoid(Handle), "sigmoid", this);
    /// <summary>max(x, 0).</summary>
    public Tensor relu() => Result(N.wn_relu(Handle), "relu", this);
    /// <summary>x·sigmoid(x).</summary>
    public Tensor silu() => Result(N.wn_silu(Handle), "silu", this);
    /// <summary>GELU, exact (erf) or the tanh approximation.</summary>
    public Tensor gelu(bool tanhApproximation = false) => Result(N.wn_gelu(Handle, tanhApproximation ? 1 : 0), "gelu", this);
    /// <summary>sin x.</summary>
    public Tensor sin() => Result(N.wn_sin(Handle), "sin", this);
    /// <summary>cos x.</summary>
    public Tensor cos() => Result(N.wn_cos(Handle), "cos", this);

    // ---- reductions ---------------------------------------------------------------------------------------
    /// <summary>Sum of all elements (0-d).</summary>
    public Tensor sum() => Result(N.wn_sum_all(Handle, -1), "sum", this);
    /// <summary>Sum of all elements (0-d), accumulated and returned in <paramref name="dtype"/>.</summary>
    public Tensor sum(ScalarType dtype) => Result(N.wn_sum_all(Handle, (int)dtype), "sum", this);
    /// <summary>Sum over one dimension. (An <c>int</c> overload exists so that <c>t.sum(0)</c> means dimension 0, as in
    /// PyTorch, rather than the constant 0 converted to a <see cref="ScalarType"/>.)</summary>
    public Tensor sum(int dim, bool keepdim = false, ScalarType? dtype = null) => sum(new long[] { dim }, keepdim, dtype);
    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false, ScalarType? dtype = null) => sum(new[] { dim }, keepdim, dtype);
    /// <summary>Sum over dimensions.</summary>
    public unsafe Tensor sum(long[] dims, bool keepdim = false, ScalarType? dtype = null)
    {
        fixed (long* p = dims) return Result(N.wn_sum(Handle, p, dims.Length, keepdim ? 1 : 0, dtype is { } d ? (int)d : -1), "sum", this);
    }
    /// <summary>Mean of all elements (0-d).</summary>
    public Tensor mean() => Result(N.wn_mean_all(Handle), "mean", this);
    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false) => mean(new[] { dim }, keepdim);
    /// <summary>Mean over dimensions.</summary>
    public unsafe Tensor mean(long[] dims, bool keepdim = false)
    {
        fixed (long* p = dims) return Result(N.wn_mean(Handle, p, dims.Length, keepdim ? 1 : 0), "mean", this);
    }
    /// <summary>Variance over dimensions.</summary>
    public unsafe Tensor var(long[] dims, bool unbiased = true, bool keepdim = false)
    {
        fixed (long* p = dims) return Result(N.wn_var(Handle, p, dims.Length, unbiased ? 1 : 0, keepdim ? 1 : 0), "var", this);
    }
    /// <summary>Largest element (0-d).</summary>
    public Tensor max() => Result(N.wn_max_all(Handle), "max", this);
    /// <summary>Smallest element (0-d).</summary>
    public Tensor min() => Result(N.wn_min_all(Handle), "min", this);
    /// <summary>Largest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        Status(N.wn_max_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), "max", this);
        return (new Tensor(v), new Tensor(i));
    }
    /// <summary>Smallest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false)
    {
        Status(N.wn_min_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), "min", this);
        return (new Tensor(v), new Tensor(i));
    }
    /// <summary>Index of the largest element along <paramref name="dim"/> (or of the flattened tensor).</summary>
    public Tensor argmax(long? dim = null, bool keepdim = false) =>
        Result(N.wn_argmax(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepdim ? 1 : 0), "argmax", this);
    /// <summary>log Σ exp over dimensions, computed stably.</summary>
    public unsafe Tensor logsumexp(long dim, bool keepdim = false)
    {
        long d = dim;
        return Result(N.wn_logsumexp(Handle, &d, 1, keepdim ? 1 : 0), "logsumexp", this);
    }
    /// <summary>p-norm of all elements.</summary>
    public Tensor norm(double p = 2) => Result(N.wn_norm(Handle, p), "norm", this);
    /// <summary>p-norm over dimensions.</summary>
    public unsafe Tensor norm(double p, long[] dims, bool keepdim = false)
    {
        fixed (long* q = dims) return Result(N.wn_norm_dim(Handle, p, q, dims.Length, keepdim ? 1 : 0), "norm", this);
    }
    /// <summary>Cumulative sum along <paramref name="dim"/>.</summary>
    public Tensor cumsum(long dim, ScalarType? dtype = null) => Result(N.wn_cumsum(Handle, dim, dtype is { } d ? (int)d : -1), "cumsum", this);

    // ---- activations with a dimension -------------------------------------------------------------------
    /// <summary>Softmax along <paramref name="dim"/>, optionally computed in <paramref name="dtype"/>.</summary>
    public Tensor softmax(long dim, ScalarType? dtype = null) => Result(N.wn_softmax(Handle, dim, dtype is { } d ? (int)d : -1), "softmax", this);
    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public Tensor log_softmax(long dim, ScalarType? dtype = null) => Result(N.wn_log_softmax(Handle, dim, dtype is { } d ? (int)d : -1), "log_softmax", this);

    // ---- linear algebra -----------------------------------------------------------------------------------
    /// <summary>Matrix product with broadcasting (torch.matmul).</summary>
    public Tensor matmul(Tensor other) => Result(N.wn_matmul(Handle, other.Handle), "matmul", this, other);
    /// <summary>Batched matrix product of [B, n, m] and [B, m, p].</summary>
    public Tensor bmm(Tensor other) => Result(N.wn_bmm(Handle, other.Handle), "bmm", this, other);

    // ---- conversion ---------------------------------------------------------------------------------------
    /// <summary>Converts to another element type (returns this tensor's data unchanged if already of it).</summary>
    public Tensor to(ScalarType dtype) => Result(N.wn_to_dtype(Handle, (int)dtype), "to", this);
    /// <summary>Moves to another device.</summary>
    public Tensor to(Device device, bool non_blocking = false) =>
        Result(N.wn_to(Handle, (int)dtype, (int)device.Type, device.Index, non_blocking ? 1 : 0, 0), "to", this);
    /// <summary>Moves to a device and converts the element type.</summary>
    public Tensor to(Device device, ScalarType dtype, bool non_blocking = false) =>
        Result(N.wn_to(Handle, (int)dtype, (int)device.Type, device.Index, non_blocking ? 1 : 0, 0), "to", this);
    /// <summary>A copy on the CPU.</summary>
    public Tensor cpu() => to(Device.CPU);
    /// <summary>A copy on a CUDA device.</summary>
    public Tensor cuda(int index = 0) => to(Device.CUDA(index));
    /// <summary>Converts to float32.</summary>
    public Tensor @float() => to(ScalarType.Float32);
    /// <summary>Converts to int64.</summary>
    public Tensor @long() => to(ScalarType.Int64);
    /// <summary>A copy with its own storage.</summary>
    public Tensor clone() => Result(N.wn_clone(Handle), "clone", this);
    /// <summary>The same data laid out contiguously.</summary>
    public Tensor contiguous() => Result(N.wn_contiguous(Handle), "contiguous", this);
    /// <summary>A copy in page-locked host memory (faster host→GPU copies).</summary>
    public Tensor pin_memory() => Result(N.wn_pin_memory(Handle), "pin_memory", this);
    /// <summary>A second handle to the same tensor (shares data and autograd history).</summary>
    public Tensor alias() => Result(N.wn_alias(Handle), "alias", this);
}
