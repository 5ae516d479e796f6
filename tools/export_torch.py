#!/usr/bin/python3
"""Move recurrent layers between PyTorch and jrnn through jrnn model files (safetensors).

A jrnn model file is a safetensors file holding a ``state_dict`` under PyTorch's own names
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ...) with the constructor arguments as strings in
``__metadata__`` (mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
bidirectional, proj_size, nonlinearity) plus provenance. See docs/pytorch-interop.md.

Only torch (and the standard library) is needed: there is no ``safetensors`` package on Debian, so
this script writes and reads the format itself.

As a library (``sys.path.insert(0, "tools")``)::

    from export_torch import export, export_state_dict, load_jrnn
    export(model.rnn, "rnn.safetensors", metadata={"seed": "42"})       # any nn.RNN / LSTM / GRU
    export_state_dict(sd, "rnn.safetensors", mode="GRU", input_size=8, hidden_size=16, prefix="rnn.")
    m = load_jrnn("saved_by_jrnn.safetensors")                           # -> nn.RNN / LSTM / GRU

From the command line (run with /usr/bin/python3, the interpreter that sees Debian's torch)::

    export_torch.py export --module model.pt [--attr rnn] OUT.safetensors
    export_torch.py export --state-dict sd.pt --mode LSTM --input-size 10 --hidden-size 20 \\
        [--num-layers 2] [--no-bias] [--batch-first] [--dropout 0.1] [--bidirectional] \\
        [--proj-size 5] [--nonlinearity relu] [--prefix rnn.] OUT.safetensors
    export_torch.py check FILE.safetensors     # load a jrnn model file into torch, strictly

``--module`` reads a whole module saved with ``torch.save(module, path)`` (``--attr a.b`` picks a
submodule); ``--state-dict`` reads ``torch.save(module.state_dict(), path)``. Both use
``torch.load``, which unpickles: only load files you trust.
"""

import argparse
import json
import os
import struct
import sys
import tempfile

import torch
from torch import nn

FORMAT_VERSION = "1"
EXPORTER = "tools/export_torch.py"
CONFIG_KEYS = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
               "bidirectional", "proj_size", "nonlinearity")

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
           "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8)}
_BY_TORCH = {v[0]: k for k, v in _DTYPES.items()}


# ----------------------------------------------------------------------------- safetensors

