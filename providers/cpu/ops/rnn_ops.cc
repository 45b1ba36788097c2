// RNN, GRU and LSTM: attribute and shape validation, layout handling, and one call of the
// kernels/rnn.h recurrence per direction.
#include <string>
#include <vector>

#include "kernels/rnn.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::RecurrentCell;
using kernels::RnnActivation;

// Input and output positions shared by the three operators (LSTM adds initial_c and P).
enum Input { kX = 0, kW, kR, kB, kSequenceLens, kInitialH, kInitialC, kPeepholes };
enum Output { kY = 0, kYh, kYc };

const char* cell_name(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::kRnn:
      return "RNN";
    case RecurrentCell::kGru:
      return "GRU";
    case RecurrentCell::kLstm:
      return "LSTM";
  }
  return "?";
}

std::vector<std::string> default_activations(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::kRnn:
      return {"Tanh"};
    case RecurrentCell::kGru:
      return {"Sigmoid", "Tanh"};
    case RecurrentCell::kLstm:
      return {"Sigmoid", "Tanh", "Tanh"};
  }
  return {};
}

class RecurrentKernel final : public HalfAsFloat32Kernel {
 public:
  RecurrentKernel(const KernelInfo& info, RecurrentCell cell) : cell_(cell) {
    const Node& node = info.node();
    const std::string direction = node.attr_string("direction", "forward");
    if (direction == "forward") {
      num_directions_ = 1;
    } else if (direction == "reverse") {
      num_directions_ = 1;
      reverse_only_ = true;
    } else if (direction == "bidirectional") {
      num_directions_ = 2;
    } else {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute direction is '" +
                                                direction +
                                                "', expected forward, reverse or bidirectional");
    }
    hidden_size_ = node.attr_int("hidden_size", -1);
    if (node.has_attribute("hidden_size") && hidden_size_ < 1) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute hidden_size is " +
                                                std::to_string(hidden_size_) +
                                                ", expected a positive value");
    }
    // `layout` arrived with opset 14; earlier versions are always sequence-major.
    if (info.opset() >= 14) layout_ = node.attr_int("layout", 0);
    if (layout_ != 0 && layout_ != 1) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute layout is " +
                                                std::to_string(layout_) + ", expected 0 or 1");
    }
    if (node.has_attribute("clip")) {
      clip_ = node.attr_float("clip");
      if (!(clip_ > 0.0f)) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute clip is " +
                                                  std::to_string(clip_) +
                                                  ", expected a positive threshold");
      }
    }
    if (cell_ == RecurrentCell::kGru) {
      linear_before_reset_ = node.attr_int("linear_before_reset", 0) != 0;
    }
    if (cell_ == RecurrentCell::kLstm) input_forget_ = node.attr_int("input_forget", 0) != 0;
    read_activations(node);
  }

 private:
  void read_activations(const Node& node) {
    const std::vector<std::string> defaults = default_activations(cell_);
    const size_t per_direction = defaults.size();
    std::vector<std::string> names;
    if (node.has_attribute("activations")) {
      names = node.attr_strings("activations");
    } else {
      for (int64_t d = 0; d < num_directions_; ++d) {
        names.insert(names.end(), defaults.begin(), defaults.end());
      }
    }
    // A bidirectional node that lists one direction's functions uses them for both.
    if (num_directions_ == 2 && names.size() == per_direction) {
      names.insert(names.end(), names.begin(), names.end());
    }
    const size_t expected = per_direction * static_cast<size_t>(num_directions_);
    if (names.size() != expected) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": attribute activations has " + std::to_string(names.size()) +
                      " functions, expected " + std::to_string(expected) + " (" +
                      std::to_string(per_direction) + " per direction)");
    }
    const std::vector<float> alphas = node.attr_floats("activation_alpha", {});
    const std::vector<float> betas = node.attr_floats("activation_beta", {});
    size_t next_alpha = 0, next_beta = 0;
    for (const std::string& name : names) {
      kernels::RnnActivationKind kind;
      if (!kernels::parse_rnn_activation(name, &kind)) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": activation '" + name +
                        "' is not one of Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, "
                        "ThresholdedRelu, ScaledTanh, Affine, Elu, Softsign, Softplus");
      }
      RnnActivation act = kernels::default_rnn_activation(kind);
      if (kernels::rnn_activation_uses_alpha(kind) && next_alpha < alphas.size()) {
        act.alpha = alphas[next_alpha++];
      }
      if (kernels::rnn_activation_uses_beta(kind) && next_beta < betas.size()) {
        act.beta = betas[next_beta++];
      }
      activations_.push_back(act);
    }
  }

  void run(KernelContext& ctx) const override {
    dispatch_float32_or_64(ctx.node(), ctx.required_input(kX).dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  // The input at `index` if the node gives it, checked for X's element type and `dims`.
  const Tensor* optional_input(KernelContext& ctx, size_t index, const char* name, DataType type,
                               const std::vector<int64_t>& dims) const {
    if (index >= ctx.num_inputs()) return nullptr;
    const Tensor* t = ctx.input(index);
    if (t == nullptr) return nullptr;
    check_input(ctx.node(), *t, index, name, type, dims);
    return t;
  }

  static void check_input(const Node& node, const Tensor& t, size_t index, const char* name,
                          DataType type, const std::vector<int64_t>& dims) {
    if (t.dtype() != type) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input " + std::to_string(index) + " (" + name +
                      ") has type " + std::string(data_type_name(t.dtype())) + ", expected " +
                      std::string(data_type_name(type)));
    }
    if (t.shape().dims() != dims) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input " +
                                                   std::to_string(index) + " (" + name +
                                                   ") has shape " + t.shape().to_string() +
                                                   ", expected " + ints_to_string(dims));
    }
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(kX);
    const Tensor& w = ctx.required_input(kW);
    const Tensor& r = ctx.required_input(kR);
    const DataType type = x.dtype();
    if (x.rank() != 3) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input 0 (X) has shape " +
                                                   x.shape().to_string() + ", expected rank 3");
    }
    if (r.rank() != 3) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input 2 (R) has shape " +
                                                   r.shape().to_string() + ", expected rank 3");
    }
    const int64_t seq_length = layout_ == 0 ? x.shape()[0] : x.shape()[1];
    const int64_t batch = layout_ == 0 ? x.shape()[1] : x.shape()[0];
    const int64_t input_size = x.shape()[2];
    const int64_t hidden = hidden_size_ > 0 ? hidden_size_ : r.shape()[2];
    const int64_t gates = kernels::recurrent_gate_count(cell_);
    const int64_t dirs = num_directions_;
    check_input(node, w, kW, "W", type, {dirs, gates * hidden, input_size});
    check_input(node, r, kR, "R", type, {dirs, gates * hidden, hidden});
    const Tensor* b = optional_input(ctx, kB, "B", type, {dirs, 2 * gates * hidden});
    const Tensor* lens =
        optional_input(ctx, kSequenceLens, "sequence_lens", DataType::kInt32, {batch});
    const std::vector<int64_t> state_dims = layout_ == 0
                                                ? std::vector<int64_t>{dirs, batch, hidden}
                                                : std::vector<int64_t>{batch, dirs, hidden};
    const Tensor* initial_h = optional_input(ctx, kInitialH, "initial_h", type, state_dims);
    const Tensor* initial_c = nullptr;
    const Tensor* peepholes = nullptr;
    if (cell_ == RecurrentCell::kLstm) {
      initial_c = optional_input(ctx, kInitialC, "initial_c", type, state_dims);
      peepholes = optional_input(ctx, kPeepholes, "P", type, {dirs, 3 * hidden});
    }
    if (lens != nullptr) {
      const int32_t* l = lens->data<int32_t>();
      for (int64_t i = 0; i < batch; ++i) {
        if (l[i] < 0 || l[i] > seq_length) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": input 4 (sequence_lens) has " + std::to_string(l[i]) +
                          " at batch index " + std::to_string(i) + ", expected a length in [0, " +
                          std::to_string(seq_length) + "]");
        }
      }
    }

    auto requested = [&](size_t i) { return i < ctx.num_outputs() && ctx.output_requested(i); };
    T* y = nullptr;
    if (requested(kY)) {
      const std::vector<int64_t> y_dims =
          layout_ == 0 ? std::vector<int64_t>{seq_length, dirs, batch, hidden}
                       : std::vector<int64_t>{batch, seq_length, dirs, hidden};
      y = ctx.allocate_output(kY, Shape(y_dims), type).template data<T>();
    }
    T* y_h = nullptr;
    if (requested(kYh)) y_h = ctx.allocate_output(kYh, Shape(state_dims), type).template data<T>();
    T* y_c = nullptr;
    if (cell_ == RecurrentCell::kLstm && requested(kYc)) {
      y_c = ctx.allocate_output(kYc, Shape(state_dims), type).template data<T>();
    }

    kernels::RecurrentConfig config;
    config.cell = cell_;
    config.seq_length = seq_length;
    config.batch = batch;
    config.input_size = input_size;
    config.hidden_size = hidden;
    config.clip = clip_;
    config.linear_before_reset = linear_before_reset_;
    config.input_forget = input_forget_;
    const size_t per_direction = activations_.size() / static_cast<size_t>(dirs);
    for (int64_t d = 0; d < dirs; ++d) {
      config.activations.assign(activations_.begin() + d * per_direction,
                                activations_.begin() + (d + 1) * per_direction);
      kernels::RecurrentDirection<T> dir;
      dir.x = x.data<T>();
      dir.x_time_stride = layout_ == 0 ? batch : 1;
      dir.x_batch_stride = layout_ == 0 ? 1 : seq_length;
      dir.w = w.data<T>() + d * gates * hidden * input_size;
      dir.r = r.data<T>() + d * gates * hidden * hidden;
      if (b) dir.b = b->data<T>() + d * 2 * gates * hidden;
      if (peepholes) dir.p = peepholes->data<T>() + d * 3 * hidden;
      if (lens) dir.sequence_lens = lens->data<int32_t>();
      // States are [dirs, batch, hidden] (layout 0) or [batch, dirs, hidden] (layout 1).
      const int64_t state_offset = layout_ == 0 ? d * batch * hidden : d * hidden;
      dir.state_batch_stride = layout_ == 0 ? hidden : dirs * hidden;
      if (initial_h) dir.initial_h = initial_h->data<T>() + state_offset;
      if (initial_c) dir.initial_c = initial_c->data<T>() + state_offset;
      if (y_h) dir.y_h = y_h + state_offset;
      if (y_c) dir.y_c = y_c + state_offset;
      // Y is [seq, dirs, batch, hidden] (layout 0) or [batch, seq, dirs, hidden] (layout 1).
      if (y) {
        dir.y = y + (layout_ == 0 ? d * batch * hidden : d * hidden);
        dir.y_time_stride = layout_ == 0 ? dirs * batch * hidden : dirs * hidden;
        dir.y_batch_stride = layout_ == 0 ? hidden : seq_length * dirs * hidden;
      }
      dir.reverse = reverse_only_ || d == 1;
      kernels::run_recurrent_direction<T>(config, dir);
    }
  }

  RecurrentCell cell_;
  int64_t num_directions_ = 1;
  bool reverse_only_ = false;
  int64_t hidden_size_ = -1;  // -1: taken from R
  int64_t layout_ = 0;
  float clip_ = 0.0f;  // 0: no clipping
  bool linear_before_reset_ = false;
  bool input_forget_ = false;
  std::vector<RnnActivation> activations_;  // per direction, directions one after the other
};

