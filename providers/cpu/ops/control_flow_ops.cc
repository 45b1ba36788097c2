// Control flow: If, Loop and Scan. Their bodies are compiled once in the kernel's prepare step by
// the session's SubgraphCompiler (partitioned over the same providers, planned, executed by the
// same executor) and run from compute with the values the enclosing graph provides.
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

std::function<const Value*(const std::string&)> outer_of(const KernelContext& ctx) {
  return [&ctx](const std::string& name) { return ctx.outer_value(name); };
}

bool scalar_bool(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.required_input(i);
  if (t.dtype() != DataType::kBool || t.num_elements() != 1) {
    throw_error(ErrorCode::kInvalidArgument,
                ctx.node().describe() + ": " + what + " must be one bool, got " +
                    std::string(data_type_name(t.dtype())) + t.shape().to_string());
  }
  return t.data<bool>()[0];
}

// Copies `count` elements from src[src_offset...] to dst[dst_offset...] (any element type).
void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset,
                   int64_t count) {
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

// Zeros (empty strings) everywhere in `t`.
void fill_zero(Tensor& t) {
  if (t.dtype() == DataType::kString) {
    std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.num_elements(); ++i) s[i].clear();
    return;
  }
  if (t.byte_size() > 0) std::memset(t.raw_data(), 0, t.byte_size());
}

// Values of one scan output (or state) must keep their type and shape from one iteration (or
// batch element) to the next; `what` names the value ("scan output 1"), `between` the steps.
void check_same_kind(const Node& node, const Tensor& first, const Tensor& other,
                     const std::string& what, const char* between = "iterations") {
  if (other.shape() != first.shape() || other.dtype() != first.dtype()) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": " + what + " changes from " +
                                              std::string(data_type_name(first.dtype())) +
                                              first.shape().to_string() + " to " +
                                              std::string(data_type_name(other.dtype())) +
                                              other.shape().to_string() + " between " + between);
  }
}

// Stacks equally shaped tensors along a new axis `axis` (0..rank), in order or reversed.
Tensor stack(const Node& node, const std::vector<Tensor>& parts, int64_t axis, bool reverse,
             DataType dtype, const std::string& what, const char* between = "iterations") {
  if (parts.empty()) return Tensor(dtype, Shape{0});
  const Shape& each = parts[0].shape();
  for (const Tensor& p : parts) check_same_kind(node, parts[0], p, what, between);
  std::vector<int64_t> dims = each.dims();
  const int64_t rank = static_cast<int64_t>(dims.size());
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank)
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": scan output axis out of range");
  const int64_t n = static_cast<int64_t>(parts.size());
  dims.insert(dims.begin() + axis, n);
  Tensor out(parts[0].dtype(), Shape(dims));
  const int64_t outer = each.size_from_to(0, axis), inner = each.size_from_to(axis, each.rank());
  for (int64_t k = 0; k < n; ++k) {
    const Tensor& part = parts[reverse ? n - 1 - k : k];
    for (int64_t o = 0; o < outer; ++o)
      copy_elements(part, o * inner, out, (o * n + k) * inner, inner);
  }
  return out;
}

// Slice `index` of `t` along `axis`, with that axis removed.
Tensor slice_along(const Tensor& t, int64_t axis, int64_t index) {
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t n = dims[axis];
  const int64_t outer = t.shape().size_from_to(0, axis),
                inner = t.shape().size_from_to(axis + 1, t.rank());
  dims.erase(dims.begin() + axis);
  Tensor out(t.dtype(), Shape(dims));
  for (int64_t o = 0; o < outer; ++o)
    copy_elements(t, (o * n + index) * inner, out, o * inner, inner);
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
      throw_error(ErrorCode::kInvalidModel,
                  ctx.node().describe() + ": the branch has " + std::to_string(outs.size()) +
                      " outputs, the node " + std::to_string(ctx.num_outputs()));
    }
    for (size_t i = 0; i < outs.size(); ++i) ctx.set_output_value(i, std::move(outs[i]));
  }

 private:
  std::unique_ptr<CompiledSubgraph> then_, else_;
};

