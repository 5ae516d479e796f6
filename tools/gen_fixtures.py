#!/usr/bin/python3
"""Generate the PyTorch golden fixtures for jrnn's conformance tests.

Requirements (Debian 12): ``apt-get install -y python3-torch libopenblas0-pthread``
(torch 1.13.1, reporting itself as ``1.13.0a0``; numpy comes with it). There is no
``safetensors`` Python package on Debian, so this script writes and reads the format itself
(``st_write`` / ``st_read`` below, about 20 lines each).

Run from the repository root with the *system* interpreter::

    /usr/bin/python3 tools/gen_fixtures.py

Outputs (all float32 unless noted, little-endian, see docs/fixtures.md):

* ``src/test/resources/fixtures/rnn/<name>.safetensors``: ``nn.RNN`` state_dict under torch names,
  ``input``, ``h0`` (when given), ``output``, ``h_n``; ``index.txt`` lists the names.
* ``src/test/resources/fixtures/rnncell/<name>.safetensors``: ``nn.RNNCell`` state_dict, ``input``,
  ``hx`` (when given), ``output``; ``index.txt`` lists the names.
* ``src/test/resources/fixtures/io/dtypes.safetensors``: the same values stored as F32, F64, F16,
  BF16 and I64 plus torch's own float32 conversions, for the reader's dtype tests.

Everything is deterministic: every fixture seeds torch's global generator with a seed derived from
its name (CRC-32 of the name, plus 1, 2, ... while a ReLU output comes out all zero), builds the module with default init, switches to eval mode and draws its inputs
from N(0, 1). Bumping FORMAT_VERSION is the only sanctioned way to change the layout.

Self-checks, run on every generation: each file is read back with ``st_read`` and compared bit for
bit with what was written, and each output is compared with the float64 reference implementation
of the spec's Appendix A (the maximum error is printed; generation fails above 1e-5).
"""

import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn

FORMAT_VERSION = "1"
GENERATOR = "tools/gen_fixtures.py"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MAX_ABS_ERR = 1e-5  # float32 torch vs float64 reference, spec section 9

assert sys.byteorder == "little", "fixtures are written in native (little-endian) byte order"

# ----------------------------------------------------------------------------- safetensors I/O

_DTYPES = {  # safetensors dtype -> (torch dtype, element size)
    "F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8),
}
_BY_TORCH = {v[0]: k for k, v in _DTYPES.items()}