void add_recurrent_kernel(KernelRegistry& registry, RecurrentCell cell) {
  KernelDef def;
  def.op_type = cell_name(cell);
  // Opset 7 dropped output_sequence; 14 added layout; 22 only widened the types.
  def.since_version = 7;
  def.end_version = kMaxOpset;
  const bool lstm = cell == RecurrentCell::kLstm;
  std::vector<int> typed_inputs = {kX, kW, kR, kB, kInitialH};
  std::vector<int> typed_outputs = {kY, kYh};
  if (lstm) {
    typed_inputs.push_back(kInitialC);
    typed_inputs.push_back(kPeepholes);
    typed_outputs.push_back(kYc);
  }
  def.constraints.push_back({"T", typed_inputs, typed_outputs, types::kFloats});
  def.constraints.push_back({"T1", {kSequenceLens}, {}, {DataType::kInt32}});
  def.factory = [cell](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<RecurrentKernel>(info, cell);
  };
  registry.add(std::move(def));
}

}  // namespace

void register_rnn_kernels(KernelRegistry& registry) {
  add_recurrent_kernel(registry, RecurrentCell::kRnn);
  add_recurrent_kernel(registry, RecurrentCell::kGru);
  add_recurrent_kernel(registry, RecurrentCell::kLstm);
}

}  // namespace aruntime::cpu
