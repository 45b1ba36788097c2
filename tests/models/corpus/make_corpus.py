#!/usr/bin/env python3
"""Builds the real-model corpus in the ONNX test layout, without any model hub.

    make_corpus.py OUT_DIR [--only NAME ...] [--list]

Models come from PyPI packages only: torchvision architectures and torch.nn modules with seeded
random weights exported with torch.onnx, scikit-learn pipelines converted with skl2onnx, and
.onnx files that wheels ship (the onnx wheel's "light" model zoo copies, onnxruntime's sample
models, and the models inside the silero-vad, magika, rapidocr-onnxruntime and nudenet wheels).
A shipped model is copied byte for byte from the installed wheel after checking it against the
wheel's RECORD hash; each case folder's source.json says where its model came from.
Reference outputs are onnxruntime's (CPU EP, graph optimizations off) on seeded inputs. This
needs torch/torchvision/scikit-learn/skl2onnx, which the default test run does not install:
`tests/models/corpus/run_corpus.sh` creates a separate venv for them.
"""

import argparse
import base64
import hashlib
import io
import json
import pathlib
import shutil
import sys
from importlib import metadata

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

OPSET = 18


def torch_export(module, args, input_names, output_names, dynamic_axes=None):
    import torch

    module.eval()
    # The fused inference fast path of nn.MultiheadAttention/TransformerEncoderLayer has no ONNX
    # export; the plain path exports as MatMul/Softmax/LayerNorm like any transformer.
    if hasattr(torch.backends, "mha"):
        torch.backends.mha.set_fastpath_enabled(False)
    buffer = io.BytesIO()
    with torch.no_grad():
        try:
            torch.onnx.export(module, args, buffer, input_names=input_names, output_names=output_names,
                              opset_version=OPSET, dynamic_axes=dynamic_axes, dynamo=False)
        except TypeError:  # older torch without the dynamo argument
            torch.onnx.export(module, args, buffer, input_names=input_names, output_names=output_names,
                              opset_version=OPSET, dynamic_axes=dynamic_axes)
    return onnx.load_from_string(buffer.getvalue())


def vision(name, builder, size=224):
    def make():
        import torch

        torch.manual_seed(0)
        model = builder()
        x = torch.randn(1, 3, size, size)
        onnx_model = torch_export(model, (x,), ["input"], ["logits"])
        return onnx_model, [{"input": x.numpy()}]
    return name, make


def tv(fn_name, **kwargs):
    def build():
        import torchvision

        return getattr(torchvision.models, fn_name)(weights=None, **kwargs)
    return build


def small_vit():
    import torchvision

    return torchvision.models.VisionTransformer(image_size=224, patch_size=16, num_layers=4, num_heads=4,
                                               hidden_dim=256, mlp_dim=512, num_classes=100)


def transformer_encoder():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, batch_first=True,
                                             dropout=0.0)
    model = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    x = torch.randn(2, 16, 128)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(16)

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = model

        def forward(self, src):
            return self.encoder(src, mask=mask, is_causal=True)

    onnx_model = torch_export(Wrapper(), (x,), ["src"], ["out"])
    return onnx_model, [{"src": x.numpy()}]


def transformer_decoder():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerDecoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True,
                                             dropout=0.0)
    model = torch.nn.TransformerDecoder(layer, num_layers=2)
    tgt = torch.randn(1, 8, 64)
    memory = torch.randn(1, 12, 64)
    onnx_model = torch_export(model, (tgt, memory), ["tgt", "memory"], ["out"])
    return onnx_model, [{"tgt": tgt.numpy(), "memory": memory.numpy()}]


