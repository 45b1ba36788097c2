#!/usr/bin/env python3
"""Builds QDQ-format quantized models with onnxruntime.quantization and checks aruntime on them.

    make_qdq_models.py OUT_DIR [--aruntime CLI]

A small float CNN (Conv+Relu, a residual block, a strided 1x1 Conv, global pooling, a MatMul+Relu
and a Gemm with bias) is quantized by quantize_static with QuantFormat.QDQ: DequantizeLinear on
every input of Conv/MatMul/Gemm, QuantizeLinear on their outputs. Two variants: uint8
activations with per-tensor int8 weights, and int8 activations with per-channel weights. Each is
written in the ONNX test layout (OUT_DIR/<name>/model.onnx, test_data_set_<k>/) with outputs from
onnxruntime's CPU provider with graph optimisations off (every node evaluated as written).

With --aruntime, it then checks that
  - `aruntime optimize --opt-level 2` turns every Conv and the MatMul into QLinearConv and
    QLinearMatMul (fuse_qdq) and leaves the Gemm with its bias alone, and that onnxruntime runs
    the written file;
  - `aruntime test` passes at levels 0 and 2 within one step of the output scale.

Why a tolerance of one step of the output scale: the fused ops accumulate in integers and
requantize once, so an output can differ by one quantization step from dequantize-compute-
requantize where the float sum sits near the midpoint between two steps (onnxruntime's own QDQ
fusion behaves the same). Such a difference inside the network could in principle carry on into
the next layer; on these models and inputs aruntime matches onnxruntime exactly at both levels,
so one step is a bound with room, not a measured spread.
"""

import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_models import write_test_case  # noqa: E402  (the test layout and reference outputs)

OPSET = 17
INPUT_SHAPE = (1, 3, 16, 16)
QUANT_STEPS = 1


def float_model(rng):
    inits = []

    def weight(name, shape, scale):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def conv(x, name, cin, cout, k, stride=1):
        w = weight(name + ".weight", (cout, cin, k, k), np.sqrt(2.0 / (cin * k * k)))
        b = weight(name + ".bias", (cout,), 0.1)
        p = k // 2
        return helper.make_node("Conv", [x, w, b], [name], name=name, kernel_shape=[k, k],
                                strides=[stride, stride], pads=[p, p, p, p])

    nodes = [
        conv("x", "conv1", 3, 8, 3),
        helper.make_node("Relu", ["conv1"], ["relu1"], name="relu1"),
        conv("relu1", "conv2", 8, 8, 3),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        conv("relu2", "conv3", 8, 8, 3),
        helper.make_node("Add", ["conv3", "relu1"], ["add"], name="add"),  # residual
        helper.make_node("Relu", ["add"], ["relu3"], name="relu3"),
        conv("relu3", "conv4", 8, 16, 1, stride=2),
        helper.make_node("GlobalAveragePool", ["conv4"], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flat"),
        helper.make_node("MatMul", ["flat", weight("fc1.weight", (16, 32), 0.35)], ["fc1"],
                         name="fc1"),
        helper.make_node("Relu", ["fc1"], ["relu4"], name="relu4"),
        helper.make_node("Gemm", ["relu4", weight("fc2.weight", (32, 10), 0.25),
                                  weight("fc2.bias", (10,), 0.1)], ["y"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes, "qdq_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, INPUT_SHAPE)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, (1, 10))], inits)
    model = helper.make_model(graph, producer_name="aruntime-tests",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


class Calibration(CalibrationDataReader):
    def __init__(self, rng, count=16):
        self.feeds = iter([{"x": rng.standard_normal(INPUT_SHAPE).astype(np.float32)}
                           for _ in range(count)])

    def get_next(self):
        return next(self.feeds, None)


VARIANTS = {
    # name: (activation type, per-channel weights)
    "qdq_cnn_u8": (QuantType.QUInt8, False),
    "qdq_cnn_s8_per_channel": (QuantType.QInt8, True),
}


def quantized_model(name, work_dir):
    activation_type, per_channel = VARIANTS[name]
    rng = np.random.default_rng(2024)
    float_path = work_dir / f"{name}_float.onnx"
    qdq_path = work_dir / f"{name}_qdq.onnx"
    onnx.save(float_model(rng), float_path)
    quantize_static(str(float_path), str(qdq_path), Calibration(rng),
                    quant_format=QuantFormat.QDQ, activation_type=activation_type,
                    weight_type=QuantType.QInt8, per_channel=per_channel)
    model = onnx.load(qdq_path)
    onnx.checker.check_model(model, full_check=True)
    feeds = [{"x": rng.standard_normal(INPUT_SHAPE).astype(np.float32)} for _ in range(3)]
    return model, feeds


def output_scale(model):
    """The scale of the DequantizeLinear that writes the graph output."""
    out = model.graph.output[0].name
    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.output[0] == out:
            return float(consts[node.input[1]])
    raise RuntimeError(f"{out} is not written by a DequantizeLinear")


def op_counts(model):
    counts = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def check_with_aruntime(cli, case_dir, model, work_dir):
    problems = []
    optimized = work_dir / f"{case_dir.name}_opt2.onnx"
    subprocess.run([cli, "optimize", str(case_dir / "model.onnx"), str(optimized),
                    "--opt-level", "2"], check=True, stdout=subprocess.DEVNULL)
    counts = op_counts(onnx.load(optimized))
    print(f"{case_dir.name}: level 2 ops {dict(sorted(counts.items()))}")
    before = op_counts(model)
    if counts.get("QLinearConv", 0) != before["Conv"] or "Conv" in counts:
        problems.append(f"{case_dir.name}: expected {before['Conv']} QLinearConv and no Conv")
    if counts.get("QLinearMatMul", 0) != 1 or "MatMul" in counts:
        problems.append(f"{case_dir.name}: expected the MatMul to become QLinearMatMul")
    if counts.get("Gemm", 0) != 1:
        problems.append(f"{case_dir.name}: the Gemm with a bias must stay")
    # The written file is standard ONNX (QLinearConv/QLinearMatMul): onnxruntime runs it too.
    ort.InferenceSession(str(optimized), providers=["CPUExecutionProvider"])

    atol = QUANT_STEPS * output_scale(model) * (1 + 1e-6)
    for level in ("0", "2"):
        cmd = [cli, "test", "--opt-level", level, "--rtol", "0", "--atol", repr(atol),
               str(case_dir)]
        print("+ " + " ".join(cmd), flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL)
        print(proc.stdout, end="")
        if proc.returncode != 0 or "PASS" not in proc.stdout:
            problems.append(f"{case_dir.name}: aruntime test at level {level} failed")
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--aruntime", help="the aruntime CLI: also run the checks")
    args = parser.parse_args(argv)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = pathlib.Path(tmp)
        for name in VARIANTS:
            model, feeds = quantized_model(name, work_dir)
            case_dir = write_test_case(args.out_dir, name, model, feeds)
            print(f"wrote {case_dir} ({len(model.graph.node)} nodes, {op_counts(model)})")
            if args.aruntime:
                problems += check_with_aruntime(args.aruntime, case_dir, model, work_dir)
    if problems:
        print("make_qdq_models: FAILED: " + "; ".join(problems))
        return 1
    if args.aruntime:
        print(f"make_qdq_models: {len(VARIANTS)} QDQ models fused and within {QUANT_STEPS} "
              "output quantization step(s) of onnxruntime")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
