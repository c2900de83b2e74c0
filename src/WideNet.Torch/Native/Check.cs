using System.Runtime.InteropServices;

namespace WideNet.Torch.Native;

/// <summary>Turns the native error convention (null handle / -1 status + per-thread message) into exceptions.</summary>
internal static class Check
{
    /// <summary>Throws <see cref="TorchException"/> with the pending native message, naming the operation and
    /// the shapes of its tensor inputs.</summary>
    internal static TensorHandle H(Tensor? t) => t is null ? TensorHandle.Null : t.Handle;

    internal static Exception Fail(string op, params Tensor?[] inputs)
    {
        var p = NativeMethods.wn_last_error();
        var message = p == IntPtr.Zero ? "unknown error" : Marshal.PtrToStringUTF8(p) ?? "unknown error";
        NativeMethods.wn_clear_error();
        var shapes = inputs.Length == 0
            ? ""
            : " (inputs: " + string.Join(", ", inputs.Select(t => t is null ? "none" : t.DescribeForError())) + ")";
        return new TorchException($"{op}: {message.Trim()}{shapes}", message);
    }

    internal static IntPtr Handle(IntPtr h, string op, params Tensor?[] inputs) =>
        h != IntPtr.Zero ? h : throw Fail(op, inputs);

    internal static Tensor Result(IntPtr h, string op, params Tensor?[] inputs) =>
        new(h != IntPtr.Zero ? h : throw Fail(op, inputs));

    // Allocation-free overloads for the common arities (the params array is built only on failure).
    internal static Tensor Result(IntPtr h, string op, Tensor a) => new(h != IntPtr.Zero ? h : throw Fail(op, a));
    internal static Tensor Result(IntPtr h, string op, Tensor a, Tensor? b) => new(h != IntPtr.Zero ? h : throw Fail(op, a, b));
    internal static int Status(int status, string op, Tensor a) => status >= 0 ? status : throw Fail(op, a);
    internal static int Status(int status, string op, Tensor a, Tensor? b) => status >= 0 ? status : throw Fail(op, a, b);

    internal static int Status(int status, string op, params Tensor?[] inputs) =>
        status >= 0 ? status : throw Fail(op, inputs);
}
