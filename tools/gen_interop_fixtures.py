#!/usr/bin/python3
"""Generate the interop fixtures (model files, Keras imports, NumPy files); see docs/fixtures.md.

Run from the repository root with the system interpreter (torch 1.13, numpy)::

    /usr/bin/python3 tools/gen_interop_fixtures.py

Outputs under ``src/test/resources/fixtures/``:

* ``interop/torch_model/<name>.safetensors``: model files written by ``tools/export_torch.py`` from
  torch ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` modules (state_dict + config, nothing else), and
  ``<name>.io.safetensors`` with an input, initial states and torch's eval-mode outputs.
* ``interop/jrnn_model/torch_check.json`` and ``<name>.torch.safetensors``: the model files jrnn wrote
  (``<name>.safetensors``, committed; rewritten only by
  ``ModelFilesGoldenTest.main``) loaded in torch with ``load_state_dict(strict=True)`` and run on a
  seeded input. The JSON records, per file, its SHA-256, so the Java test proves torch loaded the
  exact bytes jrnn writes.
* ``interop/keras/``: Keras-layout weight arrays (``.npz``, safetensors with Keras names, a directory
  of ``.npy``) and ``<name>.expected.safetensors``: the PyTorch-layout state_dict, an input and the
  outputs of the Keras cell equations evaluated here in float64 numpy from the Keras-layout arrays
  (TensorFlow is not installable). Each mapping is also checked here: torch's module loaded with the
  converted state_dict must reproduce the Keras outputs within 1e-5.
* ``io/npy/*.npy``, ``io/npz/*.npz``: files written by numpy itself, and ``io/npy/expected.safetensors``
  with their values.

Deterministic: every seed is the CRC-32 of the fixture name. torch runs single-threaded.
"""

import hashlib
import io as _io
import json
import os
import sys
import zlib

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export, load_jrnn, read_safetensors, write_safetensors  # noqa: E402

GENERATOR = "tools/gen_interop_fixtures.py"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures")
TOL = 1e-5


def seed_of(name):
    return zlib.crc32(name.encode("ascii")) & 0x7FFFFFFF


def s(v):
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def maxerr(a, b):
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return 0.0 if a.numel() == 0 else float((a.double() - b.double()).abs().max())


def write_index(d, names, what):
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.write(f"# {what}, written by {GENERATOR}\n")
        for n in names:
            f.write(n + "\n")


def run(m, x, h0, c0):
    with torch.no_grad():
        if isinstance(m, nn.LSTM):
            out, (hn, cn) = m(x, (h0, c0))
            return out, hn, cn
        out, hn = m(x, h0)
        return out, hn, None


def random_io(m, N, L):
    D = 2 if m.bidirectional else 1
    hout = m.proj_size if getattr(m, "proj_size", 0) else m.hidden_size
    x = torch.randn(N, L, m.input_size) if m.batch_first else torch.randn(L, N, m.input_size)
    h0 = torch.randn(D * m.num_layers, N, hout)
    c0 = torch.randn(D * m.num_layers, N, m.hidden_size) if isinstance(m, nn.LSTM) else None
    return x, h0, c0


# ----------------------------------------------------------------------------- torch-written model files

def torch_models():
    return [
        ("rnn_tanh_default", lambda: nn.RNN(5, 7)),
        ("rnn_relu_l2_bi_nobias_bf_drop", lambda: nn.RNN(4, 6, num_layers=2, nonlinearity="relu", bias=False,
                                                          batch_first=True, dropout=0.25, bidirectional=True)),
        ("rnn_tanh_l3_bi_drop", lambda: nn.RNN(3, 5, num_layers=3, bidirectional=True, dropout=0.5)),
        ("lstm_default", lambda: nn.LSTM(5, 7)),
        ("lstm_l2_bi_bf", lambda: nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True)),
        ("lstm_proj_l2_bi", lambda: nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=3)),
        ("gru_default", lambda: nn.GRU(5, 7)),
        ("gru_l2_bi_nobias_bf", lambda: nn.GRU(4, 6, num_layers=2, bias=False, batch_first=True,
                                               bidirectional=True)),
    ]