def bert_encoder(vocab=512, hidden=128, heads=4, layers=3, ffn=512, max_len=64, seq=16):
    """A small BERT written out as the original model does it (no nn.TransformerEncoder): word,
    position and token-type embeddings with LayerNorm, then post-LN layers of multi-head
    self-attention whose padding mask is the classic additive (1 - mask) * -10000 broadcast over
    heads and query positions, and an exact-erf GELU feed-forward block. The second row of the
    batch is padded, so the mask matters."""
    import math

    import torch
    from torch import nn

    torch.manual_seed(0)
    head_dim = hidden // heads

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))

        def split_heads(self, x):  # [B, S, H*D] -> [B, H, S, D]
            return x.view(x.shape[0], x.shape[1], heads, head_dim).permute(0, 2, 1, 3)

        def forward(self, x, additive_mask):
            q, k, v = (self.split_heads(f(x)) for f in (self.query, self.key, self.value))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim)
            probs = torch.softmax(scores + additive_mask, dim=-1)
            context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
            return context.view(x.shape[0], x.shape[1], hidden)

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = SelfAttention()
            self.attention_out = nn.Linear(hidden, hidden)
            self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
            self.intermediate = nn.Linear(hidden, ffn)
            self.output = nn.Linear(ffn, hidden)
            self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

        def forward(self, x, additive_mask):
            h = self.attention_norm(x + self.attention_out(self.attention(x, additive_mask)))
            ff = self.output(nn.functional.gelu(self.intermediate(h)))
            return self.output_norm(h + ff)

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(vocab, hidden)
            self.position = nn.Embedding(max_len, hidden)
            self.token_type = nn.Embedding(2, hidden)
            self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in range(layers))

        def forward(self, input_ids, attention_mask):
            positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
            x = self.word(input_ids) + self.position(positions) + self.token_type(
                torch.zeros_like(input_ids))
            x = self.embedding_norm(x)
            additive_mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
            for layer in self.layers:
                x = layer(x, additive_mask)
            return x

    model = Bert()
    # Seeded weights at BERT's initializer scale (normal, std 0.02), LayerNorm near identity.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.02 if p.dim() > 1 else 0.05)
    batch = 2
    input_ids = torch.randint(0, vocab, (batch, seq))
    attention_mask = torch.ones(batch, seq, dtype=torch.int64)
    attention_mask[1, seq - 5:] = 0  # the second row is padded
    onnx_model = torch_export(model, (input_ids, attention_mask), ["input_ids", "attention_mask"],
                              ["last_hidden_state"])
    return onnx_model, [{"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}]


def lstm_tagger():
    import torch

    torch.manual_seed(0)

    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(32, 48, num_layers=2, batch_first=True, bidirectional=True)
            self.head = torch.nn.Linear(96, 10)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y)

    x = torch.randn(2, 20, 32)
    onnx_model = torch_export(Tagger(), (x,), ["x"], ["tags"])
    return onnx_model, [{"x": x.numpy()}]


def sklearn_pipeline():
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = make_classification(n_samples=300, n_features=12, n_informative=6, n_classes=3, random_state=0)
    x = x.astype(np.float32)
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0))
    pipe.fit(x, y)
    onnx_model = to_onnx(pipe, x[:1], options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
    return onnx_model, [{onnx_model.graph.input[0].name: x[:16]}]


def sklearn_regressor():
    from skl2onnx import to_onnx
    from sklearn.datasets import make_regression
    from sklearn.ensemble import GradientBoostingRegressor

    x, y = make_regression(n_samples=200, n_features=8, random_state=1)
    x = x.astype(np.float32)
    model = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(x, y)
    onnx_model = to_onnx(model, x[:1], target_opset={"": 17, "ai.onnx.ml": 3})
    return onnx_model, [{onnx_model.graph.input[0].name: x[:16]}]


# --- Models that wheels ship -------------------------------------------------------------------


class Shipped:
    """A file that an installed distribution ships, checked against the sha256 in its RECORD so
    that what the corpus tests is the file the wheel on PyPI carries, not a local edit."""

    def __init__(self, dist_name, rel_path):
        dist = metadata.distribution(dist_name)
        entry = next((f for f in dist.files or [] if str(f) == rel_path), None)
        if entry is None:
            raise FileNotFoundError(f"{dist_name} {dist.version} does not ship {rel_path}")
        self.path = pathlib.Path(dist.locate_file(entry))
        digest = hashlib.sha256(self.path.read_bytes()).digest()
        recorded = entry.hash.value if entry.hash is not None and entry.hash.mode == "sha256" else None
        if recorded != base64.urlsafe_b64encode(digest).rstrip(b"=").decode():
            raise ValueError(f"{self.path} does not match the sha256 in {dist_name}'s RECORD")
        self.source = {"package": dist.metadata["Name"], "version": dist.version, "file": rel_path,
                       "sha256": digest.hex()}

    def load(self):
        return onnx.load(self.path)


def data_inputs(model):
    """The graph inputs a caller feeds: IR 3 models also list every initializer as an input."""
    inits = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def static_shape(value_info):
    dims = value_info.type.tensor_type.shape.dim
    if not all(d.HasField("dim_value") for d in dims):
        raise ValueError(f"input {value_info.name} has a symbolic shape")
    return tuple(d.dim_value for d in dims)


def reference_session(model):
    """onnxruntime on a model file or serialized model bytes."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3  # IR 3 models warn about every unused initializer
    # Spinning worker threads only burn the two cores the corpus shares with the build.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


# The onnx wheel's copies of the ONNX model zoo classics, with each float weight replaced by a
# ConstantOfShape node filled with 0.02 (onnx's README in that folder), and the tolerances onnx's
# own backend test uses for them (onnx/backend/test/case/model/__init__.py).
ONNX_LIGHT = {"bvlc_alexnet": 1e-3, "densenet121": 2e-3, "inception_v1": 1e-3, "inception_v2": 1e-3,
              "resnet50": 1e-3, "shufflenet": 1e-3, "squeezenet": 1e-3, "vgg19": 1e-3, "zfnet512": 1e-3}
LIGHT_DIR = "onnx/backend/test/data/light"


def onnx_light(name):
    """The shipped model as is. Data set 0 is seeded uniform noise; data set 1 is the ramp
    arange(n) / n that onnx's backend runner feeds these models (generate_dummy_data with
    random=False), whose output the wheel ships as light_<name>_output_0.pb: onnxruntime has to
    agree with that file before its outputs become the reference.

    With every weight equal, all channels of a layer carry the same values and the classifiers
    end in a uniform softmax, so these cases check the plumbing (ConstantOfShape-built weights
    of IR 3 models, LRN, Dropout, old-opset BatchNormalization...) more than the arithmetic:
    onnx_light_<name>_seeded_weights below is the same graph with real values to get wrong."""
    def make():
        shipped = Shipped("onnx", f"{LIGHT_DIR}/light_{name}.onnx")
        (x,) = data_inputs(shipped.load())
        shape = static_shape(x)
        noise = np.random.default_rng(0).random(shape, dtype=np.float32)
        ramp = (np.arange(np.prod(shape)).reshape(shape) / np.prod(shape)).astype(np.float32)
        expected_file = Shipped("onnx", f"{LIGHT_DIR}/light_{name}_output_0.pb")
        expected = numpy_helper.to_array(onnx.load_tensor(str(expected_file.path)))
        (got,) = reference_session(shipped.path).run(None, {x.name: ramp})
        np.testing.assert_allclose(got, expected, rtol=ONNX_LIGHT[name], atol=1e-7,
                                   err_msg=f"onnxruntime disagrees with {expected_file.source['file']}")
        return shipped, [{x.name: noise}, {x.name: ramp}]
    return f"onnx_light_{name}", make


def seeded_weight(rng, name, shape, consumers):
    """A value for a weight the light model fills with 0.02, from its shape and where it goes:
    He-scaled normals for Conv/Gemm weights; scales and variances in [0.5, 1.5) (a variance must
    be positive); small normals for biases and means."""
    if len(shape) >= 2:
        op, _ = consumers[name][0]
        trans_b = next((a.i for a in op.attribute if a.name == "transB"), 0)
        fan_in = shape[0] if op.op_type == "Gemm" and not trans_b else int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    uses = consumers[name]
    if uses and uses[0][0].op_type == "Unsqueeze":  # caffe2's per-channel Mul/Add after a BN
        uses = consumers[uses[0][0].output[0]]
    is_scale = any((op.op_type == "BatchNormalization" and k in (1, 4)) or op.op_type == "Mul"
                   for op, k in uses)
    if is_scale:
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


def with_seeded_weights(model, seed):
    """The light model with every ConstantOfShape weight made a seeded random initializer (the
    shapes are the model's own), and the logits fed to the final Softmax exposed as an output:
    the probabilities of 1000 classes sit far below atol, the logits do not."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    rng = np.random.default_rng(seed)
    consumers = {}
    for node in graph.node:
        for k, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, k))
    shapes = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # The few float initializers the light model kept (BatchNormalization parameters of the
    # original model, mostly) are redrawn too, so that all weights follow one rule.
    for init in graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT and init.name in consumers:
            init.CopyFrom(numpy_helper.from_array(
                seeded_weight(rng, init.name, tuple(init.dims), consumers), init.name))
    kept, weights, dropped = [], [], set()
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in shapes:
            shape = tuple(int(d) for d in shapes[node.input[0]])
            weights.append(numpy_helper.from_array(seeded_weight(rng, node.output[0], shape, consumers),
                                                   node.output[0]))
            dropped.add(node.input[0])
        else:
            kept.append(node)
    still_used = {name for node in kept for name in node.input}
    dropped -= still_used
    del graph.node[:]
    graph.node.extend(kept)
    inits = [i for i in graph.initializer if i.name not in dropped] + weights
    del graph.initializer[:]
    graph.initializer.extend(inits)
    # IR 3 requires every initializer to be listed as a graph input too.
    inputs = [i for i in graph.input if i.name not in dropped]
    inputs += [onnx.helper.make_tensor_value_info(w.name, w.data_type, list(w.dims)) for w in weights]
    del graph.input[:]
    graph.input.extend(inputs)
    outputs = {o.name for o in graph.output}
    inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    for node in kept:
        if node.op_type == "Softmax" and node.output[0] in outputs:
            graph.output.append(inferred[node.input[0]])
    onnx.checker.check_model(model)
    return model


