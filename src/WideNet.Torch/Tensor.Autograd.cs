using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

// Autograd on tensors: requires_grad, backward, grad, detach.
public sealed partial class Tensor
{
    /// <summary>Sets <see cref="requires_grad"/>; returns this.</summary>
    public Tensor requires_grad_(bool requires_grad = true) { this.requires_grad = requires_grad; return this; }

    /// <summary>Replaces this tensor's data (and with it device and dtype) by <paramref name="source"/>'s, keeping
    /// this object and its autograd identity (PyTorch's <c>param.data = source</c>).</summary>
    public void set_data(Tensor source) => Status(N.wn_set_data(Handle, source.Handle), "set_data", this, source);

    /// <summary>The same data cut from the autograd graph.</summary>
    public Tensor detach() => Result(N.wn_detach(Handle), "detach", this);

    /// <summary>Keeps the gradient of this non-leaf tensor after backward.</summary>
    public void retain_grad() => Status(N.wn_retain_grad(Handle), "retain_grad", this);

    /// <summary>The accumulated gradient (a new handle each read), or null when there is none. Setting null
    /// clears it (as <c>param.grad = None</c>).</summary>
    public Tensor? grad
    {
        get
        {
            var h = N.wn_grad(Handle);
            if (h != IntPtr.Zero) return new Tensor(h);
            if (N.wn_last_error() != IntPtr.Zero) throw Fail("grad", this);
            return null;
        }
        set => Status(N.wn_set_grad(Handle, H(value)), "grad", this, value);
    }

    /// <summary>Back-propagates from this tensor (a scalar, or with an explicit <paramref name="gradient"/>). An
    /// exception thrown by a hook during it is rethrown here, once backward has ended.</summary>
    public void backward(Tensor? gradient = null, bool retain_graph = false)
    {
        Status(N.wn_backward(Handle, H(gradient), retain_graph ? 1 : 0), "backward", this, gradient);
        if (Interlocked.Exchange(ref _hookError, null) is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
    }

    /// <summary>Calls <paramref name="hook"/> with this leaf each time a backward has accumulated its gradient into
    /// <see cref="grad"/> (PyTorch's <c>register_post_accumulate_grad_hook</c>; what data-parallel training uses to start
    /// reducing a bucket of gradients while backward goes on). It runs on the thread of backward (CPU) or of the
    /// device's autograd worker (CUDA). Dispose the handle to remove the hook.</summary>
    public unsafe RemovableHandle register_post_accumulate_grad_hook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var state = GCHandle.Alloc(new HookState(this, hook));
        var h = N.wn_register_post_accumulate_grad_hook(Handle, &OnPostAccumulateGrad, (long)GCHandle.ToIntPtr(state));
        if (h == IntPtr.Zero)
        {
            state.Free();
            throw Fail("register_post_accumulate_grad_hook", this);
        }
        return new RemovableHandle(h, state);
    }

    static Exception? _hookError;
    sealed record HookState(Tensor Target, Action<Tensor> Hook);

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static void OnPostAccumulateGrad(long tag)
    {
        try
        {
            var state = (HookState)GCHandle.FromIntPtr((IntPtr)tag).Target!;
            state.Hook(state.Target);
        }
        catch (Exception e) { Interlocked.CompareExchange(ref _hookError, e, null); }   // never across the native frames
    }
}

/// <summary>A registered hook; <see cref="Dispose"/> (or <see cref="remove"/>) takes it off.</summary>
public sealed class RemovableHandle : IDisposable
{
    IntPtr _native;
    GCHandle _state;

    internal RemovableHandle(IntPtr native, GCHandle state) => (_native, _state) = (native, state);

    /// <summary>Removes the hook (PyTorch's <c>handle.remove()</c>).</summary>
    public void remove() => Dispose();

    /// <summary>Removes the hook.</summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _native, IntPtr.Zero);
        if (h == IntPtr.Zero) return;
        N.wn_remove_hook(h);
        _state.Free();
    }
}
