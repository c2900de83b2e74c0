// Shared helpers of the native library: the C ABI conventions and exception barrier.
//
// Conventions (the C# side in src/WideNet.Torch/Native relies on them):
//  * A tensor crosses the boundary as an owning pointer `at::Tensor*` (TH); the caller frees it with wn_free.
//  * Functions returning a tensor return nullptr on failure; functions returning int return 0 on success, -1
//    on failure. On failure the message is kept per thread and read with wn_last_error / wn_clear_error.
//  * No C++ exception ever crosses the boundary: every entry point is wrapped in WN_TRY ... WN_CATCH.
#pragma once
#include <ATen/ATen.h>
#include <torch/version.h>
#include <cstdint>
#include <string>
#include <vector>

#define WN_API extern "C" __attribute__((visibility("default")))
#define WN_TORCH_AT_LEAST(maj, min) \
  (TORCH_VERSION_MAJOR > (maj) || (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

typedef at::Tensor* TH;

void wn_set_error(const char* message);

#define WN_TRY try {
#define WN_CATCH(failure)                                                  \
  }                                                                        \
  catch (const c10::Error& e) { wn_set_error(e.what_without_backtrace()); return failure; } \
  catch (const std::exception& e) { wn_set_error(e.what()); return failure; } \
  catch (...) { wn_set_error("unknown native exception"); return failure; }

// Body of an entry point that returns a new tensor.
#define WN_RETURN_TENSOR(expr) WN_TRY return wn_wrap(expr); WN_CATCH(nullptr)
// Body of an entry point that performs an action and returns a status.
#define WN_RETURN_STATUS(stmt) WN_TRY stmt; return 0; WN_CATCH(-1)

inline TH wn_wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }
inline at::IntArrayRef wn_ints(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }
inline c10::optional<at::Tensor> wn_opt(TH t) {
  return t ? c10::optional<at::Tensor>(*t) : c10::nullopt;
}
inline at::TensorOptions wn_options(int dtype, int device_type, int device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<c10::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)));
}
inline std::vector<at::Tensor> wn_list(TH* ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(*ts[i]);
  return v;
}
// Writes the tensors of a list into `out` (caller provides room for `n` handles).
inline int wn_out_list(const std::vector<at::Tensor>& v, TH* out, int capacity) {
  int n = static_cast<int>(v.size());
  for (int i = 0; i < n && i < capacity; i++) out[i] = wn_wrap(v[i]);
  return n;
}

// A Python-like scalar: an integral value stays an integer when combined with an integer tensor
// (`long_tensor + 1` stays int64, `long_tensor + 0.5` becomes float, as in PyTorch).
inline at::Scalar wn_scalar(double v, const at::Tensor& like) {
  if (at::isIntegralType(like.scalar_type(), /*includeBool=*/true) && v == static_cast<double>(static_cast<int64_t>(v)))
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}
