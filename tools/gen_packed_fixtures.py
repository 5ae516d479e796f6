#!/usr/bin/python3
"""Generate the PyTorch fixtures of variable-length (packed) batches for jrnn's packed tests.

Reuses the safetensors writer, ``seed_of`` and the gradient helper of ``gen_fixtures.py`` (imported,
not copied). Run from the repository root with the *system* interpreter (Debian's python3-torch 1.13)::

    /usr/bin/python3 tools/gen_packed_fixtures.py

Output: ``src/test/resources/fixtures/packed/<name>.safetensors`` (float32, see docs/fixtures.md) and
``index.txt``. Each file holds, for one ``nn.RNN``/``nn.LSTM``/``nn.GRU`` configuration run on
``pack_padded_sequence(input, lengths, batch_first, enforce_sorted)``:

* the state_dict under torch names, the padded ``input`` (batch-first when ``batch_first``),
  ``h0``/``c0`` (original batch order, when given);
* torch's ``packed.data``; ``batch_sizes``, ``sorted_indices`` and ``lengths`` in the metadata
  (comma-separated; ``sorted_indices`` empty when None);
* the upstream gradients ``grad_output_data`` (of the packed output data), ``grad_h_n``, ``grad_c_n``;
* torch's ``output.data`` (packed), ``output.padded`` (``pad_packed_sequence`` with the module's
  ``batch_first`` and ``total_length`` = the input's length), ``h_n``, ``c_n``;
* the gradients ``grad.<param>``, ``grad.input`` (of the padded input: exactly 0 past each length),
  ``grad.h0``, ``grad.c0``. The loss is ``Σ out.data⊙G + Σ h_n⊙G_h (+ Σ c_n⊙G_c)``.

Self-checks: each file is read back bit for bit; float32 gradients are compared with float64 torch on
the same weights (relative to max |g|, at most 1e-5); the packed forward is compared with running each
sequence alone (float64, at most 1e-12); padded input gradients must be exactly 0.
"""

import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402

GENERATOR = "tools/gen_packed_fixtures.py"
FORMAT_VERSION = "1"
OUTDIR = os.path.join(gf.OUT, "packed")


def configs():
    """(mode, proj, layers, bidir, batch_first, enforce_sorted, lengths, T, h0)."""
    out = []
    modes = (("RNN_TANH", 0), ("RNN_RELU", 0), ("LSTM", 0), ("LSTM", 2), ("GRU", 0))
    for mode, proj in modes:
        for layers in (1, 2):
            for bidir in (False, True):
                unsorted = (layers + bidir) % 2 == 1
                lengths = [2, 5, 3, 3] if unsorted else [5, 3, 3, 1]   # ties in both
                out.append(dict(mode=mode, proj=proj, layers=layers, bidir=bidir,
                                batch_first=(layers == 2), enforce_sorted=not unsorted,
                                lengths=lengths, T=6 if bidir else 5, h0=(layers == 1 or bidir)))
    return out


def name_of(c):
    m = c["mode"].lower() + (f"_proj{c['proj']}" if c["proj"] else "")
    name = (f"{m}_l{c['layers']}_{'bi' if c['bidir'] else 'uni'}_{'bf' if c['batch_first'] else 'tm'}_"
            f"{'sorted' if c['enforce_sorted'] else 'unsorted'}_{'h0' if c['h0'] else 'zero'}")
    if "F" in c:  # sizes other than the grid's (tools/fuzz_conformance.py)
        name += f"_f{c['F']}_h{c['H']}_n{len(c['lengths'])}_t{c['T']}"
    return name


def build(c, F, H):
    kw = dict(num_layers=c["layers"], batch_first=c["batch_first"], bidirectional=c["bidir"])
    if c["mode"] == "LSTM":
        return nn.LSTM(F, H, proj_size=c["proj"], **kw)
    if c["mode"] == "GRU":
        return nn.GRU(F, H, **kw)
    return nn.RNN(F, H, nonlinearity="tanh" if c["mode"] == "RNN_TANH" else "relu", **kw)


def run(m, c, x, h0, c0, g_out, g_h, g_c):
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    lstm = isinstance(m, nn.LSTM)
    h = None if h0 is None else h0.clone().requires_grad_(True)
    cc = None if c0 is None else c0.clone().requires_grad_(True)
    p = pack_padded_sequence(x, torch.tensor(c["lengths"]), batch_first=c["batch_first"],
                             enforce_sorted=c["enforce_sorted"])
    if lstm:
        out, (hn, cn) = m(p) if h is None else m(p, (h, cc))
    else:
        out, hn = m(p) if h is None else m(p, h)
        cn = None
    loss = (out.data * g_out).sum() + (hn * g_h).sum()
    if g_c is not None:
        loss = loss + (cn * g_c).sum()
    loss.backward()
    grads = {"grad." + k: q.grad.detach().clone() for k, q in m.named_parameters()}
    grads["grad.input"] = x.grad.detach().clone()
    if h is not None:
        grads["grad.h0"] = h.grad.detach().clone()
    if cc is not None:
        grads["grad.c0"] = cc.grad.detach().clone()
    return p, out, hn.detach(), None if cn is None else cn.detach(), grads


