#!/usr/bin/env python3
"""Times torch's nn.LSTM / nn.GRU on the lstm512, gru512 and lstm256lat rows of shared/bench/configs.md,
the counterpart of benchmarks/.../GatedRnnBench.

Run with the Debian PyTorch: /usr/bin/python3 tools/bench_torch_gated.py --threads 1
The thread environment must be set before torch is imported, so this script re-executes itself with
OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=<threads> (never torch's default OpenMP+BLAS mix).
"fwd" = inference under torch.no_grad() in eval mode; "fwd+bwd" = forward in train mode, then backward
of loss = sum(output) + sum(h_n) w.r.t. all parameters (input does not require grad), grads zeroed
between steps (outside nothing: zero_grad is part of the timed step, as cheap as jrnn's accumulation).
Prints one JSON object: {"torch": version, "threads": n, "results": [{config, mode, median_ms, samples}]}.
"""
import argparse
import json
import os
import statistics
import sys
import time

CONFIGS = {  # id: (module, T, N, I, H)
    "lstm512": ("LSTM", 50, 64, 512, 512),
    "gru512": ("GRU", 50, 64, 512, 512),
    "lstm256lat": ("LSTM", 150, 1, 256, 256),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=3.0, help="measuring time per config and mode")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated ids")
    args = ap.parse_args()
    env_ok = (os.environ.get("OMP_NUM_THREADS") == "1"
              and os.environ.get("OPENBLAS_NUM_THREADS") == str(args.threads))
    if not env_ok:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    from torch import nn
    torch.set_num_threads(1)
    torch.manual_seed(0)
    results = []
    for cid in args.configs.split(","):
        kind, t, n, i, h = CONFIGS[cid]
        m = (nn.LSTM if kind == "LSTM" else nn.GRU)(i, h)
        x = torch.randn(t, n, i)

        def fwd():
            with torch.no_grad():
                m(x)

        def fwd_bwd():
            m.zero_grad(set_to_none=False)
            out, hn = m(x)
            if kind == "LSTM":
                hn = hn[0]
            (out.sum() + hn.sum()).backward()

        for mode, fn, train in (("fwd", fwd, False), ("fwd+bwd", fwd_bwd, True)):
            m.train(train)
            end = time.perf_counter() + args.seconds * 0.3
            while time.perf_counter() < end:
                fn()
            samples = []
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end or len(samples) < 5:
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1e3)
            results.append({"config": cid, "mode": mode, "median_ms": statistics.median(samples),
                            "samples": len(samples)})
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "results": results}, indent=1))


if __name__ == "__main__":
    main()
