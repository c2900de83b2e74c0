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

    /// <summary>Back-propagates from this tensor (a scalar, or with an explicit <paramref name="gradient"/>).</summary>
    public void backward(Tensor? gradient = null, bool retain_graph = false) =>
        Status(N.wn_backward(Handle, H(gradient), retain_graph ? 1 : 0), "backward", this, gradient);
}
