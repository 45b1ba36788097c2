#include "kernels/rnn.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {

namespace {

struct NamedActivation {
  const char* name;
  RnnActivationKind kind;
};

constexpr NamedActivation kActivationNames[] = {
    {"sigmoid", RnnActivationKind::kSigmoid},
    {"tanh", RnnActivationKind::kTanh},
    {"relu", RnnActivationKind::kRelu},
    {"hardsigmoid", RnnActivationKind::kHardSigmoid},
    {"leakyrelu", RnnActivationKind::kLeakyRelu},
    {"thresholdedrelu", RnnActivationKind::kThresholdedRelu},
    {"scaledtanh", RnnActivationKind::kScaledTanh},
    {"affine", RnnActivationKind::kAffine},
    {"elu", RnnActivationKind::kElu},
    {"softsign", RnnActivationKind::kSoftsign},
    {"softplus", RnnActivationKind::kSoftplus},
};

template <typename T>
T sigmoid(T x) {
  // Split by sign so that exp never overflows.
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

template <typename T>
T softplus(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <typename T, typename F>
void map_in_place(T* values, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) values[i] = f(values[i]);
}

template <typename T>
void clip_in_place(T* values, int64_t n, T limit) {
  for (int64_t i = 0; i < n; ++i) values[i] = std::clamp(values[i], -limit, limit);
}

// The per-direction work buffers and weights, shared by the step functions.
template <typename T>
class Recurrence {
 public:
  Recurrence(const RecurrentConfig& config, const RecurrentDirection<T>& dir)
      : cfg_(config),
        dir_(dir),
        hidden_(config.hidden_size),
        gates_(recurrent_gate_count(config.cell)),
        width_(gates_ * hidden_),
        h_(static_cast<size_t>(config.batch * hidden_), T(0)),
        step_gates_(static_cast<size_t>(config.batch * width_), T(0)) {
    if (cfg_.cell == RecurrentCell::kLstm) c_.assign(h_.size(), T(0));
    if (cfg_.cell == RecurrentCell::kGru && !cfg_.linear_before_reset) {
      reset_hidden_.assign(h_.size(), T(0));
    }
    for (int64_t b = 0; b < cfg_.batch; ++b) {
      const int64_t len = dir_.sequence_lens ? dir_.sequence_lens[b] : cfg_.seq_length;
      lengths_.push_back(len);
      max_length_ = std::max(max_length_, len);
      if (dir_.initial_h) {
        std::copy_n(dir_.initial_h + b * dir_.state_batch_stride, hidden_, &h_[b * hidden_]);
      }
      if (dir_.initial_c && !c_.empty()) {
        std::copy_n(dir_.initial_c + b * dir_.state_batch_stride, hidden_, &c_[b * hidden_]);
      }
    }
  }

  void run() {
    zero_padding_outputs();
    project_inputs();
    for (int64_t step = 0; step < max_length_; ++step) {
      switch (cfg_.cell) {
        case RecurrentCell::kRnn:
          rnn_step(step);
          break;
        case RecurrentCell::kGru:
          gru_step(step);
          break;
        case RecurrentCell::kLstm:
          lstm_step(step);
          break;
      }
    }
    write_states();
  }

 private:
  // Y rows at or past a sequence's length are never produced by a step.
  void zero_padding_outputs() {
    if (dir_.y == nullptr) return;
    for (int64_t b = 0; b < cfg_.batch; ++b) {
      for (int64_t t = lengths_[b]; t < cfg_.seq_length; ++t) {
        std::fill_n(y_row(t, b), hidden_, T(0));
      }
    }
  }

  // projection_[row of X[t, b]] = X[t, b] * W^T + the biases that do not depend on the state: Wb
  // and Rb, except GRU's Rbh with linear_before_reset, which is scaled by the reset gate.
  void project_inputs() {
    const int64_t rows = cfg_.seq_length * cfg_.batch;
    std::vector<T> bias(static_cast<size_t>(width_), T(0));
    if (dir_.b) {
      for (int64_t j = 0; j < width_; ++j) bias[j] = dir_.b[j] + dir_.b[width_ + j];
      if (cfg_.cell == RecurrentCell::kGru && cfg_.linear_before_reset) {
        for (int64_t j = 2 * hidden_; j < width_; ++j) bias[j] = dir_.b[j];
      }
    }
    projection_.resize(static_cast<size_t>(rows * width_));
    for (int64_t row = 0; row < rows; ++row) {
      std::copy(bias.begin(), bias.end(), projection_.begin() + row * width_);
    }
    if (rows == 0 || cfg_.input_size == 0) return;
    // X is one contiguous [rows, input_size] matrix in either layout; its rows are projected in
    // storage order and found again through the strides.
    gemm_parallel<T>(false, true, rows, width_, cfg_.input_size, T(1), dir_.x, cfg_.input_size,
                     dir_.w, cfg_.input_size, T(1), projection_.data(), width_);
  }

  // The projected row of X[t, b], in the storage order of X's rows.
  const T* projected(int64_t t, int64_t b) const {
    return projection_.data() + (t * dir_.x_time_stride + b * dir_.x_batch_stride) * width_;
  }

  T* y_row(int64_t t, int64_t b) const {
    return dir_.y + t * dir_.y_time_stride + b * dir_.y_batch_stride;
  }

  // Time index of batch row b at `step`, or -1 when its sequence has ended.
  int64_t time_of(int64_t step, int64_t b) const {
    if (step >= lengths_[b]) return -1;
    return dir_.reverse ? lengths_[b] - 1 - step : step;
  }

  // step_gates_[:, 0:cols] = H * R[0:cols]^T.
  void recurrent_product(const T* state, int64_t cols, const T* r_rows, int64_t out_offset) {
    gemm_parallel<T>(false, true, cfg_.batch, cols, hidden_, T(1), state, hidden_, r_rows, hidden_,
                     T(0), step_gates_.data() + out_offset, width_);
  }

  // Adds the projected input of X[t, b] to the gate block [begin, end) of batch row b.
  void add_projection(int64_t t, int64_t b, int64_t begin, int64_t end) {
    T* g = &step_gates_[b * width_];
    const T* x = projected(t, b);
    for (int64_t j = begin; j < end; ++j) g[j] += x[j];
  }

  void clip(T* values, int64_t n) const {
    if (cfg_.clip > 0.0f) clip_in_place(values, n, static_cast<T>(cfg_.clip));
  }

  template <typename F>
  void for_each_active_row(int64_t step, int64_t cost_per_row, F body) {
    parallel_for(cfg_.batch, cost_per_row, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const int64_t t = time_of(step, b);
        if (t >= 0) body(t, b);
      }
    });
  }

