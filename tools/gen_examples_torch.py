#!/usr/bin/python3
"""Writes the examples app's PyTorch deployment example (examples/data/torch/), with torch 1.13.

Run with Debian's torch:  /usr/bin/python3 tools/gen_examples_torch.py

  gru.safetensors       nn.GRU(5, 8, num_layers=2, bidirectional=True), exported by tools/export_torch.py
  input.npy             (L=7, N=3, 5) float32, written by numpy.save
  expected.safetensors  torch's output (7, 3, 16) and h_n (4, 3, 8) on it, in eval mode

`examples/run run-torch examples/data/torch/gru.safetensors examples/data/torch/input.npy
 --expect examples/data/torch/expected.safetensors` reproduces them (the app's tests check it).
"""
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export, write_safetensors  # noqa: E402

SEED = 20261126
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data", "torch")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    m = nn.GRU(5, 8, num_layers=2, bidirectional=True).eval()
    x = torch.randn(7, 3, 5)
    with torch.no_grad():
        out, hn = m(x)
    meta = {"torch_version": torch.__version__, "seed": str(SEED), "generator": "tools/gen_examples_torch.py"}
    export(m, os.path.join(OUT, "gru.safetensors"), metadata={"seed": str(SEED), "generator": meta["generator"]})
    np.save(os.path.join(OUT, "input.npy"), x.numpy().astype("<f4"))
    write_safetensors(os.path.join(OUT, "expected.safetensors"), {"output": out, "h_n": hn}, meta)
    print("wrote", OUT, tuple(out.shape), tuple(hn.shape))


if __name__ == "__main__":
    main()
