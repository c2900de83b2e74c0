using System.Runtime.InteropServices;
using WideNet.Torch.Native;

namespace WideNet.Torch;

/// <summary>
/// A LibTorch tensor (torch.Tensor). Owns one native handle: disposing frees it; a dispose scope
/// (<see cref="torch.NewDisposeScope"/>) does it for every tensor created inside it. Methods keep PyTorch's
/// names and broadcasting rules; errors arrive as <see cref="TorchException"/> naming the op and input shapes.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    TensorHandle? _handle;
    internal DisposeScope? OwningScope;

    internal Tensor(IntPtr handle)
    {
        _handle = new TensorHandle(handle);
        DisposeScope.Current?.Attach(this);
    }

    internal TensorHandle Handle =>
        _handle is { IsClosed: false } h ? h : throw new ObjectDisposedException(nameof(Tensor), "This tensor was disposed (directly or by its dispose scope).");

    internal IntPtr RawHandle => Handle.DangerousGetHandle();

    /// <summary>True once the native tensor was freed.</summary>
    public bool IsDisposed => _handle is null || _handle.IsClosed;

    /// <summary>Frees the native tensor now. Safe to call twice.</summary>
    public void Dispose()
    {
        OwningScope?.Forget(this);
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>Moves this tensor out of its dispose scope into the enclosing one; returns this.</summary>
    public Tensor MoveToOuterScope() => OwningScope is { } s ? s.MoveOut(this) : this;

    /// <summary>Removes this tensor from every dispose scope: the caller now owns it; returns this.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope?.Forget(this);
        return this;
    }

    // ---- properties ---------------------------------------------------------------------------------------

    /// <summary>Number of dimensions.</summary>
    public int dim() => NativeMethods.wn_dim(Handle);

    /// <summary>Number of dimensions.</summary>
    public int ndim => dim();

    /// <summary>The sizes of every dimension.</summary>
    public unsafe long[] shape
    {
        get
        {
            var h = Handle;
            var n = NativeMethods.wn_dim(h);
            var result = new long[n];
            fixed (long* p = result) NativeMethods.wn_shape(h, p, n);
            return result;
        }
    }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long size(int dim)
    {
        var s = shape;
        var d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} is out of range for a tensor of shape {ShapeString(s)}");
        return s[d];
    }

    /// <summary>The strides of every dimension, in elements.</summary>
    public unsafe long[] stride()
    {
        var h = Handle;
        var n = NativeMethods.wn_dim(h);
        var result = new long[n];
        fixed (long* p = result) NativeMethods.wn_strides(h, p, n);
        return result;
    }

    /// <summary>Number of elements.</summary>
    public long numel() => NativeMethods.wn_numel(Handle);

    /// <summary>The element type.</summary>
    public ScalarType dtype => (ScalarType)NativeMethods.wn_dtype(Handle);

    /// <summary>The device holding the data.</summary>
    public Device device
    {
        get
        {
            var h = Handle;
            return new Device((DeviceType)NativeMethods.wn_device_type(h), NativeMethods.wn_device_index(h));
        }
    }

    /// <summary>True when the elements are laid out row-major without gaps.</summary>
    public bool is_contiguous() => NativeMethods.wn_is_contiguous(Handle) != 0;

    /// <summary>True for tensors created by the user (not by an op that records a gradient function).</summary>
    public bool is_leaf => NativeMethods.wn_is_leaf(Handle) != 0;

    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool requires_grad
    {
        get => NativeMethods.wn_requires_grad(Handle) != 0;
        set => Check.Status(NativeMethods.wn_requires_grad_(Handle, value ? 1 : 0), "requires_grad_", this);
    }

    /// <summary>True when both tensors are handles of the very same LibTorch tensor (same TensorImpl).</summary>
    public bool is_same(Tensor other) => NativeMethods.wn_same_storage(Handle, other.Handle) != 0;

    // ---- host data ----------------------------------------------------------------------------------------

    /// <summary>The single element's value (torch.Tensor.item); synchronises with the device. Throws
    /// <see cref="TorchException"/> when the tensor does not hold exactly one element.</summary>
    public T item<T>() where T : unmanaged
    {
        var h = Handle;
        var n = NativeMethods.wn_numel(h);
        if (n != 1)
            throw new TorchException($"item: a tensor with {n} elements cannot be converted to a scalar (inputs: {DescribeForError()})",
                                     "only one element tensors can be converted to scalars");
        Check.Status(NativeMethods.wn_item(h, out var v), "item", this);
        if (typeof(T) == typeof(bool)) return (T)(object)(v != 0);
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)v;
        return (T)Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Throws unless elements of <paramref name="dt"/> can be read as <typeparamref name="T"/>: the matching
    /// .NET type (float for float32, long for int64, bool for bool, Half for float16, ...), or ushort for the raw
    /// bits of float16/bfloat16, or byte for bool.</summary>
    static void CheckElementType<T>(ScalarType dt, string op) where T : unmanaged
    {
        var ok = typeof(T) == typeof(ushort)
            ? dt is ScalarType.BFloat16 or ScalarType.Float16
            : typeof(T) == typeof(byte) ? dt is ScalarType.UInt8 or ScalarType.Bool
            : IsElementTypeOf<T>(dt);
        if (!ok)
            throw new ArgumentException($"{op}: cannot read {dt.TorchName()} elements as {typeof(T).Name}" +
                                        (dt == ScalarType.BFloat16 ? " (read bfloat16 as ushort bits)" : $"; convert first, e.g. .to(ScalarType.{ScalarTypeName<T>()})"));
    }

    static bool IsElementTypeOf<T>(ScalarType dt) where T : unmanaged
    {
        try { return ScalarTypeExtensions.Of<T>() == dt; }
        catch (NotSupportedException) { return false; }
    }

    static string ScalarTypeName<T>() where T : unmanaged
    {
        try { return ScalarTypeExtensions.Of<T>().ToString(); }
        catch (NotSupportedException) { return "Float32"; }
    }

    /// <summary>A copy of the elements in row-major order. <typeparamref name="T"/> must match the dtype (float for
    /// float32, double, long, int, short, sbyte, byte, bool, Half for float16), or be ushort for the raw bits of
    /// bfloat16/float16; anything else throws <see cref="ArgumentException"/>.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var h = Handle;
        CheckElementType<T>(dtype, "ToArray");
        var result = new T[NativeMethods.wn_numel(h)];
        fixed (T* p = result)
            Check.Status(NativeMethods.wn_copy_to_host(h, p, (long)result.Length * sizeof(T)), "ToArray", this);
        return result;
    }

    /// <summary>Copies the elements (row-major) into <paramref name="destination"/>, which must hold exactly numel
    /// elements of the matching type (see <see cref="ToArray{T}"/>).</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var h = Handle;
        CheckElementType<T>(dtype, "CopyTo");
        var n = NativeMethods.wn_numel(h);
        if (destination.Length != n)
            throw new ArgumentException($"CopyTo: the destination holds {destination.Length} elements, the tensor {ShapeString(shape)} has {n}", nameof(destination));
        fixed (T* p = destination)
            Check.Status(NativeMethods.wn_copy_to_host(h, p, (long)destination.Length * sizeof(T)), "CopyTo", this);
    }

    /// <summary>The elements' raw little-endian bytes in row-major order, whatever the dtype (serialisation).</summary>
    internal unsafe byte[] RawBytes()
    {
        var h = Handle;
        var result = new byte[NativeMethods.wn_numel(h) * dtype.ElementSize()];
        fixed (byte* p = result)
            Check.Status(NativeMethods.wn_copy_to_host(h, p, result.Length), "RawBytes", this);
        return result;
    }

    // ---- formatting ---------------------------------------------------------------------------------------

    internal static string ShapeString(long[] s) => "[" + string.Join(", ", s) + "]";

    internal string DescribeForError() =>
        IsDisposed ? "disposed" : $"{ShapeString(shape)} {dtype.TorchName()} {device}";

    /// <summary>Shape, dtype and device, e.g. <c>Tensor[2, 3] float32 cpu</c>.</summary>
    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor{ShapeString(shape)} {dtype.TorchName()} {device}";
}
