#!/usr/bin/env bash
# Every GPU check of the CUDA execution provider in one go, on a machine with an NVIDIA GPU, the
# CUDA driver and a python3 with torch, onnx, onnxruntime, numpy and the nvidia-cudnn-cu13 and
# nvidia-cublas wheels, but no network and no Debian packages (docs/gpu.md, "Running on a GPU").
#
#   tests/gpu/run-on-device.sh [--dry-run-cpu] [PACKAGE_DIR]
#
# PACKAGE_DIR (default build/gpu_package) is what tests/gpu/package_for_device.sh made. In order,
# each step in its own time box, going on after a failure:
#   device           nvidia-smi: the GPU's name, driver and memory
#   providers        `aruntime providers` lists gpu as available
#   cli_gpu_tests    the CLI tests of the gpu provider (tests/cli/test_cli.py GpuProviderTest)
#   gpu_unit_tests   aruntime_gpu_tests: every test passes and none is skipped
#   conformance      the ONNX node tests of tests/conformance/expected_pass.txt pass with
#                    --providers gpu,cpu (run_conformance.py; the node tests come from the package)
#   corpus           tests/models/corpus/make_corpus.py builds the corpus models with this torch
#   models           tests/gpu/gpu_benchmark.py: each model on gpu,cpu against the CPU EP and
#                    onnxruntime, then latency (GPU EP at batch 1 and 8, CPU EP, torch eager on
#                    the same GPU), device memory peak and copies per run, as one markdown table
# Results go to $OUT (the device tool's output folder; default ./gpu-results): gpu-report.md
# (steps and the table), gpu-benchmark.json, conformance-results.tsv, gpu-unit-tests.txt and
# run.log (everything printed). Exit status 0 only when every step passed.
#
# --dry-run-cpu runs the same steps with --providers cpu and torch on the CPU and skips what
# needs a GPU (nvidia-smi, the no-skip rule of the GPU unit tests), so the script itself can be
# tested on a machine without one.
#
# Settings (environment): PYTHON (default python3), ARUNTIME_GPU_BUDGET_S (480: all steps
# together), CORPUS_MODELS (the models to build and measure), BENCH_BATCHES ("1 8"),
# BENCH_ITERATIONS (50), CONFORMANCE_FILTER (a regex to run only some node tests),
# CONFORMANCE_TOLERANCES (default: run_conformance.py's gpu-fp32 profile when it has one, else
# reference), ARUNTIME_GPU_WORK (scratch folder; default a new one under /tmp).
# shellcheck disable=SC2317 # the steps are called through `bash -c`
set -uo pipefail

usage() {
  sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

dry_run=0
package=""
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run-cpu) dry_run=1 ;;
    -h | --help) usage ;;
    -*) echo "run-on-device: unknown option $1" >&2; usage ;;
    *) [ -z "$package" ] || usage; package=$1 ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 2
package=${package:-$repo/build/gpu_package}
if ! package=$(cd "$package" 2>/dev/null && pwd); then
  echo "run-on-device: no package folder ${package}" \
       "(tests/gpu/package_for_device.sh makes one)" >&2
  exit 2
fi
out=${OUT:-$repo/gpu-results}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
work=${ARUNTIME_GPU_WORK:-$(mktemp -d /tmp/aruntime-gpu.XXXXXX)}
mkdir -p "$work" && work=$(cd "$work" && pwd) || exit 2
python=${PYTHON:-python3}
budget=${ARUNTIME_GPU_BUDGET_S:-480}
if [ $dry_run -eq 1 ]; then
  providers=cpu
  torch_device=cpu
else
  providers=gpu,cpu
  torch_device=cuda
fi
models=${CORPUS_MODELS:-resnet50 mobilenet_v3_small efficientnet_b0 vit_small bert_encoder \
transformer_encoder}
batches=${BENCH_BATCHES:-1 8}
iterations=${BENCH_ITERATIONS:-50}
export package out work python providers torch_device models batches iterations dry_run repo
export CONFORMANCE_FILTER=${CONFORMANCE_FILTER:-}
export CONFORMANCE_TOLERANCES=${CONFORMANCE_TOLERANCES:-}
export PYTHONUNBUFFERED=1