def calibrate_batch_norm(model, feeds):
    """Sets each BatchNormalization's mean and variance to the statistics of what reaches it on
    `feeds`, as training leaves them. With drawn statistics every normalization scales the
    activations by ~1.2 on average, which compounds to logits of 1e4..1e5 in resnet50 and
    shufflenet, where float32 rounding alone exceeds the tolerance of the logits near zero.
    One onnxruntime run of a copy that computes each normalization's statistics in-graph from
    its actual input (upstream normalizations already using theirs) gives them all."""
    probe = onnx.ModelProto.FromString(model.SerializeToString())
    graph = probe.graph
    ranks = {v.name: len(v.type.tensor_type.shape.dim)
             for v in onnx.shape_inference.infer_shapes(probe).graph.value_info}
    graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "calib_flat"))
    graph.input.append(onnx.helper.make_tensor_value_info("calib_flat", onnx.TensorProto.INT64, [1]))
    make = onnx.helper.make_node
    nodes, stats = [], []
    for k, node in enumerate(graph.node):
        if node.op_type == "BatchNormalization":
            x, p = node.input[0], f"calib{k}_"
            axes = [0] + list(range(2, ranks[x]))
            nodes += [make("ReduceMean", [x], [p + "mean4"], axes=axes, keepdims=1),
                      make("Sub", [x, p + "mean4"], [p + "centered"]),
                      make("Mul", [p + "centered", p + "centered"], [p + "squared"]),
                      make("ReduceMean", [p + "squared"], [p + "var4"], axes=axes, keepdims=1),
                      make("Reshape", [p + "mean4", "calib_flat"], [p + "mean"]),
                      make("Reshape", [p + "var4", "calib_flat"], [p + "var"])]
            stats += [(node.input[3], p + "mean"), (node.input[4], p + "var")]
            node.input[3], node.input[4] = p + "mean", p + "var"
        nodes.append(node)
    if not stats:
        return model
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [None])
                        for _, name in stats)
    buffer = io.BytesIO()
    onnx.save(probe, buffer)
    computed = reference_session(buffer.getvalue()).run([name for _, name in stats], feeds)
    values = dict(zip((init for init, _ in stats), computed))
    if len(values) != len(stats):
        raise ValueError("two BatchNormalization nodes share a statistics initializer")
    for init in model.graph.initializer:
        if init.name in values:
            init.CopyFrom(numpy_helper.from_array(values[init.name], init.name))
    return model


