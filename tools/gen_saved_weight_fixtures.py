#!/usr/bin/python3
"""Record which in-place parameter writes between a forward and its backward torch refuses.

Run from the repository root with the system interpreter (python3-torch 1.13)::

    /usr/bin/python3 tools/gen_saved_weight_fixtures.py

Output: ``src/test/resources/fixtures/saved_weights/index.txt``, one case per line::

    <mode> <layers> <bidirectional> <proj> <packed> <input_requires_grad> <parameter> <ok|error>

For each case a fresh module runs a training forward, the named parameter is multiplied by 2 in place
(as an optimizer step would write it), and ``(output.sum() + h_n.sum()).backward()`` runs. ``error`` means
torch raised "one of the variables needed for gradient computation has been modified by an inplace
operation"; ``ok`` means the backward ran. jrnn's ``SavedWeightsTest`` must refuse exactly the ``error``
cases (with ``inputGradient`` standing for ``requires_grad`` of the input).
"""
import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402

OUTDIR = os.path.join(gf.OUT, "saved_weights")
L, N, F, H = 4, 3, 3, 5


def build(mode, layers, bi, proj):
    if mode == "LSTM":
        return nn.LSTM(F, H, layers, bidirectional=bi, proj_size=proj)
    if mode == "GRU":
        return nn.GRU(F, H, layers, bidirectional=bi)
    return nn.RNN(F, H, layers, nonlinearity=mode[4:].lower(), bidirectional=bi)


def run(mode, layers, bi, proj, packed, xgrad, param):
    torch.manual_seed(7)
    m = build(mode, layers, bi, proj)
    x = torch.randn(L, N, F, requires_grad=xgrad)
    inp = pack_padded_sequence(x, torch.tensor([4, 2, 3]), enforce_sorted=False) if packed else x
    out, state = m(inp)
    h_n = state[0] if mode == "LSTM" else state
    y = out.data if packed else out
    loss = y.sum() + h_n.sum()
    with torch.no_grad():
        getattr(m, param).mul_(2)
    try:
        loss.backward()
        return "ok"
    except RuntimeError as e:
        if "modified by an inplace operation" not in str(e):
            raise
        return "error"


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    lines = []
    shapes = [(mode, layers, bi, 0, packed)
              for mode in ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
              for layers, bi in ((1, False), (2, True))
              for packed in (False, True)]
    shapes.append(("LSTM", 2, True, 3, False))
    shapes.append(("LSTM", 1, False, 3, True))
    for mode, layers, bi, proj, packed in shapes:
        m = build(mode, layers, bi, proj)
        for xgrad in (False, True):
            for param, _ in m.named_parameters():
                r = run(mode, layers, bi, proj, packed, xgrad, param)
                lines.append(f"{mode} {layers} {str(bi).lower()} {proj} {str(packed).lower()} "
                             f"{str(xgrad).lower()} {param} {r}")
    with open(os.path.join(OUTDIR, "index.txt"), "w") as f:
        f.write("# torch %s: tools/gen_saved_weight_fixtures.py\n" % torch.__version__)
        f.write("\n".join(lines) + "\n")
    print(len(lines), "cases,", sum(l.endswith("error") for l in lines), "refused")


if __name__ == "__main__":
    main()