# --- Steps: each runs in `timeout` as its own bash; exit 0 passed, 3 skipped, else failed. -----

step_device() {
  if [ "$dry_run" = 1 ]; then
    echo "dry run: no GPU checks"
    return 3
  fi
  local smi
  smi=$(command -v nvidia-smi || ls /usr/local/nvidia/bin/nvidia-smi 2>/dev/null) ||
    { echo "no nvidia-smi (not on the PATH, nor in /usr/local/nvidia/bin)"; return 1; }
  "$smi" --query-gpu=name,driver_version,memory.total,memory.used --format=csv || return 1
  "$smi" --query-gpu=name --format=csv,noheader | head -n1 > "$work/gpu_name"
  [ -s "$work/gpu_name" ]
}

step_providers() {
  local listing
  listing=$("$work/bin/aruntime" providers) || return 1
  echo "$listing"
  if [ "$dry_run" = 1 ]; then
    grep -q '^cpu: available' <<<"$listing"
  else
    grep -q '^gpu: available' <<<"$listing" || { echo "the gpu provider has no device"; return 1; }
  fi
}

# The CLI tests of the gpu provider (tests/cli/test_cli.py's GpuProviderTest): with a GPU, the
# ones that need it must run, not skip.
step_cli_gpu_tests() {
  "$python" - "$work/bin/aruntime" "$work/cli" <<'EOF'
import pathlib, sys, unittest
sys.path.insert(0, "tests/cli")
import test_cli
test_cli.ARUNTIME = sys.argv[1]
test_cli.WORK = pathlib.Path(sys.argv[2])
test_cli.WORK.mkdir(parents=True, exist_ok=True)
suite = unittest.defaultTestLoader.loadTestsFromTestCase(test_cli.GpuProviderTest)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
# With a GPU, only the test of a machine without one may skip.
skipped = {test.id().split(".")[-1] for test, _ in result.skipped}
unexpected = sorted(skipped - {"test_a_gpu_session_without_a_gpu_is_one_error_line"})
if not test_cli.gpu_present():
    unexpected = []
elif unexpected:
    print(f"skipped on a machine with a GPU: {', '.join(unexpected)}")
sys.exit(0 if result.wasSuccessful() and not unexpected else 1)
EOF
}

step_gpu_unit_tests() {
  local tests=$work/pkg/bin/aruntime_gpu_tests
  if [ ! -x "$tests" ]; then
    echo "the package has no aruntime_gpu_tests (a build without CUDA)"
    [ "$dry_run" = 1 ] && return 3
    return 1
  fi
  LD_LIBRARY_PATH=$aruntime_library_path "$tests" --gtest_color=no 2>&1 |
    tee "$out/gpu-unit-tests.txt"
  local rc=${PIPESTATUS[0]}
  local passed skipped failed
  passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out/gpu-unit-tests.txt")
  skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out/gpu-unit-tests.txt")
  failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out/gpu-unit-tests.txt")
  echo "gpu unit tests: ${passed:-0} passed, ${skipped:-0} skipped, ${failed:-0} failed (exit $rc)"
  [ "$rc" -eq 0 ] || return 1
  if [ "$dry_run" = 0 ]; then
    [ "${passed:-0}" -gt 0 ] || { echo "no GPU unit test ran"; return 1; }
    [ "${skipped:-0}" -eq 0 ] || { echo "tests were skipped on a machine with a GPU"; return 1; }
  fi
}

step_conformance() {
  local data=$package/data/onnx-node-tests.tar.xz
  local data_args=()
  if [ -f "$data" ]; then
    local nodes
    nodes=$work/onnx-node-tests-$(cat "$package/data/onnx-node-tests.version" 2>/dev/null)
    if [ ! -d "$nodes" ]; then
      "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
        "$data" "$nodes.partial" && mv "$nodes.partial" "$nodes" || return 1
    fi
    data_args=(--data-dir "$nodes")
  else
    echo "warning: the package has no node tests: using the ones of this python's onnx, which" \
         "may be another version than the pass list's"
  fi
  # The "gpu" profile of run_conformance.py (float32 without TF32, with a small absolute slack);
  # the dry run on the CPU keeps the reference tolerances.
  local tolerances=$CONFORMANCE_TOLERANCES
  if [ -z "$tolerances" ]; then
    tolerances=gpu
    [ "$dry_run" = 1 ] && tolerances=reference
  fi
  local filter=()
  [ -n "$CONFORMANCE_FILTER" ] && filter=(--filter "$CONFORMANCE_FILTER")
  "$python" tests/conformance/run_conformance.py --aruntime "$work/bin/aruntime" "${data_args[@]}" \
    --work-dir "$work/conformance" --only-expected --providers "$providers" \
    --min-flops-per-byte 0 --tolerances "$tolerances" --jobs "$(nproc)" --test-timeout 30 \
    --report "${filter[@]}"
  local rc=$?
  cp "$work/conformance/results.tsv" "$out/conformance-results.tsv" 2>/dev/null
  return "$rc"
}

