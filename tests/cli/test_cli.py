#!/usr/bin/env python3
"""End-to-end tests of the aruntime command-line tool.

    test_cli.py ARUNTIME [WORK_DIR]

Builds tiny models with onnx.helper, computes reference outputs with onnxruntime, and checks the
`run`, `test`, `bench`, `inspect` and `providers` commands (with the memory plan, executor and
profiling options, and the gpu provider: absent without a GPU, device figures with one), their
error reporting (one stderr line starting with "aruntime: error:", exit 1 for model/run
failures, 2 for usage errors) and, when tests/models/make_malformed_models.py
exists, that every malformed model it writes is refused cleanly. Models and outputs go to a new folder inside WORK_DIR (kept for inspection), or to a
temporary folder that is removed afterwards.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

REPO = pathlib.Path(__file__).resolve().parents[2]
MALFORMED_GENERATOR = REPO / "tests" / "models" / "make_malformed_models.py"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; onnxruntime and aruntime both load it
ERROR_PREFIX = "aruntime: error: "
TIMEOUT_S = 120

ARUNTIME = None  # set in main()
WORK = None


def cli(*args):
    return subprocess.run([ARUNTIME, *map(str, args)], capture_output=True, text=True,
                          timeout=TIMEOUT_S)


def save_model(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="test_cli")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def reference(model_path, feeds):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def write_pb(array, name, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(numpy_helper.from_array(array, name).SerializeToString())


def read_pb(path):
    proto = TensorProto()
    proto.ParseFromString(pathlib.Path(path).read_bytes())
    return proto.name, numpy_helper.to_array(proto)


def make_sub_model(path):
    """z = x - y: not commutative, so feeding the inputs the wrong way round shows."""
    graph = helper.make_graph(
        [helper.make_node("Sub", ["x", "y"], ["z"], name="sub")], "sub",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3])])
    return save_model(graph, path)


def make_mlp_model(path):
    """y = Relu(x @ w1 + b1) @ w2 + b2 with a symbolic batch dimension."""
    rng = np.random.default_rng(7)
    inits = [
        numpy_helper.from_array(rng.standard_normal((4, 8)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.standard_normal((8, 3)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.standard_normal(3).astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("MatMul", ["h2", "w2"], ["h3"], name="fc2"),
        helper.make_node("Add", ["h3", "b2"], ["y"], name="fc2_bias"),
    ]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], inits)
    return save_model(graph, path)


def make_huge_input_model(path):
    """Declares a 4e15-element input: generating it must be refused, not attempted."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["big"], ["out"], name="relu")], "huge",
        [helper.make_tensor_value_info("big", TensorProto.FLOAT, [100000, 100000, 400000])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [100000, 100000, 400000])])
    return save_model(graph, path)


def make_case(dir_path, model_maker, data_sets):
    """An ONNX test-layout case: model.onnx and test_data_set_K with inputs and ORT outputs.

    data_sets: list of (list of (name written into the proto, input name, array)) tuples.
    """
    model = model_maker(dir_path / "model.onnx")
    for k, inputs in enumerate(data_sets):
        feeds = {input_name: array for _, input_name, array in inputs}
        outputs = reference(model, feeds)
        set_dir = dir_path / f"test_data_set_{k}"
        for i, (proto_name, _, array) in enumerate(inputs):
            write_pb(array, proto_name, set_dir / f"input_{i}.pb")
        session_outputs = ort.InferenceSession(str(model),
                                               providers=["CPUExecutionProvider"]).get_outputs()
        for i, out in enumerate(outputs):
            write_pb(out, session_outputs[i].name, set_dir / f"output_{i}.pb")
    return dir_path


class CliTestCase(unittest.TestCase):
    def assert_one_error_line(self, result, exit_code, *fragments):
        self.assertEqual(result.returncode, exit_code,
                         f"stdout={result.stdout!r} stderr={result.stderr!r}")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"expected one stderr line, got {result.stderr!r}")
        self.assertTrue(lines[0].startswith(ERROR_PREFIX), lines[0])
        self.assertNotIn(".cc:", lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]


class ProvidersTest(CliTestCase):
    def test_lists_cpu_as_available(self):
        result = cli("providers")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^cpu: available")
        self.assertEqual(result.stderr, "")


class RunTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = WORK / "run"
        cls.sub = make_sub_model(cls.dir / "sub.onnx")
        cls.mlp = make_mlp_model(cls.dir / "mlp.onnx")
        rng = np.random.default_rng(1)
        cls.x = rng.standard_normal((2, 3)).astype(np.float32)
        cls.y = rng.standard_normal((2, 3)).astype(np.float32)
        np.save(cls.dir / "x.npy", cls.x)
        write_pb(cls.y, "y", cls.dir / "y.pb")

    def test_inputs_from_npy_and_pb_give_onnxruntime_outputs(self):
        out = self.dir / "sub_out"
        result = cli("run", self.sub, "--input", f"x={self.dir / 'x.npy'}",
                     "--input", f"y={self.dir / 'y.pb'}", "--output-dir", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("z: float32[2,3]", result.stdout)
        self.assertIn("min ", result.stdout)
        expected = reference(self.sub, {"x": self.x, "y": self.y})[0]
        name, written = read_pb(out / "output_0.pb")
        self.assertEqual(name, "z")
        np.testing.assert_allclose(written, expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(np.load(out / "output_0.npy"), expected, rtol=1e-6, atol=1e-6)

    def test_random_inputs_follow_dims_and_seed(self):
        outs = []
        for seed, tag in ((3, "a"), (3, "b"), (4, "c")):
            out = self.dir / f"mlp_{tag}"
            result = cli("run", self.mlp, "--dim", "batch=5", "--seed", seed, "--output-dir", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("x: float32[5,4] random (seed", result.stdout)
            self.assertIn("y: float32[5,3]", result.stdout)
            outs.append(read_pb(out / "output_0.pb")[1])
        self.assertEqual(outs[0].shape, (5, 3))
        np.testing.assert_array_equal(outs[0], outs[1])
        self.assertFalse(np.array_equal(outs[0], outs[2]))

    def test_unset_symbolic_dim_defaults_to_one(self):
        result = cli("run", self.mlp)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("x: float32[1,4] random", result.stdout)
        self.assertIn("y: float32[1,3]", result.stdout)

    def test_mlp_matches_onnxruntime_on_given_input(self):
        x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
        np.save(self.dir / "mlp_x.npy", x)
        out = self.dir / "mlp_given"
        result = cli("run", self.mlp, "--input", f"x={self.dir / 'mlp_x.npy'}", "--threads", 1,
                     "--providers", "cpu", "--output-dir", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        np.testing.assert_allclose(read_pb(out / "output_0.pb")[1],
                                   reference(self.mlp, {"x": x})[0], rtol=1e-5, atol=1e-5)

    def test_refuses_an_input_too_large_for_memory(self):
        huge = make_huge_input_model(self.dir / "huge.onnx")
        line = self.assert_one_error_line(cli("run", huge), 1, "'big'", "[100000,100000,400000]",
                                          "bytes")
        self.assertIn("16000000000000000", line)

    def test_wrong_input_name_type_and_dim_are_errors(self):
        self.assert_one_error_line(cli("run", self.sub, "--input", f"nope={self.dir / 'x.npy'}"),
                                   1, "'nope'")
        np.save(self.dir / "x64.npy", self.x.astype(np.float64))
        self.assert_one_error_line(cli("run", self.sub, "--input", f"x={self.dir / 'x64.npy'}"),
                                   1, "float64", "float32")
        self.assert_one_error_line(cli("run", self.mlp, "--dim", "batc=2"), 1, "'batc'")
        self.assert_one_error_line(cli("run", self.sub, "--input", f"x={self.dir / 'none.npy'}"),
                                   1, "none.npy")


class TestCommandTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(2)
        cls.good = WORK / "cases_good"
        cls.mixed = WORK / "cases_mixed"
        x, y = (rng.standard_normal((2, 3)).astype(np.float32) for _ in range(2))
        # Proto names in reverse file order: inputs must be matched by name, not position.
        make_case(cls.good / "sub_by_name", make_sub_model, [[("y", "y", y), ("x", "x", x)]])
        # Empty proto names: matched by position.
        make_case(cls.good / "sub_by_position", make_sub_model, [[("", "x", x), ("", "y", y)]])
        make_case(cls.good / "mlp_two_sets", make_mlp_model,
                  [[("x", "x", rng.standard_normal((n, 4)).astype(np.float32))] for n in (1, 6)])

        shutil.copytree(cls.good / "sub_by_name", cls.mixed / "a_pass")
        wrong = shutil.copytree(cls.good / "sub_by_name", cls.mixed / "b_wrong")
        name, expected = read_pb(wrong / "test_data_set_0" / "output_0.pb")
        expected = expected.copy()
        expected[1, 2] += 0.3
        write_pb(expected, name, wrong / "test_data_set_0" / "output_0.pb")
        broken = shutil.copytree(cls.good / "sub_by_name", cls.mixed / "c_broken_model")
        (broken / "model.onnx").write_bytes(b"this is not a protobuf")
        skipped = cls.mixed / "d_no_data"
        skipped.mkdir(parents=True)
        shutil.copy(cls.good / "sub_by_name" / "model.onnx", skipped / "model.onnx")

    def test_all_pass(self):
        result = cli("test", self.good)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[:3], ["PASS mlp_two_sets", "PASS sub_by_name", "PASS sub_by_position"])
        self.assertEqual(lines[-1], "3 passed, 0 failed")

    def test_single_case_dir(self):
        result = cli("test", self.good / "sub_by_name", "--threads", 2)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.splitlines(), ["PASS sub_by_name", "1 passed, 0 failed"])

    def test_failures_errors_and_skips(self):
        result = cli("test", self.mixed)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0], "PASS a_pass")
        self.assertRegex(lines[1], r"^FAIL b_wrong: output 'z' max abs err 0\.[23]\d* at index \[1,2\] "
                                   r"\(rtol 0\.001, atol 1e-07\)")
        self.assertTrue(lines[2].startswith("ERROR c_broken_model: "), lines[2])
        self.assertTrue(lines[3].startswith("SKIP d_no_data"), lines[3])
        self.assertEqual(lines[-1], "1 passed, 2 failed, 1 skipped")

    def test_tolerance_options(self):
        # The wrong element is off by 0.3: atol 0.5 accepts it.
        result = cli("test", self.mixed / "b_wrong", "--atol", "0.5")
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(result.stdout.splitlines()[-1], "1 passed, 0 failed")

    def test_missing_dir_is_an_error(self):
        self.assert_one_error_line(cli("test", WORK / "no_such_dir"), 1, "no_such_dir")


class BenchTest(CliTestCase):
    KEYS = ("load_ms", "first_run_ms", "min_ms", "median_ms", "mean_ms", "p90_ms", "p99_ms",
            "iterations", "threads", "providers", "model")

    @classmethod
    def setUpClass(cls):
        cls.mlp = make_mlp_model(WORK / "bench" / "mlp.onnx")

    def test_json(self):
        result = cli("bench", self.mlp, "--json", "--iterations", 7, "--warmup", 1, "--threads", 1,
                     "--dim", "batch=2")
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        for key in self.KEYS:
            self.assertIn(key, report)
        self.assertEqual(report["iterations"], 7)
        self.assertEqual(report["threads"], 1)
        self.assertEqual(report["providers"], ["cpu"])
        self.assertEqual(report["model"], str(self.mlp))
        self.assertGreater(report["load_ms"], 0)
        self.assertLessEqual(report["min_ms"], report["median_ms"])
        self.assertLessEqual(report["median_ms"], report["p90_ms"])
        self.assertLessEqual(report["p90_ms"], report["p99_ms"])

    def test_text(self):
        result = cli("bench", self.mlp, "--iterations", 3, "--warmup", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        for word in ("load", "first run", "min", "median", "mean", "p90", "p99"):
            self.assertIn(word, result.stdout)


class InspectTest(CliTestCase):
    def test_reports_structure_and_placement(self):
        mlp = make_mlp_model(WORK / "inspect" / "mlp.onnx")
        result = cli("inspect", mlp, "--providers", "cpu")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout
        self.assertIn("ir version: 8", out)
        self.assertIn("producer: test_cli", out)
        self.assertIn("ai.onnx 17", out)
        self.assertIn("x: float32[batch,4]", out)
        self.assertIn("y: float32[batch,3]", out)
        # 4*8 + 8 + 8*3 + 3 = 67 floats.
        self.assertIn("initializers: 4 (268 bytes)", out)
        self.assertRegex(out, r"(?m)^\s+2\s+MatMul$")
        self.assertRegex(out, r"(?m)^\s+2\s+Add$")
        self.assertRegex(out, r"(?m)^\s+1\s+Relu$")
        # The placement is of the optimized graph: MatMul + Add + Relu run as one fused Gemm.
        self.assertRegex(out, r"(?m)^\s+fc1\s+aruntime\.FusedGemm\s+cpu\b")


def make_cnn_model(path, tail_op=None):
    """Conv-Relu-MaxPool-Conv-Relu-Flatten-Gemm-Softmax on a static 1x3x16x16 input, optionally
    followed by `tail_op` (an op the simulated NPU does not run, so it lands on the CPU)."""
    rng = np.random.default_rng(11)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3, "w1"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "b1"),
        numpy_helper.from_array(rng.standard_normal((8, 8, 3, 3)).astype(np.float32) * 0.2, "w2"),
        numpy_helper.from_array(rng.standard_normal((8 * 8 * 8, 10)).astype(np.float32) * 0.05, "wf"),
        numpy_helper.from_array(rng.standard_normal(10).astype(np.float32) * 0.1, "bf"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Flatten", ["r2"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["logits"], name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax"),
    ]
    out = "probs"
    if tail_op:
        nodes.append(helper.make_node(tail_op, ["probs"], ["tail"], name="tail"))
        out = "tail"
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 10])], inits)
    return save_model(graph, path)