def _raw(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    """Write an ordered {name: tensor} dict as safetensors, atomically (temp file + rename)."""
    assert sys.byteorder == "little"
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        b = _raw(t)
        header[name] = {"dtype": _BY_TORCH[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_safetensors(path):
    """Read a safetensors file into ({name: tensor} in header order, metadata)."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta, data, out = header.pop("__metadata__", {}), buf[8 + n:], {}
    for name, e in header.items():
        dt, size = _DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        raw = bytearray(data[b:end])
        numel = 1
        for s in e["shape"]:
            numel *= s
        assert len(raw) == size * numel, name
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    return out, meta


# ----------------------------------------------------------------------------- config

def _s(v):
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def config_of(module):
    """The constructor arguments of an nn.RNN / nn.LSTM / nn.GRU as model-file metadata strings."""
    if not isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        raise TypeError(f"expected nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}")
    m = {"mode": module.mode, "input_size": _s(module.input_size), "hidden_size": _s(module.hidden_size),
         "num_layers": _s(module.num_layers), "bias": _s(bool(module.bias)),
         "batch_first": _s(bool(module.batch_first)), "dropout": _s(float(module.dropout)),
         "bidirectional": _s(bool(module.bidirectional)), "proj_size": _s(int(getattr(module, "proj_size", 0)))}
    if module.mode in ("RNN_TANH", "RNN_RELU"):
        m["nonlinearity"] = module.nonlinearity
    return m


def _bool(meta, key, default):
    v = meta.get(key)
    if v is None:
        return default
    if v in ("true", "True"):
        return True
    if v in ("false", "False"):
        return False
    raise ValueError(f"metadata '{key}' is '{v}', expected true or false")


def build(meta):
    """A fresh torch module with the configuration stored in model-file metadata."""
    mode = meta.get("mode")
    if mode is None:
        raise ValueError("metadata has no 'mode': not a jrnn model file (load the state_dict into your own module)")
    nl = meta.get("nonlinearity")
    kw = dict(num_layers=int(meta.get("num_layers", "1")), bias=_bool(meta, "bias", True),
              batch_first=_bool(meta, "batch_first", False), dropout=float(meta.get("dropout", "0.0")),
              bidirectional=_bool(meta, "bidirectional", False))
    args = (int(meta["input_size"]), int(meta["hidden_size"]))
    proj = int(meta.get("proj_size", "0"))
    if mode in ("RNN_TANH", "RNN_RELU", "RNN"):
        if mode != "RNN":
            want = "tanh" if mode == "RNN_TANH" else "relu"
            if nl is not None and nl != want:
                raise ValueError(f"metadata 'nonlinearity' is '{nl}' but 'mode' is '{mode}'")
            nl = want
        if proj:
            raise ValueError("proj_size is LSTM only")
        return nn.RNN(*args, nonlinearity=nl or "tanh", **kw)
    if mode == "LSTM":
        return nn.LSTM(*args, proj_size=proj, **kw)
    if mode == "GRU":
        if proj:
            raise ValueError("proj_size is LSTM only")
        return nn.GRU(*args, **kw)
    raise ValueError(f"metadata 'mode' is '{mode}', expected RNN_TANH, RNN_RELU, LSTM or GRU")


# ----------------------------------------------------------------------------- export / import

def export(module, path, metadata=None):
    """Write `module`'s state_dict (float32, torch names and order) and constructor config to `path`."""
    meta = {"format_version": FORMAT_VERSION, "exporter": EXPORTER, "torch_version": torch.__version__,
            "format": "pt"}
    meta.update(config_of(module))
    for k, v in (metadata or {}).items():
        if k in meta and k not in ("format",):
            raise ValueError(f"metadata key '{k}' is written by the exporter itself")
        meta[k] = str(v)
    tensors = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in module.state_dict().items()}
    write_safetensors(path, tensors, meta)


def export_state_dict(state_dict, path, mode, input_size, hidden_size, num_layers=1, bias=True,
                      batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, nonlinearity=None,
                      prefix="", metadata=None):
    """Export a bare state_dict plus constructor arguments. `prefix` ("rnn.") selects and strips the keys
    of a submodule inside a larger model's state_dict. The state_dict is checked by loading it strictly
    into a module built from the arguments."""
    sd = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    meta = {"mode": mode, "input_size": str(input_size), "hidden_size": str(hidden_size),
            "num_layers": str(num_layers), "bias": _s(bias), "batch_first": _s(batch_first),
            "dropout": str(float(dropout)), "bidirectional": _s(bidirectional), "proj_size": str(proj_size)}
    if nonlinearity is not None:
        meta["nonlinearity"] = nonlinearity
    m = build(meta)
    m.load_state_dict(sd, strict=True)
    export(m, path, metadata)


def load_jrnn(path):
    """Load a jrnn model file (or any file export() wrote) into a new torch module, strictly."""
    tensors, meta = read_safetensors(path)
    fv = meta.get("format_version")
    if fv is not None and fv != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {fv}, this script reads {FORMAT_VERSION}")
    m = build(meta)
    m.load_state_dict({k: v.clone() for k, v in tensors.items()}, strict=True)
    return m


# ----------------------------------------------------------------------------- CLI

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write a jrnn model file")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--module", help="torch.save(module) file")
    src.add_argument("--state-dict", help="torch.save(state_dict) file")
    e.add_argument("--attr", default="", help="dotted path to the recurrent submodule of --module")
    e.add_argument("--mode", choices=["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
    e.add_argument("--input-size", type=int)
    e.add_argument("--hidden-size", type=int)
    e.add_argument("--num-layers", type=int, default=1)
    e.add_argument("--no-bias", action="store_true")
    e.add_argument("--batch-first", action="store_true")
    e.add_argument("--dropout", type=float, default=0.0)
    e.add_argument("--bidirectional", action="store_true")
    e.add_argument("--proj-size", type=int, default=0)
    e.add_argument("--nonlinearity", choices=["tanh", "relu"])
    e.add_argument("--prefix", default="", help="key prefix of the submodule in --state-dict, e.g. rnn.")
    e.add_argument("out")
    c = sub.add_parser("check", help="load a jrnn model file into torch and print it")
    c.add_argument("file")
    a = p.parse_args(argv)
    if a.cmd == "check":
        m = load_jrnn(a.file)
        print(f"{a.file}: loaded into {m} ({sum(t.numel() for t in m.state_dict().values())} values)")
        return 0
    if a.module:
        m = torch.load(a.module)
        for part in filter(None, a.attr.split(".")):
            m = getattr(m, part)
        export(m, a.out)
    else:
        if a.mode is None or a.input_size is None or a.hidden_size is None:
            p.error("--state-dict needs --mode, --input-size and --hidden-size")
        export_state_dict(torch.load(a.state_dict), a.out, a.mode, a.input_size, a.hidden_size,
                          num_layers=a.num_layers, bias=not a.no_bias, batch_first=a.batch_first,
                          dropout=a.dropout, bidirectional=a.bidirectional, proj_size=a.proj_size,
                          nonlinearity=a.nonlinearity, prefix=a.prefix)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
