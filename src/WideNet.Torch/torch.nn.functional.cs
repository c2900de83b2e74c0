using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

public static partial class torch
{
    /// <summary>torch.nn: functional forms and utilities. Modules live in Microsoft.ML.WideNet.Nn.</summary>
    public static partial class nn
    {
        /// <summary>How a loss is reduced over the batch.</summary>
        public enum Reduction
        {
            /// <summary>One loss per element.</summary>
            None = 0,
            /// <summary>The mean.</summary>
            Mean = 1,
            /// <summary>The sum.</summary>
            Sum = 2,
        }

        /// <summary>torch.nn.functional.</summary>
        public static class functional
        {
            /// <summary>x Wᵀ + b.</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
                Result(N.wn_linear(input.Handle, weight.Handle, H(bias)), "linear", input, weight, bias);

            /// <summary>2-D convolution of [N, C, H, W] input with [O, C/groups, kH, kW] weights.</summary>
            public static unsafe Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
            {
                long* s = stackalloc long[] { stride, stride };
                long* p = stackalloc long[] { padding, padding };
                long* d = stackalloc long[] { dilation, dilation };
                return Result(N.wn_conv2d(input.Handle, weight.Handle, H(bias), s, p, d, groups), "conv2d", input, weight, bias);
            }

            /// <summary>LayerNorm over the trailing <paramref name="normalized_shape"/> dimensions.</summary>
            public static unsafe Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                fixed (long* p = normalized_shape)
                    return Result(N.wn_layer_norm(input.Handle, p, normalized_shape.Length, H(weight), H(bias), eps), "layer_norm", input, weight, bias);
            }

            /// <summary>RMSNorm over the last dimension: x · rsqrt(mean(x²) + eps) · weight (statistics in float32).</summary>
            public static Tensor rms_norm(Tensor input, Tensor? weight = null, double eps = 1e-6) =>
                Result(N.wn_rms_norm(input.Handle, H(weight), eps), "rms_norm", input, weight);

            /// <summary>Zeroes elements with probability p and scales the rest by 1/(1−p) when training.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
                p == 0 || !training ? input.alias() : Result(N.wn_dropout(input.Handle, p, training ? 1 : 0), "dropout", input);

            /// <summary>Rows of <paramref name="weight"/> picked by int64 indices.</summary>
            public static Tensor embedding(Tensor input, Tensor weight) =>
                Result(N.wn_embedding(weight.Handle, input.Handle), "embedding", input, weight);

            /// <summary>Softmax along <paramref name="dim"/>.</summary>
            public static Tensor softmax(Tensor input, long dim, ScalarType? dtype = null) => input.softmax(dim, dtype);
            /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
            public static Tensor log_softmax(Tensor input, long dim, ScalarType? dtype = null) => input.log_softmax(dim, dtype);
            /// <summary>GELU.</summary>
            public static Tensor gelu(Tensor input, bool tanhApproximation = false) => input.gelu(tanhApproximation);
            /// <summary>ReLU.</summary>
            public static Tensor relu(Tensor input) => input.relu();
            /// <summary>SiLU.</summary>
            public static Tensor silu(Tensor input) => input.silu();

            /// <summary>One-hot encoding of int64 class indices (int64 result, last dimension num_classes).</summary>
            public static Tensor one_hot(Tensor input, long num_classes = -1) =>
                Result(N.wn_one_hot(input.Handle, num_classes), "one_hot", input);

            /// <summary>Counts of each value in a non-negative int64 vector (optionally weighted).</summary>
            public static Tensor bincount(Tensor input, Tensor? weights = null, long minlength = 0) =>
                Result(N.wn_bincount(input.Handle, H(weights), minlength), "bincount", input, weights);

            /// <summary>Cross-entropy of logits [N, C] against int64 class indices [N] or class probabilities [N, C]
            /// (soft targets, e.g. from mixup), with optional label smoothing and class weights.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                                               long ignore_index = -100, double label_smoothing = 0) =>
                Result(N.wn_cross_entropy(input.Handle, target.Handle, H(weight), (int)reduction, ignore_index, label_smoothing), "cross_entropy", input, target);

            /// <summary>Negative log-likelihood of log-probabilities.</summary>
            public static Tensor nll_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, long ignore_index = -100) =>
                Result(N.wn_nll_loss(input.Handle, target.Handle, (int)reduction, ignore_index), "nll_loss", input, target);

            /// <summary>Mean squared error.</summary>
            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Result(N.wn_mse_loss(input.Handle, target.Handle, (int)reduction), "mse_loss", input, target);

            /// <summary>softmax(q kᵀ/√d + mask) v over [..., L, d]. Uses LibTorch's fused kernels (flash / memory-efficient)
            /// from 2.0 on; Debian's 1.13 takes an exact composite path. A bool mask keeps positions that are true.</summary>
            public static Tensor scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask = null,
                                                              double dropout_p = 0, bool is_causal = false, bool training = false) =>
                Result(N.wn_scaled_dot_product_attention(query.Handle, key.Handle, value.Handle, H(attn_mask), dropout_p, is_causal ? 1 : 0, training ? 1 : 0, 0),
                       "scaled_dot_product_attention", query, key, value);

            /// <summary>The composite (matmul–softmax–matmul) attention, for checking the fused path.</summary>
            public static Tensor scaled_dot_product_attention_reference(Tensor query, Tensor key, Tensor value, Tensor? attn_mask = null, bool is_causal = false) =>
                Result(N.wn_scaled_dot_product_attention(query.Handle, key.Handle, value.Handle, H(attn_mask), 0, is_causal ? 1 : 0, 0, 1),
                       "scaled_dot_product_attention", query, key, value);

            /// <summary>True when LibTorch provides fused attention kernels (≥ 2.0).</summary>
            public static bool has_fused_attention => N.wn_has_fused_attention() != 0;

            /// <summary>Bilinear resize of [N, C, H, W] float input to [N, C, h, w].</summary>
            public static Tensor interpolate_bilinear(Tensor input, long height, long width, bool align_corners = false, bool antialias = false) =>
                Result(N.wn_interpolate_bilinear(input.Handle, height, width, align_corners ? 1 : 0, antialias ? 1 : 0), "interpolate", input);
        }

        /// <summary>torch.nn.utils.</summary>
        public static class utils
        {
            /// <summary>Scales the gradients of <paramref name="parameters"/> so that their global L2 norm is at most
            /// <paramref name="max_norm"/>; returns the norm before clipping as a 0-d tensor (no host synchronisation).</summary>
            public static Tensor clip_grad_norm_(IReadOnlyList<Tensor> parameters, double max_norm)
            {
                var hs = parameters.Select(p => p.RawHandle).ToArray();
                var r = N.wn_clip_grad_norm(hs, hs.Length, max_norm);
                GC.KeepAlive(parameters);
                return Result(r, "clip_grad_norm_");
            }
        }
    }
}
