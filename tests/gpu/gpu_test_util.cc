#include "tests/gpu/gpu_test_util.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "graph/tensor_proto.h"

namespace aruntime::gpu_testing {
namespace {

struct GpuProbe {
  bool available = false;
  std::string description = "this build has no \"gpu\" provider";
};

const GpuProbe& probe() {
  // The provider's own device probe (providers/builtin_providers.cc), which asks the CUDA runtime
  // for a device count and turns "no driver" into a description instead of a crash.
  static const GpuProbe result = [] {
    GpuProbe p;
    for (const ProviderInfo& info : provider_info()) {
      if (info.name != "gpu") continue;
      p.available = info.device_present;
      p.description = info.device;
    }
    return p;
  }();
  return result;
}

onnx::AttributeProto make_attribute(const std::string& name,
                                    onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(type);
  return a;
}

void set_tensor_type(onnx::ValueInfoProto& info, const Tensor& t) {
  auto* type = info.mutable_type()->mutable_tensor_type();
  type->set_elem_type(static_cast<int32_t>(t.dtype()));
  auto* shape = type->mutable_shape();
  for (int64_t d : t.shape().dims()) shape->add_dim()->set_dim_value(d);
}

double element_as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      return t.data<float>()[i];
    case DataType::kFloat64:
      return t.data<double>()[i];
    case DataType::kFloat16:
      return t.data<Float16>()[i].to_float();
    case DataType::kBFloat16:
      return t.data<BFloat16>()[i].to_float();
    case DataType::kInt8:
      return t.data<int8_t>()[i];
    case DataType::kInt16:
      return t.data<int16_t>()[i];
    case DataType::kInt32:
      return t.data<int32_t>()[i];
    case DataType::kInt64:
      return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kUInt8:
      return t.data<uint8_t>()[i];
    case DataType::kUInt16:
      return t.data<uint16_t>()[i];
    case DataType::kUInt32:
      return t.data<uint32_t>()[i];
    case DataType::kUInt64:
      return static_cast<double>(t.data<uint64_t>()[i]);
    case DataType::kBool:
      return t.data<bool>()[i] ? 1.0 : 0.0;
    default:
      return NAN;
  }
}

// splitmix64: a fixed, portable sequence (std:: distributions differ between standard libraries).
class Generator {
 public:
  explicit Generator(uint32_t seed) : state_(0x9e3779b97f4a7c15ull ^ seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

template <typename T>
void fill_integers(Tensor& t, Generator& gen, float lo, float hi) {
  // Clamped to T's range, so that e.g. [-1, 1] for uint8 gives 0 and 1.
  const double min = static_cast<double>(std::numeric_limits<T>::lowest());
  const double max = static_cast<double>(std::numeric_limits<T>::max());
  const double first = std::clamp<double>(std::ceil(lo), min, max);
  const double last = std::clamp<double>(std::floor(hi), min, max);
  const double span = std::max(0.0, last - first + 1);
  T* out = t.data<T>();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    out[i] =
        static_cast<T>(first + std::min(std::floor(gen.unit() * span), std::max(0.0, span - 1)));
  }
}

}  // namespace

bool gpu_available() {
  return probe().available;
}
const std::string& gpu_device_description() {
  return probe().description;
}

GpuOpCase::GpuOpCase(std::string op_type, int64_t opset, std::string domain)
    : op_type_(std::move(op_type)),
      opset_(opset),
      domain_(std::move(domain)),
      node_name_("test_" + op_type_) {}

GpuOpCase& GpuOpCase::attr(const std::string& name, int64_t v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::INT);
  a.set_i(v);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, float v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::FLOAT);
  a.set_f(v);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, const std::string& v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::STRING);
  a.set_s(v);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, const std::vector<float>& v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::FLOATS);
  for (float x : v) a.add_floats(x);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, const std::vector<std::string>& v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::STRINGS);
  for (const auto& x : v) a.add_strings(x);
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::attr(const std::string& name, const Tensor& v) {
  onnx::AttributeProto a = make_attribute(name, onnx::AttributeProto::TENSOR);
  tensor_to_proto(v, name, *a.mutable_t());
  attributes_.push_back(a.SerializeAsString());
  return *this;
}

