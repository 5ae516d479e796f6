#!/usr/bin/python3
"""Generate the PyTorch fixtures of jrnn's training kit (losses, optimizers, clipping, LR schedules,
Linear/Embedding, an end-to-end training run).

Reuses the safetensors writer and the seeding of ``gen_fixtures.py`` (imported, not copied). Run from
the repository root with the *system* interpreter (Debian's python3-torch 1.13)::

    /usr/bin/python3 tools/gen_train_fixtures.py

Outputs under ``src/test/resources/fixtures/train/`` (float32 tensors, I64 class indices; see
docs/fixtures.md). Every file lists its cases in the metadata key ``cases`` (comma separated); a case's
tensors are named ``<case>.<what>`` and its settings are metadata keys ``<case>.<setting>``.

* ``losses.safetensors``: per case ``input``, ``target``, ``value`` (the loss, shape () or (N)),
  ``grad`` (∂/∂input of ``Σ value⊙upstream``; ``upstream`` is stored for reduction none, else 1).
* ``optim.safetensors``: two initial parameters ``p0`` (3, 4) and ``p1`` (5), K gradients
  ``g<k>.p0``/``g<k>.p1`` (the same for every optimizer), and per case the parameters after step 1
  (``<case>.step1.p<i>``) and after K steps (``<case>.final.p<i>``).
* ``clip.safetensors``: per case the gradients before (``<case>.g<i>``) and after clipping
  (``<case>.clipped.g<i>``) and ``clip_grad_norm_``'s return value ``<case>.total_norm``.
* ``schedules.safetensors``: no tensors; per case the LR before each of 30 epochs in
  ``<case>.lrs`` (``repr`` of Python floats, exact), and the metrics fed to ReduceLROnPlateau.
* ``layers.safetensors``: ``nn.Linear`` and ``nn.Embedding(padding_idx)`` forward and gradients.
* ``seq_labeling.safetensors``: per-step classification of padded sequences (RNN -> Linear at every
  step -> cross entropy with ``ignore_index`` at padded steps): weights, data, the loss, the gradients.
* ``e2e_rnn.safetensors``: a classifier ``nn.RNN`` + ``nn.Linear`` on the top final states, trained
  20 steps with Adam and ``clip_grad_norm_``: initial weights, data, targets, the loss and the total
  gradient norm before each step.
"""

import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402

GENERATOR = "tools/gen_train_fixtures.py"
FORMAT_VERSION = "1"
OUT = os.path.join(gf.OUT, "train")
K_STEPS = 6


def meta_base(seed):
    return {"format_version": FORMAT_VERSION, "torch_version": torch.__version__, "seed": gf.s(seed),
            "generator": GENERATOR}


def write(name, tensors, meta, cases):
    meta = dict(meta)
    meta["cases"] = ",".join(cases)
    gf.write_checked(os.path.join(OUT, name), {k: v.detach().contiguous() for k, v in tensors.items()}, meta)


# ----------------------------------------------------------------------------- losses

