// Control flow: If, Loop and Scan. Their bodies are compiled once in the kernel's prepare step by
// the session's SubgraphCompiler (partitioned over the same providers, planned, executed by the
// same executor) and run from compute with the values the enclosing graph provides.
#include <cstring>

#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

std::function<const Value*(const std::string&)> outer_of(const KernelContext& ctx) {
  return [&ctx](const std::string& name) { return ctx.outer_value(name); };
}

bool scalar_bool(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.required_input(i);
  if (t.dtype() != DataType::kBool || t.num_elements() != 1) {
    throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": " + what + " must be one bool, got " +
                                                 std::string(data_type_name(t.dtype())) + t.shape().to_string());
  }
  return t.data<bool>()[0];
}

// Copies `count` elements from src[src_offset...] to dst[dst_offset...] (any element type).
void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t count) {
  if (count <= 0) return;
  if (src.dtype() == DataType::kString) {
    const std::string* s = src.data<std::string>() + src_offset;
    std::string* d = dst.data<std::string>() + dst_offset;
    for (int64_t i = 0; i < count; ++i) d[i] = s[i];
    return;
  }
  const size_t es = element_size(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw_data()) + dst_offset * es,
              static_cast<const char*>(src.raw_data()) + src_offset * es, count * es);
}

// Stacks equally shaped tensors along a new axis `axis` (0..rank), in order or reversed.
Tensor stack(const Node& node, const std::vector<Tensor>& parts, int64_t axis, bool reverse, DataType dtype) {
  if (parts.empty()) return Tensor(dtype, Shape{0});
  const Shape& each = parts[0].shape();
  for (const Tensor& p : parts) {
    if (p.shape() != each || p.dtype() != parts[0].dtype()) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": scan output changes from " +
                                                std::string(data_type_name(parts[0].dtype())) + each.to_string() +
                                                " to " + std::string(data_type_name(p.dtype())) + p.shape().to_string() +
                                                " between iterations");
    }
  }
  std::vector<int64_t> dims = each.dims();
  const int64_t rank = static_cast<int64_t>(dims.size());
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank) throw_error(ErrorCode::kInvalidModel, node.describe() + ": scan output axis out of range");
  const int64_t n = static_cast<int64_t>(parts.size());
  dims.insert(dims.begin() + axis, n);
  Tensor out(parts[0].dtype(), Shape(dims));
  const int64_t outer = each.size_from_to(0, axis), inner = each.size_from_to(axis, each.rank());
  for (int64_t k = 0; k < n; ++k) {
    const Tensor& part = parts[reverse ? n - 1 - k : k];
    for (int64_t o = 0; o < outer; ++o) copy_elements(part, o * inner, out, (o * n + k) * inner, inner);
  }
  return out;
}

// Slice `index` of `t` along `axis`, with that axis removed.
Tensor slice_along(const Tensor& t, int64_t axis, int64_t index) {
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t n = dims[axis];
  const int64_t outer = t.shape().size_from_to(0, axis), inner = t.shape().size_from_to(axis + 1, t.rank());
  dims.erase(dims.begin() + axis);
  Tensor out(t.dtype(), Shape(dims));
  for (int64_t o = 0; o < outer; ++o) copy_elements(t, (o * n + index) * inner, out, o * inner, inner);
  return out;
}

class IfKernel final : public OpKernel {
 public:
  explicit IfKernel(const KernelInfo& info)
      : then_(info.compile_subgraph(*info.node().attr_graph("then_branch"))),
        else_(info.compile_subgraph(*info.node().attr_graph("else_branch"))) {}

  void compute(KernelContext& ctx) const override {
    const CompiledSubgraph& branch = scalar_bool(ctx, 0, "the condition") ? *then_ : *else_;
    std::vector<Value> outs = branch.run({}, outer_of(ctx));
    if (outs.size() != ctx.num_outputs()) {
      throw_error(ErrorCode::kInvalidModel, ctx.node().describe() + ": the branch has " + std::to_string(outs.size()) +
                                                " outputs, the node " + std::to_string(ctx.num_outputs()));
    }
    for (size_t i = 0; i < outs.size(); ++i) ctx.set_output_value(i, std::move(outs[i]));
  }