step_corpus() {
  # shellcheck disable=SC2086 # the model names are words
  "$python" tests/models/corpus/make_corpus.py "$work/corpus" --only $models
}

step_models() {
  : "${step_seconds:=240}"  # the step's time box, from run_step
  # shellcheck disable=SC2086
  "$python" tests/gpu/gpu_benchmark.py --aruntime "$work/bin/aruntime" --corpus "$work/corpus" \
    --work "$work/bench" --markdown "$work/models.md" --json "$out/gpu-benchmark.json" \
    --models $models --providers "$providers" --torch-device "$torch_device" \
    --batches $batches --iterations "$iterations" --deadline-s "$((step_seconds - 10))"
}

export -f step_device step_providers step_cli_gpu_tests step_gpu_unit_tests step_conformance \
  step_corpus step_models

# --- Setup: the package's binaries, and the libraries they load. ------------------------------

setup() {
  echo "run-on-device: $([ $dry_run -eq 1 ] && echo 'DRY RUN (--providers cpu, no GPU checks)' ||
    echo 'GPU run') on $(uname -n), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "package: $package"
  sed 's/^/  /' "$package/MANIFEST" 2>/dev/null
  echo "output: $out; scratch: $work; time budget ${budget} s"
  mkdir -p "$work/bin"
  if [ -x "$package/bin/aruntime" ]; then
    ln -sfn "$package" "$work/pkg"
  elif [ -f "$package/payload.tar.xz" ]; then
    mkdir -p "$work/pkg" && "$python" -c \
      'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
      "$package/payload.tar.xz" "$work/pkg" || return 1
  else
    echo "run-on-device: error: $package has neither bin/aruntime nor payload.tar.xz"
    return 1
  fi
  # The CUDA libraries (cuDNN; cuBLAS, which the provider opens with dlopen) come from the
  # python's nvidia-* wheels, one lib/ folder per wheel.
  local nvidia_libs
  nvidia_libs=$("$python" -c 'import glob, os, nvidia
folders = {d for p in nvidia.__path__ for d in glob.glob(os.path.join(p, "*", "lib"))}
print(":".join(sorted(folders)))' 2>/dev/null)
  echo "python: $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])' 2>&1)"
  "$python" -c 'import torch, onnx, onnxruntime, numpy
print(f"  torch {torch.__version__} (CUDA {torch.version.cuda},",
      f"available: {torch.cuda.is_available()}), onnx {onnx.__version__},",
      f"onnxruntime {onnxruntime.__version__}, numpy {numpy.__version__}")' 2>&1
  "$python" -m pip list 2>/dev/null | grep -iE '^nvidia-(cudnn|cublas|cuda-runtime)' | sed 's/^/  /'
  # cuDNN 9 runs programs built against an older 9.x, not always a newer one.
  "$python" - "$(sed -n 's/^cudnn_headers: //p' "$package/MANIFEST" 2>/dev/null)" <<'EOF'
import sys
from importlib import metadata
built = sys.argv[1]
try:
    wheel = metadata.version("nvidia-cudnn-cu13")
except metadata.PackageNotFoundError:
    sys.exit(0)
key = lambda v: tuple(int(x) for x in v.split(".")[:2])
if built and key(wheel) < key(built):
    print(f"  warning: this python's cuDNN ({wheel}) is older than the headers the build used "
          f"({built}); the GPU provider may fail to create its cuDNN handle")
EOF
  echo "  nvidia wheel libraries: ${nvidia_libs:-none found}"
  aruntime_library_path=$work/pkg/lib${nvidia_libs:+:$nvidia_libs}
  write_wrapper
  if ! "$work/bin/aruntime" --version >/dev/null 2>"$work/start.err"; then
    # This machine's libstdc++ is older than the build machine's: use the packaged one.
    aruntime_library_path=$aruntime_library_path:$work/pkg/lib/fallback
    write_wrapper
    if ! "$work/bin/aruntime" --version >/dev/null 2>"$work/start.err"; then
      echo "run-on-device: error: the packaged aruntime does not start:"
      cat "$work/start.err"
      LD_LIBRARY_PATH=$aruntime_library_path ldd "$work/pkg/bin/aruntime"
      return 1
    fi
    echo "  (using the packaged libstdc++: the system's is older)"
  fi
  export aruntime_library_path
  echo "aruntime: $("$work/bin/aruntime" --version), LD_LIBRARY_PATH for it: $aruntime_library_path"
}