def gen_losses():
    seed = gf.seed_of("train_losses")
    torch.manual_seed(seed)
    T, M, cases = {}, meta_base(seed), []

    def add(case, kind, x, target, value_fn, reduction, **settings):
        x = x.clone().requires_grad_(True)
        v = value_fn(x)
        up = torch.randn_like(v) if reduction == "none" else torch.ones_like(v)
        (v * up).sum().backward()
        T[case + ".input"] = x.detach()
        T[case + ".target"] = target
        T[case + ".value"] = v.detach().reshape(v.shape)
        if reduction == "none":
            T[case + ".upstream"] = up
        T[case + ".grad"] = x.grad.detach() if x.grad is not None else torch.zeros_like(x)
        M[case + ".kind"] = kind
        M[case + ".reduction"] = reduction
        for k, s in settings.items():
            M[case + "." + k] = repr(s)
        cases.append(case)

    for red in ("mean", "sum", "none"):
        x, y = torch.randn(4, 5), torch.randn(4, 5)
        add("mse_" + red, "mse", x, y, lambda z, y=y, red=red: F.mse_loss(z, y, reduction=red), red)
        x, y = torch.randn(6, 3) * 3, torch.rand(6, 3)
        add("bce_" + red, "bce_with_logits", x, y,
            lambda z, y=y, red=red: F.binary_cross_entropy_with_logits(z, y, reduction=red), red)
    x = torch.tensor([[100.0, -100.0, 50.0], [-80.0, 90.0, 0.0]])
    y = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])
    add("bce_large", "bce_with_logits", x, y, lambda z, y=y: F.binary_cross_entropy_with_logits(z, y), "mean")

    def ce(case, x, t, red="mean", ii=-100, ls=0.0):
        add(case, "cross_entropy", x, t,
            lambda z: F.cross_entropy(z, t, reduction=red, ignore_index=ii, label_smoothing=ls), red,
            ignore_index=ii, label_smoothing=ls)

    for red in ("mean", "sum", "none"):
        x, t = torch.randn(7, 5), torch.randint(0, 5, (7,))
        ce("ce_" + red, x, t, red)
        x, t = torch.randn(7, 5), torch.randint(0, 5, (7,))
        t[1] = 0
        t[4] = 0
        ce("ce_ignore_" + red, x, t, red, ii=0)
        x, t = torch.randn(6, 4), torch.randint(0, 4, (6,))
        t[2] = -100
        ce("ce_smooth_ignore_" + red, x, t, red, ls=0.1)
    x, t = torch.randn(5, 4), torch.randint(0, 4, (5,))
    ce("ce_smooth_0.3", x, t, "mean", ls=0.3)
    x = torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 300.0, 299.0], [88.0, 89.0, 90.0]])
    t = torch.tensor([1, 0, 2])
    ce("ce_large", x, t)
    ce("ce_large_smooth", x, t, ls=0.2)
    x, t = torch.randn(3, 4), torch.full((3,), -100, dtype=torch.int64)
    ce("ce_all_ignored_mean", x, t)
    ce("ce_all_ignored_sum", x, t, "sum")
    ce("ce_all_ignored_smooth_mean", x, t, ls=0.1)
    write("losses.safetensors", T, M, cases)
    return len(cases)


# ----------------------------------------------------------------------------- optimizers