def onnx_light_seeded(name):
    """The light model with real values: seeded random weights (see with_seeded_weights), and
    normalization statistics calibrated on a seeded input other than the test input."""
    def make():
        shipped = Shipped("onnx", f"{LIGHT_DIR}/light_{name}.onnx")
        model = with_seeded_weights(shipped.load(), seed=0)
        (x,) = data_inputs(model)
        calibration = np.random.default_rng(2).random(static_shape(x), dtype=np.float32)
        model = calibrate_batch_norm(model, {x.name: calibration})
        noise = np.random.default_rng(1).random(static_shape(x), dtype=np.float32)
        source = dict(shipped.source, modified="every ConstantOfShape weight and float initializer "
                      "replaced by a seeded random value of the same shape (make_corpus.py "
                      "with_seeded_weights), BatchNormalization statistics calibrated on a seeded "
                      "input (calibrate_batch_norm), the final Softmax's input added as an output")
        return model, [{x.name: noise}], source
    return f"onnx_light_{name}_seeded_weights", make


def ort_dataset(file, make_feeds):
    """One of the sample models the onnxruntime wheel ships in onnxruntime/datasets."""
    def make():
        shipped = Shipped("onnxruntime", f"onnxruntime/datasets/{file}")
        return shipped, make_feeds(np.random.default_rng(0))
    return f"ort_{file.removesuffix('.onnx')}", make


