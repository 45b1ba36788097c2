#!/usr/bin/env python3
"""Builds the real-model corpus in the ONNX test layout, without any model hub.

    make_corpus.py OUT_DIR [--only NAME ...] [--list]

Models come from PyPI packages only: torchvision architectures and torch.nn modules with seeded
random weights exported with torch.onnx, and scikit-learn pipelines converted with skl2onnx.
Reference outputs are onnxruntime's (CPU EP, graph optimizations off) on seeded inputs. This
needs torch/torchvision/scikit-learn/skl2onnx, which the default test run does not install:
`tests/models/corpus/run_corpus.sh` creates a separate venv for them.
"""

import argparse
import io
import pathlib
import sys

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


MODELS = dict([
    vision("resnet50", tv("resnet50")),
    vision("mobilenet_v3_small", tv("mobilenet_v3_small")),
    vision("efficientnet_b0", tv("efficientnet_b0")),
    vision("vit_small", small_vit),
    ("transformer_encoder", transformer_encoder),
    ("transformer_decoder", transformer_decoder),
    ("lstm_tagger", lstm_tagger),
    ("sklearn_random_forest", sklearn_pipeline),
    ("sklearn_gradient_boosting", sklearn_regressor),
])


def write_case(out_dir, name, model, feed_sets):
    case = out_dir / name
    case.mkdir(parents=True, exist_ok=True)
    for stale in case.glob("test_data_set_*/*.pb"):
        stale.unlink()
    onnx.save(model, case / "model.onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(case / "model.onnx"), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    for k, feeds in enumerate(feed_sets):
        data = case / f"test_data_set_{k}"
        data.mkdir(exist_ok=True)
        for i, inp in enumerate(session.get_inputs()):
            (data / f"input_{i}.pb").write_bytes(numpy_helper.from_array(feeds[inp.name], inp.name).SerializeToString())
        for i, (n, v) in enumerate(zip(names, session.run(names, feeds))):
            (data / f"output_{i}.pb").write_bytes(numpy_helper.from_array(np.asarray(v), n).SerializeToString())
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
        try:
            model, feeds = MODELS[name]()
            case = write_case(args.out_dir, name, model, feeds)
            print(f"wrote {case} ({len(model.graph.node)} nodes)", flush=True)
        except Exception as e:  # one model failing to export must not hide the others
            failures += 1
            print(f"make_corpus: {name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
