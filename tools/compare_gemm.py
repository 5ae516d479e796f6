#!/usr/bin/env python3
"""jrnn GEMM vs PyTorch (OpenBLAS) CPU, paired, as a Markdown ratio table.

Run from the repository root with the Debian PyTorch:
    /usr/bin/python3 tools/compare_gemm.py [--rounds 2] [--write docs/benchmarks.md]

The unit of pairing is one shape at one thread count: torch (tools/bench_torch.py for that shape),
then one JMH fork of GemmBench (unpacked and packed) per jrnn configuration, back to back; the JDK 25
vector column always runs next to torch, and every other unit runs in the reverse order. The ratio
is taken inside the unit (jrnn's median iteration over torch's median call), and a cell is the
median of its per-round ratios, with the lowest and highest in brackets when there is more than one
round. This VM's speed drifts over minutes (docs/design-notes.md), so the two halves of a ratio are
measured within seconds of each other rather than in separate passes.
Ratio = jrnn time / torch time (below 1 means jrnn is faster). C = A·Wᵀ, W (N, K) in torch layout.
Runs hold /tmp/jmh.lock (flock), like compare_rnn.py, so two benchmark runs never overlap.

Builds what is missing: `mvn -B -q install -DskipTests` at the root and `mvn -B -q package` in
benchmarks/ (pass --build to force both).
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import machine, sh  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")
JDK17 = os.environ.get("JDK17_JAVA", "java")
JDK25 = os.environ.get("JDK25_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
SHAPES = ["64x512x1024", "64x512x512", "64x2048x512", "16x1760x1760", "1024x1024x1024", "1x128x128"]
VECTOR_FLAGS = "--add-modules jdk.incubator.vector -Djrnn.simd=vector"
SCALAR_FLAGS = "-Djrnn.simd=scalar"
CONFIGS = {  # id: (name, java, fork flags), in table order
    "17s": ("JDK 17 scalar", JDK17, SCALAR_FLAGS),
    "17v": ("JDK 17 vector", JDK17, VECTOR_FLAGS),
    "25s": ("JDK 25 scalar", JDK25, SCALAR_FLAGS),
    "25v": ("JDK 25 vector", JDK25, VECTOR_FLAGS),
}
PATHS = ("unpacked", "packed")


def flops(shape):
    m, n, k = (int(x) for x in shape.split("x"))
    return 2.0 * m * n * k


def build(force):
    if force or not os.path.exists(JAR):
        print("building jrnn and benchmarks.jar ...", file=sys.stderr)
        sh(["mvn", "-B", "-q", "install", "-DskipTests"], cwd=ROOT)
        sh(["mvn", "-B", "-q", "package"], cwd=os.path.join(ROOT, "benchmarks"))


def run_torch(threads, shape, seconds):
    """{@return (bench_torch's JSON header, torch's median µs)} for one shape at one thread count."""
    out = sh(["/usr/bin/python3", os.path.join(ROOT, "tools", "bench_torch.py"), "--threads", str(threads),
              "--seconds", str(seconds), "--shapes", shape])
    d = json.loads(out.strip().splitlines()[-1])
    return d, {r["shape"]: r["median_us"] for r in d["results"]}[shape]


def run_jmh(java, flags, shape, threads, iters):
    """{@return (JDK version, {path: median µs over the iterations})}: one JMH fork of GemmBench."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [java, "-jar", JAR, "GemmBench", "-f", "1", *iters, "-p", "shape=" + shape,
           "-p", f"threads={threads}", "-jvmArgsAppend", flags, "-rf", "json", "-rff", path]
    sh(cmd)
    with open(path) as f:
        data = json.load(f)
    os.unlink(path)
    out = {}
    for b in data:
        name = b["benchmark"].rsplit(".", 1)[1]
        out[name] = statistics.median(x for fork in b["primaryMetric"]["rawData"] for x in fork)
    return data[0]["jdkVersion"] if data else "?", out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--configs", default="17s,17v,25s,25v", help="comma-separated subset of: 17s,17v,25s,25v")
    ap.add_argument("--full", action="store_true", help="longer JMH iterations (default: quick)")
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--write", help="replace the table between the gemm-table markers of this Markdown file")
    args = ap.parse_args()
    shapes = args.shapes.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    configs = [c for c in CONFIGS if c in args.configs.split(",")]
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    if unknown or not configs:
        raise SystemExit(f"--configs: expected a subset of {','.join(CONFIGS)}, got {args.configs}")
    iters = (["-wi", "5", "-w", "1s", "-i", "8", "-r", "1s"] if args.full
             else ["-wi", "5", "-w", "300ms", "-i", "5", "-r", "300ms"])
    seconds = 1.0 if args.full else 0.6
    build(args.build)

    lock = benchlib.hold_lock()
    start = datetime.datetime.utcnow()
    units = [(s, t) for s in shapes for t in threads]
    torch_us = {}                         # (shape, t) -> per-round torch medians (µs)
    jrnn_us = {c: {} for c in configs}    # (shape, t, path) -> per-round jrnn medians (µs)
    versions = {}
    info = {}
    loads = []
    for r in range(args.rounds):
        for u, (s, t) in enumerate(units):
            # torch, then each configuration: the JDK 25 vector one next to torch; odd units reversed
            order = ["torch"] + sorted(configs, key=lambda c: c != "25v")
            if (r + u) % 2:
                order.reverse()
            for who in order:
                if who == "torch":
                    info, us = run_torch(t, s, seconds)
                    torch_us.setdefault((s, t), []).append(us)
                else:
                    _, java, flags = CONFIGS[who]
                    versions[who], res = run_jmh(java, flags, s, t, iters)
                    for p in PATHS:
                        jrnn_us[who].setdefault((s, t, p), []).append(res[p])
            elapsed = (datetime.datetime.utcnow() - start).total_seconds() / 60
            print(f"round {r + 1}/{args.rounds} {s} {t}t ({elapsed:.0f} min): torch {torch_us[(s, t)][-1]:.1f} µs"
                  + "".join(f", {c} {jrnn_us[c][(s, t, 'packed')][-1] / torch_us[(s, t)][-1]:.2f} packed"
                            for c in configs), file=sys.stderr)
        loads.append(os.getloadavg()[0])
    lock.close()
    minutes = (datetime.datetime.utcnow() - start).total_seconds() / 60

    lines = []
    w = lines.append
    flag = f"--rounds {args.rounds}{' --full' if args.full else ''}"
    if args.shapes != ",".join(SHAPES):
        flag += f" --shapes {args.shapes}"
    if args.threads != "1,2":
        flag += f" --threads {args.threads}"
    if args.configs != "17s,17v,25s,25v":
        flag += f" --configs {args.configs}"
    w(f"Generated by `/usr/bin/python3 tools/compare_gemm.py {flag}` on {start:%Y-%m-%d %H:%M} UTC "
      f"({minutes:.0f} min).")
    w("")
    w(f"- Machine: {machine()}")
    w(f"- Load average after each round (other jobs may share the machine): {', '.join(f'{x:.2f}' for x in loads)}")
    w("- Pairing: one unit = one shape at one thread count; torch and one JMH fork per jrnn configuration run "
      "back to back in it (the JDK 25 vector column next to torch; every other unit in the reverse order), and "
      f"the ratio is taken inside the unit. {args.rounds} round(s) over all units.")
    w(f"- PyTorch {info.get('torch', '?')}, `torch.addmm(C, A, W.T)`, "
      "1 thread: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`, `torch.set_num_threads(1)`; "
      "2 threads: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2`; "
      f"`tools/bench_torch.py --seconds {seconds}`, median of per-call samples.")
    w(benchlib.openblas_note(info))
    w(benchlib.malloc_note(info))
    for c in configs:
        name, java, flags = CONFIGS[c]
        w(f"- jrnn {name}: JDK {versions.get(c, '?')} (`{java}`), fork flags `{flags}`")
    w(f"- JMH 1.37 `GemmBench` `{' '.join(iters)}`, one fork per unit and round; the median iteration.")
    w("- Cells: median µs per GEMM over the rounds, (GFLOP/s), then **ratio = jrnn time / torch time** "
      "(< 1: jrnn faster): the median of the per-round ratios, with the lowest and highest in brackets "
      "when there is more than one round. The torch column is the median over rounds.")
    w("")
    w("| M×N×K | threads | jrnn path | torch µs (GFLOP/s) | " + " | ".join(CONFIGS[c][0] for c in configs) + " |")
    w("|" + "---|" * (4 + len(configs)))
    spread = []
    for s in shapes:
        for t in threads:
            tts = torch_us[(s, t)]
            tt = statistics.median(tts)
            for p in PATHS:
                cells = []
                for c in configs:
                    xs = jrnn_us[c][(s, t, p)]
                    rs = [x / y for x, y in zip(xs, tts)]
                    med = statistics.median(xs)
                    rng = f" ({min(rs):.2f}–{max(rs):.2f})" if len(rs) > 1 else ""
                    cells.append(f"{med:.1f} ({flops(s) / med / 1e3:.0f}) **{statistics.median(rs):.2f}**{rng}")
                    if c == "25v" and len(rs) > 1:
                        spread.append(max(rs) / min(rs) - 1)
                w(f"| {s} | {t} | {p} | {tt:.1f} ({flops(s) / tt / 1e3:.0f}) | " + " | ".join(cells) + " |")
    if spread:
        w("")
        w(f"Spread of the paired ratio over the rounds, JDK 25 vector column, {len(spread)} cells (median over the "
          f"cells of highest / lowest − 1): {statistics.median(spread) * 100:.0f} %.")
    table = "\n".join(lines)
    print(table)
    if args.write:
        benchlib.write_table(args.write, "gemm-table", table)
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
