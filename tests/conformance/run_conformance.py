#!/usr/bin/env python3
"""ONNX backend node-test conformance for aruntime.

Runs `aruntime test` over the node tests that ship with the installed onnx package, groups the
outcome per operator, prints a table, and checks it against the checked-in pass list: every test
listed in expected_pass.txt must still pass. Tests that pass but are not listed are reported as
new passes; `--update` rewrites the list from the current results.

    run_conformance.py --aruntime build/release/bin/aruntime            # check
    run_conformance.py --aruntime build/release/bin/aruntime --report   # + every failure message
    run_conformance.py --aruntime build/release/bin/aruntime --update   # rewrite the pass list

Another provider in front of the CPU reference (`--providers npu,cpu`, settings with
`--provider-option npu:precision=fp16`) runs the same tests against the same pass list, with
per-dtype tolerances that match that provider's documented numerics (--tolerances, chosen from the
provider and its precision by default; providers/npu/README.md derives the NPU's):

    run_conformance.py --aruntime build/release/bin/aruntime --providers npu,cpu \
        --min-flops-per-byte 0 --report

Exit status: 0 when no listed test regressed, 1 on a regression, 2 when the harness itself could
not run (no test data, the CLI reported nothing, bad arguments).
"""

import argparse
import collections
import concurrent.futures
import json
import os
import pathlib
import re
import selectors
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_EXPECTED = HERE / "expected_pass.txt"
DEFAULT_WORK_DIR = HERE / "data"  # git-ignored

# The tolerances of onnx's own backend test runner (onnx/backend/test/loader), passed explicitly
# so that a change of the CLI's defaults does not change what conformance means.
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-7

# Tolerances for providers whose numerics differ from the float32 reference by design, per output
# element type: (rtol, atol). A test gets the loosest tolerance among its floating-point outputs;
# integer outputs are compared exactly by the CLI whatever the tolerance. The NPU figures come from
# providers/npu/README.md ("Tolerances"): fp16 storage costs about 2^-11 relative per rounding, and
# int8 precision quantizes activations per tensor, so its error scales with a tensor's range.
TOLERANCE_PROFILES = {
    "reference": {},
    "npu-fp32": {"float32": (DEFAULT_RTOL, 1e-6), "float16": (DEFAULT_RTOL, 1e-6)},
    "npu-fp16": {"float32": (1e-2, 1e-3), "float16": (1e-2, 1e-3)},
    "npu-int8": {"float32": (5e-2, 5e-2), "float16": (5e-2, 5e-2)},
    # The CUDA provider computes float32 without TF32 and float16 with float accumulation, but sums
    # in another order than the reference (parallel reductions, cuBLAS/cuDNN algorithms): a small
    # absolute slack for values near zero.
    "gpu": {"float32": (DEFAULT_RTOL, 1e-6), "float16": (DEFAULT_RTOL, 1e-4)},
}

# One line per case from `aruntime test`: "PASS name", "FAIL name: why", "ERROR name: why".
RESULT_LINE = re.compile(r"^(PASS|FAIL|ERROR)\s+([^\s:]+):?\s*(.*)$")
# Its closing line: "N passed, N failed" (possibly ", N skipped", possibly a "word:" in front).
SUMMARY_LINE = re.compile(r"^(?:\w+:\s*)?(\d+) passed, (\d+) failed\b")
# An ERROR that says the runtime lacks the op (or a type of it), as opposed to a wrong answer or
# a crash. The partitioner reports "no provider (...) can run ..." as ErrorCode::kNotImplemented.
UNSUPPORTED_MESSAGE = re.compile(
    r"not implemented|no provider|unsupported|not support|no kernel", re.IGNORECASE)
EXPANDED_SUFFIX = re.compile(r"_expanded(_ver\d+)?$")

PASS, FAIL, ERROR, UNSUPPORTED = "pass", "fail", "error", "unsupported"
# When a test reports several lines (one per data set), the worst one decides.
SEVERITY = {PASS: 0, UNSUPPORTED: 1, FAIL: 2, ERROR: 3}


