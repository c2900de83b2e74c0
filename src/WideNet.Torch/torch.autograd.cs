using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

public static partial class torch
{
    /// <summary>torch.autograd.</summary>
    public static class autograd
    {
        /// <summary>Gradients of the sum of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, without
        /// touching any <c>.grad</c>; null for an input the outputs do not depend on.</summary>
        public static Tensor?[] grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs)
        {
            var o = outputs.Select(t => t.RawHandle).ToArray();
            var i = inputs.Select(t => t.RawHandle).ToArray();
            var r = new IntPtr[i.Length];
            var status = N.wn_autograd_grad(o, o.Length, i, i.Length, r);
            GC.KeepAlive(outputs); GC.KeepAlive(inputs);
            Status(status, "autograd.grad");
            return r.Select(h => h == IntPtr.Zero ? null : new Tensor(h)).ToArray();
        }
    }
}
