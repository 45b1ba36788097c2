#!/usr/bin/env python3
"""Builds the end-to-end test models in the ONNX test layout.

    make_models.py OUT_DIR [--only NAME ...]

For every model this writes

    OUT_DIR/<name>/model.onnx
    OUT_DIR/<name>/test_data_set_<k>/input_0.pb, output_0.pb

The graphs are built with onnx.helper from seeded random weights (He initialisation), so every run
writes the same files. Expected outputs come from onnxruntime's CPU provider with graph
optimisations disabled, i.e. each node evaluated as written; `aruntime test` compares against them.
"""

import argparse
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# IR version 8 is the one that goes with opset 17, so the files load in older tools as well.
IR_VERSION = 8


class GraphBuilder:
    """Collects nodes and initializers, naming values so that the graph reads like the network."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes = []
        self.initializers = []

    def constant(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op_type, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def he_normal(self, shape, fan_in):
        return (self.rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def conv(self, x, name, in_ch, out_ch, kernel, stride=1, bias=False):
        pad = kernel // 2
        w = self.constant(name + ".weight",
                          self.he_normal((out_ch, in_ch, kernel, kernel), in_ch * kernel * kernel))
        inputs = [x, w]
        if bias:
            b = (self.rng.standard_normal(out_ch) * 0.05).astype(np.float32)
            inputs.append(self.constant(name + ".bias", b))
        return self.node("Conv", inputs, name, kernel_shape=[kernel, kernel],
                         strides=[stride, stride], pads=[pad, pad, pad, pad])

    def batch_norm(self, x, name, channels):
        # Statistics away from the identity transform, so a kernel that ignores one of them fails.
        scale = self.rng.uniform(0.5, 1.5, channels).astype(np.float32)
        shift = (self.rng.standard_normal(channels) * 0.1).astype(np.float32)
        mean = (self.rng.standard_normal(channels) * 0.1).astype(np.float32)
        var = self.rng.uniform(0.5, 1.5, channels).astype(np.float32)
        params = [self.constant(f"{name}.{p}", a)
                  for p, a in (("scale", scale), ("bias", shift), ("mean", mean), ("var", var))]
        return self.node("BatchNormalization", [x] + params, name, epsilon=1e-5)

    def basic_block(self, x, name, in_ch, out_ch, stride):
        """ResNet basic block: conv-bn-relu-conv-bn, plus the skip (1x1 projection if reshaped)."""
        y = self.conv(x, name + ".conv1", in_ch, out_ch, 3, stride)
        y = self.batch_norm(y, name + ".bn1", out_ch)
        y = self.node("Relu", [y], name + ".relu1")
        y = self.conv(y, name + ".conv2", out_ch, out_ch, 3)
        y = self.batch_norm(y, name + ".bn2", out_ch)
        skip = x
        if stride != 1 or in_ch != out_ch:
            skip = self.conv(x, name + ".downsample", in_ch, out_ch, 1, stride, bias=True)
        y = self.node("Add", [y, skip], name + ".add")
        return self.node("Relu", [y], name + ".relu2")


def make_model(builder, name, inputs, outputs):
    graph = helper.make_graph(builder.nodes, name, inputs, outputs, builder.initializers)
    model = helper.make_model(graph, producer_name="aruntime-tests",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def resnet_tiny():
    """A small ResNet-style image classifier: [1,3,32,32] -> 10 class probabilities."""
    rng = np.random.default_rng(20240601)
    b = GraphBuilder(rng)
    x = b.conv("input", "stem.conv", 3, 16, 3)
    x = b.batch_norm(x, "stem.bn", 16)
    x = b.node("Relu", [x], "stem.relu")
    x = b.node("MaxPool", [x], "stem.pool", kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1])  # 32x32 -> 16x16
    x = b.basic_block(x, "layer1", 16, 16, stride=1)
    x = b.basic_block(x, "layer2", 16, 32, stride=2)  # 16x16 -> 8x8
    x = b.node("GlobalAveragePool", [x], "pool")
    x = b.node("Flatten", [x], "flatten", axis=1)
    # A small classifier scale keeps the logits within a few units, so no probability saturates
    # and every class still depends measurably on the features.
    w = b.constant("fc.weight", b.he_normal((10, 32), 32) * np.float32(0.1))
    bias = b.constant("fc.bias", (rng.standard_normal(10) * 0.05).astype(np.float32))
    x = b.node("Gemm", [x, w, bias], "fc", transB=1)
    b.node("Softmax", [x], "probs", axis=1)
    model = make_model(
        b, "resnet_tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])])
    data_rng = np.random.default_rng(7)
    feeds = [{"input": data_rng.standard_normal((1, 3, 32, 32)).astype(np.float32)}]
    return model, feeds


def mlp_dynamic_batch():
    """A multilayer perceptron over a symbolic batch dimension: [batch,64] -> [batch,10]."""
    rng = np.random.default_rng(20240602)
    b = GraphBuilder(rng)
    x = "x"
    for i, (fan_in, fan_out) in enumerate(((64, 128), (128, 64)), start=1):
        w = b.constant(f"fc{i}.weight", b.he_normal((fan_in, fan_out), fan_in))
        bias = b.constant(f"fc{i}.bias", (rng.standard_normal(fan_out) * 0.05).astype(np.float32))
        x = b.node("MatMul", [x, w], f"fc{i}.matmul")
        x = b.node("Add", [x, bias], f"fc{i}.add")
        x = b.node("Relu", [x], f"fc{i}.relu")
    w = b.constant("head.weight", b.he_normal((64, 10), 64))
    bias = b.constant("head.bias", (rng.standard_normal(10) * 0.05).astype(np.float32))
    x = b.node("Gemm", [x, w, bias], "head")
    b.node("Sigmoid", [x], "y")
    model = make_model(
        b, "mlp_dynamic_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])])
    # Two data sets with different batch sizes: the same session must serve both.
    data_rng = np.random.default_rng(8)
    feeds = [{"x": data_rng.standard_normal((batch, 64)).astype(np.float32)} for batch in (3, 1)]
    return model, feeds


def resnet18():
    """ResNet-18 at 224x224 with random weights (1.8 GFLOP): the CNN of the benchmarks."""
    rng = np.random.default_rng(20240603)
    b = GraphBuilder(rng)
    x = b.conv("input", "stem.conv", 3, 64, 7, stride=2)
    x = b.batch_norm(x, "stem.bn", 64)
    x = b.node("Relu", [x], "stem.relu")
    x = b.node("MaxPool", [x], "stem.pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    in_ch = 64
    for stage, out_ch in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if (block == 0 and stage > 1) else 1
            x = b.basic_block(x, f"layer{stage}.{block}", in_ch, out_ch, stride)
            in_ch = out_ch
    x = b.node("GlobalAveragePool", [x], "pool")
    x = b.node("Flatten", [x], "flatten", axis=1)
    w = b.constant("fc.weight", b.he_normal((1000, 512), 512) * np.float32(0.1))
    bias = b.constant("fc.bias", (rng.standard_normal(1000) * 0.05).astype(np.float32))
    x = b.node("Gemm", [x, w, bias], "fc", transB=1)
    b.node("Softmax", [x], "probs", axis=1)
    model = make_model(
        b, "resnet18",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 1000])])
    feeds = [{"input": np.random.default_rng(9).standard_normal((1, 3, 224, 224)).astype(np.float32)}]
    return model, feeds


def mlp_wide():
    """A wide MLP at batch 64: 1024 -> 4096 -> 4096 -> 1000 (0.9 GFLOP), the GEMM benchmark."""
    rng = np.random.default_rng(20240604)
    b = GraphBuilder(rng)
    x = "x"
    dims = (1024, 4096, 4096)
    for i in range(len(dims) - 1):
        w = b.constant(f"fc{i}.weight", b.he_normal((dims[i], dims[i + 1]), dims[i]))
        bias = b.constant(f"fc{i}.bias", (rng.standard_normal(dims[i + 1]) * 0.05).astype(np.float32))
        x = b.node("MatMul", [x, w], f"fc{i}.matmul")
        x = b.node("Add", [x, bias], f"fc{i}.add")
        x = b.node("Relu", [x], f"fc{i}.relu")
    w = b.constant("head.weight", b.he_normal((1000, dims[-1]), dims[-1]))
    x = b.node("Gemm", [x, w], "head", transB=1)
    b.node("Softmax", [x], "y", axis=1)
    model = make_model(
        b, "mlp_wide",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64, 1000])])
    feeds = [{"x": np.random.default_rng(10).standard_normal((64, 1024)).astype(np.float32)}]
    return model, feeds


MODELS = {
    "resnet_tiny": resnet_tiny,
    "mlp_dynamic_batch": mlp_dynamic_batch,
}
# Larger models for benchmarks and the `models-large` test label; not built by default.
LARGE_MODELS = {
    "resnet18": resnet18,
    "mlp_wide": mlp_wide,
}


def reference_outputs(model, feeds):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(names, feeds)


def write_tensor(array, name, path):
    path.write_bytes(numpy_helper.from_array(array, name).SerializeToString())


def write_test_case(out_dir, name, model, feed_sets):
    case_dir = out_dir / name
    case_dir.mkdir(parents=True, exist_ok=True)
    for stale in case_dir.glob("test_data_set_*/*.pb"):
        stale.unlink()
    onnx.save(model, case_dir / "model.onnx")
    input_names = [i.name for i in model.graph.input]
    for k, feeds in enumerate(feed_sets):
        data_dir = case_dir / f"test_data_set_{k}"
        data_dir.mkdir(exist_ok=True)
        output_names, outputs = reference_outputs(model, feeds)
        for i, input_name in enumerate(input_names):
            write_tensor(feeds[input_name], input_name, data_dir / f"input_{i}.pb")
        for i, (output_name, value) in enumerate(zip(output_names, outputs)):
            if not np.all(np.isfinite(value)):
                raise RuntimeError(f"{name}: reference output '{output_name}' is not finite")
            write_tensor(value, output_name, data_dir / f"output_{i}.pb")
    return case_dir


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--only", nargs="+", choices=sorted({**MODELS, **LARGE_MODELS}), metavar="NAME",
                        help="build only these models (default: all of %s)" % ", ".join(MODELS))
    parser.add_argument("--large", action="store_true",
                        help="build the large benchmark models (%s) instead" % ", ".join(LARGE_MODELS))
    args = parser.parse_args(argv)
    catalogue = {**MODELS, **LARGE_MODELS}
    for name in args.only or (LARGE_MODELS if args.large else MODELS):
        model, feeds = catalogue[name]()
        case_dir = write_test_case(args.out_dir, name, model, feeds)
        print(f"wrote {case_dir} ({len(model.graph.node)} nodes, {len(feeds)} data set(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
