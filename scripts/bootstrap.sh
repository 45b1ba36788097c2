#!/usr/bin/env bash
# Prepares a Debian 12 machine to build and test aruntime. Safe to run again: it installs only the
# Debian packages that are missing, and reinstalls the Python test packages into .venv only when
# requirements-test.txt has changed since the last successful install.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="${repo_root}/requirements-test.txt"
venv="${repo_root}/.venv"

log() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------
# What cmake/Dependencies.cmake finds (protobuf, ONNX protos, Eigen, TBB, spdlog + fmt, GTest,
# Google Benchmark), the toolchain, and python3-venv for the test environment.
apt_packages=(
  cmake ninja-build make g++ pkg-config
  libprotobuf-dev protobuf-compiler libonnx-dev
  libeigen3-dev libtbb-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-venv
)

missing=()
for pkg in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("${pkg}")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ ${EUID} -eq 0 ]]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    die "missing packages (${missing[*]}) and not root; install them or install sudo"
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  log "Debian packages: all ${#apt_packages[@]} present"
fi

# --- Python test environment -------------------------------------------------------------------
venv_works() {
  [[ -x "${venv}/bin/python" ]] && "${venv}/bin/python" -m pip --version >/dev/null 2>&1
}

# A venv whose interpreter has gone (e.g. a pyenv version removed) is rebuilt from scratch.
if [[ -e "${venv}" ]] && ! venv_works; then
  log "${venv} is broken; recreating it"
  rm -rf "${venv}"
fi

if [[ ! -e "${venv}" ]]; then
  # The first python3 on PATH may be a pyenv build; Debian's own /usr/bin/python3 (with
  # python3-venv installed above) is the fallback when that one cannot create a venv.
  created=0
  for py in python3 /usr/bin/python3; do
    command -v "${py}" >/dev/null 2>&1 || continue
    if "${py}" -m venv "${venv}" >/dev/null 2>&1 && venv_works; then
      log "created ${venv} with $("${venv}/bin/python" --version 2>&1) ($(command -v "${py}"))"
      created=1
      break
    fi
    rm -rf "${venv}"
  done
  ((created)) || die "could not create ${venv} with python3 -m venv"
fi

stamp="${venv}/.requirements.sha256"
wanted="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${wanted}" ]] &&
  "${venv}/bin/python" -c 'import numpy, onnx, onnxruntime' >/dev/null 2>&1; then
  log "Python test packages: up to date (${requirements##*/})"
else
  log "installing Python test packages from ${requirements##*/}"
  "${venv}/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    -r "${requirements}"
  # Prove that the packages import before recording the install as done.
  "${venv}/bin/python" -c 'import numpy, onnx, onnxruntime' ||
    die "the Python test packages do not import"
  printf '%s\n' "${wanted}" >"${stamp}"
  log "Python: $("${venv}/bin/python" -c 'import numpy, onnx, onnxruntime as ort; print(
    "onnx", onnx.__version__, "onnxruntime", ort.__version__, "numpy", numpy.__version__)')"
fi