 private:
  std::unique_ptr<CompiledSubgraph> then_, else_;
};

class LoopKernel final : public OpKernel {
 public:
  explicit LoopKernel(const KernelInfo& info) : body_(info.compile_subgraph(*info.node().attr_graph("body"))) {
    const Graph& body = *info.node().attr_graph("body");
    num_carried_ = static_cast<int64_t>(info.num_inputs()) - 2;
    if (num_carried_ < 0 || body.inputs.size() != static_cast<size_t>(num_carried_ + 2) ||
        body.outputs.size() < static_cast<size_t>(num_carried_ + 1)) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": the body takes " +
                                                std::to_string(body.inputs.size()) + " inputs and gives " +
                                                std::to_string(body.outputs.size()) + " outputs for " +
                                                std::to_string(info.num_inputs()) + " node inputs");
    }
    num_scan_ = static_cast<int64_t>(body.outputs.size()) - 1 - num_carried_;
    for (int64_t k = 0; k < num_scan_; ++k) scan_types_.push_back(body.outputs[1 + num_carried_ + k].type.dtype);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor* max_trips = ctx.input(0);
    if (max_trips != nullptr && max_trips->num_elements() != 1) {
      throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": M must be a scalar");
    }
    const int64_t limit = max_trips ? max_trips->to_int64_vector()[0] : INT64_MAX;
    bool keep_going = ctx.input(1) ? scalar_bool(ctx, 1, "the condition") : true;
    std::vector<Value> carried;
    for (int64_t k = 0; k < num_carried_; ++k) {
      const Value* v = ctx.input_value(2 + k);
      if (v == nullptr) throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": loop-carried input missing");
      carried.push_back(*v);
    }
    std::vector<std::vector<Tensor>> scans(num_scan_);
    auto outer = outer_of(ctx);
    for (int64_t i = 0; i < limit && keep_going; ++i) {
      std::vector<Value> in;
      in.push_back(Tensor::scalar<int64_t>(i));
      in.push_back(Tensor::scalar<bool>(keep_going));
      for (auto& v : carried) in.push_back(std::move(v));
      std::vector<Value> out = body_->run(std::move(in), outer);
      const Tensor& cond = out[0].tensor();
      if (cond.dtype() != DataType::kBool || cond.num_elements() != 1) {
        throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": the body's condition output must be one bool");
      }
      keep_going = cond.data<bool>()[0];
      carried.assign(std::make_move_iterator(out.begin() + 1), std::make_move_iterator(out.begin() + 1 + num_carried_));
      for (int64_t k = 0; k < num_scan_; ++k) scans[k].push_back(out[1 + num_carried_ + k].tensor());
    }
    for (int64_t k = 0; k < num_carried_; ++k) ctx.set_output_value(k, std::move(carried[k]));
    for (int64_t k = 0; k < num_scan_; ++k) {
      if (!ctx.output_requested(num_carried_ + k)) continue;
      ctx.set_output(num_carried_ + k, stack(ctx.node(), scans[k], 0, false, scan_types_[k]));
    }
  }

 private:
  std::unique_ptr<CompiledSubgraph> body_;
  int64_t num_carried_ = 0;
  int64_t num_scan_ = 0;
  std::vector<DataType> scan_types_;
};

