#!/usr/bin/env python3
"""Times PyTorch on the benchmark matrix of shared/bench/configs.md.

  --bench gemm (default): torch.addmm(C, A, W.T) on the GEMM shapes.
  --bench rnn: every row of the matrix (tools/benchlib.py ROWS), "fwd" (eval, no_grad) and "fwdBwd"
      (train mode; loss = sum(output) + sum(h_n), backward into the parameters; the input does not
      require grad; gradients accumulate between calls, as in jrnn's RnnBench).
  --bench step: one nn.RNNCell/LSTMCell/GRUCell inference step at the sizes of the single-layer rows.

Run with the Debian PyTorch: /usr/bin/python3 tools/bench_torch.py --threads 1 [--bench rnn]
The thread environment must be set before torch is imported, so this script re-executes itself
with OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=<threads> (never torch's default OpenMP+BLAS mix).
OpenBLAS: when it does not recognise the CPU model (VMs often mask it) it falls back to a generic SSE3
kernel ("Prescott"), 3-8x slower than its AVX-512 one; --openblas-core auto (the default) then re-runs
with OPENBLAS_CORETYPE set from the CPU's features, and the JSON records both cores.
glibc malloc: --malloc steady (the default) sets MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ so
that memory torch frees stays in the process (otherwise every training step page-faults its tensors
in afresh, up to 2x slower on this VM); the JSON's "malloc" says which settings ran.
Prints one JSON object: {"torch": version, "threads": n, "openblas_core": running kernel,
"openblas_detected": OpenBLAS's own choice, "openblas_coretype": the override or "", "results": [{shape, m, n, k, median_us,
gflops, samples}]} for gemm, {row, bench, median_ms, samples} for rnn and {row, bench: "step", median_us,
samples} for step (with --bench rnn,step, step rows are the --rows that have a step benchmark). GEMM: C = A·Wᵀ with A (M, K) and W (N, K) in torch weight layout.
"""
import argparse
import json
import os
import statistics
import sys
import time

# glibc returns large freed blocks to the kernel (mmap'd chunks, heap trimming), so a process that
# allocates and frees tens of MB per call takes a fresh page fault per 4 KiB page on every call: on
# the 2026-11-29 AMD VM, 81,000 minor faults per deepbench1760 training step and 380-470 ms instead of
# 240. Keeping freed memory makes torch's time its steady state (docs/benchmarks.md).
MALLOC_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
STEADY_MALLOC = {k: str(4 << 30) for k in MALLOC_VARS}

SHAPES = [(64, 512, 1024), (64, 512, 512), (64, 2048, 512), (16, 1760, 1760), (1024, 1024, 1024),
          (1, 128, 128)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0, help="measuring time per shape")
    ap.add_argument("--shapes", default="", help="gemm: comma-separated MxNxK list; default: all")
    ap.add_argument("--bench", default="gemm",
                    help="gemm, rnn, step, or rnn,step (both in one process: step results get bench \"step\")")
    ap.add_argument("--rows", default="", help="rnn/step: comma-separated row ids; default: all")
    ap.add_argument("--openblas-core", default="auto",
                    help="auto (default): OpenBLAS's own choice, unless it fell back to a pre-AVX2 kernel on a "
                         "CPU with AVX2 or AVX-512 (a model it does not know, as in VMs that mask the CPU "
                         "model): then the kernel its feature test would pick (OPENBLAS_CORETYPE); "
                         "'default': never override; or a core name for OPENBLAS_CORETYPE")
    ap.add_argument("--malloc", choices=("steady", "default"), default="steady",
                    help="steady (default): glibc malloc keeps freed memory (MALLOC_MMAP_THRESHOLD_ and "
                         "MALLOC_TRIM_THRESHOLD_ at 4 GiB), so torch's per-call tensors do not page-fault "
                         "afresh on every call; default: glibc's own thresholds")
    args = ap.parse_args()
    benches = args.bench.split(",")
    if benches != ["gemm"] and (not benches or any(b not in ("rnn", "step") for b in benches)):
        ap.error(f"--bench: expected gemm, rnn, step or rnn,step, got {args.bench}")
    malloc_env = STEADY_MALLOC if args.malloc == "steady" else {}
    env_ok = (os.environ.get("OMP_NUM_THREADS") == "1"
              and os.environ.get("OPENBLAS_NUM_THREADS") == str(args.threads)
              and all(os.environ.get(k) == v for k, v in malloc_env.items()))
    if not env_ok:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads), **malloc_env)
        if args.openblas_core not in ("auto", "default"):
            env["OPENBLAS_CORETYPE"] = args.openblas_core
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    torch.set_num_threads(1)  # intra-op (OpenMP) pool; BLAS threads come from OPENBLAS_NUM_THREADS
    core = openblas_core()
    if args.openblas_core == "auto" and "OPENBLAS_CORETYPE" not in os.environ:
        better = better_core(core)
        if better:   # re-execute with the kernel OpenBLAS would use had it recognised the CPU
            env = dict(os.environ, OPENBLAS_CORETYPE=better, JRNN_OPENBLAS_DETECTED=core)
            os.execve(sys.executable, [sys.executable] + sys.argv, env)
    forced = os.environ.get("OPENBLAS_CORETYPE", "")
    blas = {"openblas_core": core,   # what runs; what OpenBLAS chose itself when the choice was corrected or left
            "openblas_detected": os.environ.get("JRNN_OPENBLAS_DETECTED", "" if forced else core),
            "openblas_coretype": forced,
            "malloc": " ".join(f"{k}={os.environ[k]}" for k in MALLOC_VARS if k in os.environ) or "glibc default"}
    if benches != ["gemm"]:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import benchlib
        results = []
        for bench in benches:
            rows = args.rows.split(",") if args.rows else (list(benchlib.ROWS) if bench == "rnn"
                                                           else benchlib.STEP_ROWS)
            if bench == "step":
                rows = [r for r in rows if r in benchlib.STEP_ROWS] if len(benches) > 1 else rows
                results += [dict(r, bench="step") for r in bench_step(torch, benchlib, rows, args.seconds)]
            else:
                results += bench_rnn(torch, benchlib, rows, args.seconds)
        print(json.dumps({"torch": torch.__version__, "threads": args.threads, "bench": args.bench,
                          **blas, "results": results}))
        return
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
                      "blas": "OpenBLAS" if core != "?" or "openblas" in torch.__config__.show().lower() else "?",
                      **blas, "results": results}))