def _raw(t):
    """Row-major little-endian bytes of a tensor (bf16 goes through int16: numpy lacks it)."""
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def st_write(path, tensors, metadata):
    """Write an ordered {name: tensor} dict as safetensors, back to back in dict order."""
    header, blobs, off = {"__metadata__": dict(metadata)}, [], 0
    for name, t in tensors.items():
        b = _raw(t)
        header[name] = {"dtype": _BY_TORCH[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def st_read(path):
    """Read a safetensors file into ({name: tensor}, metadata), in header order."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta, data, out = header.pop("__metadata__", {}), buf[8 + n:], {}
    for name, e in header.items():
        dt, size = _DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        raw = bytearray(data[b:end])
        assert len(raw) == size * int(np.prod(e["shape"], dtype=np.int64)), name
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    return out, meta


def write_checked(path, tensors, metadata):
    st_write(path, tensors, metadata)
    back, meta = st_read(path)
    assert meta == metadata, path
    assert list(back) == list(tensors), path
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and back[k].shape == t.shape, (path, k)
        assert _raw(back[k]) == _raw(t), (path, k)


# ----------------------------------------------------------------------------- spec Appendix A

def ref_cell(mode, x, h, c, p):
    gi = x @ p['w_ih'].T + (p['b_ih'] if p['b_ih'] is not None else 0)
    gh = h @ p['w_hh'].T + (p['b_hh'] if p['b_hh'] is not None else 0)
    if mode == 'RNN_TANH':
        return torch.tanh(gi + gh), None
    if mode == 'RNN_RELU':
        return torch.relu(gi + gh), None
    if mode == 'GRU':
        ir, iz, i_n = gi.chunk(3, -1)
        hr, hz, h_n = gh.chunk(3, -1)
        r = torch.sigmoid(ir + hr)
        z = torch.sigmoid(iz + hz)
        n = torch.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h, None
    if mode == 'LSTM':
        i, f, g, o = (gi + gh).chunk(4, -1)
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h2 = torch.sigmoid(o) * torch.tanh(c2)
        if p.get('w_hr') is not None:
            h2 = h2 @ p['w_hr'].T
        return h2, c2
    raise ValueError(mode)


def ref_run(m, x, h0, c0):  # x: (L, N, F); h0/c0: (layers*D, N, .)
    D = 2 if m.bidirectional else 1
    L = x.shape[0]
    inp, hn, cn = x, [], []
    for layer in range(m.num_layers):
        outs = []
        for d in range(D):
            def g(n):
                return getattr(m, f'{n}_l{layer}' + ('_reverse' if d else ''), None)
            p = {k: (None if g(n) is None else g(n).detach()) for k, n in
                 [('w_ih', 'weight_ih'), ('w_hh', 'weight_hh'), ('b_ih', 'bias_ih'),
                  ('b_hh', 'bias_hh'), ('w_hr', 'weight_hr')]}
            h, c = h0[layer * D + d], c0[layer * D + d]
            out = [None] * L
            for t in (range(L) if d == 0 else range(L - 1, -1, -1)):
                h, c2 = ref_cell(m.mode, inp[t], h, c, p)
                c = c if c2 is None else c2
                out[t] = h
            outs.append(torch.stack(out))
            hn.append(h)
            cn.append(c)
        inp = torch.cat(outs, -1)
    return inp, torch.stack(hn), torch.stack(cn)


# ----------------------------------------------------------------------------- helpers

def s(v):
    """Metadata value: booleans as lower-case true/false, everything else str()."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def seed_of(name):
    return zlib.crc32(name.encode("ascii")) & 0x7FFFFFFF


def maxerr(a, b):
    return 0.0 if a.numel() == 0 else float((a.double() - b.double()).abs().max())


# ----------------------------------------------------------------------------- nn.RNN

def rnn_name(c):
    return "_".join([
        c["nl"], f"l{c['layers']}", "bi" if c["bidir"] else "uni",
        "bias" if c["bias"] else "nobias",
        "unb" if c["unbatched"] else ("bf" if c["batch_first"] else "tm") + f"_n{c['batch']}",
        f"s{c['seq']}", f"i{c['input_size']}", f"h{c['hidden_size']}",
        "h0" if c["h0"] else "noh0"])


def rnn_configs():
    base = dict(nl="tanh", layers=1, bidir=False, bias=True, batch_first=False, unbatched=False,
                batch=3, seq=6, input_size=5, hidden_size=7, h0=True)
    cs = []

    def add(**kw):
        c = dict(base)
        c.update(kw)
        cs.append(c)

    # 24: full grid of nonlinearity x layers x direction, twice, with bias / batch_first / h0
    # flipped between the two halves (and batch 1 in half of the second half).
    for nl in ("tanh", "relu"):
        for layers in (1, 2, 3):
            for bidir in (False, True):
                add(nl=nl, layers=layers, bidir=bidir)
                add(nl=nl, layers=layers, bidir=bidir, bias=False, batch_first=True, h0=False,
                    batch=1 if layers != 2 else 4, input_size=13, hidden_size=7)
    # 8: unbatched (2-D input, 2-D h0), batch_first set or not (it must be ignored)
    for nl in ("tanh", "relu"):
        for bidir in (False, True):
            add(nl=nl, bidir=bidir, unbatched=True, layers=2, h0=True, batch_first=bidir)
            add(nl=nl, bidir=bidir, unbatched=True, layers=1, h0=False, bias=False, seq=9)
    # 6: sequence length 1
    add(seq=1)
    add(seq=1, bidir=True, layers=2, nl="relu")
    add(seq=1, unbatched=True, bidir=True)
    add(seq=1, batch=1, h0=False, batch_first=True)
    add(seq=1, batch=1, unbatched=False, layers=3, bidir=True, bias=False)
    add(seq=1, unbatched=True, nl="relu", h0=False)
    # 5: long sequences (>= 100) with small hidden sizes
    add(seq=120, batch=2, input_size=2, hidden_size=3)
    add(seq=150, batch=2, input_size=3, hidden_size=4, layers=2, bidir=True, nl="relu")
    add(seq=100, batch=1, input_size=2, hidden_size=3, batch_first=True, h0=False, bidir=True)
    add(seq=128, unbatched=True, input_size=4, hidden_size=5, layers=2)
    add(seq=200, batch=3, input_size=1, hidden_size=2, layers=3, bias=False, nl="relu")
    # 7: size-1 features
    add(input_size=1, hidden_size=1)
    add(input_size=1, hidden_size=7, bidir=True, layers=2)
    add(input_size=5, hidden_size=1, bidir=True, layers=3, nl="relu")
    add(input_size=1, hidden_size=1, unbatched=True, h0=False)
    add(input_size=1, hidden_size=1, batch=1, seq=1, bias=False)
    add(input_size=13, hidden_size=13, batch=7, layers=2, bidir=True)
    add(input_size=7, hidden_size=13, batch=5, seq=11, nl="relu", batch_first=True, layers=3)
    # 4: batch size 0 (output shapes only: empty tensors)
    add(batch=0)
    add(batch=0, bidir=True, layers=2, h0=False)
    add(batch=0, batch_first=True, nl="relu")
    add(batch=0, batch_first=True, bidir=True, bias=False, h0=False)
    # 1: the network of spec section 9 (checklist 111): 2-layer bidirectional tanh, input 32,
    # hidden 64, seq 50, batch 4, default init, h0 omitted
    add(layers=2, bidir=True, input_size=32, hidden_size=64, seq=50, batch=4, h0=False)
    return cs


def gen_rnn(c, outdir):
    name = rnn_name(c)
    for attempt in range(100):
        r = _gen_rnn(c, outdir, name, seed_of(name) + attempt)
        if r is not None:
            return r
    raise AssertionError("no non-degenerate seed for " + name)


def _gen_rnn(c, outdir, name, seed):
    torch.manual_seed(seed)
    mode = "RNN_TANH" if c["nl"] == "tanh" else "RNN_RELU"
    m = nn.RNN(c["input_size"], c["hidden_size"], num_layers=c["layers"], nonlinearity=c["nl"],
               bias=c["bias"], batch_first=c["batch_first"], dropout=0.0,
               bidirectional=c["bidir"])
    m.eval()
    D = 2 if c["bidir"] else 1
    L, N, F, H = c["seq"], c["batch"], c["input_size"], c["hidden_size"]
    if c["unbatched"]:
        x = torch.randn(L, F)
        h0 = torch.randn(D * c["layers"], H) if c["h0"] else None
    else:
        x = torch.randn(N, L, F) if c["batch_first"] else torch.randn(L, N, F)
        h0 = torch.randn(D * c["layers"], N, H) if c["h0"] else None
    with torch.no_grad():
        out, hn = m(x) if h0 is None else m(x, h0)
    if out.numel() > 0 and (not out.any() or not hn.any()):
        return None  # all-zero relu output: a useless fixture, try the next seed

    # float64 reference (Appendix A) on the same weights, in batched time-major layout
    m64 = nn.RNN(F, H, num_layers=c["layers"], nonlinearity=c["nl"], bias=c["bias"],
                 bidirectional=c["bidir"]).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    xb = x.unsqueeze(1) if c["unbatched"] else (x.transpose(0, 1) if c["batch_first"] else x)
    nb = 1 if c["unbatched"] else N
    hb = (torch.zeros(D * c["layers"], nb, H) if h0 is None
          else (h0.unsqueeze(1) if c["unbatched"] else h0))
    with torch.no_grad():
        ro, rh, _ = ref_run(m64, xb.double(), hb.double(), torch.zeros_like(hb).double())
    if c["unbatched"]:
        ro, rh = ro.squeeze(1), rh.squeeze(1)
    elif c["batch_first"]:
        ro = ro.transpose(0, 1)
    assert ro.shape == out.shape and rh.shape == hn.shape, name
    err = max(maxerr(out, ro), maxerr(hn, rh))
    assert err <= MAX_ABS_ERR, (name, err)

    tensors = dict(m.state_dict())
    tensors["input"] = x
    if h0 is not None:
        tensors["h0"] = h0
    tensors["output"] = out
    tensors["h_n"] = hn
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": s(seed),
        "generator": GENERATOR, "module": "RNN", "mode": mode,
        "input_size": s(F), "hidden_size": s(H), "num_layers": s(c["layers"]),
        "nonlinearity": c["nl"], "bias": s(c["bias"]), "batch_first": s(c["batch_first"]),
        "dropout": s(0.0), "bidirectional": s(c["bidir"]), "unbatched": s(c["unbatched"]),
        "h0_given": s(c["h0"]), "seq_len": s(L), "batch_size": s(1 if c["unbatched"] else N),
    }
    write_checked(os.path.join(outdir, name + ".safetensors"),
                  {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err


# ----------------------------------------------------------------------------- nn.RNNCell

def cell_name(c):
    return "_".join([
        "cell", c["nl"], "bias" if c["bias"] else "nobias",
        "unb" if c["unbatched"] else f"n{c['batch']}",
        f"i{c['input_size']}", f"h{c['hidden_size']}", "hx" if c["hx"] else "nohx"])


def cell_configs():
    cs = []
    for nl in ("tanh", "relu"):
        for bias in (True, False):
            for unbatched in (False, True):
                for hx in (True, False):
                    cs.append(dict(nl=nl, bias=bias, unbatched=unbatched, hx=hx, batch=3,
                                   input_size=5, hidden_size=7))
    base = dict(nl="tanh", bias=True, unbatched=False, hx=True, batch=3, input_size=5,
                hidden_size=7)
    for kw in (dict(batch=1), dict(batch=0), dict(batch=0, hx=False, nl="relu"),
               dict(input_size=1, hidden_size=1), dict(input_size=13, hidden_size=1, nl="relu"),
               dict(input_size=1, hidden_size=13, unbatched=True)):
        c = dict(base)
        c.update(kw)
        cs.append(c)
    return cs


def gen_cell(c, outdir):
    name = cell_name(c)
    for attempt in range(100):
        r = _gen_cell(c, outdir, name, seed_of(name) + attempt)
        if r is not None:
            return r
    raise AssertionError("no non-degenerate seed for " + name)


def _gen_cell(c, outdir, name, seed):
    torch.manual_seed(seed)
    m = nn.RNNCell(c["input_size"], c["hidden_size"], bias=c["bias"], nonlinearity=c["nl"])
    m.eval()
    N, F, H = c["batch"], c["input_size"], c["hidden_size"]
    x = torch.randn(F) if c["unbatched"] else torch.randn(N, F)
    hx = (torch.randn(H) if c["unbatched"] else torch.randn(N, H)) if c["hx"] else None
    with torch.no_grad():
        out = m(x) if hx is None else m(x, hx)
        if out.numel() > 0 and not out.any():
            return None  # all-zero relu output: a useless fixture, try the next seed
        p = {"w_ih": m.weight_ih.double(), "w_hh": m.weight_hh.double(),
             "b_ih": None if m.bias_ih is None else m.bias_ih.double(),
             "b_hh": None if m.bias_hh is None else m.bias_hh.double()}
        h = torch.zeros_like(out).double() if hx is None else hx.double()
        ref, _ = ref_cell("RNN_TANH" if c["nl"] == "tanh" else "RNN_RELU", x.double(), h, None, p)
    assert ref.shape == out.shape, name
    err = maxerr(out, ref)
    assert err <= MAX_ABS_ERR, (name, err)

    tensors = dict(m.state_dict())
    tensors["input"] = x
    if hx is not None:
        tensors["hx"] = hx
    tensors["output"] = out
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": s(seed),
        "generator": GENERATOR, "module": "RNNCell",
        "mode": "RNN_TANH" if c["nl"] == "tanh" else "RNN_RELU",
        "input_size": s(F), "hidden_size": s(H), "nonlinearity": c["nl"], "bias": s(c["bias"]),
        "unbatched": s(c["unbatched"]), "hx_given": s(c["hx"]),
        "batch_size": s(1 if c["unbatched"] else N),
    }
    write_checked(os.path.join(outdir, name + ".safetensors"),
                  {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err


# ----------------------------------------------------------------------------- io dtypes

def gen_dtypes(outdir):
    """Same values in several dtypes plus torch's float32 conversion of each (`<dtype>_as_f32`)."""
    seed = seed_of("dtypes")
    torch.manual_seed(seed)
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 1e-8, 6.1e-5, 5.96e-8, 3e-8,
                            float("inf"), float("-inf"), float("nan"), 1.0 / 3.0, 3.4e38, 1e-45],
                           dtype=torch.float64)
    f64 = torch.cat([special, torch.randn(16, dtype=torch.float64) * 10]).reshape(4, 8)
    t = {
        "f32": f64.float(),
        "f64": f64,
        "f64_as_f32": f64.float(),
        "f16": f64.half(),
        "f16_as_f32": f64.half().float(),
        "bf16": f64.bfloat16(),
        "bf16_as_f32": f64.bfloat16().float(),
        "i64": torch.tensor([0, 1, -1, 2 ** 53 + 1, -(2 ** 63), 2 ** 63 - 1], dtype=torch.int64),
        "scalar": torch.tensor(1.5, dtype=torch.float32),
        "empty": torch.zeros(2, 0, 3, dtype=torch.float32),
    }
    meta = {"format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": s(seed),
            "generator": GENERATOR, "format": "pt"}
    write_checked(os.path.join(outdir, "dtypes.safetensors"), t, meta)


# ----------------------------------------------------------------------------- nn.LSTM / nn.GRU

# Which upstream gradients the loss uses, cycling over the configurations. The loss is
# sum(output*G_out) + sum(h_n*G_h) (+ sum(c_n*G_c) for LSTM) over the named terms.
GATED_LOSSES = ("all", "all", "output", "all", "h_n", "c_n")
MAX_GRAD_REL_ERR = 1e-5  # torch float32 vs torch float64 gradients, relative to max |g| per tensor


def gated_name(mode, c):
    return "_".join([
        mode.lower(), f"l{c['layers']}", "bi" if c["bidir"] else "uni",
        "bias" if c["bias"] else "nobias",
        "unb" if c["unbatched"] else ("bf" if c["batch_first"] else "tm") + f"_n{c['batch']}",
        f"s{c['seq']}", f"i{c['input_size']}", f"h{c['hidden_size']}"]
        + ([f"p{c['proj']}"] if c.get("proj", 0) else []) + ["h0" if c["h0"] else "noh0"])


def gated_configs(mode):
    base = dict(layers=1, bidir=False, bias=True, batch_first=False, unbatched=False,
                batch=3, seq=5, input_size=5, hidden_size=6, h0=True, proj=0)
    cs = []
    lstm = mode == "LSTM"

    def add(**kw):
        c = dict(base)
        c.update(kw)
        if not lstm:
            c["proj"] = 0
        cs.append(c)

    # 12: layers x direction, twice, with bias / batch_first / h0 / proj flipped between the halves
    for layers in (1, 2, 3):
        for bidir in (False, True):
            add(layers=layers, bidir=bidir, proj=3 if lstm and layers != 3 else 0)
            add(layers=layers, bidir=bidir, bias=False, batch_first=True, h0=False,
                batch=1 if layers != 2 else 4, input_size=7, hidden_size=5, proj=2 if lstm and layers != 1 else 0)
    # 6: unbatched (batch_first set or not: it must be ignored)
    for bidir in (False, True):
        add(bidir=bidir, unbatched=True, layers=2, h0=True, batch_first=bidir, proj=2)
        add(bidir=bidir, unbatched=True, layers=1, h0=False, bias=False, seq=8)
        add(bidir=bidir, unbatched=True, layers=1, h0=True, seq=3, proj=4 if bidir else 1)
    # 5: sequence length 1
    add(seq=1)
    add(seq=1, bidir=True, layers=2, proj=1)
    add(seq=1, unbatched=True, bidir=True)
    add(seq=1, batch=1, h0=False, batch_first=True, proj=3)
    add(seq=1, batch=1, layers=3, bidir=True, bias=False)
    # 4: long sequences (>= 100) with small sizes
    add(seq=120, batch=2, input_size=2, hidden_size=3)
    add(seq=100, batch=2, input_size=3, hidden_size=4, layers=2, bidir=True, proj=2)
    add(seq=105, batch=1, input_size=2, hidden_size=3, batch_first=True, h0=False, bidir=True)
    add(seq=101, unbatched=True, input_size=3, hidden_size=4, layers=2, proj=1)
    # 5: odd sizes
    add(input_size=1, hidden_size=1)
    add(input_size=1, hidden_size=7, bidir=True, layers=2, proj=6)
    add(input_size=4, hidden_size=2, bidir=True, layers=3, proj=1)
    add(input_size=9, hidden_size=9, batch=5, layers=2, bidir=True, seq=7)
    add(input_size=6, hidden_size=11, batch=4, seq=9, batch_first=True, layers=2, proj=5, h0=False)
    # 2: batch size 0
    add(batch=0)
    add(batch=0, bidir=True, layers=2, h0=False, batch_first=True, proj=2)
    # 1: a moderate size close to the spec section 9 network (2-layer bidirectional, L = 50)
    add(layers=2, bidir=True, input_size=16, hidden_size=32, seq=50, batch=4, h0=False, proj=16)
    return cs


def _gated_grads(m, x, h0, c0, g_out, g_h, g_c):
    """Forward on (x, state), backward of the loss; returns out, hn, cn, grads dict."""
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    lstm = isinstance(m, nn.LSTM)
    h = None if h0 is None else h0.clone().requires_grad_(True)
    c = None if c0 is None else c0.clone().requires_grad_(True)
    if lstm:
        out, (hn, cn) = m(x) if h is None else m(x, (h, c))
    else:
        out, hn = m(x) if h is None else m(x, h)
        cn = None
    loss = (out * 0).sum()
    if g_out is not None:
        loss = loss + (out * g_out).sum()
    if g_h is not None:
        loss = loss + (hn * g_h).sum()
    if g_c is not None:
        loss = loss + (cn * g_c).sum()
    loss.backward()
    grads = {}
    for k, p in m.named_parameters():
        grads["grad." + k] = p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
    grads["grad.input"] = x.grad.detach().clone() if x.grad is not None else torch.zeros_like(x)
    if h is not None:
        grads["grad.h0"] = h.grad.detach().clone() if h.grad is not None else torch.zeros_like(h)
    if c is not None:
        grads["grad.c0"] = c.grad.detach().clone() if c.grad is not None else torch.zeros_like(c)
    return out.detach(), hn.detach(), None if cn is None else cn.detach(), grads


def _relerr(a, b):
    if b.numel() == 0:
        return 0.0
    scale = float(b.double().abs().max())
    diff = float((a.double() - b.double()).abs().max())
    return diff if scale == 0 else diff / scale


def gen_gated(mode, c, index, outdir):
    """One nn.LSTM / nn.GRU fixture: forward values and gradients of one loss."""
    name = gated_name(mode, c)
    seed = seed_of(name)
    torch.manual_seed(seed)
    lstm = mode == "LSTM"
    kw = dict(num_layers=c["layers"], bias=c["bias"], batch_first=c["batch_first"], dropout=0.0,
              bidirectional=c["bidir"])
    if lstm:
        kw["proj_size"] = c["proj"]
    cls = nn.LSTM if lstm else nn.GRU
    m = cls(c["input_size"], c["hidden_size"], **kw)
    m.train()  # dropout is 0: training mode changes nothing but is the mode backward runs in
    D = 2 if c["bidir"] else 1
    L, N, F, H = c["seq"], c["batch"], c["input_size"], c["hidden_size"]
    HO = c["proj"] if c["proj"] else H
    S = D * c["layers"]
    if c["unbatched"]:
        x = torch.randn(L, F)
        h0 = torch.randn(S, HO) if c["h0"] else None
        c0 = torch.randn(S, H) if c["h0"] and lstm else None
    else:
        x = torch.randn(N, L, F) if c["batch_first"] else torch.randn(L, N, F)
        h0 = torch.randn(S, N, HO) if c["h0"] else None
        c0 = torch.randn(S, N, H) if c["h0"] and lstm else None
    loss = GATED_LOSSES[index % len(GATED_LOSSES)]
    if loss == "c_n" and not lstm:
        loss = "h_n"
    nb = 1 if c["unbatched"] else N
    out_shape = (L, D * HO) if c["unbatched"] else ((N, L, D * HO) if c["batch_first"] else (L, N, D * HO))
    hn_shape = (S, HO) if c["unbatched"] else (S, N, HO)
    cn_shape = (S, H) if c["unbatched"] else (S, N, H)
    g_out = torch.randn(out_shape) if loss in ("all", "output") else None
    g_h = torch.randn(hn_shape) if loss in ("all", "h_n") else None
    g_c = torch.randn(cn_shape) if lstm and loss in ("all", "c_n") else None
    out, hn, cn, grads = _gated_grads(m, x, h0, c0, g_out, g_h, g_c)

    # float64 Appendix A reference of the forward, and float64 torch gradients
    m64 = cls(F, H, **kw).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    xb = x.unsqueeze(1) if c["unbatched"] else (x.transpose(0, 1) if c["batch_first"] else x)
    hb = torch.zeros(S, nb, HO) if h0 is None else (h0.unsqueeze(1) if c["unbatched"] else h0)
    cb = torch.zeros(S, nb, H) if c0 is None else (c0.unsqueeze(1) if c["unbatched"] else c0)
    with torch.no_grad():
        ro, rh, rc = ref_run(m64, xb.double(), hb.double(), cb.double())
    if c["unbatched"]:
        ro, rh, rc = ro.squeeze(1), rh.squeeze(1), rc.squeeze(1)
    elif c["batch_first"]:
        ro = ro.transpose(0, 1)
    assert ro.shape == out.shape and rh.shape == hn.shape, name
    err = max(maxerr(out, ro), maxerr(hn, rh), maxerr(cn, rc) if lstm else 0.0)
    assert err <= MAX_ABS_ERR, (name, err)
    _, _, _, g64 = _gated_grads(m64, x.double(), None if h0 is None else h0.double(),
                                None if c0 is None else c0.double(),
                                None if g_out is None else g_out.double(),
                                None if g_h is None else g_h.double(),
                                None if g_c is None else g_c.double())
    gerr = max(_relerr(grads[k], g64[k]) for k in grads)
    assert gerr <= MAX_GRAD_REL_ERR, (name, gerr)

    tensors = dict(m.state_dict())
    tensors["input"] = x
    if h0 is not None:
        tensors["h0"] = h0
        if lstm:
            tensors["c0"] = c0
    for k, v in (("grad_output", g_out), ("grad_h_n", g_h), ("grad_c_n", g_c)):
        if v is not None:
            tensors[k] = v
    tensors["output"] = out
    tensors["h_n"] = hn
    if lstm:
        tensors["c_n"] = cn
    tensors.update(grads)
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": s(seed),
        "generator": GENERATOR, "module": mode, "mode": mode,
        "input_size": s(F), "hidden_size": s(H), "num_layers": s(c["layers"]),
        "bias": s(c["bias"]), "batch_first": s(c["batch_first"]), "dropout": s(0.0),
        "bidirectional": s(c["bidir"]), "proj_size": s(c["proj"]), "unbatched": s(c["unbatched"]),
        "h0_given": s(c["h0"]), "seq_len": s(L), "batch_size": s(nb), "loss": loss,
    }
    write_checked(os.path.join(outdir, name + ".safetensors"),
                  {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err, gerr


def gated_cell_configs():
    cs = []
    for bias in (True, False):
        for unbatched in (False, True):
            for hx in (True, False):
                cs.append(dict(bias=bias, unbatched=unbatched, hx=hx, batch=3, input_size=5, hidden_size=6))
    base = dict(bias=True, unbatched=False, hx=True, batch=3, input_size=5, hidden_size=6)
    for kw in (dict(batch=1), dict(batch=0), dict(input_size=1, hidden_size=1),
               dict(input_size=11, hidden_size=2, hx=False), dict(input_size=1, hidden_size=9, unbatched=True)):
        c = dict(base)
        c.update(kw)
        cs.append(c)
    return cs


def gated_cell_name(mode, c):
    return "_".join([
        mode.lower() + "cell", "bias" if c["bias"] else "nobias",
        "unb" if c["unbatched"] else f"n{c['batch']}",
        f"i{c['input_size']}", f"h{c['hidden_size']}", "hx" if c["hx"] else "nohx"])


def _gated_cell_grads(m, x, hx, cx, g_h, g_c):
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    lstm = isinstance(m, nn.LSTMCell)
    h = None if hx is None else hx.clone().requires_grad_(True)
    c = None if cx is None else cx.clone().requires_grad_(True)
    if lstm:
        h2, c2 = m(x) if h is None else m(x, (h, c))
        loss = (h2 * g_h).sum() + (c2 * g_c).sum()
    else:
        h2 = m(x) if h is None else m(x, h)
        c2 = None
        loss = (h2 * g_h).sum()
    loss.backward()
    grads = {"grad." + k: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p))
             for k, p in m.named_parameters()}
    grads["grad.input"] = x.grad.detach().clone() if x.grad is not None else torch.zeros_like(x)
    if h is not None:
        grads["grad.hx"] = h.grad.detach().clone() if h.grad is not None else torch.zeros_like(h)
    if c is not None:
        grads["grad.cx"] = c.grad.detach().clone() if c.grad is not None else torch.zeros_like(c)
    return h2.detach(), None if c2 is None else c2.detach(), grads


def gen_gated_cell(mode, c, outdir):
    name = gated_cell_name(mode, c)
    seed = seed_of(name)
    torch.manual_seed(seed)
    lstm = mode == "LSTM"
    cls = nn.LSTMCell if lstm else nn.GRUCell
    m = cls(c["input_size"], c["hidden_size"], bias=c["bias"])
    N, F, H = c["batch"], c["input_size"], c["hidden_size"]
    shape = (H,) if c["unbatched"] else (N, H)
    x = torch.randn(F) if c["unbatched"] else torch.randn(N, F)
    hx = torch.randn(shape) if c["hx"] else None
    cx = torch.randn(shape) if c["hx"] and lstm else None
    g_h = torch.randn(shape)
    g_c = torch.randn(shape) if lstm else None
    h2, c2, grads = _gated_cell_grads(m, x, hx, cx, g_h, g_c)
    with torch.no_grad():
        p = {"w_ih": m.weight_ih.double(), "w_hh": m.weight_hh.double(),
             "b_ih": None if m.bias_ih is None else m.bias_ih.double(),
             "b_hh": None if m.bias_hh is None else m.bias_hh.double(), "w_hr": None}
        h = torch.zeros(shape).double() if hx is None else hx.double()
        cc = torch.zeros(shape).double() if cx is None else cx.double()
        rh, rc = ref_cell(mode, x.double(), h, cc, p)
    err = max(maxerr(h2, rh), maxerr(c2, rc) if lstm else 0.0)
    assert err <= MAX_ABS_ERR, (name, err)
    m64 = cls(F, H, bias=c["bias"]).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    _, _, g64 = _gated_cell_grads(m64, x.double(), None if hx is None else hx.double(),
                                  None if cx is None else cx.double(), g_h.double(),
                                  None if g_c is None else g_c.double())
    gerr = max(_relerr(grads[k], g64[k]) for k in grads)
    assert gerr <= MAX_GRAD_REL_ERR, (name, gerr)
    tensors = dict(m.state_dict())
    tensors["input"] = x
    if hx is not None:
        tensors["hx"] = hx
        if lstm:
            tensors["cx"] = cx
    tensors["grad_h"] = g_h
    if lstm:
        tensors["grad_c"] = g_c
    tensors["h"] = h2
    if lstm:
        tensors["c"] = c2
    tensors.update(grads)
    meta = {
        "format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": s(seed),
        "generator": GENERATOR, "module": mode + "Cell", "mode": mode,
        "input_size": s(F), "hidden_size": s(H), "bias": s(c["bias"]),
        "unbatched": s(c["unbatched"]), "hx_given": s(c["hx"]), "batch_size": s(1 if c["unbatched"] else N),
    }
    write_checked(os.path.join(outdir, name + ".safetensors"),
                  {k: v.detach().float().contiguous() for k, v in tensors.items()}, meta)
    return name, err, gerr


def main_lstm_gru():
    """fixtures/lstm, gru, lstmcell, grucell: forward values and gradients in one file each."""
    torch.set_num_threads(1)
    for mode in ("LSTM", "GRU"):
        outdir = os.path.join(OUT, mode.lower())
        os.makedirs(outdir, exist_ok=True)
        names, worst, gworst = [], 0.0, 0.0
        for i, c in enumerate(gated_configs(mode)):
            n, e, ge = gen_gated(mode, c, i, outdir)
            assert n not in names, "duplicate fixture name " + n
            names.append(n)
            worst, gworst = max(worst, e), max(gworst, ge)
            print(f"{mode.lower():8s} {n:60s} fwd {e:.3e} grad {ge:.3e}")
        write_index(outdir, names, f"nn.{mode} (forward and gradient)")
        print(f"{len(names)} {mode} fixtures; forward vs float64 reference {worst:.3e}, "
              f"gradients vs float64 torch {gworst:.3e}")
        cdir = os.path.join(OUT, mode.lower() + "cell")
        os.makedirs(cdir, exist_ok=True)
        cnames, worst, gworst = [], 0.0, 0.0
        for c in gated_cell_configs():
            n, e, ge = gen_gated_cell(mode, c, cdir)
            assert n not in cnames, "duplicate fixture name " + n
            cnames.append(n)
            worst, gworst = max(worst, e), max(gworst, ge)
            print(f"{mode.lower() + 'cell':8s} {n:60s} fwd {e:.3e} grad {ge:.3e}")
        write_index(cdir, cnames, f"nn.{mode}Cell (forward and gradient)")
        print(f"{len(cnames)} {mode}Cell fixtures; forward {worst:.3e}, gradients {gworst:.3e}")


# ----------------------------------------------------------------------------- main

def write_index(outdir, names, what):
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.write(f"# {what} fixtures written by {GENERATOR}; one name per line, file <name>.safetensors\n")
        for n in names:
            f.write(n + "\n")


def main():
    torch.set_num_threads(1)
    for sub in ("rnn", "rnncell", "io"):
        os.makedirs(os.path.join(OUT, sub), exist_ok=True)

    rnn_dir = os.path.join(OUT, "rnn")
    names, worst = [], 0.0
    for c in rnn_configs():
        n, e = gen_rnn(c, rnn_dir)
        assert n not in names, "duplicate fixture name " + n
        names.append(n)
        worst = max(worst, e)
        print(f"rnn     {n:60s} max|torch f32 - ref f64| = {e:.3e}")
    write_index(rnn_dir, names, "nn.RNN")
    print(f"{len(names)} RNN fixtures, max error vs Appendix A float64 reference: {worst:.3e}")

    cell_dir = os.path.join(OUT, "rnncell")
    cnames, cworst = [], 0.0
    for c in cell_configs():
        n, e = gen_cell(c, cell_dir)
        assert n not in cnames, "duplicate fixture name " + n
        cnames.append(n)
        cworst = max(cworst, e)
        print(f"rnncell {n:60s} max|torch f32 - ref f64| = {e:.3e}")
    write_index(cell_dir, cnames, "nn.RNNCell")
    print(f"{len(cnames)} RNNCell fixtures, max error vs float64 reference: {cworst:.3e}")

    gen_dtypes(os.path.join(OUT, "io"))
    print("io/dtypes.safetensors written")


if __name__ == "__main__":
    if sys.argv[1:] == ["lstm_gru"]:
        main_lstm_gru()
    else:
        main()
        main_lstm_gru()
