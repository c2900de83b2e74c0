// Process groups of LibTorch's c10d (torch.distributed's engine): rendezvous through a TCPStore, collectives on Gloo
// (CPU tensors) or NCCL (CUDA tensors). Built when the Gloo headers are present (WN_WITH_GLOO: Debian's libgloo-dev)
// and, on CUDA builds, nccl.h (WN_WITH_NCCL); otherwise every entry point fails with a message saying so.
//
// Handles: a group is `WnGroup*`, an operation in flight is `WnWork*`; both are freed with wn_pg_free / wn_work_free.
// Collectives are asynchronous: they return a work handle at once, wn_work_wait blocks until done or the timeout.
#include "common.h"

#if defined(WN_WITH_GLOO) || defined(WN_WITH_NCCL)
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#ifdef WN_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef WN_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <chrono>
#include <functional>
#include <ATen/core/grad_mode.h>
#include <cstdlib>

// LibTorch 2.x moved the collectives from ProcessGroup to its Backend; the concrete groups derive from one or the other.
#if WN_TORCH_AT_LEAST(2, 0)
using WnBackend = c10d::Backend;
#else
using WnBackend = c10d::ProcessGroup;
#endif

struct WnGroup {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<WnBackend> backend;
  std::string name;
  int rank, size;
  std::chrono::milliseconds timeout;
};
struct WnWork {
  c10::intrusive_ptr<c10d::Work> work;
  std::chrono::milliseconds timeout;
  std::function<void()> then;  // after a successful wait (copies a flattened bucket back into its tensors)
};

static c10d::ReduceOp wn_reduce_op(int op) {
  switch (op) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::PRODUCT;
    case 2: return c10d::ReduceOp::MIN;
    case 3: return c10d::ReduceOp::MAX;
    default: throw std::invalid_argument("unknown reduce op " + std::to_string(op));
  }
}

// backend: 0 = Gloo, 1 = NCCL. Rank 0 hosts the store at host:port; every rank waits for the others up to timeout_ms.
WN_API void* wn_pg_new(const char* host, int port, int rank, int size, int backend, int64_t timeout_ms) {
  WN_TRY
    if (size < 1 || rank < 0 || rank >= size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is outside a world of size " + std::to_string(size));
    if (port < 1 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is outside 1..65535");
    const auto timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<std::size_t>(size);
    so.waitWorkers = true;
    so.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> tcp = c10::make_intrusive<c10d::TCPStore>(std::string(host), so);
    auto g = std::make_unique<WnGroup>();
    g->rank = rank;
    g->size = size;
    g->timeout = timeout;
    if (backend == 0) {
#ifdef WN_WITH_GLOO
      g->store = c10::make_intrusive<c10d::PrefixStore>("gloo", tcp);
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      // Loopback rendezvous: bind there. Otherwise the interface GLOO_SOCKET_IFNAME names, or the one the machine's
      // hostname resolves to (as torch.distributed does).
      const std::string h(host);
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      o->devices.push_back(h == "localhost" || h.rfind("127.", 0) == 0 ? c10d::ProcessGroupGloo::createDeviceForHostname(h)
                           : ifname && *ifname                        ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                                      : c10d::ProcessGroupGloo::createDefaultDevice());
      g->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, size, o);
      g->name = "gloo";
#else
      throw std::runtime_error("this native library was built without Gloo (install libgloo-dev and rebuild it)");
#endif
    } else if (backend == 1) {
#ifdef WN_WITH_NCCL
      g->store = c10::make_intrusive<c10d::PrefixStore>("nccl", tcp);
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      g->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(g->store, rank, size, o);
      g->name = "nccl";
#else
      throw std::runtime_error("this native library was built without NCCL (a CUDA LibTorch and nccl.h are needed)");
#endif
    } else {
      throw std::invalid_argument("unknown backend " + std::to_string(backend));
    }
    return g.release();
  WN_CATCH(nullptr)
}

WN_API void wn_pg_free(void* g) { delete static_cast<WnGroup*>(g); }
WN_API void wn_work_free(void* w) { delete static_cast<WnWork*>(w); }

static WnWork* wn_work(const WnGroup* g, c10::intrusive_ptr<c10d::Work> w) { return new WnWork{std::move(w), g->timeout}; }

// Runs a collective over the tensors (the same list on every rank, one device and dtype). Several tensors, or one that
// is not contiguous, travel as one flattened bucket (one collective, as DDP's reducer does) and are copied back when
// the wait succeeds.
using WnCollective = std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor>&)>;
static WnWork* wn_collective(const WnGroup* g, std::vector<at::Tensor> list, const char* name, const WnCollective& run) {
  if (list.empty()) throw std::invalid_argument(std::string(name) + " of no tensors");
  if (list.size() == 1 && list[0].is_contiguous()) return wn_work(g, run(list));
  std::vector<at::Tensor> flat;
  flat.reserve(list.size());
  for (auto& t : list) {
    if (t.scalar_type() != list[0].scalar_type() || t.device() != list[0].device())
      throw std::invalid_argument(std::string(name) + ": the tensors of one call must share a dtype and a device");
    flat.push_back(t.reshape({-1}));
  }
  std::vector<at::Tensor> bucket{at::cat(flat)};
  auto* w = wn_work(g, run(bucket));
  w->then = [list, bucket]() mutable {
    at::NoGradGuard no_grad;
    int64_t at = 0;
    for (auto& t : list) {
      const auto k = t.numel();
      t.copy_(bucket[0].narrow(0, at, k).view(t.sizes()));
      at += k;
    }
  };
  return w;
}

