// Autograd: gradients, grad mode and inference mode.
#include "common.h"
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

WN_API int wn_requires_grad_(TH t, int value) { WN_RETURN_STATUS(t->requires_grad_(value != 0)) }
WN_API TH wn_detach(TH t) { WN_RETURN_TENSOR(t->detach()) }
WN_API int wn_retain_grad(TH t) { WN_RETURN_STATUS(t->retain_grad()) }
// Gradient of a leaf, or nullptr (and no error) when it has none yet.
WN_API TH wn_grad(TH t) {
  WN_TRY
    const auto& g = t->grad();
    return g.defined() ? wn_wrap(g) : nullptr;
  WN_CATCH(nullptr)
}
WN_API int wn_set_grad(TH t, TH g) {
  WN_TRY
    if (g) t->mutable_grad() = *g; else t->mutable_grad().reset();
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_backward(TH t, TH grad, int retain_graph) {
  WN_RETURN_STATUS(t->backward(grad ? *grad : at::Tensor(), retain_graph != 0, false))
}
// d(outputs)/d(inputs) without touching .grad (used by gradient checks).
WN_API int wn_autograd_grad(TH* outputs, int n_out, TH* inputs, int n_in, TH* result) {
  WN_TRY
    auto r = torch::autograd::grad(wn_list(outputs, n_out), wn_list(inputs, n_in), {}, c10::nullopt, false, true);
    for (int i = 0; i < n_in; i++) result[i] = r[i].defined() ? wn_wrap(r[i]) : nullptr;
    return 0;
  WN_CATCH(-1)
}
// torch.autograd.grad with every option: grad_outputs (entries may be null = ones for scalars), retain_graph
// (-1 = same as create_graph), create_graph (for higher-order gradients) and allow_unused (an unused input gets
// a null result instead of an error).
WN_API int wn_autograd_grad_ex(TH* outputs, int n_out, TH* grad_outputs, TH* inputs, int n_in, int retain_graph,
                               int create_graph, int allow_unused, TH* result) {
  WN_TRY
    std::vector<at::Tensor> gos;
    if (grad_outputs) {
      gos.reserve(n_out);
      for (int i = 0; i < n_out; i++) gos.push_back(grad_outputs[i] ? *grad_outputs[i] : at::Tensor());
    }
    auto r = torch::autograd::grad(wn_list(outputs, n_out), wn_list(inputs, n_in), gos,
                                   retain_graph < 0 ? c10::optional<bool>() : c10::optional<bool>(retain_graph != 0),
                                   create_graph != 0, allow_unused != 0);
    for (int i = 0; i < n_in; i++) result[i] = r[i].defined() ? wn_wrap(r[i]) : nullptr;
    return 0;
  WN_CATCH(-1)
}

WN_API int wn_is_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
WN_API void wn_set_grad_enabled(int enabled) { at::GradMode::set_enabled(enabled != 0); }

// Inference mode is an RAII guard in LibTorch; the binding keeps one alive for the scope's lifetime
// (created and freed on the same thread, strictly nested).
WN_API void* wn_inference_mode_enter() { WN_TRY return new c10::InferenceMode(true); WN_CATCH(nullptr) }
WN_API void wn_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }
WN_API int wn_is_inference_mode() { return c10::InferenceMode::is_enabled() ? 1 : 0; }

// Replaces the data (and device/dtype) of a tensor in place while keeping its identity — how Module.to() moves
// parameters (PyTorch's `param.data = param.data.to(device)`).
WN_API int wn_set_data(TH t, TH src) { WN_RETURN_STATUS(t->set_data(*src)) }

// ---- profiler (the legacy autograd profiler: every ATen op, forward and backward, as a Chrome trace) ----
#if __has_include(<torch/csrc/autograd/profiler_legacy.h>)
#include <torch/csrc/autograd/profiler_legacy.h>
#include <memory>
namespace {
std::unique_ptr<torch::autograd::profiler::RecordProfile> wn_profile;
}
// Starts recording every operator call into a Chrome trace written to `path` when wn_profiler_stop is called.
WN_API int wn_profiler_start(const char* path) {
  WN_TRY
    if (wn_profile) throw std::runtime_error("the profiler is already recording");
    wn_profile = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(path));
    return 0;
  WN_CATCH(-1)
}
WN_API int wn_profiler_stop() {
  WN_TRY
    if (!wn_profile) throw std::runtime_error("the profiler is not recording");
    wn_profile.reset();
    return 0;
  WN_CATCH(-1)
}
#else
WN_API int wn_profiler_start(const char*) { wn_set_error("this LibTorch has no legacy autograd profiler"); return -1; }
WN_API int wn_profiler_stop() { wn_set_error("this LibTorch has no legacy autograd profiler"); return -1; }
#endif

// Tensor.register_post_accumulate_grad_hook (PyTorch 2.1's name; LibTorch 1.13 has the mechanism, not the name): a
// post-hook on a leaf's gradient accumulator, called with the leaf's tag once this backward's gradient is in .grad
// (what DDP's reducer hooks to start a bucket's all-reduce while backward goes on). The callback must not throw.
typedef void (*wn_grad_hook_fn)(int64_t tag);
namespace {
struct WnPostAccumulateHook : torch::autograd::FunctionPostHook {
  wn_grad_hook_fn fn;
  int64_t tag;
  WnPostAccumulateHook(wn_grad_hook_fn f, int64_t t) : fn(f), tag(t) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    fn(tag);
    return outputs;
  }
};
struct WnHookHandle {
  std::shared_ptr<torch::autograd::Node> accumulator;   // kept alive: a leaf holds its accumulator only weakly
  uintptr_t key;
};
}  // namespace

WN_API void* wn_register_post_accumulate_grad_hook(TH t, wn_grad_hook_fn fn, int64_t tag) {
  WN_TRY
    if (!t->is_leaf() || !t->requires_grad())
      throw std::invalid_argument("register_post_accumulate_grad_hook: the tensor must be a leaf that requires grad");
    auto acc = torch::autograd::impl::grad_accumulator(*t);
    if (!acc) throw std::runtime_error("register_post_accumulate_grad_hook: the tensor has no gradient accumulator");
    auto key = acc->add_post_hook(std::make_unique<WnPostAccumulateHook>(fn, tag));
    return new WnHookHandle{std::move(acc), key};
  WN_CATCH(nullptr)
}
WN_API void wn_remove_hook(void* handle) {
  auto* h = static_cast<WnHookHandle*>(handle);
  if (!h) return;
  try { h->accumulator->del_post_hook(h->key); } catch (...) {}
  delete h;
}
