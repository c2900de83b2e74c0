// Optimizer steps over parameter lists, done in place without autograd and without host synchronisation.
#include "common.h"
#include <ATen/core/grad_mode.h>
#include <cmath>

// AdamW (Loshchilov & Hutter), as torch.optim.AdamW: decoupled decay p -= lr·wd·p, then the Adam update with
// bias correction. `step` is the 1-based step count after this update. Parameters without a gradient are skipped.
WN_API int wn_adamw_step(TH* params, TH* exp_avg, TH* exp_avg_sq, int n, double lr, double beta1, double beta2,
                         double eps, double weight_decay, int64_t step) {
  WN_TRY
    at::NoGradGuard no_grad;
    const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    const double step_size = lr / bc1;
    const double bc2_sqrt = std::sqrt(bc2);
    for (int i = 0; i < n; i++) {
      auto& p = *params[i];
      const auto& g = p.grad();
      if (!g.defined()) continue;
      if (weight_decay != 0) p.mul_(1.0 - lr * weight_decay);
      exp_avg[i]->lerp_(g, 1.0 - beta1);
      exp_avg_sq[i]->mul_(beta2).addcmul_(g, g, 1.0 - beta2);
      auto denom = (exp_avg_sq[i]->sqrt() / bc2_sqrt).add_(eps);
      p.addcdiv_(*exp_avg[i], denom, -step_size);
    }
    return 0;
  WN_CATCH(-1)
}

// LAMB (You et al. 2020), Adam moments with bias correction, update u = m̂/(sqrt(v̂)+eps) + wd·p, scaled per
// parameter tensor by the trust ratio ||p|| / ||u|| (1 where either norm is zero). Computed on the device.
WN_API int wn_lamb_step(TH* params, TH* exp_avg, TH* exp_avg_sq, int n, double lr, double beta1, double beta2,
                        double eps, double weight_decay, int64_t step) {
  WN_TRY
    at::NoGradGuard no_grad;
    const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    for (int i = 0; i < n; i++) {
      auto& p = *params[i];
      const auto& g = p.grad();
      if (!g.defined()) continue;
      exp_avg[i]->lerp_(g, 1.0 - beta1);
      exp_avg_sq[i]->mul_(beta2).addcmul_(g, g, 1.0 - beta2);
      auto update = (*exp_avg[i] / bc1) / ((*exp_avg_sq[i] / bc2).sqrt_().add_(eps));
      if (weight_decay != 0) update.add_(p, weight_decay);
      auto w_norm = p.norm();
      auto u_norm = update.norm();
      auto trust = at::where(at::logical_and(w_norm > 0, u_norm > 0), w_norm / u_norm, at::ones_like(w_norm));
      p.sub_(update * (trust * lr));
    }
    return 0;
  WN_CATCH(-1)
}

// Scales all gradients so that their global L2 norm is at most max_norm (torch.nn.utils.clip_grad_norm_).
// Returns the norm before clipping as a 0-d tensor; nothing is read back to the host.
WN_API TH wn_clip_grad_norm(TH* params, int n, double max_norm) {
  WN_TRY
    at::NoGradGuard no_grad;
    // Norms of reduced-precision gradients are taken in float32; float64 gradients keep float64 (as PyTorch).
    auto acc = at::kFloat;
    for (int i = 0; i < n; i++)
      if (params[i]->grad().defined() && params[i]->grad().scalar_type() == at::kDouble) acc = at::kDouble;
    std::vector<at::Tensor> norms;
    for (int i = 0; i < n; i++)
      if (params[i]->grad().defined()) norms.push_back(params[i]->grad().detach().to(acc).norm());
    if (norms.empty()) return wn_wrap(at::zeros({}, at::kFloat));
    auto total = at::stack(norms).norm();
    auto coef = at::clamp_max(max_norm / (total + 1e-6), 1.0);
    for (int i = 0; i < n; i++)
      if (params[i]->grad().defined()) params[i]->mutable_grad().mul_(coef.to(params[i]->grad().scalar_type()));
    return wn_wrap(total);
  WN_CATCH(nullptr)
}