def logreg_iris():
    """onnxruntime's logistic regression on iris: LinearClassifier, Normalizer and a ZipMap to
    seq(map(int64, float)). The shipped file declares its input float_input as 3x2, but its 12
    coefficients are 3 classes x 4 features (the four iris measurements); onnxruntime runs it
    anyway, reading the first 6 coefficients as a 3x2 matrix, which no runtime should copy
    (aruntime rejects it: "input X has 2 features, expected 4"). The case declares the input
    3x4, as the coefficients say; nothing else changes."""
    shipped = Shipped("onnxruntime", "onnxruntime/datasets/logreg_iris.onnx")
    model = shipped.load()
    (x,) = data_inputs(model)
    x.type.tensor_type.shape.dim[1].dim_value = 4
    onnx.checker.check_model(model)
    # One flower near each species' mean (sepal length, sepal width, petal length, petal width);
    # this small model labels versicolor as virginica, so the labels are 0, 2, 2.
    means = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    rng = np.random.default_rng(0)
    feeds = [{x.name: (means + 0.3 * rng.standard_normal(means.shape)).astype(np.float32)} for _ in range(2)]
    source = dict(shipped.source, modified="float_input declared 3x4 instead of 3x2, the feature "
                  "count of LinearClassifier's coefficients")
    return model, feeds, source


def audio(rng, samples, batch=1):
    """A seeded stand-in for speech: a few tones with a random envelope, plus noise."""
    t = np.arange(samples) / 16000.0
    tones = sum(np.sin(2 * np.pi * f * t + p) for f, p in zip(rng.uniform(100, 3000, 4), rng.uniform(0, 6, 4)))
    x = 0.1 * tones * rng.uniform(0.2, 1.0, (batch, 1)) + 0.02 * rng.standard_normal((batch, samples))
    return x.astype(np.float32)


def silero(file, feed_sets):
    """The Silero voice-activity detector (the real weights) as the silero-vad wheel ships it in
    several exports. Inputs follow silero_vad's OnnxWrapper: each chunk is 512 samples at 16 kHz
    (256 at 8 kHz) behind 64 (32) samples of context from the previous chunk, with the recurrent
    state carried over; a mid-stream state is seeded noise."""
    def make():
        shipped = Shipped("silero-vad", f"silero_vad/data/{file}")
        return shipped, feed_sets(np.random.default_rng(0))
    return file.removesuffix(".onnx"), make