def gen_torch_models(d):
    os.makedirs(d, exist_ok=True)
    names = []
    for name, make in torch_models():
        seed = seed_of(name)
        torch.manual_seed(seed)
        m = make().eval()
        path = os.path.join(d, name + ".safetensors")
        export(m, path, metadata={"seed": str(seed), "generator": GENERATOR})
        back = load_jrnn(path)  # round trip through the file in torch
        for k, v in m.state_dict().items():
            assert torch.equal(back.state_dict()[k], v), (name, k)
        x, h0, c0 = random_io(m, 3, 6)
        out, hn, cn = run(m, x, h0, c0)
        t = {"input": x, "h0": h0}
        if c0 is not None:
            t["c0"] = c0
        t["output"], t["h_n"] = out, hn
        if cn is not None:
            t["c_n"] = cn
        write_safetensors(os.path.join(d, name + ".io.safetensors"), t,
                          {"seed": str(seed), "generator": GENERATOR, "torch_version": torch.__version__})
        names.append(name)
        print(f"torch_model {name:40s} {m}")
    write_index(d, names, "model files exported from torch by tools/export_torch.py")


# ----------------------------------------------------------------------------- jrnn-written model files

def check_jrnn_models(d):
    idx = os.path.join(d, "index.txt")
    if not os.path.exists(idx):
        print("jrnn_model: no index.txt yet; run ModelFilesGoldenTest.main first (see docs/fixtures.md)")
        return
    names = [l.strip() for l in open(idx) if l.strip() and not l.startswith("#")]
    record = {"checked_by": GENERATOR, "torch_version": torch.__version__, "files": {}}
    for name in names:
        path = os.path.join(d, name + ".safetensors")
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        m = load_jrnn(path).eval()  # builds the module from the metadata, load_state_dict(strict=True)
        _, meta = read_safetensors(path)
        seed = seed_of(name)
        torch.manual_seed(seed)
        x, h0, c0 = random_io(m, 2, 5)
        out, hn, cn = run(m, x, h0, c0)
        t = {"input": x, "h0": h0}
        if c0 is not None:
            t["c0"] = c0
        t["output"], t["h_n"] = out, hn
        if cn is not None:
            t["c_n"] = cn
        write_safetensors(os.path.join(d, name + ".torch.safetensors"), t,
                          {"seed": str(seed), "generator": GENERATOR, "torch_version": torch.__version__,
                           "model_sha256": sha})
        record["files"][name] = {"sha256": sha, "loaded": "load_state_dict(strict=True)", "module": repr(m),
                                 "jrnn_version": meta.get("jrnn_version"),
                                 "parameters": sum(v.numel() for v in m.state_dict().values())}
        print(f"jrnn_model  {name:40s} loaded in torch as {m}")
    with open(os.path.join(d, "torch_check.json"), "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
        f.write("\n")


# ----------------------------------------------------------------------------- Keras

def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def keras_run(kind, act, w, x, go_backwards=False):
    """Keras cell equations, float64. x: (N, L, F); w = [kernel, recurrent_kernel, (bias)].
    Returns (sequence output (N, L, H) in input time order, final h (N, H))."""
    K, R = w[0], w[1]
    b = w[2] if len(w) > 2 else None
    N, L, _ = x.shape
    H = R.shape[0]
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    out = np.zeros((N, L, H))
    steps = range(L - 1, -1, -1) if go_backwards else range(L)
    for t in steps:
        xt = x[:, t, :]
        if kind == "SimpleRNN":
            a = xt @ K + h @ R + (b if b is not None else 0)
            h = np.tanh(a) if act == "tanh" else np.maximum(a, 0)
        elif kind == "LSTM":
            z = xt @ K + h @ R + (b if b is not None else 0)
            i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
        else:  # GRU, reset_after=True
            mx = xt @ K + (b[0] if b is not None else 0)
            mi = h @ R + (b[1] if b is not None else 0)
            xz, xr, xh = (mx[:, k * H:(k + 1) * H] for k in range(3))
            rz, rr, rh = (mi[:, k * H:(k + 1) * H] for k in range(3))
            zg = sig(xz + rz)
            r = sig(xr + rr)
            hh = np.tanh(xh + r * rh)
            h = zg * h + (1 - zg) * hh
        out[:, t, :] = h
    return out, h


def torch_layout(kind, w):
    """Independent Python statement of the mapping: Keras arrays -> torch state_dict (one direction)."""
    K, R = w[0], w[1]
    b = w[2] if len(w) > 2 else None
    H = R.shape[0]
    if kind == "GRU":
        perm = lambda a: np.concatenate([a[..., H:2 * H], a[..., 0:H], a[..., 2 * H:]], axis=-1)  # z,r,h -> r,z,n
    else:
        perm = lambda a: a
    sd = {"weight_ih": perm(K).T, "weight_hh": perm(R).T}
    if b is not None:
        if kind == "GRU":
            sd["bias_ih"], sd["bias_hh"] = perm(b[0]), perm(b[1])
        else:
            sd["bias_ih"], sd["bias_hh"] = b, np.zeros_like(b)
    return sd


def keras_weights(rng, kind, F, H, bias):
    G = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind] * H
    w = [rng.uniform(-0.6, 0.6, (F, G)), rng.uniform(-0.6, 0.6, (H, G))]
    if bias:
        w.append(rng.uniform(-0.5, 0.5, (2, G) if kind == "GRU" else (G,)))
    return [a.astype(np.float32) for a in w]