class HarnessError(Exception):
    """The conformance run itself could not be carried out."""


# ---------------------------------------------------------------------------------------------
# Test data


def find_node_tests(data_dir, work_dir):
    """Returns the folder holding the test_* node-test folders."""
    if data_dir:
        root = pathlib.Path(data_dir)
        if not root.is_dir():
            raise HarnessError(f"--data-dir {root} is not a directory")
        return root
    try:
        import onnx
    except ImportError as e:
        raise HarnessError(f"cannot import onnx ({e}); run scripts/bootstrap.sh and use "
                           f"{REPO_ROOT / '.venv/bin/python'}") from e
    bundled = pathlib.Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"
    if bundled.is_dir() and any(bundled.glob("test_*/model.onnx")):
        return bundled
    generated = pathlib.Path(work_dir) / f"generated-onnx-{onnx.__version__}"
    if not any((generated / "node").glob("test_*/model.onnx")):
        print(f"conformance: the onnx wheel has no node test data; generating it in {generated}",
              flush=True)
        subprocess.run([sys.executable, "-m", "onnx.backend.test.cmd_tools", "generate-data",
                        "-o", str(generated)], check=True)
    return generated / "node"


def list_tests(root):
    return sorted(p.name for p in root.iterdir()
                  if p.name.startswith("test_") and (p / "model.onnx").is_file())


def model_operator(model_path):
    """The operator a node test exercises: its single node, else its first non-Constant node."""
    import onnx
    model = onnx.load(str(model_path), load_external_data=False)
    nodes = list(model.graph.node)
    if not nodes:
        return "(empty graph)"
    chosen = next((n for n in nodes if n.op_type != "Constant"), nodes[0])
    domain = chosen.domain if chosen.domain not in ("", "ai.onnx") else ""
    return f"{domain}::{chosen.op_type}" if domain else chosen.op_type


def test_operators(root, tests, work_dir):
    """Maps every test to its operator, cached in work_dir (reading 1,000+ models takes a while)."""
    cache_path = pathlib.Path(work_dir) / "node_test_ops.json"
    key = str(root.resolve())
    cache = {}
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        pass
    ops = dict(cache.get(key, {}))
    # An expanded test runs the function body of an op; it is counted under that op.
    for name in tests:
        if name not in ops and not EXPANDED_SUFFIX.search(name):
            ops[name] = model_operator(root / name / "model.onnx")
    for name in tests:
        if name not in ops:
            base = EXPANDED_SUFFIX.sub("", name)
            ops[name] = ops.get(base) or model_operator(root / name / "model.onnx")
    if ops != cache.get(key):
        cache[key] = ops
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
        except OSError as e:
            print(f"conformance: warning: cannot write {cache_path}: {e}", file=sys.stderr)
    return ops


def output_types(root, tests, work_dir):
    """Maps every test to the element type names of its graph outputs, cached in work_dir."""
    import onnx
    cache_path = pathlib.Path(work_dir) / "node_test_output_types.json"
    key = str(root.resolve())
    cache = {}
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        pass
    types = dict(cache.get(key, {}))
    for name in tests:
        if name in types:
            continue
        model = onnx.load(str(root / name / "model.onnx"), load_external_data=False)
        names = []
        for out in model.graph.output:
            t = out.type
            elem = (t.tensor_type.elem_type if t.HasField("tensor_type") else
                    t.sequence_type.elem_type.tensor_type.elem_type
                    if t.HasField("sequence_type") else 0)
            try:
                names.append(onnx.helper.tensor_dtype_to_np_dtype(elem).name)
            except (KeyError, ValueError, TypeError):
                names.append("other")
        types[name] = names
    if types != cache.get(key):
        cache[key] = types
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache, indent=0, sort_keys=True))
        except OSError as e:
            print(f"conformance: warning: cannot write {cache_path}: {e}", file=sys.stderr)
    return types


