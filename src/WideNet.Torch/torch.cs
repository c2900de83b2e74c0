using System.Runtime.InteropServices;
using WideNet.Torch.Native;
using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

/// <summary>The <c>torch</c> namespace of PyTorch: tensor creation, joins, global settings and scopes.
/// Write <c>using static WideNet.Torch.torch;</c> to call <c>zeros(2, 3)</c> as in Python.</summary>
public static partial class torch
{
    static torch()
    {
        // LibTorch's intra-op pool defaults to what OpenMP decides; the project's convention is every processor,
        // unless the user pinned a count through the usual environment variables.
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null && Environment.GetEnvironmentVariable("WIDENET_NUM_THREADS") is null)
            N.wn_set_num_threads(Environment.ProcessorCount);
        else if (int.TryParse(Environment.GetEnvironmentVariable("WIDENET_NUM_THREADS"), out var n) && n > 0)
            N.wn_set_num_threads(n);
    }

    /// <summary>The LibTorch version the native library was built against, e.g. <c>1.13.1</c>.</summary>
    public static string version => Marshal.PtrToStringUTF8(N.wn_torch_version()) ?? "";

    /// <summary>Opens a dispose scope: tensors created on this thread until it is disposed are freed with it.</summary>
    public static DisposeScope NewDisposeScope() => new();

    // ---- creation -----------------------------------------------------------------------------------------
    static (int dt, int di) Dev(Device? d) => d is { } x ? ((int)x.Type, x.Index) : (0, -1);

    /// <summary>Uninitialised tensor.</summary>
    public static unsafe Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Grad(Result(N.wn_empty(p, shape.Length, (int)dtype, dt, di), "empty"), requires_grad); }
    /// <summary>Tensor of zeros.</summary>
    public static unsafe Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Grad(Result(N.wn_zeros(p, shape.Length, (int)dtype, dt, di), "zeros"), requires_grad); }
    /// <summary>Float32 CPU tensor of zeros.</summary>
    public static Tensor zeros(params long[] shape) => zeros(shape, ScalarType.Float32);
    /// <summary>Tensor of ones.</summary>
    public static unsafe Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Grad(Result(N.wn_ones(p, shape.Length, (int)dtype, dt, di), "ones"), requires_grad); }
    /// <summary>Float32 CPU tensor of ones.</summary>
    public static Tensor ones(params long[] shape) => ones(shape, ScalarType.Float32);
    /// <summary>Tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Grad(Result(N.wn_full(p, shape.Length, value, (int)dtype, dt, di), "full"), requires_grad); }
    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) => full(Array.Empty<long>(), value, dtype, device);
    /// <summary>Values start, start+step, ... below end.</summary>
    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    { var (dt, di) = Dev(device); return Result(N.wn_arange(start, end, step, (int)dtype, dt, di), "arange"); }
    /// <summary>0, 1, ..., end−1 as int64.</summary>
    public static Tensor arange(long end, Device? device = null) => arange(0, end, 1, ScalarType.Int64, device);
    /// <summary>Uniform samples in [0, 1).</summary>
    public static unsafe Tensor rand(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Result(N.wn_rand(p, shape.Length, Generator.H(generator), (int)dtype, dt, di), "rand"); }
    /// <summary>Uniform samples in [0, 1), float32 on the CPU.</summary>
    public static Tensor rand(params long[] shape) => rand(shape, null);
    /// <summary>Standard normal samples.</summary>
    public static unsafe Tensor randn(long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Result(N.wn_randn(p, shape.Length, Generator.H(generator), (int)dtype, dt, di), "randn"); }
    /// <summary>Standard normal samples, float32 on the CPU.</summary>
    public static Tensor randn(params long[] shape) => randn(shape, null);
    /// <summary>Uniform integers in [low, high).</summary>
    public static unsafe Tensor randint(long low, long high, long[] shape, Generator? generator = null, ScalarType dtype = ScalarType.Int64, Device? device = null)
    { var (dt, di) = Dev(device); fixed (long* p = shape) return Result(N.wn_randint(low, high, p, shape.Length, Generator.H(generator), (int)dtype, dt, di), "randint"); }
    /// <summary>A random permutation of 0..n−1.</summary>
    public static Tensor randperm(long n, Generator? generator = null, Device? device = null)
    { var (dt, di) = Dev(device); return Result(N.wn_randperm(n, Generator.H(generator), dt, di), "randperm"); }

    /// <summary>A CPU tensor holding a copy of <paramref name="data"/> with the given shape (a vector when omitted).</summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, long[]? shape = null, bool requires_grad = false) where T : unmanaged
    {
        shape ??= new long[] { data.Length };
        fixed (T* d = data) fixed (long* s = shape)
            return Grad(Result(N.wn_from_data(d, (long)data.Length * sizeof(T), s, shape.Length, (int)ScalarTypeExtensions.Of<T>()), "tensor"), requires_grad);
    }
    /// <summary>A CPU tensor of <paramref name="dtype"/> from <paramref name="data"/> (torch.tensor(data, dtype=...)):
    /// ushort data for float16/bfloat16 is taken as the raw bits; any other pairing converts the values.</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> data, long[]? shape, ScalarType dtype, bool requires_grad = false) where T : unmanaged
    {
        if (typeof(T) == typeof(ushort) && dtype is ScalarType.BFloat16 or ScalarType.Float16)
            return Grad(frombuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), shape ?? new long[] { data.Length }, dtype), requires_grad);
        if (typeof(T) == typeof(ushort))
            throw new NotSupportedException($"ushort data is only accepted as the bits of float16/bfloat16, not for {dtype.TorchName()}");
        var t = tensor(data, shape);
        if (t.dtype == dtype) return Grad(t, requires_grad);
        using (t) return Grad(t.to(dtype), requires_grad);
    }
    /// <summary>A CPU tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor tensor<T>(T[] data, params long[] shape) where T : unmanaged => tensor<T>(data.AsSpan(), shape.Length == 0 ? null : shape);
    /// <summary>A 0-d tensor.</summary>
    public static Tensor tensor(float value) => tensor<float>(new ReadOnlySpan<float>(new[] { value }), Array.Empty<long>());
    /// <summary>A CPU tensor of <paramref name="dtype"/> from raw little-endian element bytes.</summary>
    public static unsafe Tensor frombuffer(ReadOnlySpan<byte> bytes, long[] shape, ScalarType dtype)
    {
        fixed (byte* d = bytes) fixed (long* s = shape)
            return Result(N.wn_from_data(d, bytes.Length, s, shape.Length, (int)dtype), "frombuffer");
    }

    static Tensor Grad(Tensor t, bool requiresGrad) => requiresGrad ? t.requires_grad_() : t;

    // ---- joins and free functions -------------------------------------------------------------------------
    static IntPtr[] Handles(IReadOnlyList<Tensor> ts)
    {
        var hs = new IntPtr[ts.Count];
        for (var i = 0; i < hs.Length; i++) hs[i] = ts[i].RawHandle;
        return hs;
    }
    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var r = N.wn_cat(Handles(tensors), tensors.Count, dim);
        GC.KeepAlive(tensors);
        return Result(r, "cat", tensors.ToArray());
    }
    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var r = N.wn_stack(Handles(tensors), tensors.Count, dim);
        GC.KeepAlive(tensors);
        return Result(r, "stack", tensors.ToArray());
    }
    /// <summary>Elementwise choice: <paramref name="input"/> where <paramref name="condition"/>, else <paramref name="other"/>.</summary>
    public static Tensor where(Tensor condition, Tensor input, Tensor other) =>
        Result(N.wn_where(condition.Handle, input.Handle, other.Handle), "where", condition, input, other);
    /// <summary>Matrix product with broadcasting.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    /// <summary>Batched matrix product.</summary>
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    /// <summary>beta·input + alpha·(b1 @ b2), batched.</summary>
    public static Tensor baddbmm(Tensor input, Tensor batch1, Tensor batch2, double beta = 1, double alpha = 1) =>
        Result(N.wn_baddbmm(input.Handle, batch1.Handle, batch2.Handle, beta, alpha), "baddbmm", input, batch1, batch2);
    /// <summary>beta·input + alpha·(m1 @ m2).</summary>
    public static Tensor addmm(Tensor input, Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) =>
        Result(N.wn_addmm(input.Handle, mat1.Handle, mat2.Handle, beta, alpha), "addmm", input, mat1, mat2);
    /// <summary>Einstein summation (used by tests and reference paths, not by the MoE dispatch).</summary>
    public static Tensor einsum(string equation, params Tensor[] operands)
    {
        var r = N.wn_einsum(equation, Handles(operands), operands.Length);
        GC.KeepAlive(operands);
        return Result(r, "einsum " + equation, operands);
    }
    /// <summary>Elementwise maximum.</summary>
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    /// <summary>Elementwise minimum.</summary>
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    // ---- global state -------------------------------------------------------------------------------------
    /// <summary>Seeds the default generators of every device (CPU runs become bit-reproducible).</summary>
    public static void manual_seed(ulong seed) => Status(N.wn_manual_seed(seed), "manual_seed");
    /// <summary>Sets LibTorch's intra-op thread count.</summary>
    public static void set_num_threads(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "thread count must be at least 1");
        Status(N.wn_set_num_threads(n), "set_num_threads");
    }
    /// <summary>LibTorch's intra-op thread count (defaults to the processor count).</summary>
    public static int get_num_threads() => N.wn_get_num_threads();

    /// <summary>Whether operations record gradients on this thread.</summary>
    public static bool is_grad_enabled() => N.wn_is_grad_enabled() != 0;
    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable no_grad() => new GradModeScope(false);
    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);
    /// <summary>Inference mode (faster than no_grad; tensors made inside cannot join autograd later).</summary>
    public static IDisposable inference_mode() => new InferenceModeScope();
    /// <summary>Whether inference mode is on for this thread.</summary>
    public static bool is_inference_mode_enabled() => N.wn_is_inference_mode() != 0;

    sealed class GradModeScope : IDisposable
    {
        readonly bool _previous;
        bool _done;
        public GradModeScope(bool enabled) { _previous = N.wn_is_grad_enabled() != 0; N.wn_set_grad_enabled(enabled ? 1 : 0); }
        public void Dispose() { if (_done) return; _done = true; N.wn_set_grad_enabled(_previous ? 1 : 0); }
    }

    sealed class InferenceModeScope : IDisposable
    {
        IntPtr _guard;
        public InferenceModeScope()
        {
            _guard = N.wn_inference_mode_enter();
            if (_guard == IntPtr.Zero) throw Fail("inference_mode");
        }
        public void Dispose() { if (_guard != IntPtr.Zero) N.wn_inference_mode_exit(_guard); _guard = IntPtr.Zero; }
    }

    /// <summary>Decodes PNG, JPEG, BMP or GIF bytes into a uint8 tensor [H, W, C] (torchvision.io.decode_image).
    /// <paramref name="channels"/> 0 keeps the file's channels; 1, 3 or 4 converts. Corrupt or truncated data
    /// throws <see cref="TorchException"/>.</summary>
    public static unsafe Tensor decode_image(ReadOnlySpan<byte> data, int channels = 0)
    {
        if (channels is < 0 or > 4 or 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 0, 1, 3 or 4");
        fixed (byte* p = data) return Result(N.wn_decode_image(p, data.Length, channels), "decode_image");
    }
}
