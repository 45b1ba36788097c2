#!/usr/bin/env python3
"""aruntime at --opt-level 0 and at the default level 3 beside onnxruntime, interleaved by round.

Each round runs, per model, `aruntime bench --opt-level 0`, `aruntime bench` (level 3) and ORT
(compare_ort.py's ort_bench: same input generation, ORT at its default, highest optimization
level), each for ITER timed runs after a warmup; ITER is chosen once per model for about 1.5 s of
timed runs (at least 15). The figure per configuration is the median over rounds of each round's
median, and the level-3/level-0 ratio is also given per round (range), since the two ran back to
back under the same load. The machine is shared and noisy: read the ratios.

  bench/optimizer_levels.py --aruntime build/release/bin/aruntime [--rounds 5] [--threads 2]
                            [--json OUT.json] MODEL.onnx...
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from compare_ort import ort_bench  # noqa: E402
import onnxruntime as ort  # noqa: E402


def aruntime_median(binary, model, level, threads, warmup, iterations):
    cmd = [binary, "bench", model, "--threads", str(threads), "--warmup", str(warmup),
           "--iterations", str(iterations), "--json"]
    if level is not None:
        cmd += ["--opt-level", str(level)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--aruntime", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()

    plan = {}
    for m in args.models:
        estimate = aruntime_median(args.aruntime, m, None, args.threads, 2, 5)
        plan[m] = max(15, int(1500 / max(estimate, 0.01)))
    res = {m: {"L0": [], "L3": [], "ORT": []} for m in args.models}
    for r in range(args.rounds):
        for m in args.models:
            it = plan[m]
            res[m]["L0"].append(aruntime_median(args.aruntime, m, 0, args.threads, 3, it))
            res[m]["L3"].append(aruntime_median(args.aruntime, m, None, args.threads, 3, it))
            res[m]["ORT"].append(ort_bench(m, args.threads, 3, it, 0)["median_ms"])
            print(f"round {r} {m}: L0 {res[m]['L0'][-1]:.3f} L3 {res[m]['L3'][-1]:.3f} "
                  f"ORT {res[m]['ORT'][-1]:.3f} ({it} it)", flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"onnxruntime": ort.__version__, "threads": args.threads, "iterations": plan,
             "rounds": args.rounds, "results": res}, indent=1))
    print(f"onnxruntime {ort.__version__}, {args.threads} threads, {args.rounds} rounds")
    print("| model | L0 ms | L3 ms | L3 / L0 (per round) | ORT ms | L3 / ORT |")
    print("| --- | --- | --- | --- | --- | --- |")
    for m in args.models:
        l0 = statistics.median(res[m]["L0"])
        l3 = statistics.median(res[m]["L3"])
        o = statistics.median(res[m]["ORT"])
        per_round = [a / b for a, b in zip(res[m]["L3"], res[m]["L0"])]
        print(f"| `{pathlib.Path(m).parent.name or m}` | {l0:.3f} | {l3:.3f} | "
              f"{statistics.median(per_round):.2f} ({min(per_round):.2f}–{max(per_round):.2f}) | "
              f"{o:.3f} | {l3 / o:.2f} |")


if __name__ == "__main__":
    main()
