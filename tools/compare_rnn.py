#!/usr/bin/env python3
"""jrnn RNN/LSTM/GRU vs PyTorch CPU on the benchmark matrix, interleaved, as a Markdown ratio table.

Run from the repository root with the Debian PyTorch:
    /usr/bin/python3 tools/compare_rnn.py --quick    # ≈ 12 min: JDK 25 + Vector API, 1 round
    /usr/bin/python3 tools/compare_rnn.py --full     # ≈ 3 h (estimate): JDK 17/25 x scalar/vector, 3 rounds
    /usr/bin/python3 tools/compare_rnn.py --smoke    # ≈ 2 min plumbing check, never writes the doc
    /usr/bin/python3 tools/compare_rnn.py --configs 25v,25s,17v,17s   # ≈ 45 min: all four columns, quick counts
    /usr/bin/python3 tools/compare_rnn.py --configs 25v,25s,17v,17s --target-rounds 2
        # ≈ 55 min: all four columns once, torch and the JDK 25 vector column (the targets) in 2 rounds
        # (each further target round ≈ 12 min)

The unit of interleaving is one row at one thread count: torch (tools/bench_torch.py --bench rnn,step
for that row) and one JMH fork of RnnBench (and StepBench) per jrnn configuration run back to back,
the JDK 25 vector column always next to torch and every other unit in the reverse order, and the
ratio is taken inside the unit. This VM's speed drifts by 20-60 % over minutes (docs/design-notes.md);
pairing puts the two halves of a ratio within a minute of each other, where whole passes of one
contestant after the other put them 10-40 min apart (whether that narrows the ratios depends on the
day: the script prints the spread over rounds of each). A round goes over every unit;
a cell is the median of its per-round ratios. --target-rounds N adds rounds of torch and the JDK 25
vector column only, so the column with targets gets a median over N rounds for the cost of one
round of the others.
Ratio = jrnn time / torch time (< 1: jrnn faster). A quick or full run over every row replaces the
table between the rnn-table markers of docs/benchmarks.md; --rows or --smoke runs only print.
Runs hold /tmp/jmh.lock (flock) so that two benchmark runs on the machine never overlap.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JDK17 = os.environ.get("JDK17_JAVA", "java")
JDK25 = os.environ.get("JDK25_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
VECTOR = "--add-modules jdk.incubator.vector -Djrnn.simd=vector"
SCALAR = "-Djrnn.simd=scalar"
CONFIGS = {"25v": ("JDK 25 vector", JDK25, VECTOR), "25s": ("JDK 25 scalar", JDK25, SCALAR),
           "17v": ("JDK 17 vector", JDK17, VECTOR), "17s": ("JDK 17 scalar", JDK17, SCALAR)}


def build(jar, maven_repo, force):
    if force or not os.path.exists(jar):
        print("building jrnn and benchmarks.jar ...", file=sys.stderr)
        repo = [f"-Dmaven.repo.local={maven_repo}"] if maven_repo else []
        benchlib.sh(["mvn", "-B", "-q", "install", "-DskipTests", *repo], cwd=ROOT)
        benchlib.sh(["mvn", "-B", "-q", "package", *repo], cwd=os.path.join(ROOT, "benchmarks"))


def run_torch(threads, row, step, seconds):
    """{@return (bench_torch's JSON header, {(row, bench): median ms})} for one row and thread count."""
    script = os.path.join(ROOT, "tools", "bench_torch.py")
    d = json.loads(benchlib.sh(["/usr/bin/python3", script, "--threads", str(threads),
                                "--bench", "rnn,step" if step else "rnn", "--seconds", str(seconds),
                                "--rows", row]).strip().splitlines()[-1])
    out = {}
    for r in d["results"]:
        out[(r["row"], r["bench"])] = r["median_us"] / 1e3 if r["bench"] == "step" else r["median_ms"]
    return d, out


def run_jmh(jar, java, flags, row, step, threads, iters):
    """{@return (JDK version, {(row, bench): median of the iteration means in ms})}: one JMH fork."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    regex = "(RnnBench|StepBench)\\." if step else "RnnBench\\."
    cmd = [java, "-jar", jar, regex, "-f", "1", *iters, "-p", f"row={row}", "-p", f"threads={threads}",
           "-jvmArgsAppend", flags, "-rf", "json", "-rff", path]
    benchlib.sh(cmd)
    with open(path) as f:
        data = json.load(f)
    os.unlink(path)
    out = {}
    version = "?"
    for b in data:
        version = b["jdkVersion"]
        name = b["benchmark"].rsplit(".", 1)[1]
        unit = b["primaryMetric"]["scoreUnit"]
        scale = {"ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6, "s/op": 1e3}[unit]
        out[(b["params"]["row"], name)] = statistics.median(
            x * scale for fork in b["primaryMetric"]["rawData"] for x in fork)
    return version, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="JDK 25 vector only, 1 round (default)")
    mode.add_argument("--full", action="store_true", help="all four JDK/path configurations, 3 rounds")
    mode.add_argument("--smoke", action="store_true", help="tiny iteration counts, two rows; never writes")
    ap.add_argument("--rows", default="", help="comma-separated subset of row ids (then nothing is written)")
    ap.add_argument("--configs", default="", help="override: comma-separated subset of 25v,25s,17v,17s")
    ap.add_argument("--rounds", type=int, default=0, help="override the number of rounds")
    ap.add_argument("--target-rounds", type=int, default=0,
                    help="rounds for torch and the JDK 25 vector column (at least --rounds; the other "
                         "columns run in the first --rounds rounds only)")
    ap.add_argument("--jar", default=os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar"))
    ap.add_argument("--maven-repo", default="", help="-Dmaven.repo.local for the build")
    ap.add_argument("--build", action="store_true", help="rebuild the library and benchmarks.jar first")
    ap.add_argument("--write", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "benchmarks", "target", "compare_rnn_raw.json"),
                    help="every per-round median as JSON ('' to skip)")
    args = ap.parse_args()

    rows = args.rows.split(",") if args.rows else list(benchlib.ROWS)
    if args.smoke and not args.rows:
        rows = ["latency128", "tiny"]
    for r in rows:
        if r not in benchlib.ROWS:
            raise SystemExit(f"unknown row {r}; rows: {', '.join(benchlib.ROWS)}")
    step_rows = [r for r in benchlib.STEP_ROWS if r in rows]
    configs = args.configs.split(",") if args.configs else (["25v", "25s", "17v", "17s"] if args.full else ["25v"])
    rounds = args.rounds or (3 if args.full else 1)
    if args.target_rounds and args.target_rounds < rounds:
        raise SystemExit(f"--target-rounds must be at least the number of rounds ({rounds}), got {args.target_rounds}")
    total_rounds = max(rounds, args.target_rounds)
    forks = {c: total_rounds if c == "25v" else rounds for c in configs}
    threads = [1, 2]
    if args.smoke:
        iters = ["-wi", "1", "-w", "200ms", "-i", "1", "-r", "200ms"]
        seconds = 0.3
    elif args.full:
        iters = ["-wi", "8", "-w", "1s", "-i", "8", "-r", "1s"]
        seconds = 3.0
    else:
        iters = ["-wi", "6", "-w", "1s", "-i", "5", "-r", "1s"]
        seconds = 2.0
    complete = not args.smoke and not args.rows
    build(args.jar, args.maven_repo, args.build)

    lock = benchlib.hold_lock()
    start = datetime.datetime.utcnow()
    # One unit = one row at one thread count: torch, then each jrnn configuration, back to back, so that
    # the times whose ratio is taken are measured within a minute of each other. The JDK 25 vector
    # column always sits next to torch; odd units run in the reverse order.
    units = [(row, t) for row in rows for t in threads]
    torch_t = {}                          # (row, t, bench) -> per-round torch medians (ms)
    jrnn_ms = {c: {} for c in configs}    # (row, t, bench) -> per-round jrnn medians (ms), rounds 1..forks[c]

    def ratios(c, key):
        """{@return the per-round ratios jrnn / torch of a cell: a configuration runs in the first rounds}"""
        return [j / t for j, t in zip(jrnn_ms[c].get(key, []), torch_t.get(key, []))]
    versions = {}
    info = {}
    loads = []
    for r in range(total_rounds):
        for u, (row, t) in enumerate(units):
            step = row in step_rows
            order = ["torch"] + sorted((c for c in configs if r < forks[c]), key=lambda c: c != "25v")
            if (r + u) % 2:
                order.reverse()
            tres = None
            jres = {}
            for who in order:
                if who == "torch":
                    info, tres = run_torch(t, row, step, seconds)
                else:
                    name, java, flags = CONFIGS[who]
                    versions[who], jres[who] = run_jmh(args.jar, java, flags, row, step, t, iters)
            benches = ("fwd", "fwdBwd", "step") if step else ("fwd", "fwdBwd")
            for bench in benches:
                torch_t.setdefault((row, t, bench), []).append(tres[(row, bench)])
                for c, res in jres.items():
                    jrnn_ms[c].setdefault((row, t, bench), []).append(res[(row, bench)])
            elapsed = (datetime.datetime.utcnow() - start).total_seconds() / 60
            print(f"round {r + 1}/{total_rounds} {row} {t}t ({elapsed:.0f} min): "
                  + ", ".join(f"{bench} torch {tres[(row, bench)]:.3f} ms"
                              + "".join(f" {c} {jres[c][(row, bench)] / tres[(row, bench)]:.2f}" for c in jres)
                              for bench in benches), file=sys.stderr)
        loads.append(os.getloadavg()[0])
    lock.close()
    minutes = (datetime.datetime.utcnow() - start).total_seconds() / 60

    flag = "--full" if args.full else ("--smoke" if args.smoke else "--quick")
    if args.configs:
        flag += " --configs " + args.configs
    if args.rounds:
        flag += f" --rounds {args.rounds}"
    if args.target_rounds:
        flag += f" --target-rounds {args.target_rounds}"
    lines = []
    w = lines.append
    w(f"Generated by `/usr/bin/python3 tools/compare_rnn.py {flag}"
      f"{' --rows ' + args.rows if args.rows else ''}` on {start:%Y-%m-%d %H:%M} UTC ({minutes:.0f} min).")
    w("")
    w(f"- Machine: {benchlib.machine()}")
    w(f"- Load average after each round (other jobs may share the machine): "
      f"{', '.join(f'{x:.2f}' for x in loads)}")
    w(f"- Pairing: one unit = one row at one thread count; torch and each jrnn configuration run back to "
      f"back in it (the JDK 25 vector column next to torch; every other unit in the reverse order), and "
      f"the ratio is taken inside the unit. {total_rounds} round(s) over all units.")
    w(f"- PyTorch {info.get('torch', '?')}: 1 thread = `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1` and "
      "`torch.set_num_threads(1)`; 2 threads = `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2`; "
      f"`tools/bench_torch.py --bench rnn,step --seconds {seconds}`, median of per-call samples. The torch "
      "column is the median over rounds.")
    w(benchlib.openblas_note(info))
    w(benchlib.malloc_note(info))
    for c in configs:
        name, java, flags = CONFIGS[c]
        w(f"- jrnn {name}: JDK {versions.get(c, '?')} (`{java}`), fork flags `{flags}`; JMH `{' '.join(iters)}`, "
          f"one fork per unit and round ({forks[c]} round(s)); median of the iteration means. "
          "`Threads.setCount(1|2)`.")
    w("- fwd+bwd: the input does not require grad on either side (jrnn: `backward(..., inputGradient = false)`).")
    w("- Cells: torch ms, then **ratio = jrnn time / torch time** per jrnn configuration (< 1: jrnn faster): "
      "the median over rounds of the per-unit ratios; with more than one round, the lowest and highest "
      "in brackets. Target: issue #10's ceiling for JDK 25 with the Vector API.")
    w("")
    names = [CONFIGS[c][0] for c in configs]

    def cell(c, key):
        xs = ratios(c, key)
        if not xs:
            return "n/a", None
        m = statistics.median(xs)
        spread = f" ({min(xs):.2f}–{max(xs):.2f})" if len(xs) > 1 else ""
        return f"**{m:.2f}**{spread}", m

    w("| row | bench | threads | torch ms | " + " | ".join(names) + " | target | |")
    w("|" + "---|" * (6 + len(names)))
    met = 0
    total = 0
    for row in rows:
        for bench, idx in (("fwd", 0), ("fwdBwd", 1)):
            for t in threads:
                tt = statistics.median(torch_t[(row, t, bench)])
                cells = []
                ratio25v = None
                for c in configs:
                    text, m = cell(c, (row, t, bench))
                    cells.append(text)
                    if c == "25v":
                        ratio25v = m
                target = benchlib.TARGETS[row][idx]
                verdict = ""
                if ratio25v is not None:
                    total += 1
                    ok = ratio25v <= target
                    met += ok
                    verdict = "met" if ok else "missed"
                label = "fwd" if bench == "fwd" else "fwd+bwd"
                w(f"| {row} | {label} | {t} | {tt:.3f} | " + " | ".join(cells) + f" | ≤ {target} | {verdict} |")
    w("")
    w(f"Targets met (JDK 25 vector): {met} of {total}.")
    if step_rows:
        w("")
        w("One inference step alone (`StepBench`: `RNNCell`/`LSTMCell`/`GRUCell` forward vs torch's cell "
          "under `no_grad`), torch µs and ratios:")
        w("")
        w("| row | threads | torch µs | " + " | ".join(names) + " |")
        w("|" + "---|" * (3 + len(names)))
        for row in step_rows:
            for t in threads:
                tt = statistics.median(torch_t[(row, t, "step")])
                w(f"| {row} | {t} | {tt * 1e3:.1f} | " + " | ".join(cell(c, (row, t, "step"))[0] for c in configs)
                  + " |")
    spread = {name: [] for name in ("torch", "jrnn", "ratio")}
    for key in jrnn_ms.get("25v", {}):
        rs = ratios("25v", key)
        if len(rs) > 1:
            for name, xs in (("torch", torch_t[key]), ("jrnn", jrnn_ms["25v"][key]), ("ratio", rs)):
                spread[name].append(max(xs) / min(xs) - 1)
    if spread["ratio"]:
        w("")
        med = {name: statistics.median(xs) * 100 for name, xs in spread.items()}
        w(f"Spread over the rounds, JDK 25 vector column, {len(spread['ratio'])} cells (median over the cells of "
          f"highest / lowest − 1): torch's time {med['torch']:.0f} %, jrnn's time {med['jrnn']:.0f} %, "
          f"the paired ratio {med['ratio']:.0f} %.")
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"start": f"{start:%Y-%m-%d %H:%M}", "versions": versions, "info": info,
                       "torch_ms": {"|".join(map(str, k)): v for k, v in torch_t.items()},
                       "jrnn_ms": {c: {"|".join(map(str, k)): v for k, v in d.items()} for c, d in jrnn_ms.items()}},
                      f, indent=1)
        print(f"wrote {args.raw}", file=sys.stderr)
    table = "\n".join(lines)
    print(table)
    if complete and args.write:
        benchlib.write_table(args.write, "rnn-table", table)
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
