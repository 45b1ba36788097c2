#!/usr/bin/env bash
# Packs what tests/gpu/run-on-device.sh needs on a GPU machine that has no network and no Debian
# packages: the CLI and the GPU unit-test binary of BUILD_DIR, every shared library they load
# that is not part of the system or of CUDA, and the ONNX node-test data the conformance pass
# list was made from (docs/gpu.md, "Running on a GPU").
#
#   tests/gpu/package_for_device.sh [--allow-native] [--limit-mib N] BUILD_DIR OUT_DIR
#
# OUT_DIR gets bin/ (stripped binaries), lib/ (their libraries; lib/fallback/ holds this
# machine's libstdc++ and libgcc_s, used there only when the system's are older), data/ (the node
# tests as one .tar.xz) and MANIFEST. When bin/ and lib/ together exceed the size limit they are
# shipped as payload.tar.xz instead, which run-on-device.sh unpacks. Left out on purpose: glibc
# (the device's is newer), libcuda (the driver's) and the CUDA libraries (cuDNN, cuBLAS, the
# runtime), which come from the device's Python wheels (nvidia-cudnn-cu13, nvidia-cublas).
#
# Exit status: 0 when the package is complete and within the limit (default 40 MiB, leaving room
# for the working tree in the device tool's 64 MiB), 1 otherwise, 2 on bad arguments.
set -euo pipefail

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

allow_native=0
limit_mib=${ARUNTIME_PACKAGE_LIMIT_MIB:-40}
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --allow-native) allow_native=1 ;;
    --limit-mib) limit_mib=${2:?--limit-mib needs a number}; shift ;;
    -h | --help) usage ;;
    -*) echo "package_for_device: unknown option $1" >&2; usage ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -eq 2 ] || usage
build=$(cd "${positional[0]}" && pwd)
out=${positional[1]}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

fail() {
  echo "package_for_device: error: $*" >&2
  exit 1
}

[ -x "$build/bin/aruntime" ] ||
  fail "$build/bin/aruntime is missing: build the aruntime_cli target first"

# A Release build with ARUNTIME_NATIVE (the default) is compiled with -march=native: this
# machine's vector instructions, which the device's CPU may lack (an illegal instruction there
# would cost the whole device run).
cache=$build/CMakeCache.txt
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache" 2>/dev/null || true)
native=$(sed -n 's/^ARUNTIME_NATIVE:[A-Z]*=//p' "$cache" 2>/dev/null || true)
cxx_flags=$(sed -n 's/^CMAKE_CXX_FLAGS:[A-Z]*=//p' "$cache" 2>/dev/null || true)
if { [ "$build_type" = Release ] && [ "$native" = ON ]; } || [[ $cxx_flags == *-march=native* ]]; then
  if [ $allow_native -eq 0 ]; then
    fail "$build is built with -march=native (Release with ARUNTIME_NATIVE=ON); its binaries may" \
         "not run on the device's CPU. Configure the build with -DARUNTIME_NATIVE=OFF, or pass" \
         "--allow-native to package it anyway"
  fi
  echo "package_for_device: warning: packaging a -march=native build (--allow-native)" >&2
fi
if [[ $cxx_flags == *-fsanitize* ]]; then
  echo "package_for_device: warning: $build is a sanitizer build; it runs several times slower" >&2
fi
if [ "$build_type" != Release ] && [ "$build_type" != RelWithDebInfo ]; then
  echo "package_for_device: warning: $build is a ${build_type:-default} build; latencies" \
       "measured with it say little (use a Release build)" >&2
fi

# The binaries the run needs. The GPU test binary is required when the CLI has the GPU provider.
has_gpu=0
if "$build/bin/aruntime" providers 2>/dev/null | grep -q '^gpu:'; then has_gpu=1; fi
binaries=(aruntime)
if [ -x "$build/bin/aruntime_gpu_tests" ]; then
  binaries+=(aruntime_gpu_tests)
elif [ $has_gpu -eq 1 ]; then
  fail "$build/bin/aruntime_gpu_tests is missing: build the aruntime_gpu_tests target"
else
  echo "package_for_device: warning: $build/bin/aruntime has no gpu provider (built without CUDA):" \
       "the package can only do run-on-device.sh --dry-run-cpu" >&2
fi

rm -rf "${out:?}/bin" "${out:?}/lib" "$out/data" "$out/payload.tar.xz" "$out/MANIFEST"
mkdir -p "$out/bin" "$out/lib/fallback" "$out/data"
out=$(cd "$out" && pwd)

# Libraries every Linux system has (glibc's) and those the device provides: the NVIDIA driver
# (libcuda, libnvidia-*) and the CUDA libraries from its pip wheels. A binary linked against
# another CUDA library than these fails on the device with "cannot open shared object file",
# which run-on-device.sh reports before anything runs.
is_system_lib() {
  case $1 in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | \
      librt.so.* | libresolv.so.* | libutil.so.* | libmvec.so.*) return 0 ;;
  esac
  return 1
}
is_device_lib() {
  case $1 in
    libcuda.so.* | libnvidia-* | libcudnn*.so.* | libcublas*.so.* | libcudart.so.* | \
      libnvrtc*.so.* | libnvJitLink.so.* | libcufft*.so.* | libcurand.so.* | libcusolver*.so.* | \
      libcusparse*.so.*) return 0 ;;
  esac
  return 1
}