def tolerance_for(profile, dtypes, rtol, atol):
    """(rtol, atol) for a test whose outputs have `dtypes` under a tolerance profile."""
    table = TOLERANCE_PROFILES[profile]
    best = (rtol, atol)
    for dtype in dtypes:
        if dtype in table:
            r, a = table[dtype]
            best = (max(best[0], r), max(best[1], a))
    return best


def resolve_profile(args):
    """The tolerance profile: --tolerances, or the one of the first non-CPU provider."""
    if args.tolerances != "auto":
        return args.tolerances
    providers = [p for p in (args.providers or "cpu").split(",") if p]
    if not providers or providers[0] == "cpu":
        return "reference"
    first = providers[0]
    if first in TOLERANCE_PROFILES:
        return first
    precision = "fp16"
    for option in args.provider_option:
        if option.startswith(first + ":precision="):
            precision = option.split("=", 1)[1]
    profile = f"{first}-{precision}"
    if profile not in TOLERANCE_PROFILES:
        raise HarnessError(f"no tolerance profile for provider {first} at precision {precision}; "
                           f"pass --tolerances ({', '.join(TOLERANCE_PROFILES)})")
    return profile


# ---------------------------------------------------------------------------------------------
# Running the CLI


class Outcome:
    __slots__ = ("status", "message", "reported")

    def __init__(self, status, message="", reported=True):
        self.status = status
        self.message = message
        self.reported = reported  # False: made up by the harness (crash, hang, no line printed)


def classify(verdict, message):
    if verdict == "PASS":
        return PASS
    if verdict == "FAIL":
        return FAIL
    return UNSUPPORTED if UNSUPPORTED_MESSAGE.search(message) else ERROR


def parse_cli_output(text, names):
    """Parses `aruntime test` output into {test name: Outcome} for the tests in `names`.

    Returns (outcomes, summary) where summary is (passed, failed) from the closing line, or None.
    A case name may come back as the folder path or with a data-set suffix; it is matched to the
    test by its path components.
    """
    wanted = set(names)
    outcomes = {}
    summary = None
    for raw in text.splitlines():
        line = raw.strip()
        m = SUMMARY_LINE.match(line)
        if m:
            summary = (int(m.group(1)), int(m.group(2)))
            continue
        m = RESULT_LINE.match(line)
        if not m:
            continue
        verdict, case, message = m.groups()
        name = next((part for part in reversed(case.split("/")) if part in wanted), None)
        if name is None:
            continue
        status = classify(verdict, message)
        previous = outcomes.get(name)
        if previous is None or SEVERITY[status] > SEVERITY[previous.status]:
            outcomes[name] = Outcome(status, message)
    return outcomes, summary


NO_RESULT = "no result reported by the CLI"