WN_API void* wn_pg_allreduce(void* group, TH* tensors, int n, int op) {
  WN_TRY
    auto* g = static_cast<WnGroup*>(group);
    c10d::AllreduceOptions o;
    o.reduceOp = wn_reduce_op(op);
    o.timeout = g->timeout;
    return wn_collective(g, wn_list(tensors, n), "all_reduce", [&](std::vector<at::Tensor>& v) { return g->backend->allreduce(v, o); });
  WN_CATCH(nullptr)
}

WN_API void* wn_pg_broadcast(void* group, TH* tensors, int n, int root) {
  WN_TRY
    auto* g = static_cast<WnGroup*>(group);
    if (root < 0 || root >= g->size) throw std::invalid_argument("root " + std::to_string(root) + " is outside the group");
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = g->timeout;
    return wn_collective(g, wn_list(tensors, n), "broadcast", [&](std::vector<at::Tensor>& v) { return g->backend->broadcast(v, o); });
  WN_CATCH(nullptr)
}

WN_API void* wn_pg_barrier(void* group) {
  WN_TRY
    auto* g = static_cast<WnGroup*>(group);
    c10d::BarrierOptions o;
    o.timeout = g->timeout;
    return wn_work(g, g->backend->barrier(o));
  WN_CATCH(nullptr)
}

// Blocks until the operation is done; fails with the backend's message (a peer that died, the timeout).
WN_API int wn_work_wait(void* work) {
  WN_TRY
    auto* w = static_cast<WnWork*>(work);
    if (!w->work->wait(w->timeout)) throw std::runtime_error("the collective did not finish within the timeout");
    if (w->then) {
      auto then = std::move(w->then);
      w->then = nullptr;
      then();
    }
    return 0;
  WN_CATCH(-1)
}

// 1 when done (successfully or not), 0 while in flight.
WN_API int wn_work_is_completed(void* work) {
  WN_TRY return static_cast<WnWork*>(work)->work->isCompleted() ? 1 : 0; WN_CATCH(-1)
}

WN_API int wn_pg_rank(void* g) { return static_cast<WnGroup*>(g)->rank; }
WN_API int wn_pg_size(void* g) { return static_cast<WnGroup*>(g)->size; }

// Bit mask of the backends this build has: 1 = Gloo, 2 = NCCL.
WN_API int wn_pg_backends() {
  int m = 0;
#ifdef WN_WITH_GLOO
  m |= 1;
#endif
#ifdef WN_WITH_NCCL
  m |= 2;
#endif
  return m;
}

#else  // no c10d backend in this build

static const char* kNoC10d =
    "this native library was built without c10d (install libgloo-dev, or use a CUDA LibTorch with nccl.h, and rebuild it)";
WN_API void* wn_pg_new(const char*, int, int, int, int, int64_t) { wn_set_error(kNoC10d); return nullptr; }
WN_API void wn_pg_free(void*) {}
WN_API void wn_work_free(void*) {}
WN_API void* wn_pg_allreduce(void*, TH*, int, int) { wn_set_error(kNoC10d); return nullptr; }
WN_API void* wn_pg_broadcast(void*, TH*, int, int) { wn_set_error(kNoC10d); return nullptr; }
WN_API void* wn_pg_barrier(void*) { wn_set_error(kNoC10d); return nullptr; }
WN_API int wn_work_wait(void*) { wn_set_error(kNoC10d); return -1; }
WN_API int wn_work_is_completed(void*) { wn_set_error(kNoC10d); return -1; }
WN_API int wn_pg_rank(void*) { return 0; }
WN_API int wn_pg_size(void*) { return 1; }
WN_API int wn_pg_backends() { return 0; }

#endif
