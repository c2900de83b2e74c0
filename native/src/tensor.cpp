// Error state, tensor lifetime, properties, creation and host copies.
#include "common.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <cstring>

static thread_local std::string g_error;
static thread_local bool g_has_error = false;

void wn_set_error(const char* message) {
  g_error = message ? message : "";
  g_has_error = true;
}

WN_API const char* wn_last_error() { return g_has_error ? g_error.c_str() : nullptr; }
WN_API void wn_clear_error() { g_has_error = false; g_error.clear(); }
WN_API const char* wn_torch_version() { return TORCH_VERSION; }

// ---- lifetime -------------------------------------------------------------------------------------------
WN_API void wn_free(TH t) { delete t; }  // destructors of at::Tensor do not throw
WN_API TH wn_alias(TH t) { WN_RETURN_TENSOR(*t) }  // a second handle to the same tensor

// ---- properties -----------------------------------------------------------------------------------------
WN_API int wn_dim(TH t) { return static_cast<int>(t->dim()); }
WN_API int wn_shape(TH t, int64_t* out, int capacity) {
  auto s = t->sizes();
  for (size_t i = 0; i < s.size() && static_cast<int>(i) < capacity; i++) out[i] = s[i];
  return static_cast<int>(s.size());
}
WN_API int wn_strides(TH t, int64_t* out, int capacity) {
  auto s = t->strides();
  for (size_t i = 0; i < s.size() && static_cast<int>(i) < capacity; i++) out[i] = s[i];
  return static_cast<int>(s.size());
}
WN_API int64_t wn_numel(TH t) { return t->numel(); }
WN_API int wn_dtype(TH t) { return static_cast<int>(t->scalar_type()); }
WN_API int wn_device_type(TH t) { return static_cast<int>(t->device().type()); }
WN_API int wn_device_index(TH t) { return t->device().index(); }
WN_API int wn_is_contiguous(TH t) { return t->is_contiguous() ? 1 : 0; }
WN_API int wn_requires_grad(TH t) { return t->requires_grad() ? 1 : 0; }
WN_API int wn_is_leaf(TH t) { return t->is_leaf() ? 1 : 0; }
WN_API int wn_same_storage(TH a, TH b) { return a->is_same(*b) ? 1 : 0; }
WN_API int wn_item(TH t, double* out) { WN_RETURN_STATUS(*out = t->item<double>()) }

// ---- generators ------------------------------------------------------------------------------------------
typedef at::Generator* GH;
WN_API GH wn_generator_new(uint64_t seed) {
  WN_TRY return new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed)); WN_CATCH(nullptr)
}
WN_API void wn_generator_free(GH g) { delete g; }
static c10::optional<at::Generator> gen(GH g) { return g ? c10::optional<at::Generator>(*g) : c10::nullopt; }

WN_API int wn_manual_seed(uint64_t seed) {
  WN_TRY
    std::vector<at::Device> devices{at::Device(at::kCPU)};
    if (at::hasCUDA())
      for (int i = 0; i < static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()); i++)
        devices.emplace_back(at::kCUDA, static_cast<c10::DeviceIndex>(i));
    for (auto& d : devices) {
      auto g = at::globalContext().defaultGenerator(d);
      std::lock_guard<std::mutex> lock(g.mutex());
      g.set_current_seed(seed);
    }
    return 0;
  WN_CATCH(-1)
}

