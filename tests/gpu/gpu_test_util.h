// The GPU provider's test harness: one-node ONNX models built in memory and run through a Session,
// once with providers {"gpu", "cpu"} and once with {"cpu"} only, the CPU's results being the
// reference (the CPU kernels are themselves tested against numpy/onnxruntime values).
//
// Every test that needs a device starts with ARUNTIME_REQUIRE_GPU(): on a machine without a usable
// CUDA device the test is reported as skipped, with the reason the provider gave.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "aruntime/tensor.h"

namespace aruntime::gpu_testing {

// True when this build has the "gpu" provider and a CUDA device is present and usable. Asked
// once per process; never crashes or hangs without a driver (the provider's device probe reports
// the CUDA error instead).
bool gpu_available();
// Why gpu_available() is false ("no CUDA device found (CUDA driver version is insufficient...)"),
// or the device's description when it is true.
const std::string& gpu_device_description();

#define ARUNTIME_REQUIRE_GPU()                                                                 \
  do {                                                                                         \
    if (!::aruntime::gpu_testing::gpu_available()) {                                           \
      GTEST_SKIP() << "no CUDA device: " << ::aruntime::gpu_testing::gpu_device_description(); \
    }                                                                                          \
  } while (0)

// A one-node ONNX model: inputs become graph inputs (fed at run time) or initializers (constant),
// in the order added, named "in0", "in1"...; outputs are "out0", "out1"... with their types left
// to shape inference. The node is named "test_<op_type>". Sessions run with the optimizer off, so
// the node runs as written, and with the placement cost rules off, so that a small node the GPU
// claims is not kept on the host for its copies.
class GpuOpCase {
 public:
  // For a domain other than ONNX's, `opset` is that domain's version and the ONNX domain is
  // imported at 17.
  explicit GpuOpCase(std::string op_type, int64_t opset = 17, std::string domain = "");

  GpuOpCase& attr(const std::string& name, int64_t v);
  GpuOpCase& attr(const std::string& name, int v) { return attr(name, static_cast<int64_t>(v)); }
  GpuOpCase& attr(const std::string& name, float v);
  GpuOpCase& attr(const std::string& name, const std::string& v);
  GpuOpCase& attr(const std::string& name, const char* v) { return attr(name, std::string(v)); }
  GpuOpCase& attr(const std::string& name, const std::vector<int64_t>& v);
  GpuOpCase& attr(const std::string& name, const std::vector<float>& v);
  GpuOpCase& attr(const std::string& name, const std::vector<std::string>& v);
  GpuOpCase& attr(const std::string& name, const Tensor& v);

  // Adds the next input; `constant` makes it an initializer (what KernelInfo::constant_input sees).
  GpuOpCase& input(const Tensor& t, bool constant = false);
  // An optional input left out (empty name), e.g. Clip's min.
  GpuOpCase& omitted_input();
  // The node's number of outputs (default 1).
  GpuOpCase& outputs(size_t n);

  // The serialized ModelProto.
  std::string model_bytes() const;
  // Runs with providers {"gpu", "cpu"}; ADD_FAILURE unless the node was placed on "gpu" (with the
  // GPU's decline reason when it was not). Returns host tensors, one per output.
  std::vector<Tensor> run_on_gpu() const;
  // Runs with providers {"cpu"}: the reference.
  std::vector<Tensor> run_on_cpu() const;
  // Both runs, then expect_near on each output (float16/bfloat16 compared in float).
  void expect_gpu_matches_cpu(double rtol = 1e-4, double atol = 1e-5) const;
  // The GPU provider's reason for declining the node, "" when it claims it (Session::placement()).
  std::string gpu_decline_reason() const;
  // A session of this model over `providers`, with the options the runs above use.
  Session make_session(const std::vector<std::string>& providers) const;

  const std::string& node_name() const { return node_name_; }

 private:
  std::vector<Tensor> run(const std::vector<std::string>& providers, bool require_gpu) const;

  std::string op_type_;
  int64_t opset_;
  std::string domain_;
  std::string node_name_;
  std::vector<std::string> attributes_;  // serialized onnx::AttributeProto messages, in order
  std::vector<Tensor> inputs_;           // undefined for omitted inputs
  std::vector<bool> constant_;           // per input
  size_t num_outputs_ = 1;
};

// numpy.allclose semantics per element (|got - expected| <= atol + rtol * |expected|), with NaN
// matching NaN and an infinity matching the same infinity; float16/bfloat16 compared in float,
// integers and bools exactly. Element type and shape must match; both tensors must be on the host.
void expect_near(const Tensor& got, const Tensor& expected, double rtol, double atol);

// Uniform values in [lo, hi] from a fixed generator (same seed, same tensor on every platform):
// float32, float16, bfloat16 and float64 tensors; integer types get integers in [lo, hi]; bool
// gets true/false with equal odds.
Tensor random_tensor(DataType dtype, const Shape& shape, uint32_t seed, float lo = -1,
                     float hi = 1);

}  // namespace aruntime::gpu_testing
