#!/usr/bin/env python3
"""Issue 5's measurements: the parallel executor against the sequential one, and peak memory
against the memory plan's prediction and against ONNX Runtime.

  bench/memory_and_executors.py --aruntime build/release/bin/aruntime
      [--executors MODEL.onnx...] [--memory MODEL.onnx...] [--threads 2] [--rounds 3]
      [--iterations 30] [--out RESULT.md]

Executors: `aruntime bench` with --inter-op-threads 1 (sequential) and 2 (parallel) at the same
--threads budget, interleaved for --rounds rounds; the median of the per-round medians is reported.
Memory: `aruntime bench --json` reports the planned activation peak, the weights and the measured
peak RSS of the process; the fixed overhead of the runtime (binary, libraries, thread pools) is the
peak RSS of the same command on a one-node model. onnxruntime's peak RSS is measured the same way
in a child Python process, minus the RSS of that process with onnxruntime imported but no session.
The machine is shared and noisy: read ratios, not absolute times.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper


def run_bench(binary, model, threads, inter_op, iterations, extra=()):
    cmd = [binary, "bench", model, "--threads", str(threads), "--inter-op-threads", str(inter_op),
           "--warmup", "5", "--iterations", str(iterations), "--json", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout)


def tiny_model(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "tiny", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)


def branchy_model(path, channels=16, size=14, blocks=6, batch=1):
    """Inception-style blocks of small convolutions (1x1, 3x3-3x3, pool-1x1 branches, concatenated,
    projected and added to the block input): each conv is too small for its own loop to split
    over threads, so only running branches side by side can use the second core."""
    rng = np.random.default_rng(0)
    inits, nodes = [], []

    def weight(name, shape, scale):
        inits.append(helper.make_tensor(name, TensorProto.FLOAT, shape,
                                        (rng.standard_normal(shape) * scale).astype(np.float32).ravel()))

    x = "x"
    for b in range(blocks):
        p, c = f"b{b}_", channels
        weight(p + "w1", [c, c, 1, 1], 0.3)
        weight(p + "w3a", [c, c, 3, 3], 0.1)
        weight(p + "w3b", [c, c, 3, 3], 0.1)
        weight(p + "wp", [c, c, 1, 1], 0.3)
        weight(p + "wo", [c, 3 * c, 1, 1], 0.2)
        nodes += [helper.make_node("Conv", [x, p + "w1"], [p + "c1"]),
                  helper.make_node("Relu", [p + "c1"], [p + "r1"]),
                  helper.make_node("Conv", [x, p + "w3a"], [p + "c3a"], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [p + "c3a"], [p + "r3a"]),
                  helper.make_node("Conv", [p + "r3a", p + "w3b"], [p + "c3b"], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [p + "c3b"], [p + "r3b"]),
                  helper.make_node("MaxPool", [x], [p + "mp"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                  helper.make_node("Conv", [p + "mp", p + "wp"], [p + "cp"]),
                  helper.make_node("Concat", [p + "r1", p + "r3b", p + "cp"], [p + "cat"], axis=1),
                  helper.make_node("Conv", [p + "cat", p + "wo"], [p + "proj"]),
                  helper.make_node("Add", [p + "proj", x], [p + "sum"]),
                  helper.make_node("Relu", [p + "sum"], [p + "out"])]
        x = p + "out"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(nodes, "branchy", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, channels, size, size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, channels, size, size])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


def balanced_model(path, channels=32, size=14, branches=4, blocks=4, batch=1):
    """Inception-style blocks whose branches cost the same: each is a 1x1 then a 3x3 convolution
    (with ReLUs) over the block input; the branches are concatenated, projected by a 1x1
    convolution and added to the block input. With equal branches, two cores can each take whole
    branches instead of splitting every small convolution between them."""
    rng = np.random.default_rng(1)
    inits, nodes = [], []

    def weight(name, shape, scale):
        inits.append(helper.make_tensor(name, TensorProto.FLOAT, shape,
                                        (rng.standard_normal(shape) * scale).astype(np.float32).ravel()))

    x, c = "x", channels
    for b in range(blocks):
        outs = []
        for k in range(branches):
            p = f"b{b}_{k}_"
            weight(p + "w1", [c, c, 1, 1], 0.3)
            weight(p + "w3", [c, c, 3, 3], 0.1)
            nodes += [helper.make_node("Conv", [x, p + "w1"], [p + "c1"]),
                      helper.make_node("Relu", [p + "c1"], [p + "r1"]),
                      helper.make_node("Conv", [p + "r1", p + "w3"], [p + "c3"], pads=[1, 1, 1, 1]),
                      helper.make_node("Relu", [p + "c3"], [p + "r3"])]
            outs.append(p + "r3")
        p = f"b{b}_"
        weight(p + "wo", [c, branches * c, 1, 1], 0.1)
        nodes += [helper.make_node("Concat", outs, [p + "cat"], axis=1),
                  helper.make_node("Conv", [p + "cat", p + "wo"], [p + "proj"]),
                  helper.make_node("Add", [p + "proj", x], [p + "sum"]),
                  helper.make_node("Relu", [p + "sum"], [p + "out"])]
        x = p + "out"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(nodes, "balanced_branches",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, c, size, size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, c, size, size])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


ORT_CHILD = r"""
import sys, resource
import numpy as np
import onnxruntime as ort
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
base = hwm()
if sys.argv[1] == '-':
    print(base, base)
    sys.exit(0)
