#!/usr/bin/python3
"""Randomised conformance sweep against real PyTorch: random module configurations, larger than the
committed fixtures' (inputs up to 1100, hidden sizes up to 513, batches up to 130), generated with the
committed generators, run through the conformance suites, then removed.

    /usr/bin/python3 tools/fuzz_conformance.py --seed 101 --count 30            # LSTM/GRU, RNN, packed
    /usr/bin/python3 tools/fuzz_conformance.py --seed 7 --kinds packed --count 50

For each kind it writes ``--count`` fixtures into the committed fixture directories (``lstm``/``gru``,
``rnn_grad``, ``packed``) with an ``index.txt`` that lists only them, runs the matching test classes in
every surefire execution (``mvn -o test -Dmaven.test.failure.ignore=true``; the vector, gemm-chain-256 and
scalar passes), prints each failure with the fixture's name, and finally restores the directories from
git. It refuses to start when those directories have uncommitted changes.

Configurations whose torch float32 result is itself far from float64 (forward > 5e-6, gradients > 5e-6
relative) are skipped: there the spec's tolerances (section 9) measure float32 noise, not conformance.
Above ``--count`` 0 the run takes about a minute per 30 fixtures of each kind plus the Maven run.
Findings of the first sweeps (2026-11-29) are in docs/semantics.md, "Numerics".
"""

import argparse
import glob
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402
import gen_grad_fixtures as gg  # noqa: E402
import gen_packed_fixtures as gp  # noqa: E402
import torch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FIXTURES = os.path.join("src", "test", "resources", "fixtures")
KINDS = {  # kind -> (fixture directories, test classes)
    "gated": (("lstm", "gru"), "LSTMConformanceTest,GRUConformanceTest"),
    "rnn": (("rnn_grad",), "RNNBackwardConformanceTest"),
    "packed": (("packed",), "PackedConformanceTest"),
}
TORCH_FWD = 5e-6
TORCH_GRAD = 5e-6


def gated(rnd, mode, i, outdir):
    big = rnd.random() < 0.4
    h = rnd.choice([300, 400, 513]) if big else rnd.choice([1, 2, 7, 16, 31, 33, 64, 100, 129, 200, 257])
    f = rnd.choice([1, 3, 17, 64, 250, 600, 1030, 1100]) if rnd.random() < 0.5 else rnd.randint(1, 300)
    unb = rnd.random() < 0.15
    c = dict(layers=rnd.choice([1, 1, 2, 3]), bidir=rnd.random() < 0.5, bias=rnd.random() < 0.8,
             batch_first=rnd.random() < 0.4, unbatched=unb,
             batch=3 if unb else (rnd.choice([1, 3, 16, 100]) if big else rnd.choice([0, 1, 1, 2, 5, 16, 40, 97, 130])),
             seq=rnd.choice([1, 3, 9]) if big else rnd.choice([1, 2, 7, 20, 33]),
             input_size=f, hidden_size=h, h0=rnd.random() < 0.5,
             proj=rnd.randint(1, h - 1) if mode == "LSTM" and h > 1 and rnd.random() < 0.35 else 0)
    name, err, gerr = gf.gen_gated(mode, c, i, outdir)
    return name, err <= TORCH_FWD and gerr <= TORCH_GRAD


def rnn(rnd, outdir):
    c = dict(nl=rnd.choice(["tanh", "tanh", "relu"]), layers=rnd.choice([1, 1, 2, 3]), bidir=rnd.random() < 0.5,
             bias=rnd.random() < 0.8, batch_first=rnd.random() < 0.4, unbatched=rnd.random() < 0.15,
             batch=rnd.choice([1, 2, 5, 16, 40, 97, 130]), seq=rnd.choice([1, 2, 7, 20, 33]),
             input_size=rnd.choice([1, 3, 17, 64, 250, 600, 1030, 1100]),
             hidden_size=rnd.choice([1, 2, 7, 16, 31, 33, 64, 100, 129, 257, 400]), h0=rnd.random() < 0.5)
    name, err = gg.gen_rnn_grad(c, outdir)
    return name, err <= TORCH_GRAD