KERAS_NAMES = {"SimpleRNN": ("simple_rnn", "simple_rnn_cell"), "LSTM": ("lstm", "lstm_cell"),
               "GRU": ("gru", "gru_cell")}
ROLES = ("kernel", "recurrent_kernel", "bias")


def keras_configs():
    return [
        dict(name="simple_rnn_tanh", kind="SimpleRNN", act="tanh", bidir=False, bias=True, store="npz_positional"),
        dict(name="simple_rnn_relu_named", kind="SimpleRNN", act="relu", bidir=False, bias=True, store="npz_keras2"),
        dict(name="simple_rnn_nobias", kind="SimpleRNN", act="tanh", bidir=False, bias=False, store="npz_positional"),
        dict(name="lstm", kind="LSTM", act="tanh", bidir=False, bias=True, store="npz_positional"),
        dict(name="lstm_named_safetensors", kind="LSTM", act="tanh", bidir=False, bias=True, store="safetensors"),
        dict(name="gru", kind="GRU", act="tanh", bidir=False, bias=True, store="npz_positional"),
        dict(name="gru_named_keras3", kind="GRU", act="tanh", bidir=False, bias=True, store="npz_keras3"),
        dict(name="gru_nobias", kind="GRU", act="tanh", bidir=False, bias=False, store="npz_positional"),
        dict(name="bidir_simple_rnn", kind="SimpleRNN", act="tanh", bidir=True, bias=True, store="npz_positional"),
        dict(name="bidir_lstm_named", kind="LSTM", act="tanh", bidir=True, bias=True, store="npz_keras2"),
        dict(name="bidir_gru_dir", kind="GRU", act="tanh", bidir=True, bias=True, store="npy_dir"),
    ]


def store_keras(d, c, dirs_w):
    name, kind = c["name"], c["kind"]
    layer, cell = KERAS_NAMES[kind]
    arrays = {}
    if c["store"] == "npz_positional":
        flat = [a for w in dirs_w for a in w]
        arrays = {f"arr_{i}": a for i, a in enumerate(flat)}
    else:
        for di, w in enumerate(dirs_w):
            for role, a in zip(ROLES, w):
                if c["store"] == "npy_dir":
                    key = (("forward_" if di == 0 else "backward_") if c["bidir"] else "") + role
                elif c["bidir"]:
                    sub = ("forward_" if di == 0 else "backward_") + layer
                    key = f"bidirectional/{sub}/{cell}/{role}" + (":0" if c["store"] == "npz_keras2" else "")
                else:
                    key = f"{layer}/{cell}/{role}" + (":0" if c["store"] != "npz_keras3" else "")
                arrays[key] = a
    if c["store"] == "safetensors":
        write_safetensors(os.path.join(d, name + ".safetensors"),
                          {k: torch.from_numpy(v) for k, v in arrays.items()}, {"generator": GENERATOR})
        return name + ".safetensors"
    if c["store"] == "npy_dir":
        sub = os.path.join(d, name)
        os.makedirs(sub, exist_ok=True)
        for k, v in arrays.items():
            np.save(os.path.join(sub, k + ".npy"), v)
        return name
    np.savez(os.path.join(d, name + ".npz"), **arrays)
    return name + ".npz"


