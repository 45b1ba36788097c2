#!/usr/bin/env python3
"""End-to-end model test: builds the models of make_models.py and runs `aruntime test` on them.

    run_model_tests.py ARUNTIME OUT_DIR [--rtol R] [--atol A]

Passes when the CLI exits 0 and reports PASS, and nothing else, for every model.
"""

import argparse
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
RESULT_LINE = re.compile(r"^(PASS|FAIL|ERROR)\s+([^\s:]+)")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aruntime", help="path to the aruntime CLI binary")
    parser.add_argument("out_dir", type=pathlib.Path, help="where the models are written")
    parser.add_argument("--rtol", default="1e-4")
    parser.add_argument("--atol", default="1e-5")
    args = parser.parse_args(argv)

    subprocess.run([sys.executable, str(HERE / "make_models.py"), str(args.out_dir)], check=True)
    cases = sorted(p.parent for p in args.out_dir.glob("*/model.onnx"))
    if not cases:
        print(f"run_model_tests: make_models.py wrote no model under {args.out_dir}")
        return 1

    cmd = [args.aruntime, "test", "--rtol", args.rtol, "--atol", args.atol, *map(str, cases)]
    print("+ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL)
    print(proc.stdout, end="")

    verdicts = {case.name: set() for case in cases}
    for line in proc.stdout.splitlines():
        m = RESULT_LINE.match(line.strip())
        if m:
            name = next((part for part in reversed(m.group(2).split("/")) if part in verdicts),
                        None)
            if name:
                verdicts[name].add(m.group(1))
    problems = []
    if proc.returncode != 0:
        problems.append(f"the CLI exited with status {proc.returncode}")
    for name, seen in verdicts.items():
        if seen != {"PASS"}:
            problems.append(f"{name}: " + (", ".join(sorted(seen)) if seen else "no result"))
    if problems:
        print("run_model_tests: FAILED: " + "; ".join(problems))
        return 1
    print(f"run_model_tests: all {len(cases)} models match onnxruntime "
          f"(rtol {args.rtol}, atol {args.atol})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