class ScanKernel final : public OpKernel {
 public:
  explicit ScanKernel(const KernelInfo& info) : body_(info.compile_subgraph(*info.node().attr_graph("body"))) {
    const Node& node = info.node();
    const Graph& body = *node.attr_graph("body");
    num_scan_inputs_ = node.attr_int("num_scan_inputs");
    num_state_ = static_cast<int64_t>(info.num_inputs()) - num_scan_inputs_;
    num_scan_outputs_ = static_cast<int64_t>(body.outputs.size()) - num_state_;
    if (num_state_ < 0 || num_scan_outputs_ < 0 || body.inputs.size() != info.num_inputs()) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": the body's inputs/outputs do not match the node's");
    }
    input_axes_ = node.attr_ints("scan_input_axes", std::vector<int64_t>(num_scan_inputs_, 0));
    input_directions_ = node.attr_ints("scan_input_directions", std::vector<int64_t>(num_scan_inputs_, 0));
    output_axes_ = node.attr_ints("scan_output_axes", std::vector<int64_t>(num_scan_outputs_, 0));
    output_directions_ = node.attr_ints("scan_output_directions", std::vector<int64_t>(num_scan_outputs_, 0));
    if (static_cast<int64_t>(input_axes_.size()) != num_scan_inputs_ ||
        static_cast<int64_t>(input_directions_.size()) != num_scan_inputs_ ||
        static_cast<int64_t>(output_axes_.size()) != num_scan_outputs_ ||
        static_cast<int64_t>(output_directions_.size()) != num_scan_outputs_) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": scan axes/directions do not match the counts");
    }
    for (int64_t k = 0; k < num_scan_outputs_; ++k) scan_types_.push_back(body.outputs[num_state_ + k].type.dtype);
  }

  void compute(KernelContext& ctx) const override {
    std::vector<Value> state;
    for (int64_t k = 0; k < num_state_; ++k) state.push_back(*ctx.input_value(k));
    std::vector<const Tensor*> scan_in;
    std::vector<int64_t> axes;
    int64_t length = -1;
    for (int64_t k = 0; k < num_scan_inputs_; ++k) {
      const Tensor& t = ctx.required_input(num_state_ + k);
      const int64_t axis = normalize_axis(input_axes_[k], static_cast<int64_t>(t.rank()));
      if (length >= 0 && t.shape()[axis] != length) {
        throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": scan inputs have different lengths (" +
                                                     std::to_string(length) + " and " +
                                                     std::to_string(t.shape()[axis]) + ")");
      }
      length = t.shape()[axis];
      scan_in.push_back(&t);
      axes.push_back(axis);
    }
    if (length < 0) length = 0;
    std::vector<std::vector<Tensor>> scans(num_scan_outputs_);
    auto outer = outer_of(ctx);
    for (int64_t i = 0; i < length; ++i) {
      std::vector<Value> in = std::move(state);
      for (int64_t k = 0; k < num_scan_inputs_; ++k) {
        in.push_back(slice_along(*scan_in[k], axes[k], input_directions_[k] ? length - 1 - i : i));
      }
      std::vector<Value> out = body_->run(std::move(in), outer);
      state.assign(std::make_move_iterator(out.begin()), std::make_move_iterator(out.begin() + num_state_));
      for (int64_t k = 0; k < num_scan_outputs_; ++k) scans[k].push_back(out[num_state_ + k].tensor());
    }
    for (int64_t k = 0; k < num_state_; ++k) ctx.set_output_value(k, std::move(state[k]));
    for (int64_t k = 0; k < num_scan_outputs_; ++k) {
      if (!ctx.output_requested(num_state_ + k)) continue;
      ctx.set_output(num_state_ + k,
                     stack(ctx.node(), scans[k], output_axes_[k], output_directions_[k] != 0, scan_types_[k]));
    }
  }

 private:
  std::unique_ptr<CompiledSubgraph> body_;
  int64_t num_scan_inputs_ = 0, num_state_ = 0, num_scan_outputs_ = 0;
  std::vector<int64_t> input_axes_, input_directions_, output_axes_, output_directions_;
  std::vector<DataType> scan_types_;
};

}  // namespace

void register_control_flow_kernels(KernelRegistry& registry) {
  registry.add({"", "If", 1, 23, {{"B", {0}, {}, {DataType::kBool}}}, make_kernel<IfKernel>()});
  // M (int64) and cond (bool) are typed; loop-carried values may be any kind.
  registry.add({"", "Loop", 1, 23,
                {{"I", {0}, {}, {DataType::kInt64}}, {"B", {1}, {}, {DataType::kBool}}},
                make_kernel<LoopKernel>()});
  registry.add({"", "Scan", 9, 23, {}, make_kernel<ScanKernel>()});
}

}  // namespace aruntime::cpu
