"""Shared pieces of the benchmark scripts: the matrix of shared/bench/configs.md, timing, machine info.

RnnBench/StepBench (benchmarks/, class Rows) hold the same rows for the jrnn side.
"""
import fcntl
import platform
import re
import statistics
import subprocess
import sys
import time

# id: (mode, T, N, I, H, layers, bidirectional)
ROWS = {
    "rnn512": ("RNN_TANH", 50, 64, 512, 512, 1, False),
    "rnn512x2bi": ("RNN_TANH", 50, 64, 512, 512, 2, True),
    "deepbench1760": ("RNN_RELU", 25, 16, 1760, 1760, 1, False),
    "latency128": ("RNN_TANH", 100, 1, 128, 128, 1, False),
    "rnn256x2bi": ("RNN_TANH", 50, 32, 256, 256, 2, True),
    "lstm512": ("LSTM", 50, 64, 512, 512, 1, False),
    "gru512": ("GRU", 50, 64, 512, 512, 1, False),
    "lstm256lat": ("LSTM", 150, 1, 256, 256, 1, False),
    "tiny": ("RNN_TANH", 128, 16, 5, 7, 4, True),
}
STEP_ROWS = ["rnn512", "deepbench1760", "latency128", "lstm512", "gru512", "lstm256lat"]

# issue #10 targets on JDK 25 with the Vector API: (fwd, fwd+bwd) ratio ceilings
TARGETS = {r: (0.9, 0.9) for r in ("rnn512", "rnn512x2bi", "rnn256x2bi", "lstm512", "gru512")}
TARGETS["deepbench1760"] = (0.7, 0.5)
TARGETS.update({r: (0.25, 0.3) for r in ("latency128", "lstm256lat", "tiny")})


def time_call(fn, seconds, min_samples=5):
    """Median seconds per call of fn: warm-up for half of `seconds`, then samples of >= 2 ms each."""
    end = time.perf_counter() + seconds * 0.5
    fn()
    while time.perf_counter() < end:
        fn()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < min_samples:
        reps = 0
        t0 = time.perf_counter()
        while True:
            fn()
            reps += 1
            el = time.perf_counter() - t0
            if el >= 0.002:
                break
        samples.append(el / reps)
    return statistics.median(samples), len(samples)


LOCK = "/tmp/jmh.lock"


def hold_lock():
    """Returns the open lock file once this process holds LOCK exclusively (flock; waits for any other
    benchmark run of the scripts to finish). Close it, or exit, to release."""
    lock = open(LOCK, "w")
    print(f"waiting for {LOCK} ...", file=sys.stderr)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def machine():
    info = {}
    try:
        for line in sh(["lscpu"]).splitlines():
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    except Exception:  # noqa: BLE001
        pass
    flags = info.get("Flags", "").split()
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    vm = f"; {info['Hypervisor vendor']} VM" if info.get("Hypervisor vendor") else ""
    return (f"{info.get('Model name', platform.processor())}, {info.get('CPU(s)', '?')} CPUs "
            f"({info.get('Core(s) per socket', '?')} cores x {info.get('Socket(s)', '?')} socket, "
            f"{info.get('Thread(s) per core', '?')} thread/core), L1d {info.get('L1d cache', '?')}, "
            f"L2 {info.get('L2 cache', '?')}, L3 {info.get('L3 cache', '?')}, {', '.join(simd)}{vm}")


def openblas_note(info):
    """{@return the header line on which OpenBLAS kernel torch ran, and whether it was corrected}"""
    core = info.get("openblas_core", "?")
    detected = info.get("openblas_detected", "")
    if info.get("openblas_coretype") and detected and detected != core:
        return (f"- OpenBLAS kernel: **{core}**, set with `OPENBLAS_CORETYPE={core}` by `bench_torch.py "
                f"--openblas-core auto`: OpenBLAS did not recognise this CPU model and chose the generic "
                f"{detected} kernel, several times slower (docs/benchmarks.md, \"OpenBLAS on an unrecognised CPU\"); "
                f"the table compares against the kernel OpenBLAS picks for these CPU features.")
    if info.get("openblas_coretype"):
        return f"- OpenBLAS kernel: {core} (forced with `OPENBLAS_CORETYPE`)."
    return f"- OpenBLAS kernel: {core} (OpenBLAS's own choice)."


def malloc_note(info):
    """{@return the header line on torch's glibc malloc settings (tools/bench_torch.py --malloc)}"""
    m = info.get("malloc", "?")
    if m == "glibc default":
        return "- torch's malloc: glibc's default thresholds (`bench_torch.py --malloc default`)."
    return (f"- torch's malloc: `{m}` (`bench_torch.py --malloc steady`, the default): freed memory stays in "
            "the process, so torch's tensors are not page-faulted in afresh on every call "
            "(docs/benchmarks.md, \"torch and page faults\").")


def write_table(path, marker, table):
    """Replaces the text between <!-- {marker}:begin --> and <!-- {marker}:end --> in the file at path."""
    with open(path) as f:
        doc = f.read()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    if begin not in doc or end not in doc:
        raise SystemExit(f"{path} has no {begin} ... {end} markers")
    doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + table + "\n" + end, doc,
                 flags=re.S)
    with open(path, "w") as f:
        f.write(doc)
