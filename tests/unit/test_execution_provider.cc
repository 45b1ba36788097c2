#include "tests/unit/test_execution_provider.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace aruntime::testing {
namespace {

// Host memory that reports another device, so device-crossing logic runs for real.
class TaggedAllocator final : public Allocator {
 public:
  explicit TaggedAllocator(Device d) : device_(d) {}
  void* allocate(size_t bytes) override { return cpu_heap_allocator()->allocate(bytes); }
  void deallocate(void* p) override { cpu_heap_allocator()->deallocate(p); }
  Device device() const override { return device_; }
  std::string name() const override { return "tagged-" + device_.to_string(); }

 private:
  Device device_;
};

class CountingTransfer final : public DataTransfer {
 public:
  explicit CountingTransfer(Device d) : device_(d) {}
  bool can_copy(Device a, Device b) const override {
    return (a == device_ && b.is_cpu()) || (a.is_cpu() && b == device_);
  }
  void copy(const Tensor& src, Tensor& dst) const override {
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
    ++count;
  }
  mutable std::atomic<int> count{0};

 private:
  Device device_;
};

float apply(const std::string& op, float a, float b) {
  if (op == "Add") return a + b;
  if (op == "Mul") return a * b;
  if (op == "Relu") return a > 0 ? a : 0;
  if (op == "Neg") return -a;
  throw_error(ErrorCode::kNotImplemented, "test provider has no op " + op);
}

class SimpleKernel final : public OpKernel {
 public:
  explicit SimpleKernel(const KernelInfo& info, std::vector<int> host_inputs = {})
      : op_(info.node().op_type), host_inputs_(std::move(host_inputs)) {}
  bool reads_input_on_host(size_t input) const override {
    return std::find(host_inputs_.begin(), host_inputs_.end(), static_cast<int>(input)) != host_inputs_.end();
  }
  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.required_input(0);
    const Tensor* b = ctx.input(1);
    Tensor& out = ctx.allocate_output(0, a.shape(), DataType::kFloat32);
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      out.data<float>()[i] = apply(op_, a.data<float>()[i], b ? b->data<float>()[i] : 0.0f);
    }
  }

 private:
  std::string op_;
  std::vector<int> host_inputs_;
};

// Runs a fused group by walking its nodes in order: enough to prove the group's inputs and outputs
// are wired correctly.
class InterpretedGroup final : public OpKernel {
 public:
  explicit InterpretedGroup(const Graph& g) : graph_(g) {}
  void compute(KernelContext& ctx) const override {
    std::map<std::string, Tensor> values;
    for (size_t i = 0; i < graph_.inputs.size(); ++i) values[graph_.inputs[i].name] = ctx.required_input(i);
    for (const auto& [name, t] : graph_.initializers) values[name] = t;
    for (const Node& n : graph_.nodes) {
      const Tensor& a = values.at(n.inputs[0]);
      const Tensor* b = n.inputs.size() > 1 ? &values.at(n.inputs[1]) : nullptr;
      Tensor out(DataType::kFloat32, a.shape());
      for (int64_t i = 0; i < a.num_elements(); ++i) {
        out.data<float>()[i] = apply(n.op_type, a.data<float>()[i], b ? b->data<float>()[i] : 0.0f);
      }
      values[n.outputs[0]] = out;
    }
    for (size_t i = 0; i < graph_.outputs.size(); ++i) {
      const Tensor& v = values.at(graph_.outputs[i].name);
      Tensor& out = ctx.allocate_output(i, v.shape(), DataType::kFloat32);
      std::memcpy(out.raw_data(), v.raw_data(), v.byte_size());
    }
  }

 private:
  Graph graph_;
};

}  // namespace

std::unique_ptr<OpKernel> TestExecutionProvider::create_kernel(const CapabilityClaim& claim,
                                                               const KernelInfo& info) const {
  (void)claim;
  return std::make_unique<SimpleKernel>(info, host_inputs_);
}

TestExecutionProvider::TestExecutionProvider(std::string name, Device device)
    : name_(std::move(name)), device_(device),
      allocator_(device.is_cpu() ? cpu_heap_allocator() : std::make_shared<TaggedAllocator>(device)),
      transfer_(std::make_unique<CountingTransfer>(device)) {
  def_.op_type = "*";
  def_.factory = make_kernel<SimpleKernel>();
}

TestExecutionProvider& TestExecutionProvider::claim_ops(std::set<std::string> ops) {
  ops_ = std::move(ops);
  return *this;
}

TestExecutionProvider& TestExecutionProvider::claim_group(std::vector<std::string> node_names) {
  groups_.push_back(std::move(node_names));
  return *this;
}

CapabilityReport TestExecutionProvider::capabilities(const GraphView& view) const {
  CapabilityReport r;
  std::set<NodeIndex> in_groups;
  for (const auto& names : groups_) {
    CapabilityClaim c;
    c.kind = CapabilityClaim::Kind::kFusedGroup;
    for (const auto& n : names) {
      for (NodeIndex i = 0; i < view.num_nodes(); ++i) {
        if (view.node(i).name == n) c.nodes.push_back(i);
      }
    }
    in_groups.insert(c.nodes.begin(), c.nodes.end());
    r.claims.push_back(std::move(c));
  }
  for (NodeIndex i = 0; i < view.num_nodes(); ++i) {
    if (!view.is_available(i) || in_groups.count(i)) continue;
    if (ops_.count(view.node(i).op_type)) {
      r.claims.push_back({CapabilityClaim::Kind::kKernel, {i}, &def_});
    } else {
      r.declines.push_back({i, "test provider " + name_ + " does not take " + view.node(i).op_type});
    }
  }
  return r;
}

std::unique_ptr<OpKernel> TestExecutionProvider::compile(const Graph& g, const Model&) const {
  ++compiled_;
  return std::make_unique<InterpretedGroup>(g);
}

int TestExecutionProvider::copies() const { return static_cast<CountingTransfer&>(*transfer_).count; }

GraphBuilder::GraphBuilder() {
  model.ir_version = 8;
  model.opset_imports[""] = 17;
  model.origin = "test.onnx";
  model.graph = std::make_shared<Graph>();
  model.graph->name = "g";
}

GraphBuilder& GraphBuilder::input(const std::string& name, std::vector<int64_t> dims) {
  TypeInfo t{ValueKind::kTensor, DataType::kFloat32, std::vector<Dim>{}};
  for (auto d : dims) t.shape->push_back(Dim::fixed(d));
  graph().inputs.push_back({name, t});
  graph().value_types[name] = t;
  return *this;
}

GraphBuilder& GraphBuilder::output(const std::string& name) {
  graph().outputs.push_back({name, TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt}});
  return *this;
}

GraphBuilder& GraphBuilder::node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                                 std::vector<std::string> outputs) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  for (const auto& o : n.outputs) graph().value_types[o] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt};
  graph().nodes.push_back(std::move(n));
  return *this;
}

GraphBuilder& GraphBuilder::initializer(const std::string& name, Tensor value) {
  graph().value_types[name] = TypeInfo{ValueKind::kTensor, value.dtype(), std::nullopt};
  graph().initializers[name] = std::move(value);
  return *this;
}

}  // namespace aruntime::testing