def silero_chunk(rng, sr):
    return {"input": audio(rng, 576 if sr == 16000 else 288),
            "state": (0.5 * rng.standard_normal((2, 1, 128))).astype(np.float32)}


def with_sr(feeds, sr):
    return dict(feeds, sr=np.array(sr, dtype=np.int64))


SILERO = [
    silero("silero_vad.onnx", lambda rng: [with_sr(silero_chunk(rng, 16000), 16000),
                                           with_sr(silero_chunk(rng, 8000), 8000)]),
    silero("silero_vad_op18_ifless.onnx", lambda rng: [with_sr(silero_chunk(rng, 16000), 16000),
                                                       with_sr(silero_chunk(rng, 8000), 8000)]),
    silero("silero_vad_half.onnx", lambda rng: [silero_chunk(rng, 16000)]),
    silero("silero_vad_16k_sequence.onnx",
           lambda rng: [{"input": audio(rng, 576, batch=4),
                         "h": (0.5 * rng.standard_normal((1, 1, 128))).astype(np.float32),
                         "c": (0.5 * rng.standard_normal((1, 1, 128))).astype(np.float32)}]),
]


def magika():
    """Google's file-type classifier as the magika wheel ships it. Its input is the first and last
    1024 bytes of a file as int32, with 256 padding what a short file lacks (the model's
    config.min.json: beg_size, end_size, padding_token)."""
    shipped = Shipped("magika", "magika/models/standard_v3_3/model.onnx")
    rng = np.random.default_rng(0)
    random_file = rng.integers(0, 256, (2, 2048), dtype=np.int32)
    text = np.frombuffer(b"".join(b"def f%d(x):\n    return x * %d + 1\n\n" % (i, i) for i in range(12)),
                         dtype=np.uint8).astype(np.int32)
    short_file = np.full((1, 2048), 256, dtype=np.int32)
    short_file[0, :text.size] = text
    short_file[0, 2048 - text.size:] = text
    return shipped, [{"bytes": random_file}, {"bytes": short_file}]


def rapidocr(file, shape):
    """PaddleOCR's detector, direction classifier and recognizer as rapidocr-onnxruntime ships
    them; the input is an image normalized to [-1, 1], here seeded noise of the size the package
    feeds (the recognizer's 48x320 line, the classifier's 48x192)."""
    def make():
        shipped = Shipped("rapidocr-onnxruntime", f"rapidocr_onnxruntime/models/{file}")
        x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        return shipped, [{"x": x}]
    return "rapidocr_" + file.removesuffix("_infer.onnx").replace(".", "_").replace("-", "_"), make


def nudenet():
    """A YOLOv8n detector as the nudenet wheel ships it; the input is an RGB image in [0, 1]."""
    shipped = Shipped("nudenet", "nudenet/320n.onnx")
    x = np.random.default_rng(0).random((1, 3, 320, 320), dtype=np.float32)
    return shipped, [{"images": x}]


