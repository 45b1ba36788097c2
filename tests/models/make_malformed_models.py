#!/usr/bin/env python3
"""Writes a folder of malformed ONNX models that aruntime must refuse with a one-line error.

    make_malformed_models.py OUT_DIR

Besides the models, OUT_DIR/cases.txt lists one case per line:

    <file, relative to OUT_DIR> <phase>

where phase is `load` (refused while the session is created: parsing, validation, partitioning)
or `run` (the model loads, but running it with inputs that fit its declared shapes must fail
cleanly). The files are built byte by byte or with onnx.helper and never passed through
onnx.checker, which would reject them. Every run writes the same bytes.
"""

import pathlib
import random
import sys

from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8


def model(nodes, inputs, outputs, initializers=(), opsets=(("", OPSET),), ir_version=IR_VERSION):
    graph = helper.make_graph(list(nodes), "malformed", list(inputs), list(outputs),
                              initializer=list(initializers))
    m = helper.make_model(graph, producer_name="make_malformed_models",
                          opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    m.ir_version = ir_version
    return m


def tensor(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def relu_model():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [tensor("x", [2, 3])], [tensor("y", [2, 3])])


def float_initializer(name, dims, values):
    return helper.make_tensor(name, TensorProto.FLOAT, dims, values)


def external_initializer(name, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    return t


def add_with_weight(weight):
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [tensor("x", [2, 3])], [tensor("y", [2, 3])], initializers=[weight])


def cases(out):
    """Yields (relative file name, phase, bytes); may write auxiliary files into `out`."""
    yield "empty.onnx", "load", b""

    # A tag byte with wire type 7 (which does not exist) guarantees a parse failure up front.
    rng = random.Random(20240601)
    yield "random_bytes.onnx", "load", b"\x07" + bytes(rng.getrandbits(8) for _ in range(511))

    valid = add_with_weight(float_initializer("w", [2, 3], [0.5] * 6)).SerializeToString()
    yield "truncated.onnx", "load", valid[: len(valid) // 2]

    yield "cycle.onnx", "load", model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
         helper.make_node("Relu", ["a"], ["b"], name="second"),
         helper.make_node("Neg", ["b"], ["y"], name="third")],
        [tensor("x", [2, 3])], [tensor("y", [2, 3])]).SerializeToString()

    yield "undefined_input.onnx", "load", model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add")],
        [tensor("x", [2, 3])], [tensor("y", [2, 3])]).SerializeToString()

    yield "duplicate_names.onnx", "load", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu"),
         helper.make_node("Neg", ["x"], ["y"], name="neg")],
        [tensor("x", [2, 3])], [tensor("y", [2, 3])]).SerializeToString()

    # The default domain is imported, so the loader accepts the node; no provider has a kernel.
    yield "unknown_op.onnx", "load", model(
        [helper.make_node("NoSuchOp", ["x"], ["y"], name="mystery")],
        [tensor("x", [2, 3])], [tensor("y", [2, 3])]).SerializeToString()

    yield "unknown_domain.onnx", "load", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu", domain="com.unknown")],
        [tensor("x", [2, 3])], [tensor("y", [2, 3])]).SerializeToString()

    future = relu_model()
    future.opset_import[0].version = 99
    yield "future_opset.onnx", "load", future.SerializeToString()

    future_ir = relu_model()
    future_ir.ir_version = 99
    yield "future_ir_version.onnx", "load", future_ir.SerializeToString()

    mismatch = float_initializer("w", [2, 3], [0.5] * 6)
    del mismatch.float_data[4:]
    yield "initializer_size_mismatch.onnx", "load", add_with_weight(mismatch).SerializeToString()

    complex_weight = TensorProto()
    complex_weight.name = "w"
    complex_weight.data_type = TensorProto.COMPLEX64
    complex_weight.dims.extend([2, 3])
    complex_weight.raw_data = bytes(48)
    yield "unsupported_initializer_type.onnx", "load", add_with_weight(complex_weight).SerializeToString()

    missing_output = relu_model()
    missing_output.graph.output.append(tensor("never_produced", [2, 3]))
    yield "missing_graph_output.onnx", "load", missing_output.SerializeToString()

    # The data file exists, one level above the model's folder: it must still be refused.
    (out / "outside_data.bin").write_bytes(bytes(24))
    yield "external_outside/model.onnx", "load", add_with_weight(
        external_initializer("w", [2, 3], "../outside_data.bin")).SerializeToString()

    yield "missing_external.onnx", "load", add_with_weight(
        external_initializer("w", [2, 3], "missing_external.bin")).SerializeToString()

    (out / "truncated_external.bin").write_bytes(bytes(16))
    yield "truncated_external.onnx", "load", add_with_weight(
        external_initializer("w", [2, 3], "truncated_external.bin", offset=0, length=24)).SerializeToString()

    recursive = relu_model()
    recursive.opset_import.append(helper.make_opsetid("local", 1))
    recursive.graph.node[0].op_type = "Recurse"
    recursive.graph.node[0].domain = "local"
    recursive.functions.append(helper.make_function(
        "local", "Recurse", ["a"], ["b"], [helper.make_node("Recurse", ["a"], ["b"], domain="local")],
        [helper.make_opsetid("", OPSET)]))
    yield "recursive_function.onnx", "load", recursive.SerializeToString()

    # 10^22 elements: declaring this is legal, creating an input of that shape is not.
    yield "huge_input_shape.onnx", "run", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [100000000000, 100000000000])],
        [tensor("y", [100000000000, 100000000000])]).SerializeToString()

    # [n,3] cannot become [4,5] for any n; with n symbolic only a run can find out.
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [4, 5])
    yield "reshape_impossible.onnx", "run", model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        [tensor("x", ["n", 3])], [tensor("y", [4, 5])], initializers=[shape]).SerializeToString()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, phase, data in cases(out):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        manifest.append(f"{name} {phase}\n")
    (out / "cases.txt").write_text("".join(manifest))
    print(f"wrote {len(manifest)} malformed models to {out}")


if __name__ == "__main__":
    main()