  void emit(int64_t t, int64_t b) {
    if (dir_.y) std::copy_n(&h_[b * hidden_], hidden_, y_row(t, b));
  }

  void rnn_step(int64_t step) {
    if (hidden_ > 0) recurrent_product(h_.data(), hidden_, dir_.r, 0);
    for_each_active_row(step, 8 * hidden_, [&](int64_t t, int64_t b) {
      T* g = &step_gates_[b * width_];
      add_projection(t, b, 0, hidden_);
      clip(g, hidden_);
      apply_rnn_activation(cfg_.activations[0], g, hidden_);
      std::copy_n(g, hidden_, &h_[b * hidden_]);
      emit(t, b);
    });
  }

  void gru_step(int64_t step) {
    const RnnActivation& f = cfg_.activations[0];
    const RnnActivation& g_act = cfg_.activations[1];
    const T* r_h = dir_.r + 2 * hidden_ * hidden_;
    if (hidden_ > 0) {
      // With linear_before_reset all three blocks are products with H; otherwise the h block is
      // a product with (r . H), known only once r is.
      recurrent_product(h_.data(), cfg_.linear_before_reset ? width_ : 2 * hidden_, dir_.r, 0);
    }
    for_each_active_row(step, 16 * hidden_, [&](int64_t t, int64_t b) {
      T* g = &step_gates_[b * width_];
      add_projection(t, b, 0, 2 * hidden_);
      clip(g, 2 * hidden_);
      apply_rnn_activation(f, g, 2 * hidden_);
      if (!cfg_.linear_before_reset) {
        const T* reset = g + hidden_;
        const T* h = &h_[b * hidden_];
        T* rh = &reset_hidden_[b * hidden_];
        for (int64_t j = 0; j < hidden_; ++j) rh[j] = reset[j] * h[j];
      }
    });
    if (!cfg_.linear_before_reset && hidden_ > 0) {
      recurrent_product(reset_hidden_.data(), hidden_, r_h, 2 * hidden_);
    }
    const T* rbh = dir_.b ? dir_.b + width_ + 2 * hidden_ : nullptr;
    for_each_active_row(step, 16 * hidden_, [&](int64_t t, int64_t b) {
      T* g = &step_gates_[b * width_];
      const T* z = g;
      const T* reset = g + hidden_;
      T* candidate = g + 2 * hidden_;
      const T* x = projected(t, b) + 2 * hidden_;
      if (cfg_.linear_before_reset) {
        for (int64_t j = 0; j < hidden_; ++j) {
          candidate[j] = x[j] + reset[j] * (candidate[j] + (rbh ? rbh[j] : T(0)));
        }
      } else {
        for (int64_t j = 0; j < hidden_; ++j) candidate[j] += x[j];
      }
      clip(candidate, hidden_);
      apply_rnn_activation(g_act, candidate, hidden_);
      T* h = &h_[b * hidden_];
      for (int64_t j = 0; j < hidden_; ++j) h[j] = (T(1) - z[j]) * candidate[j] + z[j] * h[j];
      emit(t, b);
    });
  }

