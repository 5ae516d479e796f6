#!/usr/bin/env python3
"""Writes the examples app's bundled demo batch and a PyTorch StackedBiRNN's outputs on it.

Run with Debian's torch:  /usr/bin/python3 tools/gen_demo.py
(needs `apt-get install -y python3-torch libopenblas0-pthread`).

Output: examples/src/main/resources/demo/stacked_birnn.safetensors holding
  - the state_dict of nn.RNN(8, 16, num_layers=2, bidirectional=True) under torch's names,
  - `input`  (L=12, N=4, 8): four multi-frequency sine sequences (the bundled batch),
  - `output` (12, 4, 32) and `h_n` (4, 4, 16): what torch computes on it in eval mode,
and the constructor config, torch version and seed in __metadata__.
"""
import json
import math
import os
import struct

import torch
from torch import nn

SEED = 20261126
OUT = os.path.join(os.path.dirname(__file__), "..", "examples", "src", "main", "resources", "demo",
                   "stacked_birnn.safetensors")


def st_write(path, tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def main():
    torch.manual_seed(SEED)
    m = nn.RNN(8, 16, num_layers=2, bidirectional=True).eval()
    L, N, F = 12, 4, 8
    x = torch.empty(L, N, F)
    for t in range(L):
        for n in range(N):
            for f in range(F):
                x[t, n, f] = math.sin(0.3 * (f + 1) * t + 0.7 * n) * (1.0 - 0.05 * f)
    with torch.no_grad():
        out, hn = m(x)
    tensors = dict(m.state_dict())
    tensors.update(input=x, output=out, h_n=hn)
    meta = {"format_version": "1", "torch_version": torch.__version__, "seed": str(SEED),
            "generator": "tools/gen_demo.py", "mode": "RNN_TANH", "input_size": "8", "hidden_size": "16",
            "num_layers": "2", "bias": "true", "batch_first": "false", "dropout": "0.0",
            "bidirectional": "true", "nonlinearity": "tanh"}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    st_write(OUT, tensors, meta)
    print("wrote", os.path.normpath(OUT), "output.sum =", float(out.sum()))


if __name__ == "__main__":
    main()