class MapInputTest(CliTestCase):
    """Non-tensor inputs come from files (MapProto here); they are never generated."""

    def test_dict_vectorizer_reads_its_map_from_a_file(self):
        node = helper.make_node("DictVectorizer", ["features"], ["vector"], name="vectorize",
                                domain="ai.onnx.ml", string_vocabulary=["a", "b", "c"])
        map_type = helper.make_map_type_proto(TensorProto.STRING,
                                              helper.make_tensor_type_proto(TensorProto.FLOAT, []))
        graph = helper.make_graph(
            [node], "dv", [helper.make_value_info("features", map_type)],
            [helper.make_tensor_value_info("vector", TensorProto.FLOAT, [1, 3])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                        helper.make_opsetid("ai.onnx.ml", 3)])
        model.ir_version = IR_VERSION
        path = WORK / "maps" / "dv.onnx"
        path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(model, str(path))
        features = helper.make_map("features", TensorProto.STRING, [b"c", b"a"],
                                   helper.make_sequence("values", onnx.SequenceProto.TENSOR,
                                                        [numpy_helper.from_array(np.array([2.5], np.float32)),
                                                         numpy_helper.from_array(np.array([-1.0], np.float32))]))
        feed = WORK / "maps" / "features.pb"
        feed.write_bytes(features.SerializeToString())

        result = cli("run", path, "--input", f"features={feed}", "--output-dir", WORK / "maps" / "out")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("features: map(string,float32) of 2 from", result.stdout)
        _, vector = read_pb(WORK / "maps" / "out" / "output_0.pb")
        # Vocabulary order a, b, c; b is absent and stays 0.
        np.testing.assert_array_equal(vector, np.array([[-1.0, 0.0, 2.5]], np.float32))

        self.assert_one_error_line(cli("run", path), 1, "input 'features' is a map",
                                   "--input features=FILE")