for name in "${binaries[@]}"; do
  cp "$build/bin/$name" "$out/bin/$name"
  strip --strip-unneeded "$out/bin/$name"
done

declare -A copied=()
missing=()
for name in "${binaries[@]}"; do
  # ldd lists the whole closure (libraries of libraries too).
  while read -r lib arrow path _; do
    [ "$arrow" = "=>" ] || continue
    is_system_lib "$lib" && continue
    if [ "$path" = "not" ]; then
      is_device_lib "$lib" || missing+=("$lib (needed by $name)")
      continue
    fi
    is_device_lib "$lib" && continue
    [ -n "${copied[$lib]+set}" ] && continue
    case $lib in
      libstdc++.so.* | libgcc_s.so.*) dest=$out/lib/fallback/$lib ;;
      *) dest=$out/lib/$lib ;;
    esac
    cp -L "$path" "$dest"
    chmod u+w "$dest"
    strip --strip-unneeded "$dest"
    copied[$lib]=$path
  done < <(ldd "$build/bin/$name")
done
[ ${#missing[@]} -eq 0 ] || fail "libraries not found on this machine: ${missing[*]}"

# The packaged CLI must start with only the packaged libraries (and the system's) in reach.
if ! LD_LIBRARY_PATH="$out/lib:$out/lib/fallback:/usr/local/cuda/lib64" \
    "$out/bin/aruntime" --version >/dev/null; then
  fail "the packaged $out/bin/aruntime does not start here"
fi

# The ONNX node tests of the onnx version that wrote tests/conformance/expected_pass.txt: the
# device's onnx is another version, whose test set differs (a listed test it lacks would count
# as a regression). Taken from the Python that the conformance test uses here.
python=${PYTHON:-$repo/.venv/bin/python}
[ -x "$python" ] || python=python3
node_dir=$("$python" -c 'import onnx, pathlib
print(pathlib.Path(onnx.__file__).parent / "backend/test/data/node")' 2>/dev/null) ||
  fail "$python cannot import onnx: set PYTHON to the Python of the conformance tests (.venv)"
onnx_version=$("$python" -c 'import onnx; print(onnx.__version__)')
[ -d "$node_dir" ] || fail "onnx $onnx_version ($python) ships no node tests in $node_dir"
(cd "$node_dir" && find . -maxdepth 1 -name 'test_*' -type d -printf '%P\n' | sort) \
  > "$out/data/tests.txt"
tar -C "$node_dir" -cf - -T "$out/data/tests.txt" | xz -9 -T2 > "$out/data/onnx-node-tests.tar.xz"
rm "$out/data/tests.txt"
echo "$onnx_version" > "$out/data/onnx-node-tests.version"

{
  echo "built_from: $repo"
  echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "build_dir: $build"
  echo "build_type: ${build_type:-unknown}"
  echo "native: ${native:-unknown}"
  echo "gpu_provider: $([ $has_gpu -eq 1 ] && echo yes || echo no)"
  echo "binaries: ${binaries[*]}"
  echo "libraries: $(find "$out/lib" -maxdepth 1 -type f -printf '%f\n' | sort | tr '\n' ' ')"
  echo "fallback_libraries: $(find "$out/lib/fallback" -type f -printf '%f\n' | sort | tr '\n' ' ')"
  if [ -f /usr/local/cuda/include/cudnn_version.h ]; then
    echo "cudnn_headers: $(awk '/define CUDNN_(MAJOR|MINOR|PATCHLEVEL) /{
      printf "%s%s", sep, $3; sep = "."}' \
      /usr/local/cuda/include/cudnn_version.h)"
  fi
  echo "onnx_node_tests: $onnx_version"
  echo "packaged: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$out/MANIFEST"

size_of() { du -sb "$@" | awk '{s += $1} END {print s}'; }
limit=$((limit_mib * 1024 * 1024))
total=$(size_of "$out")
if [ "$total" -gt "$limit" ]; then
  echo "package_for_device: $((total / 1024 / 1024)) MiB uncompressed is over ${limit_mib} MiB;" \
       "shipping bin/ and lib/ as payload.tar.xz"
  tar -C "$out" -cf - bin lib | xz -6 -T2 > "$out/payload.tar.xz"
  rm -rf "${out:?}/bin" "${out:?}/lib"
  echo "payload: payload.tar.xz (bin/ and lib/)" >> "$out/MANIFEST"
  total=$(size_of "$out")
fi

echo "package_for_device: $out"
(cd "$out" && find . -type f -printf '%s\t%p\n' | sort -k2 |
  awk -F'\t' '{printf "  %9.2f MiB  %s\n", $1 / 1048576, $2}')
echo "package_for_device: total $(awk -v b="$total" 'BEGIN {printf "%.2f", b / 1048576}') MiB" \
     "(limit ${limit_mib} MiB)"
[ "$total" -le "$limit" ] || fail "the package is over ${limit_mib} MiB"