def torch_module(kind, act, F, H, bidir, bias, layers=1):
    kw = dict(num_layers=layers, bias=bias, batch_first=True, bidirectional=bidir)
    if kind == "SimpleRNN":
        return nn.RNN(F, H, nonlinearity=act, **kw)
    return (nn.LSTM if kind == "LSTM" else nn.GRU)(F, H, **kw)


def expected_state_dict(kind, dirs_w, layer=0):
    sd = {}
    for di, w in enumerate(dirs_w):
        for k, v in torch_layout(kind, [a.astype(np.float64) for a in w]).items():
            sd[f"{k}_l{layer}" + ("_reverse" if di else "")] = v
    return sd


def gen_keras(d):
    os.makedirs(d, exist_ok=True)
    names, worst = [], 0.0
    N, L, F, H = 3, 7, 4, 5
    for c in keras_configs():
        name, kind = c["name"], c["kind"]
        rng = np.random.default_rng(seed_of(name))
        dirs_w = [keras_weights(rng, kind, F, H, c["bias"]) for _ in range(2 if c["bidir"] else 1)]
        x = rng.standard_normal((N, L, F)).astype(np.float32)
        x64 = x.astype(np.float64)
        w64 = [[a.astype(np.float64) for a in w] for w in dirs_w]
        fo, fh = keras_run(kind, c["act"], w64[0], x64)
        t = {}
        if c["bidir"]:
            bo, bh = keras_run(kind, c["act"], w64[1], x64, go_backwards=True)  # Bidirectional re-aligns in time
            seq = np.concatenate([fo, bo], -1)
            last = np.concatenate([fh, bh], -1)          # return_sequences=False
            t["keras_sum"], t["keras_mul"], t["keras_ave"] = fo + bo, fo * bo, (fo + bo) / 2
        else:
            seq, last = fo, fh
        sd = expected_state_dict(kind, dirs_w)
        m = torch_module(kind, c["act"], F, H, c["bidir"], c["bias"])
        m.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in sd.items()}, strict=True)
        with torch.no_grad():
            tout = m(torch.from_numpy(x))[0]
        err = maxerr(tout, seq)
        assert err <= TOL, (name, err)
        worst = max(worst, err)
        weights = store_keras(d, c, dirs_w)
        tensors = {k: torch.tensor(v, dtype=torch.float32) for k, v in sd.items()}
        tensors["input"] = torch.from_numpy(x)
        tensors["keras_output"] = torch.tensor(seq, dtype=torch.float32)
        tensors["keras_last"] = torch.tensor(last, dtype=torch.float32)
        for k in ("keras_sum", "keras_mul", "keras_ave"):
            if k in t:
                tensors[k] = torch.tensor(t[k], dtype=torch.float32)
        meta = {"generator": GENERATOR, "seed": str(seed_of(name)), "layer": kind, "activation": c["act"],
                "recurrent_activation": "sigmoid", "reset_after": "true", "bidirectional": s(c["bidir"]),
                "use_bias": s(c["bias"]), "weights": weights, "torch_version": torch.__version__,
                "torch_max_abs_err": f"{err:.3e}"}
        write_safetensors(os.path.join(d, name + ".expected.safetensors"), tensors, meta)
        names.append(name)
        print(f"keras       {name:40s} torch (converted) vs Keras equations: {err:.3e}")

    # A stack: Bidirectional(SimpleRNN) -> Bidirectional(SimpleRNN), each saved positionally.
    name = "stack_bidir_simple_rnn"
    rng = np.random.default_rng(seed_of(name))
    w0 = [keras_weights(rng, "SimpleRNN", F, H, True) for _ in range(2)]
    w1 = [keras_weights(rng, "SimpleRNN", 2 * H, H, True) for _ in range(2)]
    x = rng.standard_normal((N, L, F)).astype(np.float32)
    y = x.astype(np.float64)
    for w in (w0, w1):
        w64 = [[a.astype(np.float64) for a in ww] for ww in w]
        fo, _ = keras_run("SimpleRNN", "tanh", w64[0], y)
        bo, _ = keras_run("SimpleRNN", "tanh", w64[1], y, go_backwards=True)
        y = np.concatenate([fo, bo], -1)
    sd = dict(expected_state_dict("SimpleRNN", w0, 0))
    sd.update(expected_state_dict("SimpleRNN", w1, 1))
    m = torch_module("SimpleRNN", "tanh", F, H, True, True, layers=2)
    m.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in sd.items()}, strict=True)
    with torch.no_grad():
        err = maxerr(m(torch.from_numpy(x))[0], y)
    assert err <= TOL, (name, err)
    for i, w in enumerate((w0, w1)):
        np.savez(os.path.join(d, f"{name}_{i}.npz"), *[a for ww in w for a in ww])
    order = [f"{p}_l{k}{r}" for k in range(2) for r in ("", "_reverse")
             for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    tensors = {k: torch.tensor(sd[k], dtype=torch.float32) for k in order}
    tensors["input"] = torch.from_numpy(x)
    tensors["keras_output"] = torch.tensor(y, dtype=torch.float32)
    write_safetensors(os.path.join(d, name + ".expected.safetensors"), tensors,
                      {"generator": GENERATOR, "seed": str(seed_of(name)), "layers": "2",
                       "torch_max_abs_err": f"{err:.3e}"})
    print(f"keras       {name:40s} torch (converted) vs Keras equations: {err:.3e}")
    write_index(d, names, "Keras import fixtures (the stack fixture is separate)")
    print(f"{len(names)} Keras fixtures + 1 stack, worst torch-vs-Keras-equations error {max(worst, err):.3e}")


# ----------------------------------------------------------------------------- NumPy

def gen_numpy(d_npy, d_npz):
    os.makedirs(d_npy, exist_ok=True)
    os.makedirs(d_npz, exist_ok=True)
    rng = np.random.default_rng(seed_of("numpy"))
    base = rng.standard_normal((3, 4)).astype(np.float32)
    cube = rng.standard_normal((2, 3, 4)).astype(np.float32)
    arrays = {
        "f4_2d": base,
        "f4_1d": rng.standard_normal(5).astype(np.float32),
        "f4_0d": np.array(2.5, dtype=np.float32),
        "f4_empty": np.zeros((2, 0, 3), dtype=np.float32),
        "f8_2d": rng.standard_normal((3, 4)),
        "f2_2d": rng.standard_normal((3, 4)).astype(np.float16),
        "i8_1d": np.array([0, 1, -1, 2 ** 53 + 1, -(2 ** 63), 2 ** 63 - 1], dtype=np.int64),
        "i4_2d": np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
        "f4_big_endian": base.astype(">f4"),
        "f8_big_endian": rng.standard_normal(4).astype(">f8"),
        "f4_fortran_2d": np.asfortranarray(base),
        "f4_fortran_3d": np.asfortranarray(cube),
        "i8_fortran_2d": np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4)),
        "f4_wide": rng.standard_normal((1, 1234567 // 1000)).astype(np.float32),
    }
    expected = {}
    for k, a in arrays.items():
        np.save(os.path.join(d_npy, k + ".npy"), a)
        if a.dtype.kind == "f":
            expected[k] = torch.from_numpy(a.astype(np.float32, order="C"))
        else:
            expected[k] = torch.from_numpy(a.astype(np.int64, order="C"))
    for ver in ((2, 0), (3, 0)):
        k = f"f4_v{ver[0]}"
        with open(os.path.join(d_npy, k + ".npy"), "wb") as f:
            np.lib.format.write_array(f, cube, version=ver)
        expected[k] = torch.from_numpy(cube.copy())
    write_safetensors(os.path.join(d_npy, "expected.safetensors"), expected,
                      {"generator": GENERATOR, "numpy_version": np.__version__})
    np.savez(os.path.join(d_npz, "plain.npz"), kernel=base, bias=arrays["f4_1d"], steps=arrays["i8_1d"])
    np.savez_compressed(os.path.join(d_npz, "compressed.npz"), kernel=base, bias=arrays["f4_1d"],
                        zeros=np.zeros((64, 64), dtype=np.float32))
    np.savez(os.path.join(d_npz, "positional.npz"), base, cube)
    print(f"numpy       {len(expected)} .npy files, 3 .npz archives (numpy {np.__version__})")


def main():
    torch.set_num_threads(1)
    gen_torch_models(os.path.join(OUT, "interop", "torch_model"))
    check_jrnn_models(os.path.join(OUT, "interop", "jrnn_model"))
    gen_keras(os.path.join(OUT, "interop", "keras"))
    gen_numpy(os.path.join(OUT, "io", "npy"), os.path.join(OUT, "io", "npz"))


if __name__ == "__main__":
    main()