# The CLI behind a wrapper that sets its library path: the python steps run it, and the packaged
# libraries must not leak into python itself (torch brings its own).
write_wrapper() {
  cat > "$work/bin/aruntime" <<EOF
#!/bin/sh
LD_LIBRARY_PATH='$aruntime_library_path' exec '$work/pkg/bin/aruntime' "\$@"
EOF
  chmod +x "$work/bin/aruntime"
}

names=() results=() seconds=()
started=$SECONDS

run_step() {
  local name=$1 wanted=$2
  local left=$((budget - (SECONDS - started) - 10))
  local box=$((wanted < left ? wanted : left))
  echo
  echo "=== $name (time box ${box} s) ==="
  names+=("$name")
  if [ $box -lt 10 ]; then
    echo "not run: the time budget (${budget} s) is spent"
    results+=("NOT RUN") seconds+=(0)
    return
  fi
  local t0=$SECONDS
  step_seconds=$box timeout -k 10 "$box" bash -c "step_$name"
  local rc=$?
  local result=FAIL
  case $rc in
    0) result=PASS ;;
    3) result=SKIP ;;
    124 | 137) result=TIMEOUT ;;
  esac
  echo "=== $name: $result ($((SECONDS - t0)) s)"
  results+=("$result") seconds+=($((SECONDS - t0)))
}

main() {
  if ! setup; then
    echo "run-on-device: FAILED: setup"
    return 1
  fi
  run_step device 20
  run_step providers 20
  run_step cli_gpu_tests 60
  run_step gpu_unit_tests 90
  run_step conformance 120
  run_step corpus 120
  run_step models 240

  local failed=0 report=$out/gpu-report.md
  {
    echo "# aruntime GPU checks: $(cat "$work/gpu_name" 2>/dev/null || echo 'no GPU (dry run)')"
    echo
    echo "$([ $dry_run -eq 1 ] && echo 'Dry run (--providers cpu)' || echo 'GPU run'), package" \
         "$(sed -n 's/^commit: //p' "$package/MANIFEST" 2>/dev/null), $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
         "$((SECONDS - started)) s; tests/gpu/run-on-device.sh, docs/gpu.md."
    echo
    echo "| step | result | seconds |"
    echo "|---|---|---|"
    for i in "${!names[@]}"; do echo "| ${names[$i]} | ${results[$i]} | ${seconds[$i]} |"; done
    echo
    if [ -f "$work/models.md" ]; then
      echo "## Models ($providers)"
      echo
      cat "$work/models.md"
    fi
  } > "$report"
  echo
  echo "=== summary"
  for i in "${!names[@]}"; do
    printf '  %-16s %-16s %4d s\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
    case ${results[$i]} in
      PASS) ;;
      SKIP) [ $dry_run -eq 1 ] || failed=1 ;;
      *) failed=1 ;;
    esac
  done
  echo "report: $report"
  if [ $failed -ne 0 ]; then
    echo "run-on-device: FAILED"
    return 1
  fi
  echo "run-on-device: OK"
}

main 2>&1 | tee "$out/run.log"
status=${PIPESTATUS[0]}
# A scratch folder of our own goes (the corpus alone is a few hundred MB); a given one stays.
[ -n "${ARUNTIME_GPU_WORK:-}" ] || rm -rf "$work"
exit "$status"
