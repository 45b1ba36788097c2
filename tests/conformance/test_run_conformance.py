#!/usr/bin/env python3
"""Tests of run_conformance.py against a stand-in CLI whose behaviour each test folder dictates.

The stand-in speaks the `aruntime test` output contract (PASS/FAIL/ERROR lines and a closing
"N passed, N failed"), and can also crash or hang, so the harness's grouping per operator,
pass-list comparison, --update, and recovery from dead processes are checked without the real
runtime.
"""

import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

import onnx
from onnx import TensorProto, helper

SCRIPT = pathlib.Path(__file__).resolve().parent / "run_conformance.py"

FAKE_CLI = textwrap.dedent("""\
    import os, signal, sys, time
    args = sys.argv[1:]
    assert args[0] == "test", args
    dirs, i = [], 1
    while i < len(args):
        if args[i] in ("--rtol", "--atol"):
            i += 2
            continue
        dirs.append(args[i])
        i += 1
    passed = failed = 0
    for d in dirs:
        name = os.path.basename(d)
        behaviour = open(os.path.join(d, "behaviour")).read().strip()
        if behaviour == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        if behaviour == "hang":
            time.sleep(60)
        if behaviour == "silent":
            continue
        if behaviour == "pass":
            print("PASS", name)
            passed += 1
        elif behaviour == "pass-by-path":
            print("PASS", d + "/test_data_set_0")
            passed += 1
        elif behaviour == "fail":
            print(f"FAIL {name}: output 0 'y': element 3 is 1.5, expected 2 (rtol 0.001)")
            failed += 1
        elif behaviour == "unsupported":
            print(f"ERROR {name}: not implemented: model.onnx: no provider (cpu) can run 1 node(s)")
            failed += 1
        else:
            print(f"ERROR {name}: runtime error: boom")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
""")


def single_node_model(op_type, nodes=None):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    nodes = nodes or [helper.make_node(op_type, ["x"], ["y"])]
    graph = helper.make_graph(nodes, "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class ConformanceHarnessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = pathlib.Path(self.tmp.name)
        self.data = root / "node"
        self.work = root / "work"
        self.expected = root / "expected_pass.txt"
        self.expected.write_text("# header line\n")
        self.cli = root / "fake_aruntime"
        self.cli.write_text(f"#!{sys.executable}\n" + FAKE_CLI)
        self.cli.chmod(0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def add_test(self, name, behaviour, op_type="Relu", model=None):
        d = self.data / name
        d.mkdir(parents=True)
        onnx.save(model or single_node_model(op_type), d / "model.onnx")
        (d / "behaviour").write_text(behaviour)

    def set_behaviour(self, name, behaviour):
        (self.data / name / "behaviour").write_text(behaviour)

    def run_harness(self, *extra):
        cmd = [sys.executable, str(SCRIPT), "--aruntime", str(self.cli), "--data-dir",
               str(self.data), "--work-dir", str(self.work), "--expected", str(self.expected),
               "--jobs", "2", "--test-timeout", "2", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout + proc.stderr

    def table_row(self, output, op):
        for line in output.splitlines():
            fields = line.split()
            if fields and fields[0] == op:
                return [int(f) for f in fields[1:6]]
        self.fail(f"no table row for {op} in:\n{output}")

    def test_groups_per_operator_and_reports_new_passes(self):
        self.add_test("test_relu", "pass", "Relu")
        self.add_test("test_relu_bad", "fail", "Relu")
        self.add_test("test_abs", "pass-by-path", "Abs")
        self.add_test("test_abs_int8", "unsupported", "Abs")
        self.add_test("test_sin", "error", "Sin")
        # An expanded test counts under the op of its base test, not its first node (Constant).
        expanded = single_node_model("", nodes=[
            helper.make_node("Constant", [], ["c"], value_float=1.0),
            helper.make_node("Sub", ["x", "c"], ["t"]),
            helper.make_node("Relu", ["t"], ["y"])])
        self.add_test("test_abs_expanded", "pass", model=expanded)
        rc, out = self.run_harness()
        self.assertEqual(rc, 0, out)
        #                                           tests pass fail unsup error
        self.assertEqual(self.table_row(out, "Relu"), [2, 1, 1, 0, 0])
        self.assertEqual(self.table_row(out, "Abs"), [3, 2, 0, 1, 0])
        self.assertEqual(self.table_row(out, "Sin"), [1, 0, 0, 0, 1])
        self.assertIn("3 of 6 node tests pass", out)
        self.assertIn("new pass: test_abs_expanded [Abs]", out)
        self.assertIn("new pass: test_abs [Abs]", out)

    def test_update_then_regression(self):
        self.add_test("test_relu", "pass")
        self.add_test("test_relu_2", "pass")
        self.add_test("test_relu_bad", "fail")
        rc, out = self.run_harness("--update")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.expected.read_text().splitlines(),
                         ["# header line", "test_relu", "test_relu_2"])
        rc, out = self.run_harness()
        self.assertEqual(rc, 0, out)
        self.assertIn("OK: all 2 tests", out)

        self.set_behaviour("test_relu_2", "fail")
        rc, out = self.run_harness()
        self.assertEqual(rc, 1, out)
        self.assertIn("REGRESSION: 1 of 2", out)
        self.assertIn("FAIL        test_relu_2 [Relu]: output 0", out)
        rc, out = self.run_harness("--only-expected")
        self.assertEqual(rc, 1, out)
        self.assertIn("2 of 3 node tests", out)

    def test_listed_test_that_does_not_exist_is_a_regression(self):
        self.add_test("test_relu", "pass")
        self.expected.write_text("test_relu\ntest_gone\n")
        rc, out = self.run_harness()
        self.assertEqual(rc, 1, out)
        self.assertIn("MISSING     test_gone", out)

    def test_crash_and_hang_cost_only_their_own_test(self):
        for i in range(4):
            self.add_test(f"test_a{i}", "pass")
        self.add_test("test_b_crash", "crash", "Abs")
        self.add_test("test_c_hang", "hang", "Sin")
        self.add_test("test_d_silent", "silent", "Cos")
        self.add_test("test_e_after", "pass", "Tan")
        rc, out = self.run_harness("--chunk-size", "100", "--report")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.table_row(out, "Relu"), [4, 4, 0, 0, 0])
        self.assertEqual(self.table_row(out, "Tan"), [1, 1, 0, 0, 0])
        self.assertRegex(out, r"ERROR +test_b_crash \[Abs\]: crashed \(signal 11\)")
        self.assertRegex(out, r"ERROR +test_c_hang \[Sin\]: timed out")
        self.assertRegex(out, r"ERROR +test_d_silent \[Cos\]: no result reported")

    def test_cli_that_reports_nothing_is_a_harness_error(self):
        self.add_test("test_relu", "silent")
        rc, out = self.run_harness()
        self.assertEqual(rc, 2, out)
        self.assertIn("reported no result", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
