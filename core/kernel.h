// The kernel contract. A kernel is created once per session for one node: its constructor is the
// prepare step (read attributes, validate them, transform constant inputs such as prepacked
// weights). `compute` is const and must be safe to call from several runs at once, so all per-run
// state lives in the KernelContext.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "aruntime/allocator.h"
#include "aruntime/tensor.h"
#include "aruntime/value.h"
#include "core/subgraph.h"
#include "graph/ir.h"

namespace aruntime {

class KernelInfo {
 public:
  KernelInfo(const Node& node, const Graph& graph, int64_t opset, std::vector<DataType> input_types,
             std::vector<DataType> output_types, Allocator& allocator)
      : node_(node), graph_(graph), opset_(opset), input_types_(std::move(input_types)),
        output_types_(std::move(output_types)), allocator_(allocator) {}

  const Node& node() const { return node_; }
  const Graph& graph() const { return graph_; }
  int64_t opset() const { return opset_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }
  // Element type of input/output i as inferred at load (kUndefined when omitted).
  DataType input_type(size_t i) const { return i < input_types_.size() ? input_types_[i] : DataType::kUndefined; }
  DataType output_type(size_t i) const { return i < output_types_.size() ? output_types_[i] : DataType::kUndefined; }
  // The value of input i when it is a constant initializer (cannot be overridden by a feed).
  const Tensor* constant_input(size_t i) const {
    return has_input(i) ? graph_.constant(node_.inputs[i]) : nullptr;
  }
  // Allocator for session-lifetime data the kernel keeps (prepacked weights).
  Allocator& allocator() const { return allocator_; }
  // Compiles a subgraph attribute of this node (If/Loop/Scan bodies) for running from compute.
  std::unique_ptr<CompiledSubgraph> compile_subgraph(const Graph& subgraph) const {
    if (subgraphs_ == nullptr) {
      throw_error(ErrorCode::kNotImplemented, node_.describe() + ": subgraphs cannot be compiled in this context");
    }
    return subgraphs_->compile(subgraph);
  }
  void set_subgraph_compiler(const SubgraphCompiler* compiler) { subgraphs_ = compiler; }

 private:
  const Node& node_;
  const Graph& graph_;
  int64_t opset_;
  std::vector<DataType> input_types_;
  std::vector<DataType> output_types_;
  Allocator& allocator_;
  const SubgraphCompiler* subgraphs_ = nullptr;
};

class KernelContext {
 public:
  virtual ~KernelContext() = default;

  virtual const Node& node() const = 0;
  virtual size_t num_inputs() const = 0;
  // Input i as a tensor, or nullptr when the node omits it. Throws Error(kInvalidArgument) when
  // the input is a sequence or an optional: kernels for those read input_value().
  virtual const Tensor* input(size_t i) const = 0;
  // Input i whatever its kind, or nullptr when the node omits it.
  virtual const Value* input_value(size_t i) const = 0;
  virtual size_t num_outputs() const = 0;
  // False for an omitted optional output; kernels may skip computing it.
  virtual bool output_requested(size_t i) const = 0;
  // Allocates output i from the run's arena (or the caller's output memory).
  virtual Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) = 0;
  // Makes output i an existing tensor, typically a view of an input (Identity, Reshape).
  virtual void set_output(size_t i, Tensor tensor) = 0;
  // Makes output i a value of any kind (sequence and optional ops, Identity).
  virtual void set_output_value(size_t i, Value value) = 0;
  // Scratch memory from the run's arena, released when the tensor is destroyed.
  virtual Tensor allocate_temp(const Shape& shape, DataType dtype) = 0;
  // An outer-scope value that this node's subgraphs read (see Graph::outer_scope_inputs), or
  // nullptr when the enclosing graphs do not define it.
  virtual const Value* outer_value(const std::string& name) const {
    (void)name;
    return nullptr;
  }

  // Input i, throwing Error(kInvalidArgument) naming the node when it is omitted.
  const Tensor& required_input(size_t i) const;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void compute(KernelContext& ctx) const = 0;

  // What the memory planner (core/allocation_planner.h) may rely on. Both default to "no".
  // The input whose buffer output `output` may be a view of (Reshape, Squeeze, Identity...): the
  // planner keeps that buffer alive while the output is read. -1 when the output has its own.
  virtual int output_view_of(size_t output) const {
    (void)output;
    return -1;
  }
  // The input whose buffer output `output` may be written over when that input dies at this
  // node: the kernel then reads each element before it writes the same element (elementwise ops).
  // The planner uses it only when the two tensors have the same byte size. -1 when never.
  virtual int output_in_place_of(size_t output) const {
    (void)output;
    return -1;
  }
  // True for an input a device kernel reads in host memory: a small shape-like tensor (Reshape's
  // shape, Slice's starts) that compute() reads on the host. The plan keeps such an input there,
  // so a shape computed by host nodes reaches a device kernel without a copy, and the kernel never
  // reads device memory from the host. Host-memory kernels have every input there anyway.
  virtual bool reads_input_on_host(size_t input) const {
    (void)input;
    return false;
  }
  // True for an input of which the kernel reads only the shape and type, never the elements
  // (Shape, Size): the plan hands it the value where it lives, in whatever memory, so that asking
  // a device tensor's shape copies nothing.
  virtual bool reads_input_metadata_only(size_t input) const {
    (void)input;
    return false;
  }
  // True when the kernel packed constant input `input` (KernelInfo::constant_input) into its own
  // layout when it was created and never reads it again: the plan may then release the
  // initializer (PlanInputs::release_packed_initializer), and the input reads as omitted
  // (ctx.input returns nullptr) in every run.
  virtual bool packed_constant_input(size_t input) const {
    (void)input;
    return false;
  }
  // Bytes of constant data the kernel holds in its own layout (prepacked weights), for the
  // session's memory report.
  virtual size_t packed_bytes() const { return 0; }
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>(const KernelInfo&)>;

template <typename K>
KernelFactory make_kernel() {
  return [](const KernelInfo& info) -> std::unique_ptr<OpKernel> { return std::make_unique<K>(info); };
}

}  // namespace aruntime
