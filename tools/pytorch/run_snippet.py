"""Runs a Python snippet for the .NET tests: `inputs` (dict of tensors loaded from IN) is in scope; the snippet fills
`outputs`, which is saved to OUT. Usage: run_snippet.py SNIPPET_FILE IN OUT"""
import math
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, __import__("os").path.dirname(__file__))
import safetensors_io  # noqa: E402

snippet, src, dst = sys.argv[1:4]
inputs = safetensors_io.load(src)
outputs = {}
torch.set_num_threads(1)
exec(open(snippet).read(), {"torch": torch, "F": F, "math": math, "inputs": inputs, "outputs": outputs})
safetensors_io.save(outputs, dst)
