#!/usr/bin/env python3
"""Checks and benchmarks corpus models on the GPU execution provider, against the CPU EP and
PyTorch eager on the same GPU, and writes one markdown table (tests/gpu/run-on-device.sh runs it).

    gpu_benchmark.py --aruntime BIN --corpus DIR --work DIR --markdown FILE --json FILE
                     [--models NAME ...] [--providers gpu,cpu] [--torch-device cuda]
                     [--batches 1 8] [--iterations 50] [--deadline-s SECONDS]

For every model, a folder that tests/models/corpus/make_corpus.py wrote:

1. correctness: `aruntime test --providers P` against the folder's onnxruntime outputs, and
   `aruntime compare --providers P --against cpu` (every value of the run against the CPU EP's;
   the table shows the largest absolute error of the graph outputs);
2. placement: `aruntime explain --providers P --json`: nodes on the first provider, copies per run
   between device memories and their bytes;
3. latency: `aruntime bench --providers P` at each batch size (wall-clock median per run, the
   device's own time per run and its memory peak from Session::provider_device_stats()), and
   `aruntime bench --providers cpu` at batch 1;
4. PyTorch eager: the very torch.nn.Module that make_corpus.py exports (its builder runs with the
   export function replaced by one that hands the module and its example inputs over), timed on
   --torch-device with torch.cuda.synchronize() after every run, TF32 off (the runtime computes
   in float32), inputs already on the device. Its batch-1 output is checked against the corpus
   reference, which shows the module is the one the model was exported from.

Batch 1 and batch 8 inputs are the model's example inputs cut or tiled along dimension 0; the
corpus model is used as is where its batch is already that size, else the module is exported
again at that batch with make_corpus.py's own export function. A model whose export at another
batch fails is reported "n/a" at that batch (its graph fixes the batch), not as a failure.

The table and the JSON are rewritten after every model, so a run stopped at its deadline keeps
what it measured. Exit status: 0 when every model was built, placed, correct and measured; 1
otherwise; 2 on bad arguments.
"""

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS_SCRIPTS = REPO / "tests" / "models" / "corpus"

MIB = 1024.0 * 1024.0


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def run_cli(args, timeout, deadline, log):
    """Runs the CLI; returns (returncode, stdout, stderr). Times out as returncode None."""
    budget = min(timeout, deadline.left())
    if budget < 1:
        return None, "", "not run: the deadline has passed"
    log(f"$ {' '.join(map(str, args))}")
    try:
        r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out, f"timed out after {budget:.0f} s"
    if r.returncode != 0:
        log(f"  exit {r.returncode}: {r.stderr.strip() or r.stdout.strip()[-500:]}")
    return r.returncode, r.stdout, r.stderr


