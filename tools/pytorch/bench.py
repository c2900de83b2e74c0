"""Speed peer of `widenet bench`: the same flags, one JSON line with the same keys.

    python3 tools/pytorch/bench.py --arch widenet --image-size 28 --patch 4 --channels 1 --classes 10 --dim 192 \\
        --heads 3 --depth 6 --hidden 768 --experts 4 --topk 2 --capacity 1.2 --batch-size 64 --steps 20 --warmup 5 --threads 2

Under a launcher (`widenet launch --nproc 2 -- python3 tools/pytorch/bench.py ...`, or torchrun) it trains with
DistributedDataParallel on Gloo, each rank 1/W of --batch-size, as `widenet launch --nproc 2 -- widenet bench ...`.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

# --host-defaults: the process settings the .NET binding applies before LibTorch loads (src/WideNet.Torch/HostDefaults.cs),
# for a like-for-like comparison. They must be in the environment when the process starts (glibc reads its tunables
# then; libgomp and OpenBLAS when torch is imported), so the script re-executes itself with them.
HOST_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4",
                 "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"}
if "--host-defaults" in sys.argv and os.environ.get("WN_BENCH_REEXEC") != "1":
    env = dict(os.environ, WN_BENCH_REEXEC="1")
    for k, v in HOST_DEFAULTS.items():
        env.setdefault(k, v)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import WideNet  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    for name, default in [("--image-size", 28), ("--patch", 4), ("--channels", 1), ("--classes", 10), ("--dim", 192),
                          ("--heads", 3), ("--depth", 6), ("--hidden", 768), ("--experts", 4), ("--topk", 2),
                          ("--batch-size", 64), ("--steps", 20), ("--warmup", 5), ("--threads", 0)]:
        p.add_argument(name, type=int, default=default)
    p.add_argument("--arch", default="widenet", choices=["widenet", "vit", "vit-moe"])
    p.add_argument("--capacity", type=float, default=1.2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--inference", action="store_true", help="time batched scoring (eval mode, inference mode)")
    p.add_argument("--host-defaults", action="store_true", help="apply the .NET binding's process settings (see top)")
    p.add_argument("--profile", help="write a Chrome trace of the operators of the timed steps to this file")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    model = WideNet(a.image_size, a.patch, a.channels, a.classes, a.dim, a.heads, a.depth, a.hidden, a.experts, a.topk,
                    a.capacity, arch=a.arch).to(dev)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    fwd = torch.compile(model) if a.compile else model
    if world > 1 and not a.inference:
        import torch.distributed as dist
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        fwd = torch.nn.parallel.DistributedDataParallel(fwd)
        a.batch_size //= world
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    if a.inference:
        model.eval()
    x = torch.randn(a.batch_size, a.channels, a.image_size, a.image_size, device=dev)
    y = torch.randint(0, a.classes, (a.batch_size,), device=dev)
    times = []
    prof = None
    for step in range(a.warmup + a.steps):
        if step == a.warmup and a.profile:
            prof = torch.autograd.profiler.profile()
            prof.__enter__()
        t0 = time.perf_counter()
        if a.inference:
            with torch.inference_mode():
                fwd(x)[0].argmax(-1)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            if step >= a.warmup:
                times.append((time.perf_counter() - t0) * 1000)
            continue
        logits, aux = fwd(x)
        loss = F.cross_entropy(logits, y) + aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if step >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    if prof is not None:
        prof.__exit__(None, None, None)
        prof.export_chrome_trace(a.profile)
    med = statistics.median(times)
    if world > 1 and not a.inference:
        if int(os.environ["RANK"]) != 0:
            return
        a.batch_size *= world
    print(json.dumps({
        "runtime": "pytorch" + ("-compile" if a.compile else "-eager"), "torch": torch.__version__, "arch": a.arch,
        "mode": "inference" if a.inference else "train",
        "device": a.device, "threads": torch.get_num_threads(), "batch_size": a.batch_size,
        "params": sum(p.numel() for p in model.parameters()), "step_ms_median": round(med, 2),
        "images_per_s": round(a.batch_size * 1000 / med, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "host_defaults": " ".join(f"{k}={os.environ[k]}" for k in sorted(HOST_DEFAULTS) if k in os.environ),
        **({"world_size": world} if world > 1 and not a.inference else {}),
    }))


if __name__ == "__main__":
    main()
