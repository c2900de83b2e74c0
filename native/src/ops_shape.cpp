// Views and shape changes, joining and splitting, indexing, scatter/gather, sorting and selection.
#include "common.h"

// ---- views and shapes ------------------------------------------------------------------------------------
WN_API TH wn_reshape(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->reshape(wn_ints(s, n))) }
WN_API TH wn_view(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->view(wn_ints(s, n))) }
WN_API TH wn_permute(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->permute(wn_ints(s, n))) }
WN_API TH wn_transpose(TH a, int64_t d0, int64_t d1) { WN_RETURN_TENSOR(a->transpose(d0, d1)) }
WN_API TH wn_flatten(TH a, int64_t start, int64_t end) { WN_RETURN_TENSOR(a->flatten(start, end)) }
WN_API TH wn_squeeze(TH a, int64_t dim, int has_dim) { WN_RETURN_TENSOR(has_dim ? a->squeeze(dim) : a->squeeze()) }
WN_API TH wn_unsqueeze(TH a, int64_t dim) { WN_RETURN_TENSOR(a->unsqueeze(dim)) }
WN_API TH wn_expand(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->expand(wn_ints(s, n))) }
WN_API TH wn_repeat(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->repeat(wn_ints(s, n))) }
WN_API TH wn_flip(TH a, const int64_t* s, int n) { WN_RETURN_TENSOR(a->flip(wn_ints(s, n))) }
WN_API TH wn_narrow(TH a, int64_t dim, int64_t start, int64_t length) { WN_RETURN_TENSOR(a->narrow(dim, start, length)) }
WN_API TH wn_slice(TH a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  WN_RETURN_TENSOR(a->slice(dim, start, end, step))
}
WN_API TH wn_select(TH a, int64_t dim, int64_t index) { WN_RETURN_TENSOR(a->select(dim, index)) }
WN_API TH wn_tril(TH a, int64_t diagonal) { WN_RETURN_TENSOR(a->tril(diagonal)) }
WN_API TH wn_triu(TH a, int64_t diagonal) { WN_RETURN_TENSOR(a->triu(diagonal)) }

// ---- joining and splitting -------------------------------------------------------------------------------
WN_API TH wn_cat(TH* ts, int n, int64_t dim) { WN_RETURN_TENSOR(at::cat(wn_list(ts, n), dim)) }
WN_API TH wn_stack(TH* ts, int n, int64_t dim) { WN_RETURN_TENSOR(at::stack(wn_list(ts, n), dim)) }
// Split into pieces of `size` along `dim`; returns the number of pieces (writes at most `capacity`).
WN_API int wn_split(TH a, int64_t size, int64_t dim, TH* out, int capacity) {
  WN_TRY return wn_out_list(a->split(size, dim), out, capacity); WN_CATCH(-1)
}
WN_API int wn_split_sizes(TH a, const int64_t* sizes, int n, int64_t dim, TH* out, int capacity) {
  WN_TRY return wn_out_list(a->split_with_sizes(wn_ints(sizes, n), dim), out, capacity); WN_CATCH(-1)
}
WN_API int wn_chunk(TH a, int64_t chunks, int64_t dim, TH* out, int capacity) {
  WN_TRY return wn_out_list(a->chunk(chunks, dim), out, capacity); WN_CATCH(-1)
}
// The slices along `dim`, that dimension removed (one backward node for all of them, unlike select per slice).
WN_API int wn_unbind(TH a, int64_t dim, TH* out, int capacity) {
  WN_TRY return wn_out_list(a->unbind(dim), out, capacity); WN_CATCH(-1)
}

// ---- indexing, gather and scatter ------------------------------------------------------------------------
WN_API TH wn_index_select(TH a, int64_t dim, TH idx) { WN_RETURN_TENSOR(at::index_select(*a, dim, *idx)) }
WN_API TH wn_gather(TH a, int64_t dim, TH idx) { WN_RETURN_TENSOR(at::gather(*a, dim, *idx)) }
WN_API TH wn_scatter(TH a, int64_t dim, TH idx, TH src) { WN_RETURN_TENSOR(at::scatter(*a, dim, *idx, *src)) }
WN_API TH wn_scatter_value(TH a, int64_t dim, TH idx, double v) {
  WN_RETURN_TENSOR(at::scatter(*a, dim, *idx, wn_scalar(v, *a)))
}
WN_API TH wn_scatter_add(TH a, int64_t dim, TH idx, TH src) { WN_RETURN_TENSOR(at::scatter_add(*a, dim, *idx, *src)) }
WN_API TH wn_index_add(TH a, int64_t dim, TH idx, TH src, double alpha) {
  WN_RETURN_TENSOR(at::index_add(*a, dim, *idx, *src, alpha))
}
WN_API TH wn_index_copy(TH a, int64_t dim, TH idx, TH src) { WN_RETURN_TENSOR(at::index_copy(*a, dim, *idx, *src)) }
WN_API TH wn_masked_fill(TH a, TH mask, double v) { WN_RETURN_TENSOR(at::masked_fill(*a, *mask, wn_scalar(v, *a))) }
WN_API TH wn_where(TH cond, TH a, TH b) { WN_RETURN_TENSOR(at::where(*cond, *a, *b)) }
// a[mask] (boolean mask indexing; the result's size depends on the data, so it reads the mask on the host).
WN_API TH wn_masked_select(TH a, TH mask) { WN_RETURN_TENSOR(at::masked_select(*a, *mask)) }
WN_API TH wn_nonzero(TH a) { WN_RETURN_TENSOR(at::nonzero(*a)) }

// ---- sorting and selection -------------------------------------------------------------------------------
WN_API int wn_topk(TH a, int64_t k, int64_t dim, int largest, int sorted, TH* values, TH* indices) {
  WN_TRY
    auto r = at::topk(*a, k, dim, largest != 0, sorted != 0);
    *values = wn_wrap(std::get<0>(r));
    *indices = wn_wrap(std::get<1>(r));
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_sort(TH a, int64_t dim, int descending, int stable, TH* values, TH* indices) {
  WN_TRY
    auto r = at::sort(*a, stable != 0, dim, descending != 0);
    *values = wn_wrap(std::get<0>(r));
    *indices = wn_wrap(std::get<1>(r));
    return 0;
  WN_CATCH(-1)
}
WN_API TH wn_argsort(TH a, int64_t dim, int descending, int stable) {
  WN_RETURN_TENSOR(std::get<1>(at::sort(*a, stable != 0, dim, descending != 0)))
}
WN_API TH wn_one_hot(TH a, int64_t num_classes) { WN_RETURN_TENSOR(at::one_hot(*a, num_classes)) }
WN_API TH wn_bincount(TH a, TH weights, int64_t minlength) { WN_RETURN_TENSOR(at::bincount(*a, wn_opt(weights), minlength)) }
