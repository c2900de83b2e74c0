using System.Runtime.InteropServices;

namespace WideNet.Torch.Native;

/// <summary>Owns one native <c>at::Tensor*</c>; released exactly once, also from the finalizer thread.</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>The handle passed for an absent optional tensor (marshalled as a null pointer).</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero);

    internal TensorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.wn_free(handle);
        return true;
    }
}
