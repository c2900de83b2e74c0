// Elementwise arithmetic, comparisons, unary functions, reductions and linear algebra.
#include "common.h"

#define BINARY(name, expr) WN_API TH wn_##name(TH a, TH b) { WN_RETURN_TENSOR(expr) }
#define BINARY_SCALAR(name, expr) WN_API TH wn_##name(TH a, double s) { WN_RETURN_TENSOR(expr) }
#define UNARY(name, expr) WN_API TH wn_##name(TH a) { WN_RETURN_TENSOR(expr) }
#define INPLACE(name, stmt) WN_API int wn_##name(TH a, TH b) { WN_RETURN_STATUS(stmt) }
#define INPLACE_SCALAR(name, stmt) WN_API int wn_##name(TH a, double s) { WN_RETURN_STATUS(stmt) }

// ---- arithmetic ------------------------------------------------------------------------------------------
WN_API TH wn_add(TH a, TH b, double alpha) { WN_RETURN_TENSOR(at::add(*a, *b, wn_scalar(alpha, *b))) }
WN_API TH wn_sub(TH a, TH b, double alpha) { WN_RETURN_TENSOR(at::sub(*a, *b, wn_scalar(alpha, *b))) }
BINARY(mul, at::mul(*a, *b))
BINARY(div, at::div(*a, *b))
BINARY(pow, at::pow(*a, *b))
BINARY(maximum, at::maximum(*a, *b))
BINARY(minimum, at::minimum(*a, *b))
BINARY(remainder, at::remainder(*a, *b))
BINARY(floor_divide, at::div(*a, *b, "floor"))
BINARY_SCALAR(add_scalar, at::add(*a, wn_scalar(s, *a)))
BINARY_SCALAR(sub_scalar, at::sub(*a, wn_scalar(s, *a)))
BINARY_SCALAR(rsub_scalar, at::rsub(*a, wn_scalar(s, *a)))
BINARY_SCALAR(mul_scalar, at::mul(*a, wn_scalar(s, *a)))
BINARY_SCALAR(div_scalar, at::div(*a, wn_scalar(s, *a)))
BINARY_SCALAR(rdiv_scalar, at::reciprocal(*a).mul(s))
BINARY_SCALAR(pow_scalar, at::pow(*a, wn_scalar(s, *a)))
BINARY_SCALAR(remainder_scalar, at::remainder(*a, wn_scalar(s, *a)))
BINARY_SCALAR(floor_divide_scalar, at::div(*a, wn_scalar(s, *a), "floor"))
INPLACE(add_, a->add_(*b))
INPLACE(sub_, a->sub_(*b))
INPLACE(mul_, a->mul_(*b))
INPLACE(div_, a->div_(*b))
INPLACE(copy_, a->copy_(*b))
INPLACE_SCALAR(add_scalar_, a->add_(wn_scalar(s, *a)))
INPLACE_SCALAR(mul_scalar_, a->mul_(wn_scalar(s, *a)))
INPLACE_SCALAR(fill_, a->fill_(wn_scalar(s, *a)))
WN_API int wn_zero_(TH a) { WN_RETURN_STATUS(a->zero_()) }
WN_API TH wn_lerp(TH a, TH b, double w) { WN_RETURN_TENSOR(at::lerp(*a, *b, w)) }
WN_API TH wn_addcmul(TH a, TH b, TH c, double v) { WN_RETURN_TENSOR(at::addcmul(*a, *b, *c, v)) }
WN_API TH wn_clamp(TH a, int has_min, double min, int has_max, double max) {
  WN_RETURN_TENSOR(at::clamp(*a, has_min ? c10::optional<at::Scalar>(wn_scalar(min, *a)) : c10::nullopt,
                             has_max ? c10::optional<at::Scalar>(wn_scalar(max, *a)) : c10::nullopt))
}

// ---- comparisons and logic -------------------------------------------------------------------------------
BINARY(eq, at::eq(*a, *b))
BINARY(ne, at::ne(*a, *b))
BINARY(lt, at::lt(*a, *b))
BINARY(le, at::le(*a, *b))
BINARY(gt, at::gt(*a, *b))
BINARY(ge, at::ge(*a, *b))
BINARY_SCALAR(eq_scalar, at::eq(*a, wn_scalar(s, *a)))
BINARY_SCALAR(ne_scalar, at::ne(*a, wn_scalar(s, *a)))
BINARY_SCALAR(lt_scalar, at::lt(*a, wn_scalar(s, *a)))
BINARY_SCALAR(le_scalar, at::le(*a, wn_scalar(s, *a)))
BINARY_SCALAR(gt_scalar, at::gt(*a, wn_scalar(s, *a)))
BINARY_SCALAR(ge_scalar, at::ge(*a, wn_scalar(s, *a)))
BINARY(logical_and, at::logical_and(*a, *b))
BINARY(logical_or, at::logical_or(*a, *b))
UNARY(logical_not, at::logical_not(*a))
WN_API TH wn_allclose(TH a, TH b, double rtol, double atol) {
  WN_RETURN_TENSOR(at::scalar_tensor(at::allclose(*a, *b, rtol, atol), at::kBool))
}
WN_API TH wn_isfinite(TH a) { WN_RETURN_TENSOR(at::isfinite(*a)) }

