# aruntime: one command to build and run a model, one to run the tests (see README.md).
#   make run     bootstrap, Release build, generate a small CNN and run it with the CLI
#   make test    bootstrap, Release build, unit + end-to-end + GPU tests (ctest labels unit|default|gpu;
#                the GPU tests are reported as skipped on a machine without a CUDA device)

JOBS       := $(shell nproc 2>/dev/null || echo 2)
# The Release preset's folder; `make test BUILD_DIR=DIR` builds elsewhere.
BUILD_DIR  := build/release
CLI        := $(BUILD_DIR)/bin/aruntime
PYTHON     := .venv/bin/python
MODELS_DIR := $(BUILD_DIR)/models
# Shared with the ctest `conformance` test, so both use one operator cache.
CONFORMANCE_WORK := $(BUILD_DIR)/tests/conformance/conformance
CONFORMANCE := $(PYTHON) tests/conformance/run_conformance.py --aruntime $(CLI) \
               --work-dir $(CONFORMANCE_WORK) --jobs $(JOBS)

.PHONY: all bootstrap configure build run test conformance conformance-update clean distclean

all: build

bootstrap:
	bash scripts/bootstrap.sh

# Configure once; afterwards the Ninja build re-runs CMake by itself when a CMakeLists.txt changes.
configure: bootstrap
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then cmake --preset release -G Ninja -B $(BUILD_DIR); fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(PYTHON) tests/models/make_models.py $(MODELS_DIR)
	$(CLI) run $(MODELS_DIR)/resnet_tiny/model.onnx

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L 'unit|default|gpu' -j $(JOBS)

# The full conformance report: per-operator table and every failing test with its message.
conformance: build
	$(CONFORMANCE) --report

# Rewrites tests/conformance/expected_pass.txt with every node test that passes now.
conformance-update: build
	$(CONFORMANCE) --update

clean:
	rm -rf $(BUILD_DIR) build/debug tests/conformance/data

distclean: clean
	rm -rf .venv