def run_cli(cli, root, names, cli_args, idle_timeout):
    """Runs one `aruntime test` process over `names`.

    Returns (outcomes, died): died describes how the process ended early (killed by a signal, or
    silent for `idle_timeout` seconds and so killed), else None. Output printed before that is
    parsed either way.
    """
    cmd = [cli, "test", *cli_args, *[str(root / n) for n in names]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    received = []
    died = None
    last_output = time.monotonic()
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            if selector.select(timeout=0.5):
                data = os.read(proc.stdout.fileno(), 1 << 16)
                if not data:
                    break
                received.append(data)
                last_output = time.monotonic()
            elif time.monotonic() - last_output > idle_timeout:
                died = f"timed out (no output for {idle_timeout:g} s)"
                break
    try:
        proc.wait(timeout=0 if died else idle_timeout)
    except subprocess.TimeoutExpired:
        died = died or f"timed out (still running {idle_timeout:g} s after closing its output)"
        proc.kill()
        proc.wait()
    proc.stdout.close()
    if died is None and proc.returncode < 0:
        died = f"crashed (signal {-proc.returncode})"
    # Messages name files by absolute path; relative to the test root they stay readable.
    text = b"".join(received).decode("utf-8", errors="replace").replace(f"{root}/", "")
    outcomes, summary = parse_cli_output(text, names)
    if died is None and summary is not None and sum(summary) < len(outcomes):
        print(f"conformance: warning: the CLI's closing line counts {sum(summary)} cases but "
              f"{len(outcomes)} were reported", file=sys.stderr)
    return outcomes, died


def run_tests(cli, root, names, cli_args, jobs, chunk_size, idle_timeout):
    """Runs every test, chunk by chunk in `jobs` parallel processes.

    A crash or hang loses the rest of its chunk, so the tests a chunk did not report are run again
    one process each; the one that still dies is recorded as an error saying how it died.
    Returns {test name: Outcome}.
    """
    chunks = [names[i:i + chunk_size] for i in range(0, len(names), chunk_size)]

    def run_chunk(chunk):
        outcomes, died = run_cli(cli, root, chunk, cli_args, idle_timeout)
        for name in [n for n in chunk if n not in outcomes]:
            single_died = died
            if len(chunk) > 1:
                single, single_died = run_cli(cli, root, [name], cli_args, idle_timeout)
                outcomes.update(single)
            if name not in outcomes:
                outcomes[name] = Outcome(ERROR, single_died or NO_RESULT, reported=False)
        return outcomes

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for outcomes in pool.map(run_chunk, chunks):
            results.update(outcomes)
    return results


# ---------------------------------------------------------------------------------------------
# Pass list


def read_pass_list(path):
    """Returns (header comment lines, test names)."""
    header, names = [], []
    if not path.exists():
        return header, names
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and not names:
            header.append(line)
        elif stripped and not stripped.startswith("#"):
            names.append(stripped)
    return header, names


def write_pass_list(path, header, names):
    body = "\n".join(header + sorted(set(names)))
    path.write_text(body + "\n")


# ---------------------------------------------------------------------------------------------
# Report


TRAINING_DOMAIN = "ai.onnx.preview.training"


def print_table(results, ops):
    per_op = collections.defaultdict(collections.Counter)
    for name, outcome in results.items():
        per_op[ops[name]][outcome.status] += 1
    width = max([len("operator")] + [len(op) for op in per_op])
    header = f"{'operator':<{width}}" + "".join(
        f"  {column:>5}" for column in ("tests", "pass", "fail", "unsup", "error"))
    print(header)
    print("-" * len(header))
    for op in sorted(per_op, key=str.lower):
        c = per_op[op]
        total = sum(c.values())
        print(f"{op:<{width}}  {total:>5}  {c[PASS]:>5}  {c[FAIL]:>5}  {c[UNSUPPORTED]:>5}  "
              f"{c[ERROR]:>5}")
    totals = collections.Counter(o.status for o in results.values())
    n = len(results)
    full = sum(1 for c in per_op.values() if c[PASS] == sum(c.values()))
    some = sum(1 for c in per_op.values() if 0 < c[PASS] < sum(c.values()))
    print("-" * len(header))
    print(f"{'all':<{width}}  {n:>5}  {totals[PASS]:>5}  {totals[FAIL]:>5}  "
          f"{totals[UNSUPPORTED]:>5}  {totals[ERROR]:>5}")
    pct = 100.0 * totals[PASS] / n if n else 0.0
    print(f"\nconformance: {totals[PASS]} of {n} node tests pass ({pct:.1f}%); "
          f"{full} of {len(per_op)} operators pass all their tests, {some} some of them")
    # The headline figure leaves out training-only operators (the ai.onnx.preview.training
    # domain: optimizers and gradients), which an inference runtime does not implement.
    training = sorted(name for name in results if ops[name].startswith(TRAINING_DOMAIN + "::"))
    if training:
        scored = {name: o for name, o in results.items() if name not in set(training)}
        passed = sum(1 for o in scored.values() if o.status == PASS)
        pct = 100.0 * passed / len(scored) if scored else 0.0
        print(f"conformance: excluding {len(training)} tests of training-only operators "
              f"({', '.join(training)}): {passed} of {len(scored)} pass ({pct:.1f}%)")


def print_failures(results, ops):
    bad = [(ops[n], n, o) for n, o in results.items() if o.status != PASS]
    if not bad:
        return
    print("\nTests that do not pass:")
    for op, name, outcome in sorted(bad):
        print(f"  {outcome.status.upper():<11} {name} [{op}]: {outcome.message}")


def write_results_file(path, results, ops):
    lines = [f"{name}\t{ops[name]}\t{o.status}\t{o.message}" for name, o in sorted(results.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("test\toperator\tstatus\tmessage\n" + "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Run the ONNX backend node tests with `aruntime test` and check them "
                    "against the pass list.")
    parser.add_argument("--aruntime", required=True, help="path to the aruntime CLI binary")
    parser.add_argument("--expected", type=pathlib.Path, default=DEFAULT_EXPECTED,
                        help="pass list (default: %(default)s)")
    parser.add_argument("--data-dir", help="folder of test_* node tests (default: the ones "
                        "bundled with the installed onnx package)")
    parser.add_argument("--work-dir", type=pathlib.Path, default=DEFAULT_WORK_DIR,
                        help="cache, results.tsv and generated data (default: %(default)s)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the pass list with every test that passes now")
    parser.add_argument("--report", action="store_true",
                        help="also list every test that does not pass, with its message")
    parser.add_argument("--only-expected", action="store_true",
                        help="run only the tests in the pass list (fast regression check)")
    parser.add_argument("--filter", metavar="REGEX",
                        help="run only tests whose name or operator matches REGEX")
    parser.add_argument("--rtol", type=float, default=DEFAULT_RTOL)
    parser.add_argument("--atol", type=float, default=DEFAULT_ATOL)
    parser.add_argument("--providers", metavar="LIST",
                        help="providers for `aruntime test --providers` (default: the CLI's, cpu)")
    parser.add_argument("--provider-option", metavar="EP:KEY=VALUE", action="append", default=[],
                        help="passed to `aruntime test --provider-option` (repeatable)")
    parser.add_argument("--min-flops-per-byte", metavar="X",
                        help="passed to `aruntime test --min-flops-per-byte` (0 keeps the "
                        "partitioner from moving small device claims back to the host)")
    parser.add_argument("--opt-level", metavar="N", choices=["0", "1", "2", "3"],
                        help="passed to `aruntime test --opt-level` (default: the CLI's, the "
                        "highest); the pass list must hold at every level")
    parser.add_argument("--tolerances", default="auto",
                        choices=["auto", *TOLERANCE_PROFILES],
                        help="per-dtype tolerance profile (default auto: reference for the CPU, "
                        "else the first provider's at its precision)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="CLI processes at once (default: %(default)s)")
    parser.add_argument("--chunk-size", type=int, default=100,
                        help="tests per CLI process (default: %(default)s)")
    parser.add_argument("--test-timeout", type=float, default=30.0,
                        help="seconds the CLI may go without printing a result before it is "
                        "taken as hung (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.update and (args.only_expected or args.filter):
        parser.error("--update needs the full run (no --only-expected or --filter)")
    if args.update and (args.providers or args.provider_option or args.tolerances != "auto" or
                        args.opt_level is not None):
        parser.error("--update rewrites the CPU reference's pass list: run it without --providers, "
                     "--provider-option, --tolerances and --opt-level")
    if args.jobs < 1 or args.chunk_size < 1 or args.test_timeout <= 0:
        parser.error("--jobs, --chunk-size and --test-timeout must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    cli = pathlib.Path(args.aruntime)
    if not (cli.is_file() and os.access(cli, os.X_OK)):
        raise HarnessError(f"--aruntime {cli} is not an executable file")

    root = find_node_tests(args.data_dir, args.work_dir)
    all_tests = list_tests(root)
    if not all_tests:
        raise HarnessError(f"no node tests (test_*/model.onnx) under {root}")
    ops = test_operators(root, all_tests, args.work_dir)
    header, expected = read_pass_list(args.expected)

    selected = all_tests
    if args.only_expected:
        selected = [n for n in all_tests if n in set(expected)]
    if args.filter:
        pattern = re.compile(args.filter)
        selected = [n for n in selected if pattern.search(n) or pattern.search(ops[n])]

    provider_args = []
    if args.providers:
        provider_args += ["--providers", args.providers]
    for option in args.provider_option:
        provider_args += ["--provider-option", option]
    if args.min_flops_per_byte is not None:
        provider_args += ["--min-flops-per-byte", args.min_flops_per_byte]
    if args.opt_level is not None:
        provider_args += ["--opt-level", args.opt_level]
    profile = resolve_profile(args)

    print(f"conformance: {len(selected)} of {len(all_tests)} node tests from {root}", flush=True)
    if provider_args:
        print(f"conformance: {' '.join(provider_args)}; tolerance profile {profile}", flush=True)
    started = time.monotonic()
    results = {}
    if selected:
        # Tests run in batches that share one tolerance.
        batches = collections.defaultdict(list)
        dtypes = output_types(root, selected, args.work_dir) if profile != "reference" else {}
        for name in selected:
            batches[tolerance_for(profile, dtypes.get(name, []), args.rtol, args.atol)].append(name)
        for (rtol, atol), names in sorted(batches.items()):
            if profile != "reference":
                print(f"conformance: {len(names)} tests at rtol {rtol:g}, atol {atol:g}", flush=True)
            cli_args = [*provider_args, "--rtol", repr(rtol), "--atol", repr(atol)]
            results.update(run_tests(str(cli), root, names, cli_args, args.jobs,
                                     args.chunk_size, args.test_timeout))
        if not any(o.reported for o in results.values()):
            raise HarnessError(f"{cli} reported no result for any of {len(selected)} tests; "
                               "expected 'PASS name' / 'FAIL name: ...' / 'ERROR name: ...' lines")
    elapsed = time.monotonic() - started

    if results:
        print_table(results, ops)
        print(f"conformance: ran in {elapsed:.1f} s")
        write_results_file(args.work_dir / "results.tsv", results, ops)
        print(f"conformance: per-test results in {args.work_dir / 'results.tsv'}")
    if args.report:
        print_failures(results, ops)

    expected_set = set(expected)
    passing = {n for n, o in results.items() if o.status == PASS}
    missing = sorted(n for n in expected_set if n not in set(all_tests))
    regressed = sorted(n for n in expected_set if n in results and n not in passing)
    new_passes = sorted(passing - expected_set)

    if args.update:
        write_pass_list(args.expected, header, passing)
        print(f"conformance: wrote {len(passing)} tests to {args.expected} "
              f"(was {len(expected_set)}; {len(new_passes)} added, "
              f"{len(regressed) + len(missing)} removed)")
        for name in regressed + missing:
            print(f"  removed: {name}")
        return 0

    if new_passes:
        print(f"\nconformance: {len(new_passes)} tests pass that are not in the pass list - "
              f"welcome! Add them with `make conformance-update` "
              f"(run_conformance.py --update):")
        for name in new_passes:
            print(f"  new pass: {name} [{ops[name]}]")
    failed = regressed + missing
    if provider_args:
        listed_pass = len([n for n in expected_set if n in passing])
        listed_run = len([n for n in expected_set if n in results])
        print(f"\nconformance: with {' '.join(provider_args)}: {listed_pass} of {listed_run} tests "
              f"of {args.expected.name} (the CPU reference's pass list) pass; {len(passing)} of "
              f"{len(results)} run pass in all")
    if failed:
        print(f"\nconformance: REGRESSION: {len(failed)} of {len(expected_set)} tests in "
              f"{args.expected.name} do not pass:")
        for name in regressed:
            o = results[name]
            print(f"  {o.status.upper():<11} {name} [{ops[name]}]: {o.message}")
        for name in missing:
            print(f"  MISSING     {name}: listed, but no such node test in {root}")
        return 1
    print(f"\nconformance: OK: all {len(expected_set)} tests in {args.expected.name} pass")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except HarnessError as e:
        print(f"conformance: error: {e}", file=sys.stderr)
        sys.exit(2)