class LoopKernel final : public OpKernel {
 public:
  explicit LoopKernel(const KernelInfo& info)
      : body_(info.compile_subgraph(*info.node().attr_graph("body"))) {
    const Graph& body = *info.node().attr_graph("body");
    num_carried_ = static_cast<int64_t>(info.num_inputs()) - 2;
    if (num_carried_ < 0 || body.inputs.size() != static_cast<size_t>(num_carried_ + 2) ||
        body.outputs.size() < static_cast<size_t>(num_carried_ + 1)) {
      throw_error(ErrorCode::kInvalidModel,
                  info.node().describe() + ": the body takes " +
                      std::to_string(body.inputs.size()) + " inputs and gives " +
                      std::to_string(body.outputs.size()) + " outputs for " +
                      std::to_string(info.num_inputs()) + " node inputs");
    }
    num_scan_ = static_cast<int64_t>(body.outputs.size()) - 1 - num_carried_;
    for (int64_t k = 0; k < num_scan_; ++k)
      scan_types_.push_back(body.outputs[1 + num_carried_ + k].type.dtype);
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
      if (v == nullptr)
        throw_error(ErrorCode::kInvalidArgument,
                    ctx.node().describe() + ": loop-carried input missing");
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
        throw_error(ErrorCode::kRuntimeError,
                    ctx.node().describe() + ": the body's condition output must be one bool");
      }
      keep_going = cond.data<bool>()[0];
      carried.assign(std::make_move_iterator(out.begin() + 1),
                     std::make_move_iterator(out.begin() + 1 + num_carried_));
      for (int64_t k = 0; k < num_scan_; ++k)
        scans[k].push_back(out[1 + num_carried_ + k].tensor());
    }
    for (int64_t k = 0; k < num_carried_; ++k) ctx.set_output_value(k, std::move(carried[k]));
    for (int64_t k = 0; k < num_scan_; ++k) {
      if (!ctx.output_requested(num_carried_ + k)) continue;
      ctx.set_output(num_carried_ + k, stack(ctx.node(), scans[k], 0, false, scan_types_[k],
                                             "scan output " + std::to_string(k)));
    }
  }

 private:
  std::unique_ptr<CompiledSubgraph> body_;
  int64_t num_carried_ = 0;
  int64_t num_scan_ = 0;
  std::vector<DataType> scan_types_;
};

// Whether output i of the node exists and someone reads it (a node may list fewer outputs than
// its body has).
bool output_wanted(const KernelContext& ctx, int64_t i) {
  return static_cast<size_t>(i) < ctx.num_outputs() && ctx.output_requested(static_cast<size_t>(i));
}

// An ints attribute with one entry per scan input or output; zeros when the node omits it.
std::vector<int64_t> per_scan_value_attr(const Node& node, const char* name, int64_t count) {
  std::vector<int64_t> values =
      node.attr_ints(name, std::vector<int64_t>(static_cast<size_t>(count), 0));
  if (static_cast<int64_t>(values.size()) != count) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute " + name + " has " +
                                              std::to_string(values.size()) +
                                              " entries, expected " + std::to_string(count));
  }
  return values;
}

// The sub-tensor t[index[0], index[1], ...] (leading axes fixed, the rest whole), copied. The
// caller has checked that the indices are in range.
Tensor leading_slice(const Tensor& t, std::initializer_list<int64_t> index) {
  const size_t fixed = index.size();
  std::vector<int64_t> dims(t.shape().dims().begin() + static_cast<std::ptrdiff_t>(fixed),
                            t.shape().dims().end());
  int64_t offset = 0;
  size_t axis = 0;
  for (int64_t i : index) offset = offset * t.shape()[axis++] + i;
  const int64_t inner = t.shape().size_from_to(fixed, t.rank());
  Tensor out(t.dtype(), Shape(std::move(dims)));
  copy_elements(t, offset * inner, out, 0, inner);
  return out;
}