  void lstm_step(int64_t step) {
    const RnnActivation& f = cfg_.activations[0];
    const RnnActivation& g_act = cfg_.activations[1];
    const RnnActivation& h_act = cfg_.activations[2];
    if (hidden_ > 0) recurrent_product(h_.data(), width_, dir_.r, 0);
    const T* p_i = dir_.p;
    const T* p_o = dir_.p ? dir_.p + hidden_ : nullptr;
    const T* p_f = dir_.p ? dir_.p + 2 * hidden_ : nullptr;
    for_each_active_row(step, 24 * hidden_, [&](int64_t t, int64_t b) {
      T* g = &step_gates_[b * width_];
      add_projection(t, b, 0, width_);
      T* in = g;
      T* out = g + hidden_;
      T* forget = g + 2 * hidden_;
      T* cell_in = g + 3 * hidden_;
      T* c = &c_[b * hidden_];
      T* h = &h_[b * hidden_];
      if (p_i) {
        for (int64_t j = 0; j < hidden_; ++j) {
          in[j] += p_i[j] * c[j];
          forget[j] += p_f[j] * c[j];
        }
      }
      clip(in, hidden_);
      apply_rnn_activation(f, in, hidden_);
      if (cfg_.input_forget) {
        for (int64_t j = 0; j < hidden_; ++j) forget[j] = T(1) - in[j];
      } else {
        clip(forget, hidden_);
        apply_rnn_activation(f, forget, hidden_);
      }
      clip(cell_in, hidden_);
      apply_rnn_activation(g_act, cell_in, hidden_);
      for (int64_t j = 0; j < hidden_; ++j) c[j] = forget[j] * c[j] + in[j] * cell_in[j];
      // The output gate's peephole sees the new cell state.
      if (p_o) {
        for (int64_t j = 0; j < hidden_; ++j) out[j] += p_o[j] * c[j];
      }
      clip(out, hidden_);
      apply_rnn_activation(f, out, hidden_);
      // cell_in is free again: it holds h(C) on the way to H.
      std::copy_n(c, hidden_, cell_in);
      apply_rnn_activation(h_act, cell_in, hidden_);
      for (int64_t j = 0; j < hidden_; ++j) h[j] = out[j] * cell_in[j];
      emit(t, b);
    });
  }

  void write_states() {
    for (int64_t b = 0; b < cfg_.batch; ++b) {
      // An empty sequence has no last step; its states are zero rather than the initial ones.
      const bool empty = lengths_[b] == 0;
      if (dir_.y_h) {
        T* dst = dir_.y_h + b * dir_.state_batch_stride;
        if (empty) {
          std::fill_n(dst, hidden_, T(0));
        } else {
          std::copy_n(&h_[b * hidden_], hidden_, dst);
        }
      }
      if (dir_.y_c && !c_.empty()) {
        T* dst = dir_.y_c + b * dir_.state_batch_stride;
        if (empty) {
          std::fill_n(dst, hidden_, T(0));
        } else {
          std::copy_n(&c_[b * hidden_], hidden_, dst);
        }
      }
    }
  }

  const RecurrentConfig& cfg_;
  const RecurrentDirection<T>& dir_;
  const int64_t hidden_, gates_, width_;
  std::vector<int64_t> lengths_;
  int64_t max_length_ = 0;
  std::vector<T> h_, c_;         // state per batch row
  std::vector<T> step_gates_;    // [batch, gates * hidden] pre-activations of one step
  std::vector<T> reset_hidden_;  // GRU without linear_before_reset: r . H
  std::vector<T> projection_;    // [rows of X, gates * hidden]
};

}  // namespace