GpuOpCase& GpuOpCase::input(const Tensor& t, bool constant) {
  inputs_.push_back(t);
  constant_.push_back(constant);
  return *this;
}

GpuOpCase& GpuOpCase::omitted_input() {
  inputs_.emplace_back();
  constant_.push_back(false);
  return *this;
}

GpuOpCase& GpuOpCase::outputs(size_t n) {
  num_outputs_ = n;
  return *this;
}

std::string GpuOpCase::model_bytes() const {
  onnx::ModelProto model;
  model.set_ir_version(10);
  model.set_producer_name("aruntime_gpu_tests");
  auto* onnx_opset = model.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(domain_.empty() || domain_ == "ai.onnx" ? opset_ : 17);
  if (!domain_.empty() && domain_ != "ai.onnx") {
    auto* own = model.add_opset_import();
    own->set_domain(domain_);
    own->set_version(opset_);
  }
  auto* graph = model.mutable_graph();
  graph->set_name(node_name_);
  auto* node = graph->add_node();
  node->set_name(node_name_);
  node->set_op_type(op_type_);
  if (!domain_.empty()) node->set_domain(domain_);
  for (const auto& serialized : attributes_) {
    if (!node->add_attribute()->ParseFromString(serialized)) {
      throw_error(ErrorCode::kInvalidArgument, node_name_ + ": an attribute did not serialize");
    }
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (!inputs_[i].defined()) {
      node->add_input("");
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    node->add_input(name);
    if (constant_[i]) {
      tensor_to_proto(inputs_[i], name, *graph->add_initializer());
    } else {
      auto* info = graph->add_input();
      info->set_name(name);
      set_tensor_type(*info, inputs_[i]);
    }
  }
  for (size_t i = 0; i < num_outputs_; ++i) {
    const std::string name = "out" + std::to_string(i);
    node->add_output(name);
    graph->add_output()->set_name(name);  // type left to shape inference
  }
  return model.SerializeAsString();
}

Session GpuOpCase::make_session(const std::vector<std::string>& providers) const {
  SessionOptions options;
  options.providers = providers;
  // The node under test runs as written: no rewrites, no constant folding.
  options.optimization.level = 0;
  // A one-node model is all boundary: the cost rules would keep most small nodes on the host.
  options.placement.min_flops_per_copied_byte = 0;
  options.placement.min_device_group_nodes = 1;
  options.placement.keep_shape_computations_on_host = false;
  return Session(Environment(), model_bytes(), node_name_ + ".onnx", "", options);
}

std::vector<Tensor> GpuOpCase::run(const std::vector<std::string>& providers,
                                   bool require_gpu) const {
  Session session = make_session(providers);
  if (require_gpu) {
    bool found = false;
    for (const NodePlacement& p : session.placement()) {
      if (p.node_name != node_name_) continue;
      found = true;
      if (p.provider != "gpu") {
        std::string why;
        for (const auto& [provider, reason] : p.declined) {
          if (provider == "gpu") why = reason;
        }
        ADD_FAILURE() << node_name_ << " ran on '" << p.provider << "', not on the GPU"
                      << (why.empty() ? std::string() : ": " + why);
      }
    }
    if (!found) ADD_FAILURE() << node_name_ << " is not in the session's placement";
  }
  std::map<std::string, Tensor> feeds;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].defined() && !constant_[i]) feeds["in" + std::to_string(i)] = inputs_[i];
  }
  return session.run(feeds);
}

std::vector<Tensor> GpuOpCase::run_on_gpu() const {
  return run({"gpu", "cpu"}, true);
}
std::vector<Tensor> GpuOpCase::run_on_cpu() const {
  return run({"cpu"}, false);
}

void GpuOpCase::expect_gpu_matches_cpu(double rtol, double atol) const {
  const std::vector<Tensor> expected = run_on_cpu();
  const std::vector<Tensor> got = run_on_gpu();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(node_name_ + " output " + std::to_string(i));
    expect_near(got[i], expected[i], rtol, atol);
  }
}

