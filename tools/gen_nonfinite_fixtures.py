#!/usr/bin/python3
"""Generate PyTorch fixtures of non-finite propagation (NaN / +-Inf in the input, h0 or a weight).

Run from the repository root with the system interpreter (python3-torch 1.13)::

    /usr/bin/python3 tools/gen_nonfinite_fixtures.py

Output: ``src/test/resources/fixtures/nonfinite/<name>.safetensors`` and ``index.txt``. Each file holds
the module's state_dict (torch names, possibly with a poisoned weight), ``input`` (padded, time-major),
``h0``/``c0`` when given (absent for the cases that omit the initial state: torch's zeros), and torch 1.13's float32 ``output`` (padded with zeros when packed),
``h_n``, ``c_n``; metadata ``mode``, ``hidden``, ``layers``, ``bidirectional``, ``proj``, ``lengths``
(comma-separated, empty when dense). jrnn must put NaN exactly where torch has NaN, +-Inf where torch
has it, and match every finite value (atol 1e-5).
"""
import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402

OUTDIR = os.path.join(gf.OUT, "nonfinite")
L, N, F = 4, 3, 3


def build(mode, hidden, layers, bi, proj):
    if mode == "LSTM":
        return nn.LSTM(F, hidden, layers, bidirectional=bi, proj_size=proj)
    if mode == "GRU":
        return nn.GRU(F, hidden, layers, bidirectional=bi)
    return nn.RNN(F, hidden, layers, nonlinearity=mode, bidirectional=bi)


def case(name, mode, bi=False, layers=1, proj=0, where="input", value=float("nan"), packed=False, seed=0,
         omit_state=False):
    torch.manual_seed(1000 + seed)
    hidden = 4
    m = build(mode, hidden, layers, bi, proj)
    D = 2 if bi else 1
    hout = proj if proj else hidden
    x = torch.randn(L, N, F)
    h0 = torch.randn(layers * D, N, hout)
    c0 = torch.randn(layers * D, N, hidden) if mode == "LSTM" else None
    if where == "input":
        x[1, 2, 0] = value
    elif where == "h0":
        h0[0, 1, 1] = value
    elif where == "c0":
        c0[0, 0, 2] = value
    elif where == "weight":
        with torch.no_grad():
            m.weight_hh_l0[0, 0] = value
    lengths = [4, 2, 3] if packed else None
    with torch.no_grad():
        state = None if omit_state else (h0, c0) if mode == "LSTM" else h0
        if packed:
            p = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
            out, hn = m(p, state)
            out, _ = pad_packed_sequence(out, total_length=L)
        else:
            out, hn = m(x, state)
    tensors = {k: v.detach().clone() for k, v in m.state_dict().items()}
    tensors["input"] = x
    if not omit_state:
        tensors["h0"] = h0
        if c0 is not None:
            tensors["c0"] = c0
    tensors["output"] = out
    if mode == "LSTM":
        tensors["h_n"], tensors["c_n"] = hn[0], hn[1]
    else:
        tensors["h_n"] = hn
    meta = {"generator": "tools/gen_nonfinite_fixtures.py", "torch": torch.__version__, "mode": mode,
            "hidden": str(hidden), "layers": str(layers), "bidirectional": str(bi).lower(), "proj": str(proj),
            "lengths": "" if lengths is None else ",".join(map(str, lengths))}
    gf.write_checked(os.path.join(OUTDIR, name + ".safetensors"), tensors, meta)
    return name


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    nan, inf = float("nan"), float("inf")
    names = []
    i = 0
    for mode in ["tanh", "relu", "LSTM", "GRU"]:
        for bi in [False, True]:
            for where, value, tag in [("input", nan, "in_nan"), ("input", inf, "in_pinf"),
                                      ("input", -inf, "in_ninf"), ("h0", nan, "h0_nan"),
                                      ("h0", inf, "h0_pinf"), ("weight", nan, "w_nan"), ("weight", -inf, "w_ninf")]:
                for packed in [False, True]:
                    i += 1
                    nm = "%s_%s_%s%s" % (mode.lower(), "bi" if bi else "uni", tag, "_packed" if packed else "")
                    names.append(case(nm, mode, bi=bi, layers=2, where=where, value=value, packed=packed, seed=i))
        if mode == "LSTM":
            for where, value, tag in [("c0", nan, "c0_nan"), ("c0", -inf, "c0_ninf")]:
                i += 1
                names.append(case("lstm_bi_" + tag, mode, bi=True, layers=2, where=where, value=value, seed=i))
            for where, value, tag in [("input", nan, "in_nan"), ("input", inf, "in_pinf"), ("h0", -inf, "h0_ninf")]:
                for packed in [False, True]:
                    i += 1
                    nm = "lstm_proj_bi_%s%s" % (tag, "_packed" if packed else "")
                    names.append(case(nm, mode, bi=True, layers=2, proj=2, where=where, value=value, packed=packed,
                                      seed=i))
    # A poisoned W_hh with the initial state omitted: torch still computes 0 * W_hh at the first step, so a NaN
    # or an infinity in W_hh makes the first output NaN (jrnn skips that product only for a finite W_hh).
    for mode in ["tanh", "relu", "LSTM", "GRU"]:
        for bi in [False, True]:
            for where, value, tag in [("weight", nan, "w_nan"), ("weight", inf, "w_pinf")]:
                for packed in [False, True]:
                    i += 1
                    nm = "%s_%s_%s_noh0%s" % (mode.lower(), "bi" if bi else "uni", tag, "_packed" if packed else "")
                    names.append(case(nm, mode, bi=bi, layers=2, proj=2 if mode == "LSTM" and bi else 0,
                                      where=where, value=value, packed=packed, seed=i, omit_state=True))
    with open(os.path.join(OUTDIR, "index.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    print(len(names), "fixtures in", OUTDIR)


if __name__ == "__main__":
    main()