// What the Scan kernels of every opset share: the compiled body, how the node's values split into
// N state variables, M scan inputs and K scan outputs, and the loop that runs the body over one
// sequence.
class ScanBody {
 public:
  // `first_state_input`: how many node inputs precede the state variables (opset 8's
  // sequence_lens).
  ScanBody(const KernelInfo& info, size_t first_state_input)
      : body_(info.compile_subgraph(*info.node().attr_graph("body"))) {
    const Node& node = info.node();
    const Graph& body = *node.attr_graph("body");
    const int64_t num_values =
        static_cast<int64_t>(info.num_inputs()) - static_cast<int64_t>(first_state_input);
    num_scan_inputs_ = node.attr_int("num_scan_inputs");
    num_state_ = num_values - num_scan_inputs_;
    num_scan_outputs_ = static_cast<int64_t>(body.outputs.size()) - num_state_;
    if (num_scan_inputs_ < 0 || num_state_ < 0 || num_scan_outputs_ < 0 ||
        static_cast<int64_t>(body.inputs.size()) != num_values ||
        info.num_outputs() > body.outputs.size()) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": the body takes " + std::to_string(body.inputs.size()) +
                      " inputs and gives " + std::to_string(body.outputs.size()) +
                      " outputs, the node has " + std::to_string(num_values) +
                      " state and scan inputs (num_scan_inputs " +
                      std::to_string(num_scan_inputs_) + ") and " +
                      std::to_string(info.num_outputs()) + " outputs");
    }
    for (int64_t k = 0; k < num_scan_outputs_; ++k) {
      const size_t out = static_cast<size_t>(num_state_ + k);
      const DataType declared = body.outputs[out].type.dtype;
      scan_output_types_.push_back(declared != DataType::kUndefined ? declared
                                                                    : info.output_type(out));
      scan_output_shapes_.push_back(body.outputs[out].type.shape);
    }
  }

  int64_t num_state() const { return num_state_; }
  int64_t num_scan_inputs() const { return num_scan_inputs_; }
  int64_t num_scan_outputs() const { return num_scan_outputs_; }
  // Element type of scan output k as the body declares it (or as inferred); kUndefined if unknown.
  DataType scan_output_type(int64_t k) const { return scan_output_types_[static_cast<size_t>(k)]; }
  // Per-iteration shape of scan output k as the body declares it; nullopt when the rank is unknown.
  const std::optional<std::vector<Dim>>& scan_output_shape(int64_t k) const {
    return scan_output_shapes_[static_cast<size_t>(k)];
  }

  struct Pass {
    std::vector<Value> state;                       // final values of the state variables
    std::vector<std::vector<Tensor>> scan_outputs;  // [k][iteration]
  };
  // Runs the body `length` times from `state`; `element(k, i)` gives scan input k's element for
  // iteration i.
  Pass run(const KernelContext& ctx, std::vector<Value> state, int64_t length,
           const std::function<Tensor(int64_t, int64_t)>& element) const {
    Pass pass;
    pass.scan_outputs.resize(static_cast<size_t>(num_scan_outputs_));
    auto outer = outer_of(ctx);
    for (int64_t i = 0; i < length; ++i) {
      std::vector<Value> in = std::move(state);
      for (int64_t k = 0; k < num_scan_inputs_; ++k) in.push_back(element(k, i));
      std::vector<Value> out = body_->run(std::move(in), outer);
      if (static_cast<int64_t>(out.size()) != num_state_ + num_scan_outputs_) {
        throw_error(ErrorCode::kRuntimeError,
                    ctx.node().describe() + ": the body gave " + std::to_string(out.size()) +
                        " outputs, expected " + std::to_string(num_state_ + num_scan_outputs_));
      }
      state.assign(std::make_move_iterator(out.begin()),
                   std::make_move_iterator(out.begin() + num_state_));
      for (int64_t k = 0; k < num_scan_outputs_; ++k) {
        pass.scan_outputs[static_cast<size_t>(k)].push_back(
            out[static_cast<size_t>(num_state_ + k)].tensor());
      }
    }
    pass.state = std::move(state);
    return pass;
  }

 private:
  std::unique_ptr<CompiledSubgraph> body_;
  int64_t num_scan_inputs_ = 0, num_state_ = 0, num_scan_outputs_ = 0;
  std::vector<DataType> scan_output_types_;
  std::vector<std::optional<std::vector<Dim>>> scan_output_shapes_;
};

