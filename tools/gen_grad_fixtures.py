#!/usr/bin/python3
"""Generate the PyTorch gradient (backprop-through-time) fixtures for jrnn's backward tests.

Reuses the safetensors writer, the configuration grids and the naming of ``gen_fixtures.py`` (imported,
not copied). Run from the repository root with the *system* interpreter (Debian's python3-torch 1.13)::

    /usr/bin/python3 tools/gen_grad_fixtures.py

Outputs (float32, see docs/fixtures.md):

* ``src/test/resources/fixtures/rnn_grad/<name>.safetensors`` for every ``nn.RNN`` configuration of
  ``gen_fixtures.rnn_configs()``: the state_dict under torch names, ``input``, ``h0`` (when given),
  the upstream gradients ``grad_output`` / ``grad_h_n`` (each may be absent = zero, see ``loss`` in the
  metadata), torch's ``output`` and ``h_n``, and the gradients ``grad.<param name>``, ``grad.input``
  and ``grad.h0`` (when h0 is given). The loss is ``Σ output⊙G_out + Σ h_n⊙G_h``.
* ``src/test/resources/fixtures/rnncell_grad/<name>.safetensors`` for every ``gen_fixtures.cell_configs()``:
  the same for one ``nn.RNNCell`` step with loss ``Σ h'⊙G``: ``grad_output``, ``grad.<param>``,
  ``grad.input``, ``grad.hx`` (when hx is given).
* ``src/test/resources/fixtures/training/sum_task.safetensors``: a SimpleRNN trained with plain SGD on
  a fixed batch (see ``gen_training``): initial weights, data, targets and torch's loss per step.

Self-checks on every generation: each file is read back bit for bit (``write_checked``), and every
float32 gradient is compared with torch's float64 gradient on the same weights and data (relative to
the tensor's max magnitude; generation fails above 1e-5).
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (the writer, the grids, the names)

GENERATOR = "tools/gen_grad_fixtures.py"
FORMAT_VERSION = "1"
OUT = gf.OUT
MAX_REL_ERR = 1e-5  # torch float32 vs torch float64 gradients, relative to max |g| per tensor

# Which upstream gradients the loss uses: both (most), output only, h_n only, chosen from the fixture
# name (so adding a configuration never changes another file). "Absent" gradients are not in the file.
LOSSES = ("both", "both", "output", "both", "h_n")


def loss_of(name):
    return LOSSES[gf.seed_of("loss_" + name) % len(LOSSES)]


def relerr(a, b):
    """max |a - b| / max |b| (0 for empty or all-zero b with equal a)."""
    if b.numel() == 0:
        return 0.0
    scale = float(b.double().abs().max())
    diff = float((a.double() - b.double()).abs().max())
    return diff if scale == 0 else diff / scale


def torch_rnn_grads(m, x, h0, g_out, g_h):
    """Run the module on (x, h0), backward of Σ out⊙g_out + Σ h_n⊙g_h; returns out, hn, grads dict."""
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    h = None if h0 is None else h0.clone().requires_grad_(True)
    out, hn = m(x) if h is None else m(x, h)
    loss = 0
    if g_out is not None:
        loss = loss + (out * g_out).sum()
    if g_h is not None:
        loss = loss + (hn * g_h).sum()
    loss.backward()
    grads = {}
    for k, p in m.named_parameters():
        grads["grad." + k] = p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
    grads["grad.input"] = x.grad.detach().clone() if x.grad is not None else torch.zeros_like(x)
    if h is not None:
        grads["grad.h0"] = h.grad.detach().clone() if h.grad is not None else torch.zeros_like(h)
    return out.detach(), hn.detach(), grads


# ----------------------------------------------------------------------------- nn.RNN

def gen_rnn_grad(c, outdir):
    name = gf.rnn_name(c)
    for attempt in range(100):
        r = _gen_rnn_grad(c, outdir, name, gf.seed_of("grad_" + name) + attempt)
        if r is not None:
            return r
    raise AssertionError("no non-degenerate seed for " + name)


def _gen_rnn_grad(c, outdir, name, seed):
    torch.manual_seed(seed)
    mode = "RNN_TANH" if c["nl"] == "tanh" else "RNN_RELU"
    kw = dict(num_layers=c["layers"], nonlinearity=c["nl"], bias=c["bias"], batch_first=c["batch_first"],
              dropout=0.0, bidirectional=c["bidir"])
    m = nn.RNN(c["input_size"], c["hidden_size"], **kw)
    m.train()  # dropout is 0: training mode changes nothing but is the mode backward runs in
    D = 2 if c["bidir"] else 1
    L, N, F, H = c["seq"], c["batch"], c["input_size"], c["hidden_size"]
    if c["unbatched"]:
        x = torch.randn(L, F)
        h0 = torch.randn(D * c["layers"], H) if c["h0"] else None
    else:
        x = torch.randn(N, L, F) if c["batch_first"] else torch.randn(L, N, F)
        h0 = torch.randn(D * c["layers"], N, H) if c["h0"] else None
    loss = loss_of(name)
    with torch.no_grad():
        out, hn = m(x) if h0 is None else m(x, h0)
    g_out = torch.randn(out.shape) if loss in ("both", "output") else None
    g_h = torch.randn(hn.shape) if loss in ("both", "h_n") else None
    out, hn, grads = torch_rnn_grads(m, x, h0, g_out, g_h)
    if out.numel() > 0 and (not out.any() or not hn.any()):
        return None  # all-zero relu output: useless, try the next seed

    # float64 torch on the same weights and data
    m64 = nn.RNN(F, H, **kw).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    _, _, g64 = torch_rnn_grads(m64, x.double(), None if h0 is None else h0.double(),
                                None if g_out is None else g_out.double(), None if g_h is None else g_h.double())
    err = max(relerr(grads[k], g64[k]) for k in grads)
    assert err <= MAX_REL_ERR, (name, err)

    tensors = dict(m.state_dict())
    tensors["input"] = x
    if h0 is not None:
        tensors["h0"] = h0
    if g_out is not None:
        tensors["grad_output"] = g_out
    if g_h is not None:
        tensors["grad_h_n"] = g_h
    tensors["output"] = out
    tensors["h_n"] = hn
    tensors.update(grads)
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": gf.s(seed),
        "generator": GENERATOR, "module": "RNN", "mode": mode,
        "input_size": gf.s(F), "hidden_size": gf.s(H), "num_layers": gf.s(c["layers"]),
        "nonlinearity": c["nl"], "bias": gf.s(c["bias"]), "batch_first": gf.s(c["batch_first"]),
        "dropout": gf.s(0.0), "bidirectional": gf.s(c["bidir"]), "unbatched": gf.s(c["unbatched"]),
        "h0_given": gf.s(c["h0"]), "seq_len": gf.s(L), "batch_size": gf.s(1 if c["unbatched"] else N),
        "loss": loss,
    }
    gf.write_checked(os.path.join(outdir, name + ".safetensors"),
                     {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err


def extra_rnn_configs():
    """Gradient-specific additions to the forward grid: longer sequences at a moderate size."""
    base = dict(nl="tanh", layers=1, bidir=False, bias=True, batch_first=False, unbatched=False,
                batch=3, seq=6, input_size=5, hidden_size=7, h0=True)
    cs = []
    for kw in (dict(seq=101, batch=4, input_size=6, hidden_size=9, layers=2, bidir=True, batch_first=True),
               dict(seq=110, batch=2, input_size=3, hidden_size=8, nl="relu", layers=2)):
        c = dict(base)
        c.update(kw)
        cs.append(c)
    return cs


# ----------------------------------------------------------------------------- nn.RNNCell

def gen_cell_grad(c, outdir):
    name = gf.cell_name(c)
    for attempt in range(100):
        r = _gen_cell_grad(c, outdir, name, gf.seed_of("grad_" + name) + attempt)
        if r is not None:
            return r
    raise AssertionError("no non-degenerate seed for " + name)


def _cell_grads(m, x, hx, g):
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    h = None if hx is None else hx.clone().requires_grad_(True)
    out = m(x) if h is None else m(x, h)
    (out * g).sum().backward()
    grads = {"grad." + k: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p))
             for k, p in m.named_parameters()}
    grads["grad.input"] = x.grad.detach().clone()
    if h is not None:
        grads["grad.hx"] = h.grad.detach().clone()
    return out.detach(), grads


def _gen_cell_grad(c, outdir, name, seed):
    torch.manual_seed(seed)
    m = nn.RNNCell(c["input_size"], c["hidden_size"], bias=c["bias"], nonlinearity=c["nl"])
    N, F, H = c["batch"], c["input_size"], c["hidden_size"]
    x = torch.randn(F) if c["unbatched"] else torch.randn(N, F)
    hx = (torch.randn(H) if c["unbatched"] else torch.randn(N, H)) if c["hx"] else None
    g = torch.randn(H) if c["unbatched"] else torch.randn(N, H)
    out, grads = _cell_grads(m, x, hx, g)
    if out.numel() > 0 and not out.any():
        return None
    m64 = nn.RNNCell(F, H, bias=c["bias"], nonlinearity=c["nl"]).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    _, g64 = _cell_grads(m64, x.double(), None if hx is None else hx.double(), g.double())
    err = max(relerr(grads[k], g64[k]) for k in grads)
    assert err <= MAX_REL_ERR, (name, err)
    tensors = dict(m.state_dict())
    tensors["input"] = x
    if hx is not None:
        tensors["hx"] = hx
    tensors["output"] = out
    tensors["grad_output"] = g
    tensors.update(grads)
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": gf.s(seed),
        "generator": GENERATOR, "module": "RNNCell",
        "mode": "RNN_TANH" if c["nl"] == "tanh" else "RNN_RELU",
        "input_size": gf.s(F), "hidden_size": gf.s(H), "nonlinearity": c["nl"], "bias": gf.s(c["bias"]),
        "unbatched": gf.s(c["unbatched"]), "hx_given": gf.s(c["hx"]),
        "batch_size": gf.s(1 if c["unbatched"] else N),
    }
    gf.write_checked(os.path.join(outdir, name + ".safetensors"),
                     {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err


# ----------------------------------------------------------------------------- end-to-end training

TRAIN_STEPS = 600
TRAIN_LR = 0.05


def gen_training(outdir):
    """A SimpleRNN nn.RNN(1, 8) learns y = 0.1·Σ_t x_t from its final state's unit 0.

    Fixed batch of 64 sequences of length 8, x ~ U(-1, 1); loss = mean_n (h_n[0, n, 0] - y_n)²;
    full-batch plain SGD (lr 0.05), 600 steps. Stores the initial weights, the data, the targets and the
    loss before every step (loss[i] is computed with the weights after i updates).
    """
    seed = gf.seed_of("training_sum_task")
    torch.manual_seed(seed)
    m = nn.RNN(1, 8)
    init = {k: v.detach().clone() for k, v in m.state_dict().items()}
    L, N = 8, 64
    x = torch.rand(L, N, 1) * 2 - 1
    y = 0.1 * x.sum(dim=0).squeeze(-1)  # (N,)
    opt = torch.optim.SGD(m.parameters(), lr=TRAIN_LR)
    losses = []
    for _ in range(TRAIN_STEPS):
        opt.zero_grad()
        _, hn = m(x)
        loss = ((hn[0, :, 0] - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
    losses = torch.tensor(losses, dtype=torch.float32)
    tensors = {**init, "input": x, "target": y, "loss": losses}
    meta = {"format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": gf.s(seed),
            "generator": GENERATOR, "module": "RNN", "input_size": "1", "hidden_size": "8",
            "steps": gf.s(TRAIN_STEPS), "lr": gf.s(TRAIN_LR),
            "task": "y = 0.1 * sum_t x_t from h_n[0, :, 0]; loss = mean squared error; full-batch SGD"}
    gf.write_checked(os.path.join(outdir, "sum_task.safetensors"),
                     {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return float(losses[0]), float(losses[-1])


# ----------------------------------------------------------------------------- main

def write_index(outdir, names, what):
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.write(f"# {what} fixtures written by {GENERATOR}; one name per line, file <name>.safetensors\n")
        for n in names:
            f.write(n + "\n")


def main():
    torch.set_num_threads(1)
    for sub in ("rnn_grad", "rnncell_grad", "training"):
        os.makedirs(os.path.join(OUT, sub), exist_ok=True)

    rnn_dir = os.path.join(OUT, "rnn_grad")
    names, worst = [], 0.0
    kinds = {k: 0 for k in LOSSES}
    for c in gf.rnn_configs() + extra_rnn_configs():
        n, e = gen_rnn_grad(c, rnn_dir)
        kinds[loss_of(n)] += 1
        assert n not in names, "duplicate fixture name " + n
        names.append(n)
        worst = max(worst, e)
        print(f"rnn_grad     {n:60s} max rel |torch f32 - f64| = {e:.3e}")
    write_index(rnn_dir, names, "nn.RNN gradient")
    print(f"{len(names)} RNN gradient fixtures (loss through {kinds}), worst float32 vs float64 torch: {worst:.3e}")

    cell_dir = os.path.join(OUT, "rnncell_grad")
    cnames, cworst = [], 0.0
    for c in gf.cell_configs():
        n, e = gen_cell_grad(c, cell_dir)
        cnames.append(n)
        cworst = max(cworst, e)
        print(f"rnncell_grad {n:60s} max rel |torch f32 - f64| = {e:.3e}")
    write_index(cell_dir, cnames, "nn.RNNCell gradient")
    print(f"{len(cnames)} RNNCell gradient fixtures, worst float32 vs float64 torch: {cworst:.3e}")

    first, last = gen_training(os.path.join(OUT, "training"))
    print(f"training/sum_task.safetensors: loss {first:.4f} -> {last:.5f} after {TRAIN_STEPS} SGD steps")


if __name__ == "__main__":
    main()
