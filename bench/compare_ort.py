#!/usr/bin/env python3
"""Times models with aruntime and ONNX Runtime in the same run, on the same machine and inputs.

Reports median latencies and the ratio aruntime/ORT (below 1.0: aruntime is faster) per model and
thread count. The machine is shared and noisy, so the ratio is the figure to read, not the times.

  bench/compare_ort.py --aruntime build/release/bin/aruntime MODEL.onnx... [--threads 1,2]
                       [--iterations 50] [--warmup 5] [--json OUT.json]
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

NP_TYPES = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
}


def ort_bench(model, threads, warmup, iterations, seed):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    t0 = time.perf_counter()
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - t0) * 1e3
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
        dtype = NP_TYPES.get(i.type, np.float32)
        if np.issubdtype(dtype, np.floating):
            feeds[i.name] = rng.standard_normal(shape).astype(dtype)
        else:
            feeds[i.name] = rng.integers(0, 2, shape).astype(dtype)
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t) * 1e3)
    return {"load_ms": load_ms, "median_ms": statistics.median(times), "min_ms": min(times)}


def aruntime_bench(binary, model, threads, warmup, iterations):
    out = subprocess.run([binary, "bench", model, "--threads", str(threads), "--warmup", str(warmup),
                          "--iterations", str(iterations), "--json"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or out.stdout.strip())
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--aruntime", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the rows as JSON here")
    args = ap.parse_args()

    rows = []
    print(f"{'model':40s} {'thr':>3s} {'aruntime ms':>12s} {'ORT ms':>10s} {'ratio':>7s}")
    for model in args.models:
        for threads in [int(t) for t in args.threads.split(",")]:
            a = aruntime_bench(args.aruntime, model, threads, args.warmup, args.iterations)
            o = ort_bench(model, threads, args.warmup, args.iterations, args.seed)
            ratio = a["median_ms"] / o["median_ms"]
            rows.append({"model": model, "threads": threads, "aruntime_median_ms": a["median_ms"],
                         "aruntime_min_ms": a["min_ms"], "ort_median_ms": o["median_ms"],
                         "ort_min_ms": o["min_ms"], "ratio": ratio})
            print(f"{model[-40:]:40s} {threads:3d} {a['median_ms']:12.3f} {o['median_ms']:10.3f} {ratio:7.2f}")
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"onnxruntime": ort.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