// Scan since opset 9: scan inputs and outputs are sliced and stacked along per-value axes, with no
// batch axis.
class ScanKernel final : public OpKernel {
 public:
  explicit ScanKernel(const KernelInfo& info) : scan_(info, 0) {
    const Node& node = info.node();
    input_axes_ = per_scan_value_attr(node, "scan_input_axes", scan_.num_scan_inputs());
    input_directions_ = per_scan_value_attr(node, "scan_input_directions", scan_.num_scan_inputs());
    output_axes_ = per_scan_value_attr(node, "scan_output_axes", scan_.num_scan_outputs());
    output_directions_ =
        per_scan_value_attr(node, "scan_output_directions", scan_.num_scan_outputs());
  }

  void compute(KernelContext& ctx) const override {
    const int64_t num_state = scan_.num_state();
    std::vector<Value> state;
    for (int64_t k = 0; k < num_state; ++k) {
      const Value* v = ctx.input_value(static_cast<size_t>(k));
      if (v == nullptr) {
        throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": initial state " +
                                                     std::to_string(k) + " (input " +
                                                     std::to_string(k) + ") is missing");
      }
      state.push_back(*v);
    }
    std::vector<const Tensor*> scan_in;
    std::vector<int64_t> axes;
    int64_t length = -1;
    for (int64_t k = 0; k < scan_.num_scan_inputs(); ++k) {
      const Tensor& t = ctx.required_input(static_cast<size_t>(num_state + k));
      const int64_t axis = normalize_axis(input_axes_[k], static_cast<int64_t>(t.rank()));
      if (length >= 0 && t.shape()[axis] != length) {
        throw_error(ErrorCode::kInvalidArgument,
                    ctx.node().describe() + ": scan inputs have different lengths (" +
                        std::to_string(length) + " and " + std::to_string(t.shape()[axis]) + ")");
      }
      length = t.shape()[axis];
      scan_in.push_back(&t);
      axes.push_back(axis);
    }
    if (length < 0) length = 0;
    ScanBody::Pass pass = scan_.run(ctx, std::move(state), length, [&](int64_t k, int64_t i) {
      return slice_along(*scan_in[k], axes[k], input_directions_[k] ? length - 1 - i : i);
    });
    for (int64_t k = 0; k < num_state; ++k) {
      if (static_cast<size_t>(k) < ctx.num_outputs())
        ctx.set_output_value(k, std::move(pass.state[k]));
    }
    for (int64_t k = 0; k < scan_.num_scan_outputs(); ++k) {
      if (!output_wanted(ctx, num_state + k)) continue;
      ctx.set_output(num_state + k, stack(ctx.node(), pass.scan_outputs[k], output_axes_[k],
                                          output_directions_[k] != 0, scan_.scan_output_type(k),
                                          "scan output " + std::to_string(k)));
    }
  }

 private:
  ScanBody scan_;
  std::vector<int64_t> input_axes_, input_directions_, output_axes_, output_directions_;
};