def packed(rnd):
    mode = rnd.choice(["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
    h = rnd.choice([1, 5, 16, 33, 64, 130, 257])
    n = rnd.choice([1, 2, 5, 13, 40, 100])
    t = rnd.choice([1, 2, 6, 17, 40])
    lengths = [rnd.randint(1, t) for _ in range(n)]
    lengths[rnd.randrange(n)] = t
    # torch.sort is not stable above 16 elements, so tied lengths would be packed in another order
    # than jrnn's stable sort (docs/semantics.md): larger batches come sorted
    sort = rnd.random() < 0.3 or n > 16
    if sort:
        lengths.sort(reverse=True)
    c = dict(mode=mode, proj=rnd.randint(1, h - 1) if mode == "LSTM" and h > 1 and rnd.random() < 0.3 else 0,
             layers=rnd.choice([1, 1, 2, 3]), bidir=rnd.random() < 0.5, batch_first=rnd.random() < 0.5,
             enforce_sorted=sort, lengths=lengths, T=t, h0=rnd.random() < 0.5,
             F=rnd.choice([1, 4, 17, 64, 300, 1030]), H=h)
    name, gerr, _ = gp.gen(c)
    return name, gerr <= TORCH_GRAD


# the test methods that read the randomised index of a directory
METHODS = {"lstmMatchesTorch": "lstm", "gruMatchesTorch": "gru", "rnnGradientsMatchTorch": "rnn_grad",
           "packedMatchesTorch": "packed"}
WRITTEN = {}   # fixture directory -> names in index order


def write_index(outdir, names):
    WRITTEN[os.path.basename(outdir)] = list(names)
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.write("# randomised fixtures of tools/fuzz_conformance.py (removed after the run)\n")
        for n in names:
            f.write(n + "\n")


def generate(kind, rnd, count):
    torch.set_num_threads(1)
    made = 0
    for sub in KINDS[kind][0]:
        outdir = os.path.join(ROOT, FIXTURES, sub)
        names = []
        for i in range(count):
            try:
                if kind == "gated":
                    name, ok = gated(rnd, sub.upper(), i, outdir)
                elif kind == "rnn":
                    name, ok = rnn(rnd, outdir)
                else:
                    name, ok = packed(rnd)
            except AssertionError as e:   # a generator's own torch float32 vs float64 check
                print(f"  skipped (torch float32 vs float64): {e}")
                continue
            if ok and name not in names:
                names.append(name)
            elif not ok:
                print(f"  skipped (torch float32 far from float64): {name}")
        write_index(outdir, names)
        made += len(names)
    return made


def report():
    failures = 0
    for xml in sorted(glob.glob(os.path.join(ROOT, "target", "surefire-reports", "*", "TEST-*ConformanceTest.xml"))):
        execution = os.path.basename(os.path.dirname(xml))
        for case in ET.parse(xml).getroot().iter("testcase"):
            for bad in list(case.iter("failure")) + list(case.iter("error")):
                failures += 1
                msg = re.sub(r"\s+", " ", (bad.get("message") or "").strip())[:300]
                name = case.get("name")
                m = re.match(r"(\w+)\(String\)\[(\d+)\]$", name or "")
                if m and METHODS.get(m.group(1)) in WRITTEN:
                    name = WRITTEN[METHODS[m.group(1)]][int(m.group(2)) - 1]
                print(f"FAIL [{execution}] {name}: {msg}")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=30, help="fixtures per module kind (LSTM and GRU each)")
    ap.add_argument("--kinds", default="gated,rnn,packed")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    dirs = [os.path.join(FIXTURES, d) for k in kinds for d in KINDS[k][0]]
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *dirs], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout
    if dirty:
        sys.exit("uncommitted changes in the fixture directories; commit or stash them first:\n" + dirty)
    rnd = random.Random(args.seed)
    failures = 1
    try:
        total = sum(generate(k, rnd, args.count) for k in kinds)
        print(f"{total} fixtures (seed {args.seed}); running the conformance suites ...", flush=True)
        for old in glob.glob(os.path.join(ROOT, "target", "surefire-reports", "*", "TEST-*ConformanceTest.xml")):
            os.remove(old)
        tests = ",".join(KINDS[k][1] for k in kinds)
        build = subprocess.run(["mvn", "-B", "-q", "-o", "test", f"-Dtest={tests}",
                                "-Dsurefire.failIfNoSpecifiedTests=false", "-Dmaven.test.failure.ignore=true"],
                               cwd=ROOT, stdout=subprocess.DEVNULL)
        reports = glob.glob(os.path.join(ROOT, "target", "surefire-reports", "*", "TEST-*ConformanceTest.xml"))
        if build.returncode != 0 or not reports:
            print(f"the Maven run failed (exit {build.returncode}) or wrote no conformance reports")
        else:
            failures = report()
            print(f"{failures} failing test case(s) over all surefire executions")
    finally:
        subprocess.run(["git", "checkout", "-q", "--", *dirs], cwd=ROOT, check=True)
        subprocess.run(["git", "clean", "-q", "-f", "-d", "--", *dirs], cwd=ROOT, check=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