class PlacementTest(CliTestCase):
    """explain, compare and the placement options with the simulated NPU."""

    @classmethod
    def setUpClass(cls):
        cls.cnn = make_cnn_model(WORK / "placement" / "cnn.onnx")
        cls.cnn_sin = make_cnn_model(WORK / "placement" / "cnn_sin.onnx", tail_op="Sin")

    def test_explain_text_json_and_dot(self):
        result = cli("explain", self.cnn_sin, "--providers", "npu,cpu")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^conv1\s+Conv\s+npu \[npu_group_0\]")
        self.assertRegex(result.stdout, r"(?m)^tail\s+Sin\s+cpu\s+npu: op not supported")
        self.assertRegex(result.stdout, r"cpu -> npu:0\s+1 copy, 3.0 KB")
        self.assertRegex(result.stdout, r"npu:0 -> cpu\s+1 copy, 40 bytes")

        result = cli("explain", self.cnn_sin, "--providers", "npu,cpu", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        where = {n["name"]: n["provider"] for n in report["nodes"]}
        self.assertEqual(where["conv1"], "npu")
        self.assertEqual(where["fc"], "npu")
        self.assertEqual(where["tail"], "cpu")
        sin = next(n for n in report["nodes"] if n["name"] == "tail")
        self.assertEqual(sin["declined"], [{"provider": "npu", "reason": "op not supported: Sin"}])
        # 1x3x16x16 float input in (3072 bytes), the 1x10 probabilities out (40 bytes).
        self.assertEqual(sorted((c["from"], c["to"], c["bytes"]) for c in report["copies"]),
                         [("cpu", "npu:0", 3072), ("npu:0", "cpu", 40)])
        share = {s["provider"]: s["flops_share"] for s in report["summary"]}
        self.assertGreater(share["npu"], 0.99)
        # conv1: 2 * (8*16*16) * (3*3*3) = 110592 FLOPs, from the static shapes.
        conv1 = next(n for n in report["nodes"] if n["name"] == "conv1")
        self.assertEqual(conv1["estimated_flops"], 110592)

        result = cli("explain", self.cnn_sin, "--providers", "npu,cpu", "--dot")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("digraph placement {"))
        self.assertIn('"conv1" -> "relu1";', result.stdout)

    def test_no_fallback_lists_the_nodes_nobody_takes(self):
        result = cli("run", self.cnn_sin, "--providers", "npu", "--no-fallback")
        self.assert_one_error_line(result, 1, "no provider (npu) can run 1 node(s): node 'tail' (Sin)")
        self.assertIn("npu: op not supported: Sin", result.stderr)
        result = cli("run", self.cnn, "--providers", "npu", "--no-fallback")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_bench_reports_device_programs_and_copies(self):
        result = cli("bench", self.cnn, "--providers", "npu,cpu", "--json", "--iterations", 2,
                     "--warmup", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["copies_per_run"], 2)  # the whole model is one device program
        programs = [p for p in report["device_programs"] if p["program"].startswith("npu_group")]
        self.assertEqual(len(programs), 1)
        for key in ("instructions", "device_bytes", "weight_bytes", "estimated_cycles"):
            self.assertGreater(programs[0][key], 0, key)

    def test_bench_reports_copied_bytes_and_no_device_figures(self):
        result = cli("bench", self.cnn, "--providers", "npu,cpu", "--json", "--iterations", 2,
                     "--warmup", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        # The 1x3x16x16 float input to the NPU (3072 bytes), the 1x10 probabilities back (40).
        self.assertEqual(report["copied_bytes_per_run"], 3072 + 40)
        self.assertTrue(report["copied_bytes_complete"])
        # The simulated NPU measures no device time or memory: no device figures.
        self.assertEqual(report["device_stats"], [])
        self.assertIsNone(report["device_ms_mean"])
        self.assertIsNone(report["device_memory_peak_bytes"])
        result = cli("bench", self.cnn, "--providers", "npu,cpu", "--iterations", 2, "--warmup", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        # 3112 bytes = 3.04 KiB.
        self.assertRegex(result.stdout,
                         r"(?m)^copies between device memories per run: 2 \(3.04 KiB\)$")
        self.assertNotIn("device time", result.stdout)
        result = cli("bench", self.cnn, "--providers", "cpu", "--json", "--iterations", 1)
        report = json.loads(result.stdout)
        self.assertEqual((report["copies_per_run"], report["copied_bytes_per_run"]), (0, 0))
        self.assertEqual(report["device_stats"], [])

    def test_compare_names_the_node_pinned_to_the_npu_in_int8(self):
        result = cli("compare", self.cnn, "--providers", "cpu,npu", "--assign", "conv2=npu",
                     "--provider-option", "npu:precision=int8")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"(?m)^  OUT  conv2 \(Conv, npu \[npu_group_0\]\).*first out of tolerance")
        self.assertIn("first out of tolerance: conv2", result.stdout)
        for node in ("conv1", "relu1", "pool"):
            self.assertRegex(result.stdout, rf"(?m)^  ok   {node} ")

        result = cli("compare", self.cnn, "--providers", "npu,cpu", "--provider-option",
                     "npu:precision=fp32", "--json")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        report = json.loads(result.stdout)
        self.assertIsNone(report["first_out_of_tolerance"])
        self.assertTrue(report["outputs_within_tolerance"])
        self.assertTrue(all(v["within_tolerance"] for v in report["values"]))

    def test_placement_option_errors(self):
        self.assert_one_error_line(cli("explain", self.cnn, "--assign", "conv9=cpu"), 1,
                                   "assignment 'conv9=cpu' matches no node name or op type")
        self.assert_one_error_line(cli("explain", self.cnn, "--providers", "npu,cpu", "--assign",
                                       "Flatten=gpu"), 1, "names provider 'gpu'")
        self.assert_one_error_line(cli("explain", self.cnn, "--providers", "npu,cpu",
                                       "--provider-option", "npu:precision=int4"), 1, "precision")
        self.assert_one_error_line(cli("explain", self.cnn, "--assign", "conv1"), 2, "--assign")


class GpuProviderTest(CliTestCase):
    """The CUDA provider as the CLI shows it. On a machine without a GPU (CI): listed as absent
    when the binary has it, and a session asking for it fails with one line; on a GPU machine
    (tests/gpu/run-on-device.sh runs this class there): listed as available, and `bench` reports
    the device time and memory it measured."""

    @classmethod
    def setUpClass(cls):
        listing = cli("providers").stdout
        cls.gpu_line = next((line for line in listing.splitlines() if line.startswith("gpu:")), None)
        cls.gpu_present = gpu_present()
        cls.mlp = make_mlp_model(WORK / "gpu" / "mlp.onnx")

    def test_providers_says_whether_the_gpu_has_a_device(self):
        if self.gpu_line is None:
            self.skipTest("this aruntime has no gpu provider (built without CUDA)")
        if self.gpu_present:
            self.assertRegex(self.gpu_line, r"^gpu: available \(.+\)$")
        else:
            self.assertRegex(self.gpu_line, r"^gpu: no device \(no CUDA device found\b.*\)$")

    def test_a_gpu_session_without_a_gpu_is_one_error_line(self):
        if self.gpu_present:
            self.skipTest("this machine has a GPU")
        for command in ("run", "bench"):
            with self.subTest(command=command):
                line = self.assert_one_error_line(
                    cli(command, self.mlp, "--providers", "gpu,cpu", "--dim", "batch=2"), 1, "'gpu'")
                if self.gpu_line is None:
                    self.assertIn("unknown provider 'gpu'", line)
                else:
                    self.assertIn("provider 'gpu' has no device: no CUDA device found", line)

    def test_bench_reports_device_time_and_memory_on_a_gpu(self):
        if self.gpu_line is None or not self.gpu_present:
            self.skipTest("needs the gpu provider and a GPU")
        # The cost rule would keep this tiny model on the host: turned off, the GPU takes it.
        placement = ("--providers", "gpu,cpu", "--dim", "batch=2", "--min-flops-per-byte", 0)
        explained = json.loads(cli("explain", self.mlp, *placement, "--json").stdout)
        self.assertIn("gpu", [n["provider"] for n in explained["nodes"]])
        runs = 1 + 2 + 4  # first run, warmup, iterations
        result = cli("bench", self.mlp, *placement, "--json", "--warmup", 2, "--iterations", 4)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        (gpu,) = report["device_stats"]
        self.assertEqual(gpu["provider"], "gpu")
        self.assertTrue(gpu["device"].startswith("gpu:0"), gpu["device"])
        self.assertEqual(gpu["runs"], runs)
        self.assertEqual(gpu["timed_runs"], 4)
        self.assertGreater(gpu["device_ms_min"], 0)
        self.assertLessEqual(gpu["device_ms_min"], gpu["device_ms_median"])
        self.assertLessEqual(gpu["device_ms_median"], gpu["device_ms_max"])
        # Each run's device work happens within its wall-clock time.
        self.assertLessEqual(gpu["device_ms_max"], report["max_ms"])
        self.assertEqual(report["device_ms_mean"], gpu["device_ms_mean"])
        # The weights (67 floats) at least are in device memory.
        self.assertGreaterEqual(gpu["memory_peak_bytes"], 268)
        self.assertEqual(report["device_memory_peak_bytes"], gpu["memory_peak_bytes"])
        text = cli("bench", self.mlp, *placement, "--warmup", 0, "--iterations", 2)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertRegex(text.stdout, r"(?m)^device gpu \(gpu:0.*\): device time per run over 2 "
                                      r"runs \(ms\): min [\d.e-]+, median .*; memory in use .*, "
                                      r"peak [\d.]+ (B|KiB|MiB|GiB)$")


def gpu_present():
    """Whether this machine has an NVIDIA GPU: the driver's device file of one, or `nvidia-smi -L`
    listing one."""
    if any(pathlib.Path("/dev").glob("nvidia[0-9]*")):
        return True
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "GPU " in listing.stdout


def make_branches_model(path):
    """Three independent branches of x (Tanh, Sigmoid, Neg->Abs), each followed by a MatMul, then
    Concat: work the parallel executor may run side by side. Static 8x32 input."""
    rng = np.random.default_rng(29)
    inits = [numpy_helper.from_array(rng.standard_normal((32, 16)).astype(np.float32) * 0.2, f"w{i}")
             for i in range(3)]
    nodes = [
        helper.make_node("Tanh", ["x"], ["a0"], name="tanh"),
        helper.make_node("MatMul", ["a0", "w0"], ["a1"], name="mm_a"),
        helper.make_node("Sigmoid", ["x"], ["b0"], name="sigmoid"),
        helper.make_node("MatMul", ["b0", "w1"], ["b1"], name="mm_b"),
        helper.make_node("Neg", ["x"], ["c0"], name="neg"),
        helper.make_node("Abs", ["c0"], ["c1"], name="abs"),
        helper.make_node("MatMul", ["c1", "w2"], ["c2"], name="mm_c"),
        helper.make_node("Concat", ["a1", "b1", "c2"], ["y"], name="concat", axis=1),
        helper.make_node("Softmax", ["y"], ["p"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "branches", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8, 48]),
         helper.make_tensor_value_info("p", TensorProto.FLOAT, [8, 48])], inits)
    return save_model(graph, path)


