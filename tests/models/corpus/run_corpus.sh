#!/usr/bin/env bash
# The real-model corpus test (ctest label "corpus", not in the default run: it installs torch,
# torchvision, scikit-learn and skl2onnx — gigabytes — into its own venv, .venv-corpus).
#   tests/models/corpus/run_corpus.sh ARUNTIME OUT_DIR
set -euo pipefail
aruntime=$1
out=$2
root=$(cd "$(dirname "$0")/../../.." && pwd)
venv=$root/.venv-corpus
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, torchvision, sklearn, skl2onnx, onnxruntime, onnx" 2>/dev/null; then
  "$venv/bin/pip" install -q -r "$root/tests/models/corpus/requirements-corpus.txt"
fi
"$venv/bin/python" "$root/tests/models/corpus/make_corpus.py" "$out"
"$aruntime" test --rtol 1e-3 --atol 1e-4 "$out"
