#!/usr/bin/env python3
"""Times torch.addmm(C, A, W.T) on the GEMM shapes of shared/bench/configs.md.

Run with the Debian PyTorch: /usr/bin/python3 tools/bench_torch.py --threads 1
The thread environment must be set before torch is imported, so this script re-executes itself
with OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=<threads> (never torch's default OpenMP+BLAS mix).
Prints one JSON object: {"torch": version, "threads": n, "results": [{shape, m, n, k, median_us,
gflops, samples}]}. C = A·Wᵀ with A (M, K) and W (N, K) in torch weight layout.
"""
import argparse
import json
import os
import statistics
import sys
import time

SHAPES = [(64, 512, 1024), (64, 512, 512), (64, 2048, 512), (16, 1760, 1760), (1024, 1024, 1024),
          (1, 128, 128)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0, help="measuring time per shape")
    ap.add_argument("--shapes", default="", help="comma-separated MxNxK list; default: all")
    args = ap.parse_args()
    env_ok = (os.environ.get("OMP_NUM_THREADS") == "1"
              and os.environ.get("OPENBLAS_NUM_THREADS") == str(args.threads))
    if not env_ok:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    torch.set_num_threads(1)  # intra-op (OpenMP) pool; BLAS threads come from OPENBLAS_NUM_THREADS
    shapes = SHAPES
    if args.shapes:
        shapes = [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    results = []
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for (m, n, k) in shapes:
            a = torch.rand(m, k, generator=gen) - 0.5
            w = torch.rand(n, k, generator=gen) - 0.5
            c = torch.zeros(m, n)
            out = torch.empty(m, n)
            wt = w.t()
            flops = 2.0 * m * n * k
            # warm-up: half the measuring time
            end = time.perf_counter() + args.seconds * 0.5
            while time.perf_counter() < end:
                torch.addmm(c, a, wt, out=out)
            samples = []
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end or len(samples) < 5:
                reps = 0
                t0 = time.perf_counter()
                while True:
                    torch.addmm(c, a, wt, out=out)
                    reps += 1
                    el = time.perf_counter() - t0
                    if el >= 0.002:
                        break
                samples.append(el / reps)
            med = statistics.median(samples)
            results.append({"shape": f"{m}x{n}x{k}", "m": m, "n": n, "k": k, "median_us": med * 1e6,
                            "gflops": flops / med / 1e9, "samples": len(samples)})
    print(json.dumps({"torch": torch.__version__, "threads": args.threads,
                      "blas": "OpenBLAS" if "openblas" in torch.__config__.show().lower() else "?",
                      "results": results}))


if __name__ == "__main__":
    main()