// Scan at opset 8: input 0 is the optional sequence_lens (int64 [batch]); every state variable,
// scan input and scan output carries a leading batch axis, and scan inputs are scanned along axis
// 1. The body runs for each batch element separately, sequence_lens[b] times, starting from that
// element's initial states; scan outputs are [batch, max_sequence_length, ...], and the steps past
// a shorter sequence's end (undefined by the spec) are zeros.
class Scan8Kernel final : public OpKernel {
 public:
  explicit Scan8Kernel(const KernelInfo& info) : scan_(info, 1) {
    const Node& node = info.node();
    if (scan_.num_scan_inputs() < 1) {
      throw_error(
          ErrorCode::kInvalidModel,
          node.describe() +
              ": num_scan_inputs must be at least 1 at opset 8 (the batch size and sequence "
              "length come from the scan inputs), got " +
              std::to_string(scan_.num_scan_inputs()));
    }
    directions_ = per_scan_value_attr(node, "directions", scan_.num_scan_inputs());
    for (size_t k = 0; k < directions_.size(); ++k) {
      if (directions_[k] != 0 && directions_[k] != 1) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": directions[" + std::to_string(k) + "] is " +
                        std::to_string(directions_[k]) + ", expected 0 or 1");
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const int64_t num_state = scan_.num_state();
    auto describe_input = [&](size_t i) {
      return "(input " + std::to_string(i) + " '" + node.inputs[i] + "')";
    };

    std::vector<const Tensor*> scan_in;
    int64_t batch = 0, max_length = 0;
    for (int64_t k = 0; k < scan_.num_scan_inputs(); ++k) {
      const size_t i = static_cast<size_t>(1 + num_state + k);
      const Tensor& t = ctx.required_input(i);
      if (t.rank() < 2) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scan input " +
                                                     std::to_string(k) + " " + describe_input(i) +
                                                     " has shape " + t.shape().to_string() +
                                                     ", expected [batch, sequence, ...]");
      }
      if (k == 0) {
        batch = t.shape()[0];
        max_length = t.shape()[1];
      } else if (t.shape()[0] != batch || t.shape()[1] != max_length) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": scan input " + std::to_string(k) + " " +
                        describe_input(i) + " has shape " + t.shape().to_string() +
                        ", expected batch size " + std::to_string(batch) + " and sequence length " +
                        std::to_string(max_length) + " like scan input 0");
      }
      scan_in.push_back(&t);
    }

    std::vector<int64_t> lengths(static_cast<size_t>(batch), max_length);
    if (const Tensor* sequence_lens = ctx.input(0)) {
      if (sequence_lens->dtype() != DataType::kInt64 || sequence_lens->shape() != Shape{batch}) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": sequence_lens " + describe_input(0) + " is " +
                        std::string(data_type_name(sequence_lens->dtype())) +
                        sequence_lens->shape().to_string() + ", expected int64[" +
                        std::to_string(batch) + "]");
      }
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t n = sequence_lens->data<int64_t>()[b];
        if (n < 0 || n > max_length) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": sequence_lens[" + std::to_string(b) + "] is " +
                          std::to_string(n) + ", expected 0.." + std::to_string(max_length) +
                          " (the scan inputs' sequence length)");
        }
        lengths[static_cast<size_t>(b)] = n;
      }
    }

    std::vector<const Tensor*> initial;
    for (int64_t k = 0; k < num_state; ++k) {
      const size_t i = static_cast<size_t>(1 + k);
      const Tensor& t = ctx.required_input(i);
      if (t.rank() < 1 || t.shape()[0] != batch) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": initial state " + std::to_string(k) + " " +
                        describe_input(i) + " has shape " + t.shape().to_string() +
                        ", expected batch size " + std::to_string(batch) +
                        " as its first dimension");
      }
      initial.push_back(&t);
    }

    std::vector<ScanBody::Pass> passes;
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Value> state;
      for (const Tensor* t : initial) state.push_back(leading_slice(*t, {b}));
      const int64_t length = lengths[static_cast<size_t>(b)];
      passes.push_back(scan_.run(ctx, std::move(state), length, [&](int64_t k, int64_t i) {
        return leading_slice(*scan_in[k], {b, directions_[k] ? length - 1 - i : i});
      }));
    }

    for (int64_t k = 0; k < num_state && static_cast<size_t>(k) < ctx.num_outputs(); ++k) {
      if (batch == 0) {  // no batch element ran: the final states are the (empty) initial ones
        ctx.set_output(k, *initial[k]);
        continue;
      }
      std::vector<Tensor> finals;
      for (ScanBody::Pass& pass : passes) finals.push_back(pass.state[k].tensor());
      ctx.set_output(k, stack(node, finals, 0, false, finals[0].dtype(),
                              "final state " + std::to_string(k), "batch elements"));
    }
    for (int64_t k = 0; k < scan_.num_scan_outputs(); ++k) {
      if (output_wanted(ctx, num_state + k)) write_scan_output(ctx, k, passes, batch, max_length);
    }
  }

 private:
  // Places every batch element's steps of scan output k at [b, step] of a [batch, max_length, ...]
  // output, zeros elsewhere.
  void write_scan_output(KernelContext& ctx, int64_t k, const std::vector<ScanBody::Pass>& passes,
                         int64_t batch, int64_t max_length) const {
    const Node& node = ctx.node();
    const std::string what = "scan output " + std::to_string(k);
    const Tensor* first = nullptr;
    for (const ScanBody::Pass& pass : passes) {
      const std::vector<Tensor>& steps = pass.scan_outputs[k];
      if (first == nullptr && !steps.empty()) first = &steps[0];
      for (const Tensor& step : steps) check_same_kind(node, *first, step, what);
    }
    const DataType dtype = first ? first->dtype() : scan_.scan_output_type(k);
    std::vector<int64_t> dims = {batch, max_length};
    if (first != nullptr) {
      dims.insert(dims.end(), first->shape().dims().begin(), first->shape().dims().end());
    } else {
      // No step ran anywhere, so only the body's declaration can tell the step shape. Where the
      // output holds no element anyway, unknown dimensions do not matter and are 0.
      const auto& declared = scan_.scan_output_shape(k);
      const bool empty = batch == 0 || max_length == 0;
      bool known = declared.has_value() && dtype != DataType::kUndefined;
      if (known) {
        for (const Dim& d : *declared) {
          known = known && (d.is_static() || empty);
          dims.push_back(d.is_static() ? d.value : 0);
        }
      }
      if (!known && empty && dtype != DataType::kUndefined)
        known = true;  // rank unknown: [batch, 0] or [0, L]
      if (!known) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": " + what +
                        " has no step (every sequence is empty) and the body does not "
                        "declare its type and shape");
      }
    }
    Tensor& out =
        ctx.allocate_output(static_cast<size_t>(scan_.num_state() + k), Shape(dims), dtype);
    const int64_t step_size =
        Shape(std::vector<int64_t>(dims.begin() + 2, dims.end())).num_elements();
    fill_zero(out);
    for (int64_t b = 0; b < static_cast<int64_t>(passes.size()); ++b) {
      const std::vector<Tensor>& steps = passes[static_cast<size_t>(b)].scan_outputs[k];
      for (int64_t t = 0; t < static_cast<int64_t>(steps.size()); ++t) {
        copy_elements(steps[static_cast<size_t>(t)], 0, out, (b * max_length + t) * step_size,
                      step_size);
      }
    }
  }

  ScanBody scan_;
  std::vector<int64_t> directions_;
};

}  // namespace

void register_control_flow_kernels(KernelRegistry& registry) {
  registry.add({"", "If", 1, 23, {{"B", {0}, {}, {DataType::kBool}}}, make_kernel<IfKernel>()});
  // M (int64) and cond (bool) are typed; loop-carried values may be any kind.
  registry.add({"",
                "Loop",
                1,
                23,
                {{"I", {0}, {}, {DataType::kInt64}}, {"B", {1}, {}, {DataType::kBool}}},
                make_kernel<LoopKernel>()});
  registry.add(
      {"", "Scan", 8, 8, {{"I", {0}, {}, {DataType::kInt64}}}, make_kernel<Scan8Kernel>()});
  registry.add({"", "Scan", 9, 23, {}, make_kernel<ScanKernel>()});
}

}  // namespace aruntime::cpu