BYTES = r"(?:[\d.]+ [KMGT]iB \()?(\d+) bytes"


def figure(pattern, text):
    """The exact byte count printed after `pattern` ("planned activation peak: 10.0 KiB (10240
    bytes)" -> 10240)."""
    match = re.search(pattern + ": " + BYTES, text)
    if match is None:
        raise AssertionError(f"no '{pattern}' figure in {text!r}")
    return int(match.group(1))


class MemoryAndProfilingTest(CliTestCase):
    """inspect --memory, the memory and executor options, bench's memory fields and --per-op, and
    --profile traces."""

    @classmethod
    def setUpClass(cls):
        cls.dir = WORK / "memory"
        cls.cnn = make_cnn_model(cls.dir / "cnn.onnx")
        cls.mlp = make_mlp_model(cls.dir / "mlp.onnx")
        cls.branches = make_branches_model(cls.dir / "branches.onnx")
        cls.cnn_weight_bytes = sum(numpy_helper.to_array(t).nbytes
                                   for t in onnx.load(str(cls.cnn)).graph.initializer)

    def inspect_memory(self, model, *options):
        result = cli("inspect", model, "--memory", *options)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        return result.stdout

    def test_inspect_memory_of_a_static_model(self):
        out = self.inspect_memory(self.cnn, "--opt-level", 0)
        self.assertRegex(out, r"(?m)^  cpu:$")
        peak = figure("planned activation peak", out)
        naive = figure("without reuse", out)
        # Every intermediate of Conv-Relu-MaxPool-Conv-Relu-Flatten-Gemm is planned; r1
        # (1x8x16x16 floats = 8192 bytes) and p1 (1x8x8x8 = 2048) are alive together at the
        # pool, so the peak is at least their sum, and reuse keeps it below one buffer each.
        self.assertGreaterEqual(peak, 8192 + 2048)
        self.assertLess(peak, naive)
        self.assertEqual(figure("weights", out), self.cnn_weight_bytes)
        self.assertRegex(out, r"reuse ratio: \d+\.\d\dx")
        self.assertRegex(out, r"(?m)^    peak at node: \S+$")
        # Relu computes r1 in place over c1, so the one buffer may go by either name.
        self.assertRegex(out, r"(?m)^      (c1|r1)\s+8\.00 KiB \(8192 bytes\)$")
        self.assertIn("every intermediate size is known", out)
        self.assertNotIn("--dim", out)

    def test_inspect_memory_of_a_dynamic_model_with_and_without_dim(self):
        out = self.inspect_memory(self.mlp)
        self.assertIn("sizes depend on the inputs", out)
        self.assertIn("h2", out)  # the fused fc1's output, [batch, 8]
        self.assertIn("--dim NAME=VALUE (symbolic: batch)", out)

        out = self.inspect_memory(self.mlp, "--dim", "batch=64")
        self.assertIn("dims: batch=64", out)
        self.assertNotIn("sizes depend on the inputs", out)
        self.assertIn("every intermediate size is known", out)
        # h2 is float32[64,8]: 2048 bytes, alive at the peak.
        self.assertRegex(out, r"(?m)^      h2\s+2\.00 KiB \(2048 bytes\)$")
        self.assertGreaterEqual(figure("planned activation peak", out), 2048)
        self.assert_one_error_line(cli("inspect", self.mlp, "--memory", "--dim", "bach=2"), 1,
                                   "'bach'")

    def test_inspect_memory_without_a_plan(self):
        out = self.inspect_memory(self.cnn, "--no-memory-plan")
        self.assertIn("off (--no-memory-plan)", out)

    def test_max_activation_bytes(self):
        peak = figure("planned activation peak", self.inspect_memory(self.cnn))
        line = self.assert_one_error_line(cli("run", self.cnn, "--max-activation-bytes", 1024), 1,
                                          "over the cap of 1024 bytes", "--max-activation-bytes")
        self.assertIn(f"{peak} bytes", line)
        # Suffixes are binary: 1K is the same cap.
        self.assert_one_error_line(cli("run", self.cnn, "--max-activation-bytes", "1K"), 1,
                                   "over the cap of 1024 bytes")
        result = cli("run", self.cnn, "--max-activation-bytes", peak)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_one_error_line(cli("run", self.cnn, "--max-activation-bytes", "lots"), 2,
                                   "--max-activation-bytes")

    def test_no_memory_plan_and_inter_op_threads_give_the_same_outputs(self):
        x = np.random.default_rng(8).standard_normal((8, 32)).astype(np.float32)
        np.save(self.dir / "branches_x.npy", x)
        expected = reference(self.branches, {"x": x})
        variants = {
            "sequential": (),
            "parallel": ("--inter-op-threads", 2, "--threads", 2),
            "parallel_budget": ("--inter-op-threads", 0),
            "no_plan": ("--no-memory-plan",),
            "parallel_no_plan": ("--inter-op-threads", 3, "--no-memory-plan"),
        }
        outputs = {}
        for tag, options in variants.items():
            out = self.dir / f"branches_{tag}"
            result = cli("run", self.branches, "--input", f"x={self.dir / 'branches_x.npy'}",
                         "--output-dir", out, *options)
            self.assertEqual(result.returncode, 0, f"{tag}: {result.stderr}")
            outputs[tag] = [read_pb(out / f"output_{k}.pb")[1] for k in range(2)]
        for tag, arrays in outputs.items():
            for k in range(2):
                # The executor and the memory plan change where values live and when nodes run,
                # never what they compute: bit-identical to the sequential run.
                np.testing.assert_array_equal(arrays[k], outputs["sequential"][k], err_msg=tag)
                np.testing.assert_allclose(arrays[k], expected[k], rtol=1e-5, atol=1e-6,
                                           err_msg=tag)

    def test_executor_option_errors(self):
        for value in ("-1", "two", "99999"):
            self.assert_one_error_line(cli("run", self.cnn, "--inter-op-threads", value), 2,
                                       "--inter-op-threads")
        self.assert_one_error_line(cli("inspect", self.cnn, "--profile", self.dir / "p.json"), 2,
                                   "'--profile'")
        self.assert_one_error_line(cli("run", self.cnn, "--per-op"), 2, "'--per-op'")

    def test_bench_json_memory_fields(self):
        runs = 1 + 2 + 5  # first run, warmup, iterations
        result = cli("bench", self.cnn, "--json", "--iterations", 5, "--warmup", 2, "--opt-level", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        inspected = self.inspect_memory(self.cnn, "--opt-level", 0)
        self.assertEqual(report["planned_peak_bytes"], figure("planned activation peak", inspected))
        self.assertEqual(report["weights_bytes"], self.cnn_weight_bytes)
        self.assertTrue(report["memory_plan_complete"])
        self.assertEqual(report["executor"], "sequential")
        # The process holds at least the binary and the model: over a MiB, under a GiB.
        self.assertGreater(report["peak_rss_bytes"], 1 << 20)
        self.assertLess(report["peak_rss_bytes"], 1 << 30)
        stats = report["memory_stats"]
        self.assertEqual(stats["runs_planned"], runs)  # a static plan serves every run
        self.assertEqual(stats["runs_recorded"], 0)
        self.assertEqual(stats["values_fallback"], 0)
        self.assertGreater(stats["values_planned"], 0)
        self.assertEqual(stats["values_planned"] % runs, 0)
        self.assertEqual([a["name"] for a in stats["arenas"]], ["cpu"])
        for arena in stats["arenas"]:
            self.assertLessEqual(arena["reserved_bytes"], arena["peak_reserved_bytes"])
            self.assertLessEqual(arena["peak_in_use_bytes"], arena["peak_reserved_bytes"])
        self.assertNotIn("per_op", report)

        result = cli("bench", self.mlp, "--json", "--iterations", 3, "--warmup", 0,
                     "--inter-op-threads", 2, "--threads", 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["executor"], "parallel")
        # batch is unset: sizes depend on the inputs, and the first run records them.
        self.assertFalse(report["memory_plan_complete"])
        self.assertEqual(report["memory_stats"]["runs_recorded"], 1)

    def test_bench_text_memory_lines(self):
        result = cli("bench", self.cnn, "--iterations", 2, "--warmup", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^executor: sequential$")
        self.assertRegex(result.stdout, r"(?m)^memory: planned activation peak [\d.]+ KiB, weights "
                                        r"[\d.]+ KiB, peak RSS [\d.]+ MiB$")
        self.assertRegex(result.stdout, r"(?m)^runs: 3 planned, 0 recorded; values: \d+ planned, "
                                        r"0 from the arena instead$")

    def test_bench_per_op(self):
        runs = 1 + 1 + 4
        result = cli("bench", self.branches, "--per-op", "--iterations", 4, "--warmup", 1,
                     "--opt-level", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"time per op type over {runs} profiled runs", result.stdout)
        table = result.stdout.split("time per op type")[1].splitlines()[2:]
        rows = {fields[0]: fields for fields in (line.split() for line in table)}
        # 9 nodes of 7 op types, each node once per run.
        self.assertEqual(set(rows), {"MatMul", "Tanh", "Sigmoid", "Neg", "Abs", "Concat", "Softmax"})
        self.assertEqual(rows["MatMul"][1:3], ["cpu", str(3 * runs)])
        self.assertEqual(rows["Tanh"][2], str(runs))

        result = cli("bench", self.branches, "--per-op", "--json", "--iterations", 4, "--warmup", 1,
                     "--opt-level", 0)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["profiled_runs"], runs)
        per_op = report["per_op"]
        self.assertEqual(sum(op["calls"] for op in per_op), 9 * runs)
        totals = [op["total_ms"] for op in per_op]
        self.assertEqual(totals, sorted(totals, reverse=True))
        self.assertAlmostEqual(sum(op["percent"] for op in per_op), 100.0, delta=0.5)
        self.assertTrue(all(op["provider"] == "cpu" for op in per_op))

    def load_trace(self, path, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.strip(), f"profile written to {path}")
        with open(path) as f:
            trace = json.load(f)
        events = trace["traceEvents"]
        complete = [e for e in events if e["ph"] == "X"]
        for e in complete:
            self.assertEqual(e["pid"], 1)
            self.assertGreaterEqual(e["ts"], 0)
            self.assertGreaterEqual(e["dur"], 0)
        names = {e["tid"]: e["args"]["name"] for e in events
                 if e["ph"] == "M" and e["name"] == "thread_name"}
        self.assertTrue(all(e["tid"] in names for e in complete))
        return complete

    def test_profile_of_run_and_bench(self):
        path = self.dir / "run_trace.json"
        events = self.load_trace(path, cli("run", self.branches, "--profile", path,
                                           "--opt-level", 0))
        phases = [e["name"] for e in events if e["cat"] == "session"]
        for phase in ("load", "optimize", "partition", "plan"):
            self.assertIn(phase, phases)
        nodes = [e for e in events if e["cat"] == "node"]
        self.assertEqual(sorted(e["name"] for e in nodes),
                         sorted(["tanh", "mm_a", "sigmoid", "mm_b", "neg", "abs", "mm_c", "concat",
                                 "softmax"]))
        concat = next(e for e in nodes if e["name"] == "concat")
        self.assertEqual(concat["args"]["op_type"], "Concat")
        self.assertEqual(concat["args"]["provider"], "cpu")
        self.assertEqual(concat["args"]["input_shapes"], ["float32[8,16]"] * 3)
        self.assertEqual(concat["args"]["output_shapes"], ["float32[8,48]"])
        self.assertEqual(concat["args"]["run"], 0)
        # Phases have a track of their own.
        self.assertTrue({e["tid"] for e in events if e["cat"] == "session"}.isdisjoint(
            {e["tid"] for e in nodes}))

        path = self.dir / "bench_trace.json"
        runs = 1 + 1 + 3
        events = self.load_trace(path, cli("bench", self.branches, "--profile", path, "--opt-level",
                                           0, "--iterations", 3, "--warmup", 1,
                                           "--inter-op-threads", 2, "--threads", 2))
        nodes = [e for e in events if e["cat"] == "node"]
        per_node = {}
        for e in nodes:
            per_node.setdefault(e["name"], []).append(e["args"]["run"])
        self.assertEqual(len(per_node), 9)
        for name, run_ids in per_node.items():
            self.assertEqual(sorted(run_ids), list(range(runs)), name)

    def test_profile_names_copies_between_device_memories(self):
        path = self.dir / "npu_trace.json"
        events = self.load_trace(path, cli("run", self.cnn, "--providers", "npu,cpu", "--profile",
                                           path))
        copies = [e for e in events if e["cat"] == "node" and e["args"]["provider"] == "copy"]
        self.assertTrue(copies, "no copy step in the trace")
        for e in copies:
            self.assertTrue(e["args"]["op_type"].startswith("aruntime.internal."), e)
            self.assertEqual(e["args"]["input_shapes"], e["args"]["output_shapes"])

    def test_profile_to_an_unwritable_path_fails(self):
        path = self.dir / "no_such_dir" / "trace.json"
        self.assert_one_error_line(cli("run", self.cnn, "--profile", path), 1, str(path))


class ErrorReportingTest(CliTestCase):
    def test_usage_errors_exit_2(self):
        self.assert_one_error_line(cli(), 2, "no command")
        self.assert_one_error_line(cli("frobnicate"), 2, "'frobnicate'")
        self.assert_one_error_line(cli("run"), 2, "MODEL")
        self.assert_one_error_line(cli("run", "m.onnx", "--threads", "many"), 2, "--threads")
        self.assert_one_error_line(cli("bench", "m.onnx", "--bogus"), 2, "'--bogus'")
        self.assert_one_error_line(cli("test"), 2, "DIR")

    def test_model_errors_exit_1(self):
        bad = WORK / "errors" / "garbage.onnx"
        bad.parent.mkdir(parents=True, exist_ok=True)
        bad.write_bytes(b"\x08\x07garbage that is not a model \xff\xff\xff")
        self.assert_one_error_line(cli("run", bad), 1)
        self.assert_one_error_line(cli("inspect", bad), 1)
        self.assert_one_error_line(cli("bench", bad), 1)
        self.assert_one_error_line(cli("run", WORK / "errors" / "missing.onnx"), 1, "missing.onnx")
        self.assert_one_error_line(cli("run", make_sub_model(WORK / "errors" / "sub.onnx"),
                                       "--providers", "no_such_provider"), 1, "no_such_provider")

    def test_help(self):
        for command in ("run", "test", "bench", "inspect", "providers"):
            result = cli(command, "--help")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertTrue(result.stdout.startswith(f"Usage: aruntime {command}"), result.stdout)
        result = cli("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("Commands:", result.stdout)


def make_conv_bn_model(path):
    """x -> Identity -> Conv(8 filters, 3x3, bias) -> BatchNormalization -> Relu -> y on a static
    1x3x8x8 input: level 1 removes the Identity and folds the BatchNormalization into the Conv."""
    rng = np.random.default_rng(23)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3, "w"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "b"),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "gamma"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.2, "beta"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2.0, 8).astype(np.float32), "var"),
    ]
    nodes = [
        helper.make_node("Identity", ["x"], ["x_copy"], name="copy"),
        helper.make_node("Conv", ["x_copy", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"],
                         name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "conv_bn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 8])], inits)
    return save_model(graph, path)


class OptimizeTest(CliTestCase):
    """`aruntime optimize`: the saved level-1 model is plain ONNX that onnxruntime loads and that
    computes what the original computes."""

    @classmethod
    def setUpClass(cls):
        cls.dir = WORK / "optimize"
        cls.model = make_conv_bn_model(cls.dir / "conv_bn.onnx")
        cls.x = np.random.default_rng(3).standard_normal((1, 3, 8, 8)).astype(np.float32)
        np.save(cls.dir / "x.npy", cls.x)
        cls.expected = reference(cls.model, {"x": cls.x})[0]

    def check_with_onnxruntime(self, path):
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        actual = session.run(None, {"x": self.x})[0]
        # Folding rounds differently from Conv followed by BatchNormalization.
        np.testing.assert_allclose(actual, self.expected, rtol=1e-5, atol=1e-6)

    def check_with_aruntime_run(self, path, out_dir):
        result = cli("run", path, "--input", f"x={self.dir / 'x.npy'}", "--output-dir", out_dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        name, actual = read_pb(out_dir / "output_0.pb")
        self.assertEqual(name, "y")
        np.testing.assert_allclose(actual, self.expected, rtol=1e-5, atol=1e-6)

    def test_level_1_output_runs_in_onnxruntime_and_aruntime(self):
        out = self.dir / "level1.onnx"
        result = cli("optimize", self.model, out, "--opt-level", 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertIn("optimizer level 1\n", result.stdout)
        self.assertIn("nodes: 4 -> 2\n", result.stdout)
        self.assertRegex(result.stdout, r"(?m)^  eliminate_identity\s+level 1\s+1 rewrite\(s\)$")
        self.assertRegex(result.stdout, r"(?m)^  fuse_conv_batchnorm\s+level 1\s+1 rewrite\(s\)$")
        # The six initializers only the old Conv and BatchNormalization read: w, b and the four
        # statistics.
        self.assertRegex(result.stdout, r"(?m)^  eliminate_dead_code\s+level 1\s+6 rewrite\(s\)$")
        # Operator histogram: op, count before, count after.
        for op, before, after in (("BatchNormalization", 1, 0), ("Conv", 1, 1), ("Identity", 1, 0),
                                  ("Relu", 1, 1)):
            self.assertRegex(result.stdout, rf"(?m)^  {op}\s+{before}\s+{after}$")
        self.assertRegex(result.stdout, rf"(?m)^wrote {out} \(\d+ bytes\)$")

        written = onnx.load(str(out))
        onnx.checker.check_model(written, full_check=True)
        self.assertEqual([n.op_type for n in written.graph.node], ["Conv", "Relu"])
        self.assertEqual(written.producer_name, "aruntime")
        self.assertEqual({(o.domain, o.version) for o in written.opset_import}, {("", OPSET)})
        # The Conv's output type, inferred by aruntime, is kept as value_info.
        value_info = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
                      for v in written.graph.value_info}
        self.assertEqual(value_info, {"n": [1, 8, 8, 8]})
        self.check_with_onnxruntime(out)
        self.check_with_aruntime_run(out, self.dir / "level1_out")

    def test_default_level_and_disabled_pass(self):
        out = self.dir / "default.onnx"
        result = cli("optimize", self.model, out, "--disable-pass", "fuse_conv_batchnorm")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("optimizer level 3 (layout passes run at session time", result.stdout)
        self.assertRegex(result.stdout, r"(?m)^  fuse_conv_batchnorm\s+level 1\s+disabled$")
        self.assertRegex(result.stdout, r"(?m)^  eliminate_identity\s+level 1\s+1 rewrite\(s\)$")
        self.assertNotIn("Identity", [n.op_type for n in onnx.load(str(out)).graph.node])
        # Level-2 fusions may put aruntime's own ops in the file; aruntime runs them.
        self.check_with_aruntime_run(out, self.dir / "default_out")

        result = cli("optimize", self.model, self.dir / "off.onnx", "--opt-level", "0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("nodes: 4 -> 4\n", result.stdout)
        self.check_with_onnxruntime(self.dir / "off.onnx")

    def test_constant_folding_runs_the_cpu_kernels(self):
        # y = x * sqrt(c): the Sqrt of the constant is computed once and stored.
        c = np.array([4.0, 9.0, 2.0], np.float32)
        graph = helper.make_graph(
            [helper.make_node("Sqrt", ["c"], ["root"], name="root"),
             helper.make_node("Mul", ["x", "root"], ["y"], name="scale")], "fold",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
            [numpy_helper.from_array(c, "c")])
        model = save_model(graph, self.dir / "fold.onnx")
        out = self.dir / "fold.opt.onnx"
        result = cli("optimize", model, out, "--opt-level", 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^  constant_folding\s+level 1\s+1 rewrite\(s\)$")
        written = onnx.load(str(out))
        self.assertEqual([n.op_type for n in written.graph.node], ["Mul"])
        folded = {t.name: numpy_helper.to_array(t) for t in written.graph.initializer}
        self.assertEqual(len(folded), 1)
        np.testing.assert_allclose(next(iter(folded.values())), np.sqrt(c), rtol=1e-7)
        x = np.random.default_rng(4).standard_normal((2, 3)).astype(np.float32)
        np.testing.assert_allclose(reference(out, {"x": x})[0], reference(model, {"x": x})[0],
                                   rtol=1e-6)

    def test_external_data(self):
        out = self.dir / "external.onnx"
        data = self.dir / "external.onnx.data"
        # The folded weights are 8*3*3*3 floats = 864 bytes; the folded bias 32 bytes stays inline.
        result = cli("optimize", self.model, out, "--opt-level", 1, "--external-data",
                     "--external-threshold", 256)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, rf"(?m)^wrote {out} \(\d+ bytes\) and {data} "
                                        r"\(864 bytes, 1 initializer\(s\)\)$")
        self.assertEqual(data.stat().st_size, 864)
        written = onnx.load(str(out), load_external_data=False)
        external = [t.name for t in written.graph.initializer
                    if t.data_location == TensorProto.EXTERNAL]
        self.assertEqual(external, ["conv/bn_folded_weight"])
        self.check_with_onnxruntime(out)
        self.check_with_aruntime_run(out, self.dir / "external_out")

        # Nothing reaches the default threshold of 1024 bytes: no data file.
        result = cli("optimize", self.model, self.dir / "small.onnx", "--external-data")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no initializer has 1024 bytes or more", result.stdout)
        self.assertFalse((self.dir / "small.onnx.data").exists())

    def test_errors(self):
        before = self.model.read_bytes()
        self.assert_one_error_line(cli("optimize", self.model, self.model), 2, "is the input model")
        self.assert_one_error_line(
            cli("optimize", self.model, self.dir / ".." / "optimize" / "conv_bn.onnx"), 2,
            "is the input model")
        self.assertEqual(self.model.read_bytes(), before)
        self.assert_one_error_line(cli("optimize", self.dir / "missing.onnx", self.dir / "o.onnx"),
                                   1, "missing.onnx")
        self.assertFalse((self.dir / "o.onnx").exists())
        self.assert_one_error_line(cli("optimize", self.model, self.dir / "o.onnx", "--opt-level",
                                       7), 2, "--opt-level")
        self.assert_one_error_line(cli("optimize", self.model), 2, "IN and OUT")
        self.assert_one_error_line(cli("optimize", self.model, self.dir / "o.onnx",
                                       "--external-threshold", 10), 2, "--external-data")
        self.assert_one_error_line(cli("optimize", self.model, self.dir / "o.onnx",
                                       "--disable-pass", "fold_everything"), 1,
                                   "no optimizer pass is named 'fold_everything'")
        self.assert_one_error_line(cli("optimize", self.model, self.dir / "no_dir" / "o.onnx"), 1,
                                   "cannot open for writing")
        result = cli("optimize", "--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("Usage: aruntime optimize IN OUT"), result.stdout)


@unittest.skipUnless(MALFORMED_GENERATOR.exists(), f"{MALFORMED_GENERATOR} not present")
class MalformedModelsTest(CliTestCase):
    def test_every_malformed_model_is_refused_cleanly(self):
        out = WORK / "malformed"
        subprocess.run([sys.executable, str(MALFORMED_GENERATOR), str(out)], check=True,
                       timeout=TIMEOUT_S)
        cases = [line.split() for line in (out / "cases.txt").read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
        self.assertTrue(cases, "cases.txt lists no model")
        for fields in cases:
            filename = fields[0]
            with self.subTest(model=filename, phase=fields[1] if len(fields) > 1 else "?"):
                result = cli("run", out / filename)
                # A negative return code means death by a signal (abort, segfault).
                self.assertGreater(result.returncode, 0,
                                   f"exit {result.returncode}, stderr={result.stderr!r}")
                for marker in ("Aborted", "terminate called", "Segmentation fault", "core dumped"):
                    self.assertNotIn(marker, result.stderr)
                self.assert_one_error_line(result, 1)


def main(argv):
    global ARUNTIME, WORK
    if len(argv) < 2 or len(argv) > 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    ARUNTIME = os.path.abspath(argv[1])
    if not os.access(ARUNTIME, os.X_OK):
        print(f"test_cli.py: {ARUNTIME} is not an executable")
        return 2
    temporary = None
    if len(argv) == 3:
        # A fresh folder inside WORK_DIR per run: nothing of the caller's is ever deleted.
        parent = pathlib.Path(argv[2]).resolve()
        parent.mkdir(parents=True, exist_ok=True)
        WORK = pathlib.Path(tempfile.mkdtemp(prefix="run_", dir=parent))
    else:
        temporary = tempfile.TemporaryDirectory(prefix="aruntime_cli_")
        WORK = pathlib.Path(temporary.name)
    try:
        program = unittest.main(argv=[argv[0], "-v"], exit=False)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