def openblas_core():
    """{@return the kernel set OpenBLAS runs (openblas_get_corename of the loaded library), or "?"}"""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line and line.split()[-1].startswith("/")}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_get_corename"):
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
    except OSError:
        pass
    return "?"


# OpenBLAS's generic x86-64 fallbacks, which it picks for a CPU model it does not recognise
FALLBACK_CORES = {"prescott", "katmai", "coppermine", "northwood", "banias", "core2", "penryn", "dunnington",
                  "nehalem", "atom", "barcelona", "opteron", "opteron_sse3", "athlon", "bobcat"}


def better_core(core):
    """{@return the OPENBLAS_CORETYPE for this CPU's features when OpenBLAS fell back to a generic kernel, else None}

    The same order as OpenBLAS's own feature test for newer models: AVX-512 BF16, AVX-512, AVX2 with FMA.
    """
    if core.lower() not in FALLBACK_CORES:
        return None
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= set(flags):
        return "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    if {"avx2", "fma"} <= set(flags):
        return "Haswell"
    return None


def make_module(torch, mode, i, h, layers=1, bidirectional=False):
    torch.manual_seed(42)
    if mode in ("RNN_TANH", "RNN_RELU"):
        return torch.nn.RNN(i, h, layers, nonlinearity="tanh" if mode == "RNN_TANH" else "relu",
                            bidirectional=bidirectional)
    return getattr(torch.nn, mode)(i, h, layers, bidirectional=bidirectional)


def bench_rnn(torch, benchlib, rows, seconds):
    results = []
    for row in rows:
        mode, t, n, i, h, layers, bi = benchlib.ROWS[row]
        m = make_module(torch, mode, i, h, layers, bi)
        x = torch.randn(t, n, i, generator=torch.Generator().manual_seed(7))

        def fwd():
            m.eval()
            with torch.no_grad():
                m(x)

        def fwd_bwd():
            m.train()
            out, hn = m(x)
            if isinstance(hn, tuple):
                hn = hn[0]
            (out.sum() + hn.sum()).backward()

        for name, fn in (("fwd", fwd), ("fwdBwd", fwd_bwd)):
            med, k = benchlib.time_call(fn, seconds)
            results.append({"row": row, "bench": name, "median_ms": med * 1e3, "samples": k})
    return results


def bench_step(torch, benchlib, rows, seconds):
    results = []
    for row in rows:
        mode, _, n, i, h, _, _ = benchlib.ROWS[row]
        torch.manual_seed(42)
        if mode.startswith("RNN"):
            cell = torch.nn.RNNCell(i, h, nonlinearity="tanh" if mode == "RNN_TANH" else "relu")
        else:
            cell = getattr(torch.nn, mode + "Cell")(i, h)
        cell.eval()
        g = torch.Generator().manual_seed(7)
        x = torch.randn(n, i, generator=g)
        hx = torch.randn(n, h, generator=g) * 0.5
        state = (hx, torch.randn(n, h, generator=g) * 0.5) if mode == "LSTM" else hx

        def step():
            with torch.no_grad():
                cell(x, state)

        med, k = benchlib.time_call(step, seconds)
        results.append({"row": row, "median_us": med * 1e6, "samples": k})
    return results


if __name__ == "__main__":
    main()
