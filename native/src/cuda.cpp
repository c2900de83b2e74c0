// CUDA device queries, synchronisation, memory statistics, autocast, TF32 and sync-debug mode.
// Compiled against any LibTorch; calls that need the CUDA runtime exist only when WN_WITH_CUDA is set and
// report a clear error otherwise.
#include "common.h"
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#ifdef WN_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

WN_API int wn_cuda_is_available() { return at::hasCUDA() ? 1 : 0; }
WN_API int wn_cuda_device_count() { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0; }
WN_API int wn_cuda_compiled() {
#ifdef WN_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}
static void require_cuda() {
  if (!at::hasCUDA()) throw std::runtime_error("CUDA is not available (this LibTorch is a CPU build or no GPU is visible)");
}
WN_API int wn_cuda_synchronize(int device) {
  WN_TRY
    require_cuda();
#ifdef WN_WITH_CUDA
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(device));
    c10::cuda::device_synchronize();
#endif
    return 0;
  WN_CATCH(-1)
}
// stats[0..3] = allocated current, allocated peak, reserved current, reserved peak (bytes).
WN_API int wn_cuda_memory_stats(int device, int64_t* stats) {
  WN_TRY
    require_cuda();
#ifdef WN_WITH_CUDA
    auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
    const size_t all = 0;  // StatType::AGGREGATE (the enum moved between namespaces across LibTorch versions)
    stats[0] = s.allocated_bytes[all].current;
    stats[1] = s.allocated_bytes[all].peak;
    stats[2] = s.reserved_bytes[all].current;
    stats[3] = s.reserved_bytes[all].peak;
#endif
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_cuda_reset_peak_memory(int device) {
  WN_TRY
    require_cuda();
#ifdef WN_WITH_CUDA
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
#endif
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_cuda_empty_cache() {
  WN_TRY
#ifdef WN_WITH_CUDA
    if (at::hasCUDA()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    return 0;
  WN_CATCH(-1)
}

// Sync-debug mode: 0 off, 1 warn, 2 error on every host synchronisation issued by a CUDA op. Without CUDA there
// are no device synchronisations to report; the setting is kept so that code using it runs unchanged.
static int g_sync_debug_mode = 0;
WN_API int wn_set_sync_debug_mode(int mode) {
  WN_TRY
    if (mode < 0 || mode > 2) throw std::invalid_argument("sync debug mode must be 0 (off), 1 (warn) or 2 (error)");
#ifdef WN_WITH_CUDA
    c10::cuda::warning_state().set_sync_debug_mode(static_cast<c10::cuda::SyncDebugMode>(mode));
#endif
    g_sync_debug_mode = mode;
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_get_sync_debug_mode() {
#ifdef WN_WITH_CUDA
  return static_cast<int>(c10::cuda::warning_state().get_sync_debug_mode());
#else
  return g_sync_debug_mode;
#endif
}

// TF32 for float32 matmuls and convolutions on Ampere and later ("high" precision = TF32 allowed).
WN_API int wn_set_allow_tf32(int allow) {
  WN_TRY
    at::globalContext().setFloat32MatmulPrecision(allow ? "high" : "highest");
    at::globalContext().setAllowTF32CuDNN(allow != 0);
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_get_allow_tf32() {
  return at::globalContext().float32MatmulPrecision() != at::Float32MatmulPrecision::HIGHEST ? 1 : 0;
}
WN_API int wn_set_cudnn_benchmark(int on) { WN_RETURN_STATUS(at::globalContext().setBenchmarkCuDNN(on != 0)) }

// Autocast on `device_type` (1 = CUDA, 0 = CPU) with `dtype` (e.g. bfloat16). Enter returns the previous
// enabled state so scopes nest; exit restores it and clears the cast cache when leaving the outermost scope.
WN_API int wn_autocast_enter(int device_type, int dtype) {
  WN_TRY
    const auto st = static_cast<at::ScalarType>(dtype);
#if WN_TORCH_AT_LEAST(2, 4)
    const auto dev = device_type == 1 ? at::kCUDA : at::kCPU;
    int previous = at::autocast::is_autocast_enabled(dev) ? 1 : 0;
    at::autocast::set_autocast_enabled(dev, true);
    at::autocast::set_autocast_dtype(dev, st);
#else
    int previous;
    if (device_type == 1) {
      previous = at::autocast::is_enabled() ? 1 : 0;
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(st);
    } else {
      previous = at::autocast::is_cpu_enabled() ? 1 : 0;
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(st);
    }
#endif
    at::autocast::increment_nesting();
    return previous;
  WN_CATCH(-1)
}
WN_API int wn_autocast_exit(int device_type, int previous) {
  WN_TRY
#if WN_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_enabled(device_type == 1 ? at::kCUDA : at::kCPU, previous != 0);
#else
    if (device_type == 1) at::autocast::set_enabled(previous != 0); else at::autocast::set_cpu_enabled(previous != 0);
#endif
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_autocast_is_enabled(int device_type) {
#if WN_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device_type == 1 ? at::kCUDA : at::kCPU) ? 1 : 0;
#else
  return (device_type == 1 ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled()) ? 1 : 0;
#endif
}
