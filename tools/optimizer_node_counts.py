#!/usr/bin/env python3
"""Node counts of corpus models under aruntime's optimizer levels beside onnxruntime's own.

    optimizer_node_counts.py ARUNTIME CORPUS_DIR... [--models NAME ...] [--markdown]

For each model (a case folder of tests/models/corpus/make_corpus.py: NAME/model.onnx, looked up
in the CORPUS_DIRs in order), prints the main graph's node count after `aruntime optimize
--opt-level N` for N = 0, 1, 2, and after onnxruntime's CPU session at ORT_ENABLE_BASIC and
ORT_ENABLE_EXTENDED (the graph it saves through SessionOptions.optimized_model_filepath).
docs/optimizer.md holds its output (--markdown). Needs onnx and onnxruntime (.venv has both).
"""

import argparse
import pathlib
import subprocess
import sys
import tempfile

import onnx
import onnxruntime as ort

DEFAULT_MODELS = [
    "resnet50", "mobilenet_v3_small", "efficientnet_b0", "vit_small", "transformer_encoder",
    "bert_encoder", "onnx_light_resnet50_seeded_weights", "onnx_light_densenet121_seeded_weights",
    "onnx_light_inception_v1_seeded_weights", "onnx_light_squeezenet_seeded_weights",
    "onnx_light_shufflenet_seeded_weights",
]


def node_count(path):
    return len(onnx.load(str(path), load_external_data=False).graph.node)


def aruntime_count(aruntime, model, level, work):
    out = work / f"aruntime_l{level}.onnx"
    subprocess.run([aruntime, "optimize", str(model), str(out), "--opt-level", str(level),
                    "--external-data"], check=True, stdout=subprocess.DEVNULL)
    return node_count(out)


def ort_count(model, level, work):
    out = work / f"ort_{level.name}.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    options.optimized_model_filepath = str(out)
    options.log_severity_level = 3
    ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    return node_count(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aruntime")
    parser.add_argument("corpus_dirs", nargs="+", type=pathlib.Path)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    header = ["model", "file", "aruntime L0", "aruntime L1", "aruntime L2", "ORT basic",
              "ORT extended"]
    rows = []
    for name in args.models:
        model = next((d / name / "model.onnx" for d in args.corpus_dirs
                      if (d / name / "model.onnx").is_file()), None)
        if model is None:
            print(f"optimizer_node_counts: {name}: no model.onnx in {args.corpus_dirs}",
                  file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = pathlib.Path(tmp)
            row = [name, node_count(model)]
            row += [aruntime_count(args.aruntime, model, level, work) for level in (0, 1, 2)]
            row += [ort_count(model, level, work) for level in
                    (ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                     ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
        rows.append(row)
        if not args.markdown:
            print("  ".join(f"{h}={v}" for h, v in zip(header, row)), flush=True)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("| --- " * len(header) + "|")
        for row in rows:
            print("| " + " | ".join(f"`{v}`" if i == 0 else str(v) for i, v in enumerate(row)) + " |")
    return 0 if len(rows) == len(args.models) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