std::string GpuOpCase::gpu_decline_reason() const {
  Session session = make_session({"gpu", "cpu"});
  for (const NodePlacement& p : session.placement()) {
    if (p.node_name != node_name_) continue;
    if (p.provider == "gpu") return "";
    for (const auto& [provider, reason] : p.declined) {
      if (provider == "gpu") return reason;
    }
    return "placed on '" + p.provider + "' with no reason from the GPU provider";
  }
  ADD_FAILURE() << node_name_ << " is not in the session's placement";
  return "node not placed";
}

void expect_near(const Tensor& got, const Tensor& expected, double rtol, double atol) {
  ASSERT_EQ(got.dtype(), expected.dtype())
      << data_type_name(got.dtype()) << " vs expected " << data_type_name(expected.dtype());
  ASSERT_EQ(got.shape(), expected.shape())
      << got.shape().to_string() << " vs expected " << expected.shape().to_string();
  ASSERT_TRUE(got.device().is_cpu() && expected.device().is_cpu())
      << "compare host tensors (got " << got.device().to_string() << ", expected "
      << expected.device().to_string() << ")";
  if (got.dtype() == DataType::kString) {
    for (int64_t i = 0; i < got.num_elements(); ++i) {
      EXPECT_EQ(got.data<std::string>()[i], expected.data<std::string>()[i])
          << "at flat index " << i;
    }
    return;
  }
  const bool exact = !is_floating_point(got.dtype());
  // A few failures say where; the count says how many (a million messages help nobody).
  constexpr int64_t kReported = 10;
  int64_t mismatches = 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const double a = element_as_double(got, i), e = element_as_double(expected, i);
    bool ok;
    if (std::isnan(e)) {
      ok = std::isnan(a);
    } else if (std::isinf(e) || exact) {
      ok = a == e;
    } else {
      ok = std::fabs(a - e) <= atol + rtol * std::fabs(e);
    }
    if (ok) continue;
    if (++mismatches <= kReported) {
      ADD_FAILURE() << "at flat index " << i << ": " << a << " vs expected " << e << " (rtol "
                    << rtol << ", atol " << atol << ")";
    }
  }
  if (mismatches > kReported) {
    ADD_FAILURE() << mismatches << " of " << got.num_elements() << " elements out of tolerance";
  }
}

Tensor random_tensor(DataType dtype, const Shape& shape, uint32_t seed, float lo, float hi) {
  Generator gen(seed);
  Tensor t(dtype, shape);
  const int64_t n = t.num_elements();
  auto uniform = [&] {
    return static_cast<float>(lo + (static_cast<double>(hi) - lo) * gen.unit());
  };
  switch (dtype) {
    case DataType::kFloat32:
      for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = uniform();
      break;
    case DataType::kFloat64:
      for (int64_t i = 0; i < n; ++i)
        t.data<double>()[i] = lo + (static_cast<double>(hi) - lo) * gen.unit();
      break;
    case DataType::kFloat16:
      for (int64_t i = 0; i < n; ++i) t.data<Float16>()[i] = Float16(uniform());
      break;
    case DataType::kBFloat16:
      for (int64_t i = 0; i < n; ++i) t.data<BFloat16>()[i] = BFloat16(uniform());
      break;
    case DataType::kInt8:
      fill_integers<int8_t>(t, gen, lo, hi);
      break;
    case DataType::kInt16:
      fill_integers<int16_t>(t, gen, lo, hi);
      break;
    case DataType::kInt32:
      fill_integers<int32_t>(t, gen, lo, hi);
      break;
    case DataType::kInt64:
      fill_integers<int64_t>(t, gen, lo, hi);
      break;
    case DataType::kUInt8:
      fill_integers<uint8_t>(t, gen, lo, hi);
      break;
    case DataType::kUInt16:
      fill_integers<uint16_t>(t, gen, lo, hi);
      break;
    case DataType::kUInt32:
      fill_integers<uint32_t>(t, gen, lo, hi);
      break;
    case DataType::kUInt64:
      fill_integers<uint64_t>(t, gen, lo, hi);
      break;
    case DataType::kBool:
      for (int64_t i = 0; i < n; ++i) t.data<bool>()[i] = (gen.next() >> 63) != 0;
      break;
    default:
      throw_error(ErrorCode::kInvalidArgument, "random_tensor: element type " +
                                                   std::string(data_type_name(dtype)) +
                                                   " is not supported");
  }
  return t;
}

}  // namespace aruntime::gpu_testing
