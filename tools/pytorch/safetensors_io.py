"""Minimal safetensors reader/writer on json + struct + torch (no safetensors package needed).

Independent of the C# implementation in src/WideNet.Torch/Serialization: the tests use it to exchange tensors with
the .NET side and to check the format in both directions.
"""
import json
import struct

import torch

DTYPES = {
    "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
CODES = {v: k for k, v in DTYPES.items()}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        raw = bytearray(body[start:end])
        if end == start:
            t = torch.empty(info["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype).reshape(info["shape"]).clone()
        out[name] = t
    return out


def save(tensors, path, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        flat = t.reshape(-1)
        if t.numel() == 0:
            raw = b""
        elif t.dtype == torch.bool:
            raw = flat.to(torch.uint8).numpy().tobytes()
        else:
            raw = flat.view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
