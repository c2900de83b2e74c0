"""Speed peer of `widenet bench`: the same flags, one JSON line with the same keys.

    python3 tools/pytorch/bench.py --arch widenet --image-size 28 --patch 4 --channels 1 --classes 10 --dim 192 \\
        --heads 3 --depth 6 --hidden 768 --experts 4 --topk 2 --capacity 1.2 --batch-size 64 --steps 20 --warmup 5 --threads 2
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

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
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    model = WideNet(a.image_size, a.patch, a.channels, a.classes, a.dim, a.heads, a.depth, a.hidden, a.experts, a.topk,
                    a.capacity, arch=a.arch).to(dev)
    fwd = torch.compile(model) if a.compile else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch_size, a.channels, a.image_size, a.image_size, device=dev)
    y = torch.randint(0, a.classes, (a.batch_size,), device=dev)
    times = []
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        logits, aux = fwd(x)
        loss = F.cross_entropy(logits, y) + aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if step >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(json.dumps({
        "runtime": "pytorch" + ("-compile" if a.compile else "-eager"), "torch": torch.__version__, "arch": a.arch,
        "device": a.device, "threads": torch.get_num_threads(), "batch_size": a.batch_size,
        "params": sum(p.numel() for p in model.parameters()), "step_ms_median": round(med, 2),
        "images_per_s": round(a.batch_size * 1000 / med, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