// ---- creation --------------------------------------------------------------------------------------------
WN_API TH wn_empty(const int64_t* shape, int n, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::empty(wn_ints(shape, n), wn_options(dtype, dt, di)))
}
WN_API TH wn_zeros(const int64_t* shape, int n, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::zeros(wn_ints(shape, n), wn_options(dtype, dt, di)))
}
WN_API TH wn_ones(const int64_t* shape, int n, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::ones(wn_ints(shape, n), wn_options(dtype, dt, di)))
}
WN_API TH wn_full(const int64_t* shape, int n, double value, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::full(wn_ints(shape, n), value, wn_options(dtype, dt, di)))
}
WN_API TH wn_arange(double start, double end, double step, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::arange(start, end, step, wn_options(dtype, dt, di)))
}
WN_API TH wn_rand(const int64_t* shape, int n, GH g, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::rand(wn_ints(shape, n), gen(g), wn_options(dtype, dt, di)))
}
WN_API TH wn_randn(const int64_t* shape, int n, GH g, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::randn(wn_ints(shape, n), gen(g), wn_options(dtype, dt, di)))
}
WN_API TH wn_randint(int64_t low, int64_t high, const int64_t* shape, int n, GH g, int dtype, int dt, int di) {
  WN_RETURN_TENSOR(at::randint(low, high, wn_ints(shape, n), gen(g), wn_options(dtype, dt, di)))
}
WN_API TH wn_randperm(int64_t n, GH g, int dt, int di) {
  WN_RETURN_TENSOR(at::randperm(n, gen(g), wn_options(static_cast<int>(at::kLong), dt, di)))
}
// In-place initialisers used by parameter init (normal_, uniform_, trunc-free).
WN_API int wn_normal_(TH t, double mean, double std, GH g) { WN_RETURN_STATUS(t->normal_(mean, std, gen(g))) }
WN_API int wn_uniform_(TH t, double from, double to, GH g) { WN_RETURN_STATUS(t->uniform_(from, to, gen(g))) }
WN_API int wn_bernoulli_(TH t, double p, GH g) { WN_RETURN_STATUS(t->bernoulli_(p, gen(g))) }

// A new CPU tensor holding a copy of `nbytes` bytes at `data`.
WN_API TH wn_from_data(const void* data, int64_t nbytes, const int64_t* shape, int n, int dtype) {
  WN_TRY
    auto t = at::empty(wn_ints(shape, n), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
    if (static_cast<int64_t>(t.nbytes()) != nbytes)
      throw std::invalid_argument("data length " + std::to_string(nbytes) + " bytes does not match shape " +
                                  c10::str(t.sizes()) + " (" + std::to_string(t.nbytes()) + " bytes)");
    if (nbytes) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
    return wn_wrap(t);
  WN_CATCH(nullptr)
}
// Copies the tensor's elements, in row-major order, to host memory `dst` of `nbytes` bytes.
WN_API int wn_copy_to_host(TH t, void* dst, int64_t nbytes) {
  WN_TRY
    auto c = t->detach().to(at::kCPU).contiguous();
    if (static_cast<int64_t>(c.nbytes()) != nbytes)
      throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes, tensor has " +
                                  std::to_string(c.nbytes()));
    if (nbytes) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
    return 0;
  WN_CATCH(-1)
}

// ---- conversion ------------------------------------------------------------------------------------------
WN_API TH wn_to(TH t, int dtype, int dt, int di, int non_blocking, int copy) {
  WN_RETURN_TENSOR(t->to(wn_options(dtype, dt, di), non_blocking != 0, copy != 0))
}
WN_API TH wn_to_dtype(TH t, int dtype) { WN_RETURN_TENSOR(t->to(static_cast<at::ScalarType>(dtype))) }
WN_API TH wn_clone(TH t) { WN_RETURN_TENSOR(t->clone()) }
WN_API TH wn_contiguous(TH t) { WN_RETURN_TENSOR(t->contiguous()) }
WN_API TH wn_pin_memory(TH t) { WN_RETURN_TENSOR(t->pin_memory()) }

// ---- threads ---------------------------------------------------------------------------------------------
WN_API int wn_set_num_threads(int n) { WN_RETURN_STATUS(at::set_num_threads(n)) }
WN_API int wn_get_num_threads() { return at::get_num_threads(); }
WN_API int wn_set_num_interop_threads(int n) { WN_RETURN_STATUS(at::set_num_interop_threads(n)) }