MODELS = dict([
    vision("resnet50", tv("resnet50")),
    vision("mobilenet_v3_small", tv("mobilenet_v3_small")),
    vision("efficientnet_b0", tv("efficientnet_b0")),
    vision("vit_small", small_vit),
    ("transformer_encoder", transformer_encoder),
    ("bert_encoder", bert_encoder),
    # BERT-base widths (768 hidden, 12 heads, 3072 FFN) over 4 layers: ~140 MB of weights, for
    # memory measurements where the runtime's fixed overhead must not dominate.
    ("bert_base_4_layers", lambda: bert_encoder(vocab=8192, hidden=768, heads=12, layers=4, ffn=3072,
                                                 max_len=128, seq=64)),
    ("transformer_decoder", transformer_decoder),
    ("lstm_tagger", lstm_tagger),
    ("sklearn_random_forest", sklearn_pipeline),
    ("sklearn_gradient_boosting", sklearn_regressor),
    *(onnx_light(name) for name in ONNX_LIGHT),
    *(onnx_light_seeded(name) for name in ONNX_LIGHT),
    ort_dataset("mul_1.onnx", lambda rng: [{"X": rng.standard_normal((3, 2)).astype(np.float32)}]),
    ort_dataset("sigmoid.onnx", lambda rng: [{"x": (3 * rng.standard_normal((3, 4, 5))).astype(np.float32)}]),
    ("ort_logreg_iris", logreg_iris),
    *SILERO,
    ("magika", magika),
    rapidocr("ch_PP-OCRv4_det_infer.onnx", (1, 3, 320, 320)),
    rapidocr("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320)),
    rapidocr("ch_ppocr_mobile_v2.0_cls_infer.onnx", (2, 3, 48, 192)),
    ("nudenet_320n", nudenet),
])


def generator_versions():
    versions = {}
    for dist in ("torch", "torchvision", "scikit-learn", "skl2onnx"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def output_proto(value, name, type_string):
    """onnxruntime's value of an output as the ONNX test layout stores it: a TensorProto, or a
    SequenceProto of MapProtos for ZipMap's seq(map(int64|string, float)), each map's values a
    sequence of scalar tensors in key order (onnx's MapProto)."""
    if type_string.startswith("seq(map("):
        key_type, value_type = type_string[len("seq(map("):-2].split(",", 1)
        if value_type != "tensor(float)" or key_type not in ("int64", "string"):
            raise NotImplementedError(f"output {name}: cannot store a {type_string}")
        to_key = np.int64 if key_type == "int64" else str
        maps = [{to_key(k): np.array(v, dtype=np.float32) for k, v in m.items()} for m in value]
        return numpy_helper.from_list(maps, name)
    if type_string.startswith("seq(tensor("):
        return numpy_helper.from_list([np.asarray(v) for v in value], name)
    return numpy_helper.from_array(np.asarray(value), name)


def write_case(out_dir, name, built):
    """Writes the case folder: model.onnx (a shipped file is copied byte for byte), source.json
    and one test_data_set_K per feed set with onnxruntime's outputs."""
    model, feed_sets = built[0], built[1]
    if isinstance(model, Shipped):
        source = model.source
    else:
        source = built[2] if len(built) > 2 else {"built_by": "tests/models/corpus/make_corpus.py",
                                                  "with": generator_versions()}
    case = out_dir / name
    if case.exists():
        shutil.rmtree(case)
    case.mkdir(parents=True)
    if isinstance(model, Shipped):
        shutil.copyfile(model.path, case / "model.onnx")
    else:
        onnx.save(model, case / "model.onnx")
    session = reference_session(case / "model.onnx")
    source = dict(source, reference=f"onnxruntime {ort.__version__} CPUExecutionProvider, graph "
                  f"optimizations off (onnx {onnx.__version__}, numpy {np.__version__})")
    (case / "source.json").write_text(json.dumps(source, indent=2) + "\n")
    outputs = session.get_outputs()
    names = [o.name for o in outputs]
    for k, feeds in enumerate(feed_sets):
        data = case / f"test_data_set_{k}"
        data.mkdir()
        for i, inp in enumerate(session.get_inputs()):
            (data / f"input_{i}.pb").write_bytes(numpy_helper.from_array(feeds[inp.name], inp.name).SerializeToString())
        for i, (out, v) in enumerate(zip(outputs, session.run(names, feeds))):
            (data / f"output_{i}.pb").write_bytes(output_proto(v, out.name, out.type).SerializeToString())
    return case


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path, nargs="?")
    parser.add_argument("--only", nargs="+", choices=sorted(MODELS), metavar="NAME")
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(MODELS))
        return 0
    if args.out_dir is None:
        parser.error("OUT_DIR is required")
    failures = 0
    for name in args.only or MODELS:
        # A model that fails to build must not leave an earlier run's case behind to be tested.
        shutil.rmtree(args.out_dir / name, ignore_errors=True)
        try:
            case = write_case(args.out_dir, name, MODELS[name]())
            nodes = len(onnx.load(case / "model.onnx").graph.node)
            print(f"wrote {case} ({nodes} nodes)", flush=True)
        except Exception as e:  # one model failing to export must not hide the others
            failures += 1
            print(f"make_corpus: {name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