OPTIMS = [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd_momentum", "SGD", dict(lr=0.05, momentum=0.9)),
    ("sgd_momentum_dampening_wd", "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("sgd_nesterov_wd", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("adam", "Adam", dict(lr=0.01)),
    ("adam_betas_eps_wd", "Adam", dict(lr=0.003, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("adam_amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.01)),
    ("adamw_wd_amsgrad", "AdamW", dict(lr=0.02, weight_decay=0.5, amsgrad=True, betas=(0.85, 0.99))),
    ("rmsprop", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered_momentum_wd", "RMSprop",
     dict(lr=0.005, alpha=0.9, eps=1e-6, centered=True, momentum=0.7, weight_decay=0.02)),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.01, momentum=0.5)),
    ("adagrad", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay_init_wd", "Adagrad",
     dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, eps=1e-8, weight_decay=0.03)),
]


def gen_optim():
    seed = gf.seed_of("train_optim")
    torch.manual_seed(seed)
    p0, p1 = torch.randn(3, 4), torch.randn(5)
    grads = [(torch.randn(3, 4), torch.randn(5)) for _ in range(K_STEPS)]
    T = {"p0": p0, "p1": p1}
    for k, (g0, g1) in enumerate(grads):
        T[f"g{k}.p0"] = g0
        T[f"g{k}.p1"] = g1
    M, cases = meta_base(seed), []
    M["steps"] = str(K_STEPS)
    for case, cls, kw in OPTIMS:
        a, b = nn.Parameter(p0.clone()), nn.Parameter(p1.clone())
        opt = getattr(torch.optim, cls)([a, b], **kw)
        for k, (g0, g1) in enumerate(grads):
            opt.zero_grad()
            a.grad, b.grad = g0.clone(), g1.clone()
            opt.step()
            if k == 0:
                T[case + ".step1.p0"], T[case + ".step1.p1"] = a.detach().clone(), b.detach().clone()
        T[case + ".final.p0"], T[case + ".final.p1"] = a.detach().clone(), b.detach().clone()
        M[case + ".optimizer"] = cls
        for k, v in kw.items():
            M[case + "." + k] = ",".join(repr(x) for x in v) if isinstance(v, tuple) else repr(v)
        cases.append(case)
    write("optim.safetensors", T, M, cases)
    return len(cases)


# ----------------------------------------------------------------------------- clipping

def gen_clip():
    seed = gf.seed_of("train_clip")
    torch.manual_seed(seed)
    T, M, cases = {}, meta_base(seed), []
    for case, scale, max_norm, norm_type, value in [
            ("norm_clipped", 1.0, 1.0, 2.0, None), ("norm_not_clipped", 0.01, 5.0, 2.0, None),
            ("norm_inf", 1.0, 0.5, math.inf, None), ("norm_p1", 1.0, 2.0, 1.0, None),
            ("value", 1.0, None, None, 0.3)]:
        ps = [nn.Parameter(torch.zeros(3, 4)), nn.Parameter(torch.zeros(6)), nn.Parameter(torch.zeros(2, 2))]
        for i, p in enumerate(ps):
            p.grad = torch.randn_like(p) * scale
            T[f"{case}.g{i}"] = p.grad.clone()
        if value is None:
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
            T[case + ".total_norm"] = total.reshape(())
            M[case + ".max_norm"] = repr(max_norm)
            M[case + ".norm_type"] = repr(norm_type)
        else:
            torch.nn.utils.clip_grad_value_(ps, value)
            M[case + ".clip_value"] = repr(value)
        for i, p in enumerate(ps):
            T[f"{case}.clipped.g{i}"] = p.grad.clone()
        cases.append(case)
    write("clip.safetensors", T, M, cases)
    return len(cases)


# ----------------------------------------------------------------------------- schedules

def gen_schedules():
    S = torch.optim.lr_scheduler
    M, cases = meta_base(0), []
    epochs = 30
    metrics = [1.0, 0.9, 0.85, 0.86, 0.87, 0.849, 0.8499, 0.85, 0.851, 0.852, 0.7, 0.71, 0.72, 0.73,
               0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89]
    specs = [
        ("step", lambda o: S.StepLR(o, step_size=7, gamma=0.3), dict(step_size=7, gamma=0.3)),
        ("exponential", lambda o: S.ExponentialLR(o, gamma=0.9), dict(gamma=0.9)),
        ("cosine", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), dict(T_max=10, eta_min=0.001)),
        ("cosine_tmax7", lambda o: S.CosineAnnealingLR(o, T_max=7), dict(T_max=7, eta_min=0.0)),
        ("linear_warmup", lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
         dict(start_factor=0.1, end_factor=1.0, total_iters=5)),
        ("warmup_cosine", lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                         S.CosineAnnealingLR(o, T_max=20, eta_min=0.001)],
                                                   milestones=[5]),
         dict(start_factor=0.1, total_iters=5, T_max=20, eta_min=0.001, milestone=5)),
        ("plateau_min", lambda o: S.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1, min_lr=0.01),
         dict(mode="min", patience=2, factor=0.5, cooldown=1, min_lr=0.01, threshold=1e-4, threshold_mode="rel")),
        ("plateau_abs_max", lambda o: S.ReduceLROnPlateau(o, mode="max", patience=1, factor=0.3,
                                                          threshold=0.01, threshold_mode="abs"),
         dict(mode="max", patience=1, factor=0.3, cooldown=0, min_lr=0.0, threshold=0.01, threshold_mode="abs")),
    ]
    for case, make, settings in specs:
        p = nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        sch = make(opt)
        lrs = []
        for e in range(epochs):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            if isinstance(sch, S.ReduceLROnPlateau):
                sch.step(metrics[e])
            else:
                sch.step()
        M[case + ".lrs"] = ",".join(repr(x) for x in lrs)
        M[case + ".base_lr"] = "0.1"
        for k, v in settings.items():
            M[case + "." + k] = v if isinstance(v, str) else repr(v)
        cases.append(case)
    M["metrics"] = ",".join(repr(x) for x in metrics)
    write("schedules.safetensors", {}, M, cases)
    return len(cases)


# ----------------------------------------------------------------------------- layers

def gen_layers():
    seed = gf.seed_of("train_layers")
    torch.manual_seed(seed)
    T, M, cases = {}, meta_base(seed), []
    lin = nn.Linear(4, 3)
    x = torch.randn(2, 5, 4, requires_grad=True)
    y = lin(x)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    T.update({"linear.weight": lin.weight, "linear.bias": lin.bias, "linear.input": x, "linear.output": y,
              "linear.grad_output": g, "linear.grad.weight": lin.weight.grad, "linear.grad.bias": lin.bias.grad,
              "linear.grad.input": x.grad})
    cases.append("linear")
    emb = nn.Embedding(6, 3, padding_idx=2)
    idx = torch.tensor([[0, 2, 5, 5], [2, 1, 0, 3]])
    y = emb(idx)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    T.update({"embedding.weight": emb.weight, "embedding.indices": idx, "embedding.output": y,
              "embedding.grad_output": g, "embedding.grad.weight": emb.weight.grad})
    M["embedding.padding_idx"] = "2"
    cases.append("embedding")
    write("layers.safetensors", T, M, cases)
    return len(cases)