opts = ort.SessionOptions()
opts.intra_op_num_threads = int(sys.argv[2])
s = ort.InferenceSession(sys.argv[1], opts, providers=['CPUExecutionProvider'])
feeds = {}
rng = np.random.default_rng(0)
types = {'tensor(float)': np.float32, 'tensor(int64)': np.int64, 'tensor(int32)': np.int32}
for i in s.get_inputs():
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
    t = types.get(i.type, np.float32)
    feeds[i.name] = rng.standard_normal(shape).astype(t) if t == np.float32 else np.ones(shape, t)
for _ in range(5):
    s.run(None, feeds)
print(base, hwm())
"""


def ort_peak_rss(model, threads):
    out = subprocess.run([sys.executable, "-c", ORT_CHILD, model, str(threads)], capture_output=True,
                         text=True, check=True)
    base, peak = (int(v) for v in out.stdout.split())
    return base, peak


def mib(b):
    return f"{b / 2**20:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aruntime", required=True)
    ap.add_argument("--executors", nargs="*", default=[])
    ap.add_argument("--memory", nargs="*", default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--branchy", metavar="DIR", help="also time two generated Inception-style models of small "
                    "convolutions (written to DIR/model.onnx, DIR/balanced/model.onnx)")
    ap.add_argument("--out")
    args = ap.parse_args()
    lines = []

    if args.branchy:
        os.makedirs(args.branchy, exist_ok=True)
        branchy_model(os.path.join(args.branchy, "model.onnx"))
        os.makedirs(os.path.join(args.branchy, "balanced"), exist_ok=True)
        balanced_model(os.path.join(args.branchy, "balanced", "model.onnx"))
        args.executors = [os.path.join(args.branchy, "model.onnx"),
                          os.path.join(args.branchy, "balanced", "model.onnx")] + args.executors
    if args.executors:
        lines += ["## Parallel against sequential executor", "",
                  f"`aruntime bench --threads {args.threads}`, `--inter-op-threads 1` (sequential) against "
                  f"`--inter-op-threads 2` (parallel), {args.rounds} interleaved rounds of {args.iterations} "
                  "timed runs; median of the round medians.", "",
                  "| Model | branches | sequential ms | parallel ms | parallel / sequential |",
                  "|---|---|---|---|---|"]
        for model in args.executors:
            seq, par = [], []
            for _ in range(args.rounds):
                seq.append(run_bench(args.aruntime, model, args.threads, 1, args.iterations)["median_ms"])
                par.append(run_bench(args.aruntime, model, args.threads, 2, args.iterations)["median_ms"])
            s, p = statistics.median(seq), statistics.median(par)
            name = os.path.basename(os.path.dirname(model)) or model
            info = run_bench(args.aruntime, model, args.threads, 2, 1)
            lines.append(f"| {name} | {info.get('executor', '?')} | {s:.3f} | {p:.3f} | {p / s:.2f} |")
            print(lines[-1], flush=True)
        lines.append("")

    if args.memory:
        with tempfile.TemporaryDirectory() as tmp:
            tiny = os.path.join(tmp, "tiny.onnx")
            tiny_model(tiny)
            overhead = run_bench(args.aruntime, tiny, args.threads, 1, 5)["peak_rss_bytes"]
            ort_base, _ = ort_peak_rss("-", args.threads)
            _, ort_tiny = ort_peak_rss(tiny, args.threads)
        lines += ["## Peak memory", "",
                  f"aruntime's fixed overhead (peak RSS of `aruntime bench` on a one-node model): "
                  f"{mib(overhead)} MiB. onnxruntime's: {mib(ort_tiny - ort_base)} MiB over a Python "
                  f"process with onnxruntime imported ({mib(ort_base)} MiB).", "",
                  "Predicted RSS = fixed overhead + weights + planned activation peak. Loading takes large "
                  "initializers' bytes from the parsed file as the tensors' storage, so weights are held once "
                  "(the largest initializer is listed for reference).", "",
                  "| Model | weights MiB | largest initializer MiB | planned peak MiB | naive MiB | predicted RSS MiB "
                  "| aruntime peak RSS MiB | predicted / measured "
                  "| onnxruntime peak RSS MiB (over its base) | aruntime / onnxruntime |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for model in args.memory:
            r = run_bench(args.aruntime, model, args.threads, 1, 5)
            inspect = subprocess.run([args.aruntime, "inspect", model, "--memory"], capture_output=True, text=True)
            naive = None
            for line in inspect.stdout.splitlines():
                if "without reuse" in line:
                    digits = [t for t in line.replace("(", " ").split() if t.isdigit()]
                    if digits:
                        naive = int(digits[0])
                        break
            predicted = overhead + r["weights_bytes"] + r["planned_peak_bytes"]
            proto = onnx.load(model, load_external_data=False)
            largest = max((int(np.prod(t.dims, dtype=np.int64)) * onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
                           for t in proto.graph.initializer), default=0)
            measured = r["peak_rss_bytes"]
            base, peak = ort_peak_rss(model, args.threads)
            name = os.path.basename(os.path.dirname(model)) or model
            lines.append(f"| {name} | {mib(r['weights_bytes'])} | {mib(largest)} | {mib(r['planned_peak_bytes'])} | "
                         f"{mib(naive) if naive else '?'} | {mib(predicted)} | {mib(measured)} | "
                         f"{predicted / measured:.2f} | {mib(peak - base)} | "
                         f"{measured / (peak - base):.2f} |")
            print(lines[-1], flush=True)
        lines.append("")

    text = "\n".join(lines)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