def gen(c):
    name = name_of(c)
    seed = gf.seed_of(name)
    torch.manual_seed(seed)
    F, H, N, T = c.get("F", 3), c.get("H", 4), len(c["lengths"]), c["T"]
    lstm = c["mode"] == "LSTM"
    m = build(c, F, H)
    D = 2 if c["bidir"] else 1
    S = D * c["layers"]
    HO = c["proj"] or H
    x = torch.randn(N, T, F) if c["batch_first"] else torch.randn(T, N, F)
    h0 = torch.randn(S, N, HO) if c["h0"] else None
    c0 = torch.randn(S, N, H) if c["h0"] and lstm else None
    total = sum(c["lengths"])
    g_out = torch.randn(total, D * HO)
    g_h = torch.randn(S, N, HO)
    g_c = torch.randn(S, N, H) if lstm else None
    p, out, hn, cn, grads = run(m, c, x, h0, c0, g_out, g_h, g_c)
    padded, lens = pad_packed_sequence(out, batch_first=c["batch_first"], total_length=T)
    assert lens.tolist() == c["lengths"], name

    # float64 torch gradients on the same weights
    m64 = build(c, F, H).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    _, out64, hn64, cn64, g64 = run(m64, c, x.double(), None if h0 is None else h0.double(),
                                    None if c0 is None else c0.double(), g_out.double(), g_h.double(),
                                    None if g_c is None else g_c.double())
    gerr = max(gf._relerr(grads[k], g64[k]) for k in grads)
    assert gerr <= gf.MAX_GRAD_REL_ERR, (name, gerr)
    # every sequence alone (float64): output prefix and h_n / c_n
    xt = x.double().transpose(0, 1) if c["batch_first"] else x.double()
    pad64, _ = pad_packed_sequence(out64, total_length=T)
    err = 0.0
    for i, L in enumerate(c["lengths"]):
        xi = xt[:L, i:i + 1]
        hi = torch.zeros(S, 1, HO, dtype=torch.float64) if h0 is None else h0.double()[:, i:i + 1]
        if lstm:
            ci = torch.zeros(S, 1, H, dtype=torch.float64) if c0 is None else c0.double()[:, i:i + 1]
            oi, (hni, cni) = m64(xi.transpose(0, 1) if c["batch_first"] else xi, (hi, ci))
            err = max(err, gf.maxerr(cni[:, 0], cn64[:, i]))
        else:
            oi, hni = m64(xi.transpose(0, 1) if c["batch_first"] else xi, hi)
        oi = oi[0] if c["batch_first"] else oi[:, 0]
        err = max(err, gf.maxerr(oi.detach(), pad64[:L, i].detach()), gf.maxerr(hni[:, 0].detach(), hn64[:, i]))
    assert err <= 1e-12, (name, err)
    gi = grads["grad.input"]
    gtm = gi.transpose(0, 1) if c["batch_first"] else gi
    for i, L in enumerate(c["lengths"]):
        assert bool((gtm[L:, i] == 0).all()), name

    tensors = dict(m.state_dict())
    tensors["input"] = x
    if h0 is not None:
        tensors["h0"] = h0
        if lstm:
            tensors["c0"] = c0
    tensors["packed.data"] = p.data.detach()
    tensors["grad_output_data"] = g_out
    tensors["grad_h_n"] = g_h
    if lstm:
        tensors["grad_c_n"] = g_c
    tensors["output.data"] = out.data.detach()
    tensors["output.padded"] = padded.detach()
    tensors["h_n"] = hn
    if lstm:
        tensors["c_n"] = cn
    tensors.update(grads)
    csv = lambda v: ",".join(str(int(a)) for a in v)  # noqa: E731
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": gf.s(seed),
        "generator": GENERATOR, "mode": c["mode"], "input_size": gf.s(F), "hidden_size": gf.s(H),
        "num_layers": gf.s(c["layers"]), "batch_first": gf.s(c["batch_first"]),
        "bidirectional": gf.s(c["bidir"]), "proj_size": gf.s(c["proj"]),
        "enforce_sorted": gf.s(c["enforce_sorted"]), "h0_given": gf.s(c["h0"]), "seq_len": gf.s(T),
        "lengths": csv(c["lengths"]), "batch_sizes": csv(p.batch_sizes),
        "sorted_indices": "" if p.sorted_indices is None else csv(p.sorted_indices),
    }
    gf.write_checked(os.path.join(OUTDIR, name + ".safetensors"),
                     {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, gerr, err


def main():
    torch.set_num_threads(1)
    os.makedirs(OUTDIR, exist_ok=True)
    names = []
    for c in configs():
        n, gerr, err = gen(c)
        assert n not in names, n
        names.append(n)
        print(f"{n:50s} grad f32 vs f64 {gerr:.3e}  packed vs alone (f64) {err:.3e}")
    with open(os.path.join(OUTDIR, "index.txt"), "w") as f:
        f.write(f"# packed nn.RNN/LSTM/GRU fixtures written by {GENERATOR}; one name per line\n")
        for n in names:
            f.write(n + "\n")
    print(f"{len(names)} packed fixtures")


if __name__ == "__main__":
    main()
