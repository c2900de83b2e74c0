// Neural-network functions: activations with dims, normalisation, dropout, embedding, losses, attention.
#include "common.h"
#include <cmath>

static c10::optional<at::ScalarType> opt_dtype(int dtype) {
  return dtype < 0 ? c10::optional<at::ScalarType>() : static_cast<at::ScalarType>(dtype);
}

WN_API TH wn_softmax(TH a, int64_t dim, int dtype) { WN_RETURN_TENSOR(at::softmax(*a, dim, opt_dtype(dtype))) }
WN_API TH wn_log_softmax(TH a, int64_t dim, int dtype) { WN_RETURN_TENSOR(at::log_softmax(*a, dim, opt_dtype(dtype))) }

WN_API TH wn_layer_norm(TH x, const int64_t* shape, int n, TH w, TH b, double eps) {
  WN_RETURN_TENSOR(at::layer_norm(*x, wn_ints(shape, n), wn_opt(w), wn_opt(b), eps))
}
// RMSNorm over the last dimension: x * rsqrt(mean(x^2) + eps) * w; statistics in float32 for 16-bit input.
WN_API TH wn_rms_norm(TH x, TH w, double eps) {
  WN_TRY
    const bool low = x->scalar_type() == at::kHalf || x->scalar_type() == at::kBFloat16;
    auto xf = low ? x->to(at::kFloat) : *x;
    auto y = (xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps)).to(x->scalar_type());
    return wn_wrap(w ? y * *w : y);
  WN_CATCH(nullptr)
}
WN_API TH wn_dropout(TH x, double p, int train) { WN_RETURN_TENSOR(at::dropout(*x, p, train != 0)) }
WN_API TH wn_embedding(TH weight, TH idx) { WN_RETURN_TENSOR(at::embedding(*weight, *idx)) }

// reduction: 0 none, 1 mean, 2 sum (at::Reduction). Targets are class indices (int64) or probabilities (float).
WN_API TH wn_cross_entropy(TH logits, TH target, TH weight, int reduction, int64_t ignore_index, double label_smoothing) {
  WN_RETURN_TENSOR(at::cross_entropy_loss(*logits, *target, wn_opt(weight), reduction, ignore_index, label_smoothing))
}
WN_API TH wn_nll_loss(TH logp, TH target, int reduction, int64_t ignore_index) {
  WN_RETURN_TENSOR(at::nll_loss(*logp, *target, c10::nullopt, reduction, ignore_index))
}
WN_API TH wn_mse_loss(TH a, TH b, int reduction) { WN_RETURN_TENSOR(at::mse_loss(*a, *b, reduction)) }

// softmax(q kᵀ / sqrt(d) + mask) v over [..., L, d]. A boolean mask keeps positions that are true; a float mask
// is added. LibTorch ≥ 2.0 uses its fused kernels; older versions (Debian's 1.13) take the exact composite path.
static at::Tensor sdpa_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 const c10::optional<at::Tensor>& mask, double p, bool causal, bool train) {
  auto scores = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  if (causal) {
    auto keep = at::ones({q.size(-2), k.size(-2)}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  if (mask) {
    if (mask->scalar_type() == at::kBool)
      scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
    else
      scores = scores + *mask;
  }
  auto attn = at::softmax(scores, -1);
  if (p > 0 && train) attn = at::dropout(attn, p, true);
  return at::matmul(attn, v);
}
WN_API TH wn_scaled_dot_product_attention(TH q, TH k, TH v, TH mask, double p, int causal, int train, int force_reference) {
  WN_TRY
#if WN_TORCH_AT_LEAST(2, 0)
    if (!force_reference)
      return wn_wrap(at::scaled_dot_product_attention(*q, *k, *v, wn_opt(mask), train ? p : 0.0, causal != 0));
#endif
    return wn_wrap(sdpa_reference(*q, *k, *v, wn_opt(mask), p, causal != 0, train != 0));
  WN_CATCH(nullptr)
}
WN_API int wn_has_fused_attention() {
#if WN_TORCH_AT_LEAST(2, 0)
  return 1;
#else
  return 0;
#endif
}

// Bilinear resize of an NCHW float tensor (image preprocessing).
WN_API TH wn_interpolate_bilinear(TH x, int64_t h, int64_t w, int align_corners, int antialias) {
  WN_TRY
    std::vector<int64_t> size{h, w};
#if WN_TORCH_AT_LEAST(1, 11)
    if (antialias) return wn_wrap(at::_upsample_bilinear2d_aa(*x, size, align_corners != 0, c10::nullopt, c10::nullopt));
#endif
    return wn_wrap(at::upsample_bilinear2d(*x, size, align_corners != 0, c10::nullopt, c10::nullopt));
  WN_CATCH(nullptr)
}