// ---- unary -----------------------------------------------------------------------------------------------
UNARY(neg, at::neg(*a))
UNARY(abs, at::abs(*a))
UNARY(exp, at::exp(*a))
UNARY(log, at::log(*a))
UNARY(sqrt, at::sqrt(*a))
UNARY(rsqrt, at::rsqrt(*a))
UNARY(square, at::square(*a))
UNARY(sign, at::sign(*a))
UNARY(floor, at::floor(*a))
UNARY(ceil, at::ceil(*a))
UNARY(round, at::round(*a))
UNARY(reciprocal, at::reciprocal(*a))
UNARY(tanh, at::tanh(*a))
UNARY(sigmoid, at::sigmoid(*a))
UNARY(relu, at::relu(*a))
UNARY(silu, at::silu(*a))
UNARY(sin, at::sin(*a))
UNARY(cos, at::cos(*a))
WN_API TH wn_gelu(TH a, int tanh_approx) { WN_RETURN_TENSOR(at::gelu(*a, tanh_approx ? "tanh" : "none")) }

// ---- reductions ------------------------------------------------------------------------------------------
WN_API TH wn_sum_all(TH a, int dtype) {
  WN_RETURN_TENSOR(dtype < 0 ? at::sum(*a) : at::sum(*a, static_cast<at::ScalarType>(dtype)))
}
WN_API TH wn_sum(TH a, const int64_t* dims, int n, int keepdim, int dtype) {
  WN_RETURN_TENSOR(at::sum(*a, wn_ints(dims, n), keepdim != 0,
                           dtype < 0 ? c10::optional<at::ScalarType>() : static_cast<at::ScalarType>(dtype)))
}
UNARY(mean_all, at::mean(*a))
WN_API TH wn_mean(TH a, const int64_t* dims, int n, int keepdim) {
  WN_RETURN_TENSOR(at::mean(*a, wn_ints(dims, n), keepdim != 0))
}
WN_API TH wn_var(TH a, const int64_t* dims, int n, int unbiased, int keepdim) {
  WN_RETURN_TENSOR(at::var(*a, wn_ints(dims, n), unbiased != 0, keepdim != 0))
}
UNARY(max_all, at::max(*a))
UNARY(min_all, at::min(*a))
WN_API int wn_max_dim(TH a, int64_t dim, int keepdim, TH* values, TH* indices) {
  WN_TRY
    auto r = at::max(*a, dim, keepdim != 0);
    *values = wn_wrap(std::get<0>(r));
    *indices = wn_wrap(std::get<1>(r));
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_min_dim(TH a, int64_t dim, int keepdim, TH* values, TH* indices) {
  WN_TRY
    auto r = at::min(*a, dim, keepdim != 0);
    *values = wn_wrap(std::get<0>(r));
    *indices = wn_wrap(std::get<1>(r));
    return 0;
  WN_CATCH(-1)
}
WN_API TH wn_argmax(TH a, int64_t dim, int has_dim, int keepdim) {
  WN_RETURN_TENSOR(at::argmax(*a, has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0))
}
WN_API TH wn_logsumexp(TH a, const int64_t* dims, int n, int keepdim) {
  WN_RETURN_TENSOR(at::logsumexp(*a, wn_ints(dims, n), keepdim != 0))
}
WN_API TH wn_norm(TH a, double p) { WN_RETURN_TENSOR(at::norm(*a, p)) }
WN_API TH wn_norm_dim(TH a, double p, const int64_t* dims, int n, int keepdim) {
  WN_RETURN_TENSOR(at::norm(*a, p, wn_ints(dims, n), keepdim != 0))
}
WN_API TH wn_cumsum(TH a, int64_t dim, int dtype) {
  WN_RETURN_TENSOR(at::cumsum(*a, dim, dtype < 0 ? c10::optional<at::ScalarType>() : static_cast<at::ScalarType>(dtype)))
}
UNARY(any, at::any(*a))
UNARY(all, at::all(*a))

// ---- linear algebra --------------------------------------------------------------------------------------
BINARY(matmul, at::matmul(*a, *b))
BINARY(bmm, at::bmm(*a, *b))
WN_API TH wn_baddbmm(TH self, TH b1, TH b2, double beta, double alpha) {
  WN_RETURN_TENSOR(at::baddbmm(*self, *b1, *b2, beta, alpha))
}
WN_API TH wn_addmm(TH self, TH m1, TH m2, double beta, double alpha) {
  WN_RETURN_TENSOR(at::addmm(*self, *m1, *m2, beta, alpha))
}
WN_API TH wn_linear(TH x, TH w, TH b) { WN_RETURN_TENSOR(at::linear(*x, *w, wn_opt(b))) }
WN_API TH wn_conv2d(TH x, TH w, TH b, const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                    int64_t groups) {
  WN_RETURN_TENSOR(at::conv2d(*x, *w, wn_opt(b), wn_ints(stride, 2), wn_ints(padding, 2), wn_ints(dilation, 2), groups))
}
WN_API TH wn_einsum(const char* eq, TH* ts, int n) { WN_RETURN_TENSOR(at::einsum(eq, wn_list(ts, n))) }