# ----------------------------------------------------------------------------- sequence labelling

def gen_seq_labeling():
    """Per-step classification of padded sequences: nn.RNN(3, 5) -> nn.Linear(5, 4) at every step ->
    cross_entropy over (L*N, 4) with ignore_index=-100 at the padded steps (lengths 6, 4, 2) and label
    smoothing 0.05. Stores weights, input, targets (L, N), the loss and every parameter gradient."""
    seed = gf.seed_of("train_seq_labeling")
    torch.manual_seed(seed)
    L, N = 6, 3
    rnn, head = nn.RNN(3, 5), nn.Linear(5, 4)
    x = torch.randn(L, N, 3)
    t = torch.randint(0, 4, (L, N))
    for n, length in enumerate((6, 4, 2)):
        t[length:, n] = -100
    out, _ = rnn(x)
    logits = head(out)
    loss = F.cross_entropy(logits.reshape(L * N, 4), t.reshape(L * N), label_smoothing=0.05)
    loss.backward()
    T = {**{"rnn." + k: v for k, v in rnn.state_dict().items()}, **{"head." + k: v for k, v in head.state_dict().items()},
         "input": x, "target": t, "loss": loss.detach().reshape(())}
    for k, p in list(rnn.named_parameters()):
        T["grad.rnn." + k] = p.grad
    for k, p in list(head.named_parameters()):
        T["grad.head." + k] = p.grad
    M = meta_base(seed)
    M.update({"lengths": "6,4,2", "label_smoothing": "0.05", "ignore_index": "-100"})
    write("seq_labeling.safetensors", T, M, ["seq_labeling"])
    return float(loss)


# ----------------------------------------------------------------------------- end to end

E2E_STEPS, E2E_LR, E2E_CLIP = 20, 0.01, 1.0


def gen_e2e(mode="RNN"):
    seed = gf.seed_of("train_e2e_" + mode)
    torch.manual_seed(seed)
    L, N, F_IN, H, C = 12, 16, 4, 16, 3
    rnn = getattr(nn, mode)(F_IN, H, bidirectional=True)
    head = nn.Linear(2 * H, C)
    x = torch.randn(L, N, F_IN)
    t = torch.randint(0, C, (N,))
    init = {**{"rnn." + k: v.detach().clone() for k, v in rnn.state_dict().items()},
            **{"head." + k: v.detach().clone() for k, v in head.state_dict().items()}}
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=E2E_LR)
    losses, norms = [], []
    for _ in range(E2E_STEPS):
        opt.zero_grad()
        out = rnn(x)
        hn = out[1][0] if mode == "LSTM" else out[1]
        feats = torch.cat([hn[-2], hn[-1]], dim=-1)  # top layer, forward then reverse
        loss = F.cross_entropy(head(feats), t)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(params, E2E_CLIP)))
        losses.append(loss.item())
        opt.step()
    T = {**init, "input": x, "target": t, "loss": torch.tensor(losses), "grad_norm": torch.tensor(norms)}
    M = meta_base(seed)
    M.update({"module": mode, "input_size": str(F_IN), "hidden_size": str(H), "bidirectional": "true",
              "num_classes": str(C), "steps": str(E2E_STEPS), "lr": repr(E2E_LR), "max_norm": repr(E2E_CLIP),
              "task": "cross_entropy(Linear(cat(h_n[-2], h_n[-1])), target); Adam; clip_grad_norm_ after backward"})
    write("e2e_%s.safetensors" % mode.lower(), T, M, ["e2e"])
    return losses[0], losses[-1]


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    print("losses", gen_losses())
    print("optim", gen_optim())
    print("clip", gen_clip())
    print("schedules", gen_schedules())
    print("layers", gen_layers())
    print("seq_labeling", gen_seq_labeling())
    for mode in ("RNN", "LSTM"):
        print("e2e", mode, gen_e2e(mode))


if __name__ == "__main__":
    main()