bool parse_rnn_activation(std::string_view name, RnnActivationKind* kind) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& entry : kActivationNames) {
    if (lower == entry.name) {
      *kind = entry.kind;
      return true;
    }
  }
  return false;
}

bool rnn_activation_uses_alpha(RnnActivationKind kind) {
  switch (kind) {
    case RnnActivationKind::kHardSigmoid:
    case RnnActivationKind::kLeakyRelu:
    case RnnActivationKind::kThresholdedRelu:
    case RnnActivationKind::kScaledTanh:
    case RnnActivationKind::kAffine:
    case RnnActivationKind::kElu:
      return true;
    default:
      return false;
  }
}

bool rnn_activation_uses_beta(RnnActivationKind kind) {
  return kind == RnnActivationKind::kHardSigmoid || kind == RnnActivationKind::kScaledTanh ||
         kind == RnnActivationKind::kAffine;
}

RnnActivation default_rnn_activation(RnnActivationKind kind) {
  RnnActivation act;
  act.kind = kind;
  switch (kind) {
    case RnnActivationKind::kHardSigmoid:
      act.alpha = 0.2f;
      act.beta = 0.5f;
      break;
    case RnnActivationKind::kLeakyRelu:
      act.alpha = 0.01f;
      break;
    case RnnActivationKind::kThresholdedRelu:
    case RnnActivationKind::kElu:
      act.alpha = 1.0f;
      break;
    case RnnActivationKind::kScaledTanh:
      act.alpha = 1.0f;
      act.beta = 1.0f;
      break;
    case RnnActivationKind::kAffine:
      act.alpha = 1.0f;
      act.beta = 0.0f;
      break;
    default:
      break;
  }
  return act;
}

template <typename T>
void apply_rnn_activation(const RnnActivation& act, T* values, int64_t n) {
  const T alpha = static_cast<T>(act.alpha), beta = static_cast<T>(act.beta);
  switch (act.kind) {
    case RnnActivationKind::kSigmoid:
      map_in_place(values, n, [](T x) { return sigmoid(x); });
      break;
    case RnnActivationKind::kTanh:
      map_in_place(values, n, [](T x) { return std::tanh(x); });
      break;
    case RnnActivationKind::kRelu:
      map_in_place(values, n, [](T x) { return std::max(x, T(0)); });
      break;
    case RnnActivationKind::kHardSigmoid:
      map_in_place(values, n, [&](T x) { return std::clamp(alpha * x + beta, T(0), T(1)); });
      break;
    case RnnActivationKind::kLeakyRelu:
      map_in_place(values, n, [&](T x) { return x >= T(0) ? x : alpha * x; });
      break;
    case RnnActivationKind::kThresholdedRelu:
      map_in_place(values, n, [&](T x) { return x > alpha ? x : T(0); });
      break;
    case RnnActivationKind::kScaledTanh:
      map_in_place(values, n, [&](T x) { return alpha * std::tanh(beta * x); });
      break;
    case RnnActivationKind::kAffine:
      map_in_place(values, n, [&](T x) { return alpha * x + beta; });
      break;
    case RnnActivationKind::kElu:
      map_in_place(values, n, [&](T x) { return x >= T(0) ? x : alpha * std::expm1(x); });
      break;
    case RnnActivationKind::kSoftsign:
      map_in_place(values, n, [](T x) { return x / (T(1) + std::abs(x)); });
      break;
    case RnnActivationKind::kSoftplus:
      map_in_place(values, n, [](T x) { return softplus(x); });
      break;
  }
}

int64_t recurrent_gate_count(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::kRnn:
      return 1;
    case RecurrentCell::kGru:
      return 3;
    case RecurrentCell::kLstm:
      return 4;
  }
  return 1;
}

template <typename T>
void run_recurrent_direction(const RecurrentConfig& config, const RecurrentDirection<T>& dir) {
  Recurrence<T>(config, dir).run();
}

template void apply_rnn_activation<float>(const RnnActivation&, float*, int64_t);
template void apply_rnn_activation<double>(const RnnActivation&, double*, int64_t);
template void run_recurrent_direction<float>(const RecurrentConfig&,
                                             const RecurrentDirection<float>&);
template void run_recurrent_direction<double>(const RecurrentConfig&,
                                              const RecurrentDirection<double>&);

}  // namespace aruntime::kernels