def last_json_object(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON object in the output")


def first_problem(out, err, rc):
    """The line that says what went wrong: the first FAIL/ERROR case, else the error line."""
    for line in out.splitlines():
        if line.startswith(("FAIL ", "ERROR ")):
            return line.strip()[:400]
    text = (err or out).strip()
    return text.splitlines()[-1][:400] if text else ("timed out" if rc is None else f"exit {rc}")


def max_abs_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.abs(a - b)
    diff[both_nan] = 0.0
    return float(np.nan_to_num(diff, nan=math.inf).max())


# ---------------------------------------------------------------------------------------------
# The torch module behind a corpus model


class _Handed(Exception):
    pass


def corpus_module(name, log):
    """(module, args, input_names, output_names, export) for a make_corpus.py model built by
    torch export, or None (a shipped .onnx file, a scikit-learn model)."""
    sys.path.insert(0, str(CORPUS_SCRIPTS))
    try:
        import make_corpus
    finally:
        sys.path.pop(0)
    if name not in make_corpus.MODELS:
        return None
    handed = {}
    export = make_corpus.torch_export

    def hand_over(module, args, input_names, output_names, dynamic_axes=None):
        handed.update(module=module, args=tuple(args), input_names=list(input_names),
                      output_names=list(output_names))
        raise _Handed()

    make_corpus.torch_export = hand_over
    try:
        make_corpus.MODELS[name]()
    except _Handed:
        pass
    except Exception as e:  # not a torch model: its builder needs something else
        log(f"{name}: no torch module ({type(e).__name__}: {e})")
        return None
    finally:
        make_corpus.torch_export = export
    if not handed:
        return None
    return handed["module"], handed["args"], handed["input_names"], handed["output_names"], export


def at_batch(tensor, batch):
    """The tensor cut or tiled along dimension 0 to `batch` rows."""
    rows = tensor.shape[0]
    if rows >= batch:
        return tensor[:batch].clone()
    reps = [math.ceil(batch / rows)] + [1] * (tensor.dim() - 1)
    return tensor.repeat(*reps)[:batch].clone()


def write_inputs(folder, names, tensors):
    folder.mkdir(parents=True, exist_ok=True)
    options = []
    for name, t in zip(names, tensors):
        path = folder / f"{name}.npy"
        np.save(path, t.detach().cpu().numpy())
        options += ["--input", f"{name}={path}"]
    return options


def corpus_inputs(case):
    """--input options for the case's test_data_set_0 (.pb files carry the input names)."""
    options = []
    for path in sorted((case / "test_data_set_0").glob("input_*.pb"),
                       key=lambda p: int(p.stem[len("input_"):])):
        proto = onnx.TensorProto()
        proto.ParseFromString(path.read_bytes())
        options += ["--input", f"{proto.name}={path}"]
    return options


def corpus_outputs(case):
    outputs = []
    for path in sorted((case / "test_data_set_0").glob("output_*.pb"),
                       key=lambda p: int(p.stem[len("output_"):])):
        proto = onnx.TensorProto()
        proto.ParseFromString(path.read_bytes())
        outputs.append(numpy_helper.to_array(proto))
    return outputs


def time_torch(module, args, device, warmup, iterations):
    """Median and mean wall-clock ms per eager forward pass (synchronized), and the peak bytes
    torch allocated on the device."""
    import torch

    args = tuple(a.to(device) for a in args)
    cuda = device.startswith("cuda")
    with torch.inference_mode():
        for _ in range(warmup):
            module(*args)
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        samples = []
        for _ in range(iterations):
            start = time.perf_counter()
            module(*args)
            if cuda:
                torch.cuda.synchronize()
            samples.append((time.perf_counter() - start) * 1000.0)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    return {"median_ms": float(np.median(samples)), "mean_ms": float(np.mean(samples)),
            "peak_bytes": peak}


# ---------------------------------------------------------------------------------------------


def bench_fields(report):
    fields = {k: report.get(k) for k in ("median_ms", "mean_ms", "min_ms", "load_ms",
                                         "first_run_ms", "device_ms_mean",
                                         "device_memory_peak_bytes", "copies_per_run",
                                         "copied_bytes_per_run")}
    medians = [d["device_ms_median"] for d in report.get("device_stats") or []
               if d.get("device_ms_median") is not None]
    fields["device_ms_median"] = sum(medians) if medians else None
    fields["device_stats"] = report.get("device_stats")
    return fields


def check_model(name, args, deadline, log):
    """Everything the table shows for one model; 'failures' lists what went wrong."""
    case = args.corpus / name
    work = args.work / name
    result = {"model": name, "failures": [], "notes": [], "batches": {}}
    fail = result["failures"].append
    note = result["notes"].append
    if not (case / "model.onnx").is_file():
        fail("not built (make_corpus.py wrote no model.onnx)")
        return result
    cli = args.aruntime
    providers = args.providers
    first = providers.split(",")[0]

    # 1. Correctness: against onnxruntime's outputs, and value by value against the CPU EP.
    rc, out, err = run_cli([cli, "test", case, "--providers", providers, "--rtol", args.rtol,
                            "--atol", args.atol], args.step_timeout, deadline, log)
    result["test_vs_onnxruntime"] = "pass" if rc == 0 else ("timeout" if rc is None else "FAIL")
    if rc != 0:
        fail(f"aruntime test --providers {providers}: {first_problem(out, err, rc)}")
    rc, out, err = run_cli([cli, "compare", case / "model.onnx", "--providers", providers,
                            "--against", "cpu", "--json", "--rtol", args.rtol, "--atol", args.atol,
                            *corpus_inputs(case)], args.step_timeout, deadline, log)
    try:
        report = last_json_object(out)
        errors = [v["max_abs_error"] for v in report["values"] if v["graph_output"]]
        result["max_abs_error_vs_cpu_ep"] = max(
            (math.inf if e is None else e for e in errors), default=None)
        result["compare_first_out_of_tolerance"] = report.get("first_out_of_tolerance")
        result["values_compared"] = len(report["values"])
        result["values_out_of_tolerance"] = sum(not v["within_tolerance"] for v in report["values"])
        if result["values_out_of_tolerance"]:
            note(f"compare: {result['values_out_of_tolerance']} of {result['values_compared']} "
                 f"values out of tolerance, the first at node "
                 f"{report.get('first_out_of_tolerance')}")
        if not report["outputs_within_tolerance"]:
            fail(f"compare: graph outputs out of tolerance against the CPU EP (first value out "
                 f"of tolerance at node {report.get('first_out_of_tolerance')})")
    except (ValueError, KeyError, TypeError) as e:
        fail(f"aruntime compare: {err.strip() or e}")

    # 2. Placement and copies of the corpus model.
    rc, out, err = run_cli([cli, "explain", case / "model.onnx", "--providers", providers,
                            "--json"], args.step_timeout, deadline, log)
    try:
        report = last_json_object(out)
        nodes = report["nodes"]
        result["nodes"] = len(nodes)
        result["nodes_on_first"] = sum(1 for n in nodes if n["provider"] == first)
        result["copies"] = len(report["copies"])
        result["copied_bytes"] = sum(c["bytes"] or 0 for c in report["copies"])
        declined = {}
        for n in nodes:
            if n["provider"] != first:
                for d in n["declined"]:
                    if d["provider"] == first:
                        declined.setdefault(d["reason"], []).append(n["op_type"])
        result["declined_by_first"] = {k: sorted(set(v)) for k, v in declined.items()}
        if first != "cpu" and result["nodes_on_first"] == 0:
            fail(f"explain: no node is placed on {first}")
    except (ValueError, KeyError, TypeError) as e:
        fail(f"aruntime explain: {err.strip() or e}")

    # 3./4. Latency at each batch, with the torch module where there is one.
    module = None
    try:
        module = corpus_module(name, log)
    except Exception as e:
        note(f"torch module not rebuilt: {type(e).__name__}: {e}")
    torch_device = args.torch_device
    if module is not None:
        import torch

        mod, example, input_names, output_names, export = module
        # make_corpus.py turns the fused attention fast path off for the export; eager timing
        # runs torch as users do, with its defaults.
        if hasattr(torch.backends, "mha"):
            torch.backends.mha.set_fastpath_enabled(True)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        mod = mod.eval()
        # The module's outputs on the example inputs are the corpus reference's (onnxruntime on
        # the exported model): the module timed below is the model the runtime runs.
        with torch.inference_mode():
            outs = mod(*example)
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        result["torch_vs_reference"] = max(
            (max_abs_error(o.float().numpy(), r) for o, r in zip(outs, corpus_outputs(case))),
            default=None)
    for batch in args.batches:
        entry = result["batches"].setdefault(str(batch), {})
        folder = work / f"b{batch}"
        if module is None:
            if batch != 1:
                entry["na"] = "no torch module to export at this batch"
                continue
            model_path, feed_options = case / "model.onnx", corpus_inputs(case)
            tensors = None
        else:
            tensors = tuple(at_batch(t, batch) for t in example)
            if all(t.shape[0] == batch for t in example):
                model_path = case / "model.onnx"
            else:
                model_path = folder / "model.onnx"
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    mod.to("cpu")  # the example inputs are host tensors
                    onnx.save(export(mod, tensors, input_names, output_names), model_path)
                except Exception as e:
                    entry["na"] = f"export at batch {batch} failed: {type(e).__name__}: {e}"
                    note(f"b{batch}: {entry['na'][:200]}")
                    if hasattr(torch.backends, "mha"):
                        torch.backends.mha.set_fastpath_enabled(True)
                    continue
                if hasattr(torch.backends, "mha"):
                    torch.backends.mha.set_fastpath_enabled(True)
            feed_options = write_inputs(folder, input_names, tensors)
        entry["model"] = str(model_path)
        rc, out, err = run_cli([cli, "bench", model_path, "--providers", providers, "--json",
                                "--warmup", args.warmup, "--iterations", args.iterations,
                                *feed_options], args.step_timeout, deadline, log)
        try:
            entry["aruntime"] = bench_fields(last_json_object(out))
        except (ValueError, KeyError) as e:
            fail(f"bench b{batch} --providers {providers}: {err.strip() or e}")
        if batch == 1:
            rc, out, err = run_cli([cli, "bench", model_path, "--providers", "cpu", "--json",
                                    "--warmup", min(args.warmup, 2), "--iterations",
                                    args.cpu_iterations, *feed_options],
                                   args.step_timeout, deadline, log)
            try:
                entry["cpu_ep"] = bench_fields(last_json_object(out))
            except (ValueError, KeyError) as e:
                fail(f"bench b1 --providers cpu: {err.strip() or e}")
        if tensors is not None:
            if args.torch_unusable:
                fail(f"torch b{batch}: {args.torch_unusable}")
                continue
            if deadline.left() < 5:
                fail(f"torch b{batch}: not run, the deadline has passed")
                continue
            try:
                mod.to(torch_device)
                entry["torch"] = time_torch(mod, tensors, torch_device, args.warmup,
                                            args.iterations)
            except Exception as e:
                fail(f"torch b{batch} on {torch_device}: {type(e).__name__}: {str(e)[:300]}")
    if module is not None:
        mod.to("cpu")
        if torch_device.startswith("cuda") and not args.torch_unusable:
            torch.cuda.empty_cache()
    return result


# ---------------------------------------------------------------------------------------------
# Report


def ms(value):
    return "–" if value is None else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


def mib(value):
    return "–" if value is None else f"{value / MIB:.1f}"


def aruntime_cell(entry):
    if entry is None:
        return "–"
    if "na" in entry:
        return "n/a"
    a = entry.get("aruntime")
    if not a:
        return "FAIL"
    cell = ms(a["median_ms"])
    if a.get("device_ms_median") is not None:
        cell += f" ({ms(a['device_ms_median'])})"
    return cell


def markdown(results, args, elapsed_s):
    first = args.providers.split(",")[0]
    b = [str(x) for x in args.batches]
    header = (["model", f"nodes on {first}", "copies/run (explain)"] +
              [f"{args.providers} b{x} ms (device ms)" for x in b] +
              ["cpu b1 ms"] + [f"torch {args.torch_device} b{x} ms" for x in b] +
              [f"max abs err {args.providers} vs cpu", "vs onnxruntime"] +
              [f"device mem peak b{x} MiB" for x in b] + ["status"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        batches = r.get("batches", {})
        nodes = (f"{r['nodes_on_first']} / {r['nodes']}" if "nodes" in r else "–")
        copies = (f"{r['copies']} ({r['copied_bytes'] / MIB:.2f} MiB)" if "copies" in r else "–")
        row = [r["model"], nodes, copies]
        row += [aruntime_cell(batches.get(x)) for x in b]
        cpu = batches.get("1", {}).get("cpu_ep")
        row.append(ms(cpu["median_ms"]) if cpu else "–")
        for x in b:
            entry = batches.get(x, {})
            row.append("n/a" if "na" in entry else ms(entry.get("torch", {}).get("median_ms")))
        err = r.get("max_abs_error_vs_cpu_ep")
        row.append("–" if err is None else f"{err:.2e}")
        row.append(r.get("test_vs_onnxruntime", "–"))
        for x in b:
            a = batches.get(x, {}).get("aruntime") or {}
            row.append(mib(a.get("device_memory_peak_bytes")))
        row.append("ok" if not r["failures"] else "FAIL: " + "; ".join(r["failures"]))
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in row) + " |")
    notes = [f"- {r['model']}: {n}" for r in results for n in r["notes"]]
    for r in results:
        for reason, ops in sorted(r.get("declined_by_first", {}).items()):
            notes.append(f"- {r['model']}: {first} declined {', '.join(ops)}: {reason}")
        torch_err = r.get("torch_vs_reference")
        if torch_err is not None:
            notes.append(f"- {r['model']}: the torch module vs the corpus reference (onnxruntime "
                         f"on the exported model), on the CPU: max abs error {torch_err:.2e}")
    legend = (f"Latencies are medians of {args.iterations} runs after {args.warmup} warm-up runs "
              f"(cpu: {args.cpu_iterations}); '{args.providers}' columns are wall-clock per "
              f"`Session::run` with host inputs and outputs (copies included), in brackets the "
              f"device's own time per run (CUDA events); torch runs with inputs already on "
              f"{args.torch_device}, TF32 off, synchronized after every run. Errors are the "
              f"largest absolute difference of any graph output from the CPU EP's "
              f"(`aruntime compare`); 'vs onnxruntime' is `aruntime test` against the corpus "
              f"reference outputs (rtol {args.rtol}, atol {args.atol}). {len(results)} model(s) "
              f"in {elapsed_s:.0f} s.")
    return "\n".join(lines + ["", legend] + ([""] + notes if notes else [])) + "\n"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--aruntime", required=True, type=pathlib.Path)
    p.add_argument("--corpus", required=True, type=pathlib.Path, help="make_corpus.py's OUT_DIR")
    p.add_argument("--work", required=True, type=pathlib.Path, help="folder for batch variants")
    p.add_argument("--markdown", required=True, type=pathlib.Path)
    p.add_argument("--json", required=True, type=pathlib.Path)
    p.add_argument("--models", nargs="+",
                   default=["resnet50", "mobilenet_v3_small", "vit_small", "bert_encoder"])
    p.add_argument("--providers", default="gpu,cpu")
    p.add_argument("--torch-device", default="cuda")
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--cpu-iterations", type=int, default=20,
                   help="timed runs of the CPU EP (at most --iterations)")
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--step-timeout", type=float, default=120, help="seconds per CLI call")
    p.add_argument("--deadline-s", type=float, default=300, help="seconds for everything")
    args = p.parse_args(argv)
    if 1 not in args.batches:
        p.error("--batches must include 1 (the CPU EP and the corpus checks run at batch 1)")
    if args.warmup < 0 or args.iterations < 1 or args.cpu_iterations < 1:
        p.error("--warmup must be >= 0, --iterations and --cpu-iterations >= 1")
    args.cpu_iterations = min(args.cpu_iterations, args.iterations)
    return args


