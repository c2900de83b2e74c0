using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

public static partial class torch
{
    /// <summary>torch.autograd: gradients of outputs with respect to inputs without touching <c>.grad</c>.</summary>
    public static class autograd
    {
        /// <summary>
        /// Computes d(<paramref name="outputs"/>)/d(<paramref name="inputs"/>) (torch.autograd.grad) and returns one
        /// gradient per input, in order; the inputs' <c>.grad</c> fields are left alone.
        /// </summary>
        /// <param name="outputs">Tensors to differentiate (scalars, or non-scalars with <paramref name="grad_outputs"/>).</param>
        /// <param name="inputs">Tensors that require grad.</param>
        /// <param name="grad_outputs">The vector of the vector-Jacobian product, one per output (null entries mean ones
        /// for scalar outputs); null for scalar outputs only.</param>
        /// <param name="retain_graph">Keep the graph for another backward pass; null means the value of
        /// <paramref name="create_graph"/>.</param>
        /// <param name="create_graph">Record the gradient computation itself (higher-order gradients).</param>
        /// <param name="allow_unused">Return null for inputs the outputs do not depend on instead of throwing.</param>
        public static Tensor?[] grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? grad_outputs = null,
                                     bool? retain_graph = null, bool create_graph = false, bool allow_unused = false)
        {
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(inputs);
            if (grad_outputs is not null && grad_outputs.Count != outputs.Count)
                throw new ArgumentException($"grad_outputs has {grad_outputs.Count} entries for {outputs.Count} outputs", nameof(grad_outputs));
            var o = outputs.Select(t => t.RawHandle).ToArray();
            var i = inputs.Select(t => t.RawHandle).ToArray();
            var g = grad_outputs?.Select(t => t is null ? IntPtr.Zero : t.RawHandle).ToArray();
            var result = new IntPtr[i.Length];
            var status = N.wn_autograd_grad_ex(o, o.Length, g, i, i.Length, retain_graph is { } r ? (r ? 1 : 0) : -1,
                                               create_graph ? 1 : 0, allow_unused ? 1 : 0, result);
            GC.KeepAlive(outputs); GC.KeepAlive(inputs); GC.KeepAlive(grad_outputs);
            Status(status, "autograd.grad", outputs.Concat(inputs).ToArray());
            return result.Select(h => h == IntPtr.Zero ? null : new Tensor(h)).ToArray();
        }

        /// <summary>Gradient of one scalar <paramref name="output"/> with respect to <paramref name="inputs"/>.</summary>
        public static Tensor?[] grad(Tensor output, params Tensor[] inputs) => grad(new[] { output }, inputs);

        /// <summary>The autograd profiler (LibTorch's legacy profiler): records every operator, forward and backward.</summary>
        public static class profiler
        {
            /// <summary>Starts recording; <see cref="stop"/> writes a Chrome trace (chrome://tracing) to <paramref name="path"/>.
            /// One recording at a time.</summary>
            public static void start(string path)
            {
                ArgumentNullException.ThrowIfNull(path);
                Status(N.wn_profiler_start(path), "autograd.profiler.start");
            }

            /// <summary>Stops recording and writes the trace.</summary>
            public static void stop() => Status(N.wn_profiler_stop(), "autograd.profiler.stop");
        }
    }
}
