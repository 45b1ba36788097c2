// A configurable execution provider for testing partitioning, copy insertion and execution without
// depending on real kernels. It computes a few float32 ops (Add, Mul, Relu, Neg) with obvious loops,
// may pretend to live on a separate device (its "device memory" is host memory tagged with that
// device, and every copy through its DataTransfer is counted), and claims either single nodes by op
// type or explicit groups of nodes by name (compiled by interpreting the group).
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/execution_provider.h"

namespace aruntime::testing {

class TestExecutionProvider : public ExecutionProvider {
 public:
  TestExecutionProvider(std::string name, Device device);

  // Claim every free node of these op types as a single-node kernel claim.
  TestExecutionProvider& claim_ops(std::set<std::string> ops);
  // Claim these nodes (by name) as one fused group, as given (even if invalid: tests check that
  // the partitioner refuses bad groups).
  TestExecutionProvider& claim_group(std::vector<std::string> node_names);

  const std::string& name() const override { return name_; }
  Device device() const override { return device_; }
  CapabilityReport capabilities(const GraphView& view) const override;
  std::unique_ptr<OpKernel> compile(const Graph& fused_subgraph, const Model& model) const override;
  std::shared_ptr<Allocator> allocator() const override { return allocator_; }
  const DataTransfer* data_transfer() const override { return device_.is_cpu() ? nullptr : transfer_.get(); }
  // Constants read on the device are uploaded once, when the plan is built (as a GPU provider does).
  TestExecutionProvider& keep_constants_on_device(bool keep) {
    keep_constants_ = keep;
    return *this;
  }
  bool keeps_constants_on_device() const override { return keep_constants_; }
  // The claimed kernels read these inputs in host memory (OpKernel::reads_input_on_host).
  TestExecutionProvider& host_inputs(std::vector<int> inputs) {
    host_inputs_ = std::move(inputs);
    return *this;
  }
  std::unique_ptr<OpKernel> create_kernel(const CapabilityClaim& claim, const KernelInfo& info) const override;

  int copies() const;
  int compiled_groups() const { return compiled_; }

 private:
  std::string name_;
  Device device_;
  std::set<std::string> ops_;
  std::vector<std::vector<std::string>> groups_;
  std::shared_ptr<Allocator> allocator_;
  std::unique_ptr<DataTransfer> transfer_;
  KernelDef def_;
  mutable int compiled_ = 0;
  bool keep_constants_ = false;
  std::vector<int> host_inputs_;
};

// Builds a float32 graph from a compact description, for partitioner and executor tests.
struct GraphBuilder {
  Model model;
  GraphBuilder();
  GraphBuilder& input(const std::string& name, std::vector<int64_t> dims);
  GraphBuilder& output(const std::string& name);
  GraphBuilder& node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                     std::vector<std::string> outputs);
  GraphBuilder& initializer(const std::string& name, Tensor value);
  Graph& graph() { return *model.graph; }
};

}  // namespace aruntime::testing
