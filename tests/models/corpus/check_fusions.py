#!/usr/bin/env python3
"""The optimizer's done-when on the corpus's transformers and CNNs (issue 6, docs/optimizer.md):

    check_fusions.py ARUNTIME CORPUS_DIR [NAME ...]

For each case (default: bert_encoder), `aruntime optimize --opt-level 2` must leave exactly one
fused Attention per self-attention layer, one LayerNormalization or SkipLayerNormalization per
normalization of the exported model, one fused GELU per layer (a Gelu node or the Gelu activation
of a FusedGemm) and no Softmax, Erf or loose ReduceMean; a CNN no BatchNormalization, and a CPU
session at level 3 must run every convolution in the blocked channel layout (aruntime.NchwcConv in
`aruntime inspect`); and the outputs of a session at level 3 (the default, highest level) must
match level 0's within rtol 1e-4 / atol 1e-5 on the case's test inputs. The cases are built by make_corpus.py,
which needs torch: where a case folder is missing, the case prints SKIPPED (never a silent pass)
and the exit status stays 0 unless --require is given. Exits 1 when a check fails.
"""

import argparse
import collections
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# What each case's optimized graph must hold: counts by op (domain.op for the runtime's own ops);
# "normalizations" counts LayerNormalization and SkipLayerNormalization of either domain.
EXPECTED = {
    # 3 layers: embeddings LayerNorm + 2 per layer; the embedding sum and each residual Add go
    # into a SkipLayerNormalization.
    "bert_encoder": {"aruntime.Attention": 3, "gelu": 3, "normalizations": 7,
                     "aruntime.SkipLayerNormalization": 7, "Softmax": 0, "Erf": 0,
                     "ReduceMean": 0},
    # torch.nn.TransformerEncoder, 2 post-LN layers with ReLU and a causal mask.
    "transformer_encoder": {"aruntime.Attention": 2, "normalizations": 4, "Softmax": 0,
                            "ReduceMean": 0},
    # torchvision CNNs: "session:" counts the ops a CPU session at level 3 places (inspect);
    # "all convs" is the number of Conv nodes of the exported file.
    "resnet50": {"BatchNormalization": 0, "session:aruntime.NchwcConv": "all convs"},
    "mobilenet_v3_small": {"BatchNormalization": 0, "session:aruntime.NchwcConv": "all convs"},
    "efficientnet_b0": {"BatchNormalization": 0, "session:aruntime.NchwcConv": "all convs"},
}


def session_op_counts(aruntime, model):
    """Ops of the nodes a CPU session places, from `aruntime inspect`'s placement table."""
    text = subprocess.run([aruntime, "inspect", str(model)], check=True, capture_output=True,
                          text=True).stdout
    counts = collections.Counter()
    in_table = False
    for line in text.splitlines():
        if line.startswith("placement"):
            in_table = True
            continue
        fields = line.split()
        if in_table and len(fields) >= 3 and fields[0] != "node":
            counts[fields[1]] += 1
    return counts


def op_counts(model):
    counts = collections.Counter()
    for node in model.graph.node:
        name = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
        counts[name] += 1
    for name in ("Gelu", "LayerNormalization"):  # ONNX or the runtime's, by opset
        counts[name] += counts[f"aruntime.{name}"]
    # A GELU after a Linear is the activation of its FusedGemm (fuse_gemm_activation).
    counts["gelu"] = counts["Gelu"] + sum(
        1 for node in model.graph.node if node.domain == "aruntime" and any(
            a.name == "activation" and a.s == b"Gelu" for a in node.attribute))
    counts["normalizations"] = (counts["LayerNormalization"] +
                                counts["aruntime.SkipLayerNormalization"])
    return counts


def run_outputs(aruntime, model, data_set, level, work):
    out_dir = work / f"level{level}"
    args = [aruntime, "run", str(model), "--opt-level", str(level), "--output-dir", str(out_dir)]
    for tensor_file in sorted(data_set.glob("input_*.pb")):
        name = onnx.load_tensor(str(tensor_file)).name
        args += ["--input", f"{name}={tensor_file}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return [numpy_helper.to_array(onnx.load_tensor(str(f)))
            for f in sorted(out_dir.glob("output_*.pb"))]


def check_case(aruntime, case, name):
    problems = []
    expected = EXPECTED[name]
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        optimized = work / "optimized.onnx"
        subprocess.run([aruntime, "optimize", str(case / "model.onnx"), str(optimized),
                        "--opt-level", "2"], check=True, stdout=subprocess.DEVNULL)
        counts = op_counts(onnx.load(optimized))
        file_convs = op_counts(onnx.load(case / "model.onnx"))["Conv"]
        placed = None
        for op, count in expected.items():
            if op.startswith("session:"):
                placed = placed or session_op_counts(aruntime, case / "model.onnx")
                want = file_convs if count == "all convs" else count
                got = placed[op[len("session:"):]]
                counts[op] = got
                if got != want:
                    problems.append(f"{want} {op[len('session:'):]} expected in a CPU session, "
                                    f"got {got}")
            elif counts[op] != count:
                problems.append(f"{count} {op} expected after optimize, got {counts[op]}")
        summary = ", ".join(f"{op} {counts[op]}" for op in expected)
        for data_set in sorted(case.glob("test_data_set_*")):
            reference = run_outputs(aruntime, case / "model.onnx", data_set, 0, work)
            fused = run_outputs(aruntime, case / "model.onnx", data_set, 3, work)
            if len(reference) != len(fused) or not reference:
                problems.append(f"{data_set.name}: {len(fused)} outputs at level 3, "
                                f"{len(reference)} at level 0")
                continue
            for k, (a, b) in enumerate(zip(fused, reference)):
                if not np.allclose(a, b, rtol=1e-4, atol=1e-5):
                    worst = float(np.max(np.abs(a.astype(np.float64) - b)))
                    problems.append(f"{data_set.name} output {k}: level 3 differs from level 0 "
                                    f"by up to {worst:g} (rtol 1e-4, atol 1e-5)")
    for p in problems:
        print(f"FAIL {name} fusions: {p}")
    if not problems:
        print(f"PASS {name} fusions: {summary}; level 3 matches level 0")
    return not problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aruntime")
    parser.add_argument("corpus_dir", type=pathlib.Path)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"cases to check (default bert_encoder; known: {', '.join(EXPECTED)})")
    parser.add_argument("--require", action="store_true",
                        help="a missing case folder fails instead of being skipped")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(EXPECTED))
    if unknown:
        parser.error(f"no expectations for {', '.join(unknown)} (known: {', '.join(EXPECTED)})")
    ok = True
    for name in args.names or ["bert_encoder"]:
        case = args.corpus_dir / name
        if not (case / "model.onnx").is_file():
            print(f"SKIPPED {name} fusions: {case} was not built (make_corpus.py needs torch)")
            ok = ok and not args.require
            continue
        ok = check_case(args.aruntime, case, name) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