def main(argv):
    args = parse_args(argv)
    if not os.access(args.aruntime, os.X_OK):
        print(f"gpu_benchmark: {args.aruntime} is not executable", file=sys.stderr)
        return 2
    deadline = Deadline(args.deadline_s)
    started = time.monotonic()
    args.work.mkdir(parents=True, exist_ok=True)

    def log(text):
        print(f"gpu_benchmark: {text}", flush=True)

    args.torch_unusable = None
    if args.torch_device.startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            log(f"torch {torch.__version__} on {torch.cuda.get_device_name()}")
        else:
            # The runtime's checks and timings still run; every torch timing is a failure.
            args.torch_unusable = f"torch {torch.__version__} sees no CUDA device"
            log(f"error: {args.torch_unusable}")
    results = []
    for name in args.models:
        if deadline.left() < 10:
            results.append({"model": name, "failures": ["not run: the deadline has passed"],
                            "notes": [], "batches": {}})
        else:
            log(f"--- {name}")
            t0 = time.monotonic()
            results.append(check_model(name, args, deadline, log))
            failures = results[-1]["failures"]
            log(f"{name}: {time.monotonic() - t0:.1f} s, "
                f"{'FAIL: ' + '; '.join(failures) if failures else 'ok'}")
        args.markdown.write_text(markdown(results, args, time.monotonic() - started))
        args.json.write_text(json.dumps({"providers": args.providers,
                                         "torch_device": args.torch_device, "models": results},
                                        indent=1, default=str) + "\n")
    print(args.markdown.read_text(), flush=True)
    return 0 if all(not r["failures"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
