#!/usr/bin/env python3
"""Numerical oracle for the WideNet.Torch tests: runs PyTorch (python3-torch) on the tensors the C# tests send.

Usage: ops_oracle.py REQUEST.json RESPONSE.json

REQUEST = {"cases": [{"name": str, "code": str, "inputs": {var: TENSOR}, "args": {var: json value}}]}
Each case's code runs with torch, F (torch.nn.functional), math, struct, json, the helpers below and its inputs and
args bound as variables, and must set `out` to a tensor, a number, or a (nested) list/tuple of them.
RESPONSE = {"results": {name: {"outputs": [TENSOR, ...]} | {"error": str}}}
TENSOR = {"dtype": "float32" | ..., "shape": [int], "b64": base64 of the row-major little-endian bytes}
Many cases go in one request so that the test suite starts python only a few times.
"""
import base64, json, math, struct, sys, traceback

import torch
import torch.nn.functional as F

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8,
    "uint8": torch.uint8, "bool": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def decode(t):
    dtype = DTYPES[t["dtype"]]
    shape = t["shape"]
    raw = base64.b64decode(t["b64"])
    if len(raw) == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape).clone()


def encode(t):
    if not isinstance(t, torch.Tensor):
        t = torch.tensor(t, dtype=torch.float64 if isinstance(t, float) else torch.int64)
    t = t.detach().cpu().contiguous()
    raw_t = t.view(torch.int16) if t.dtype in (torch.bfloat16, torch.float16) else t
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "b64": base64.b64encode(raw_t.numpy().tobytes()).decode()}


def flatten(x):
    if isinstance(x, (list, tuple)):
        r = []
        for e in x:
            r.extend(flatten(e))
        return r
    return [x]


def lamb_step(p, g, m, v, step, lr, beta1, beta2, eps, wd):
    """Textbook LAMB (You et al. 2020), written independently of the C++ implementation under test."""
    m.mul_(beta1).add_(g, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    update = m_hat / (v_hat.sqrt() + eps) + wd * p
    w_norm = p.norm().item()
    u_norm = update.norm().item()
    trust = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
    p.sub_(lr * trust * update)


def sdpa_reference(q, k, v, mask=None, causal=False):
    """softmax(q kᵀ/√d + mask) v, the definition of scaled dot-product attention."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        keep = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, -1) @ v


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    results = {}
    for case in request["cases"]:
        scope = {"torch": torch, "F": F, "math": math, "struct": struct, "json": json,
                 "lamb_step": lamb_step, "sdpa_reference": sdpa_reference}
        try:
            for k, t in case.get("inputs", {}).items():
                scope[k] = decode(t)
            scope.update(case.get("args", {}))
            exec(case["code"], scope)
            results[case["name"]] = {"outputs": [encode(o) for o in flatten(scope["out"])]}
        except Exception:
            results[case["name"]] = {"error": traceback.format_exc()}
    with open(sys.argv[2], "w") as f:
        json.dump({"results": results}, f)


if __name__ == "__main__":
    main()
