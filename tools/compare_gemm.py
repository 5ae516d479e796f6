#!/usr/bin/env python3
"""jrnn GEMM vs PyTorch (OpenBLAS) CPU, interleaved, as a Markdown ratio table.

Run from the repository root with the Debian PyTorch:
    /usr/bin/python3 tools/compare_gemm.py [--rounds 2] [--write docs/benchmarks.md]

Each round runs, one after the other: torch 1 thread, torch 2 threads, then the JMH GemmBench on
JDK 17 and JDK 25, each with the scalar and the Vector API kernel. Medians are taken over all
measured iterations of all rounds, so background load on the machine hits every contestant alike.
Ratio = jrnn time / torch time (below 1 means jrnn is faster). C = A·Wᵀ, W (N, K) in torch layout.

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
CONFIGS = [  # (name, java, fork flags)
    ("JDK 17 scalar", JDK17, SCALAR_FLAGS),
    ("JDK 17 vector", JDK17, VECTOR_FLAGS),
    ("JDK 25 scalar", JDK25, SCALAR_FLAGS),
    ("JDK 25 vector", JDK25, VECTOR_FLAGS),
]


def flops(shape):
    m, n, k = (int(x) for x in shape.split("x"))
    return 2.0 * m * n * k


def build(force):
    if force or not os.path.exists(JAR):
        print("building jrnn and benchmarks.jar ...", file=sys.stderr)
        sh(["mvn", "-B", "-q", "install", "-DskipTests"], cwd=ROOT)
        sh(["mvn", "-B", "-q", "package"], cwd=os.path.join(ROOT, "benchmarks"))


def run_torch(threads, shapes, seconds):
    out = sh(["/usr/bin/python3", os.path.join(ROOT, "tools", "bench_torch.py"), "--threads", str(threads),
              "--seconds", str(seconds), "--shapes", ",".join(shapes)])
    d = json.loads(out.strip().splitlines()[-1])
    return d, {r["shape"]: r["median_us"] for r in d["results"]}


def run_jmh(java, flags, shapes, threads, quick):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    it = ["-wi", "5", "-w", "300ms", "-i", "5", "-r", "300ms"] if quick else ["-wi", "5", "-w", "1s", "-i", "8", "-r", "1s"]
    cmd = [java, "-jar", JAR, "GemmBench", "-f", "1", *it, "-p", "shape=" + ",".join(shapes),
           "-p", "threads=" + ",".join(str(t) for t in threads), "-jvmArgsAppend", flags,
           "-rf", "json", "-rff", path]
    sh(cmd)
    with open(path) as f:
        data = json.load(f)
    os.unlink(path)
    out = {}
    for b in data:
        name = b["benchmark"].rsplit(".", 1)[1]
        key = (b["params"]["shape"], int(b["params"]["threads"]), name)
        out[key] = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    return data[0]["jdkVersion"] if data else "?", out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--configs", default="all", help="comma-separated subset of: 17s,17v,25s,25v")
    ap.add_argument("--full", action="store_true", help="longer JMH iterations (default: quick)")
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--write", help="replace the table between the gemm-table markers of this Markdown file")
    args = ap.parse_args()
    shapes = args.shapes.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    configs = CONFIGS
    if args.configs != "all":
        want = {"17s": 0, "17v": 1, "25s": 2, "25v": 3}
        configs = [CONFIGS[want[c]] for c in args.configs.split(",")]
    build(args.build)

    torch_times = {t: {s: [] for s in shapes} for t in threads}
    jrnn_times = {c[0]: {} for c in configs}
    jdk_versions = {}
    torch_info = {}
    for r in range(args.rounds):
        for t in threads:
            print(f"round {r + 1}/{args.rounds}: torch {t} thread(s)", file=sys.stderr)
            torch_info, med = run_torch(t, shapes, 1.0 if args.full else 0.6)
            for s, us in med.items():
                torch_times[t][s].append(us)
        for name, java, flags in configs:
            print(f"round {r + 1}/{args.rounds}: jrnn {name}", file=sys.stderr)
            ver, res = run_jmh(java, flags, shapes, threads, not args.full)
            jdk_versions[name] = ver
            for key, xs in res.items():
                jrnn_times[name].setdefault(key, []).extend(xs)

    lines = []
    w = lines.append
    w(f"Generated by `/usr/bin/python3 tools/compare_gemm.py --rounds {args.rounds}"
      f"{' --full' if args.full else ''}` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC.")
    w("")
    w(f"- Machine: {machine()}")
    w(f"- Load average at the end (other jobs share the machine): {os.getloadavg()[0]:.2f}")
    w(f"- PyTorch {torch_info.get('torch', '?')}, `torch.addmm(C, A, W.T)`, "
      "1 thread: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`, `torch.set_num_threads(1)`; "
      "2 threads: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2`.")
    w(benchlib.openblas_note(torch_info))
    for name, java, flags in configs:
        w(f"- jrnn {name}: JDK {jdk_versions.get(name, '?')} (`{java}`), fork flags `{flags}`")
    w("- JMH 1.37 `GemmBench`, " + ("5 x 1 s warm-up, 8 x 1 s measurement" if args.full
                                    else "5 x 300 ms warm-up, 5 x 300 ms measurement") + ", 1 fork per round.")
    w("- Cells: median µs per GEMM, (GFLOP/s), **ratio = jrnn time / torch time** (< 1: jrnn faster).")
    w("")
    head = "| M×N×K | threads | jrnn path | torch µs (GFLOP/s) | " + " | ".join(c[0] for c in configs) + " |"
    w(head)
    w("|" + "---|" * (4 + len(configs)))
    for s in shapes:
        for t in threads:
            tt = statistics.median(torch_times[t][s])
            for path in ("unpacked", "packed"):
                cells = []
                for name, _, _ in configs:
                    xs = jrnn_times[name].get((s, t, path))
                    if not xs:
                        cells.append("n/a")
                        continue
                    med = statistics.median(xs)
                    cells.append(f"{med:.1f} ({flops(s) / med / 1e3:.0f}) **{med / tt:.2f}**")
                w(f"| {s} | {t} | {path} | {tt:.1f} ({flops(s) / tt / 1e3:.0f}) | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        benchlib.write_table(args.write, "gemm-table", table)
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
