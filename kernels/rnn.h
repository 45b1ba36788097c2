// The recurrence of the ONNX RNN, GRU and LSTM operators for one direction: the input projection
// of every time step is one GEMM up front, then each step multiplies the hidden state by R and
// applies the gate equations batch row by batch row.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace aruntime::kernels {

enum class RnnActivationKind {
  kSigmoid,
  kTanh,
  kRelu,
  kHardSigmoid,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kAffine,
  kElu,
  kSoftsign,
  kSoftplus,
};

struct RnnActivation {
  RnnActivationKind kind = RnnActivationKind::kTanh;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Parses an activation name of the `activations` attribute (case-insensitive, as the spec's
// examples mix "Tanh" and "tanh"); false for a name the spec does not list.
bool parse_rnn_activation(std::string_view name, RnnActivationKind* kind);
// Whether the function reads alpha / beta: only those consume entries of activation_alpha /
// activation_beta, in the order the functions are listed.
bool rnn_activation_uses_alpha(RnnActivationKind kind);
bool rnn_activation_uses_beta(RnnActivationKind kind);
// The defaults of the corresponding ONNX operators (LeakyRelu alpha 0.01, HardSigmoid 0.2/0.5...).
RnnActivation default_rnn_activation(RnnActivationKind kind);

// values[i] = act(values[i]) in place. Instantiated for float and double.
template <typename T>
void apply_rnn_activation(const RnnActivation& act, T* values, int64_t n);

enum class RecurrentCell { kRnn, kGru, kLstm };

// Gates per cell: 1 for RNN (i), 3 for GRU (z, r, h), 4 for LSTM (i, o, f, c).
int64_t recurrent_gate_count(RecurrentCell cell);

struct RecurrentConfig {
  RecurrentCell cell = RecurrentCell::kRnn;
  int64_t seq_length = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden_size = 0;
  // RNN: {f}; GRU: {f, g}; LSTM: {f, g, h}.
  std::vector<RnnActivation> activations;
  float clip = 0.0f;                 // <= 0: no clipping of the activation inputs
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM: forget gate = 1 - input gate
};

// One direction's tensors. Sequence tensors (X, Y) are addressed as (time, batch) -> row with the
// given strides, so that both ONNX layouts are served without transposing; state tensors
// (initial_h/c, Y_h/c) as batch -> row with `state_batch_stride`. Strides are in elements, except
// X's, which count rows of input_size: X is one contiguous [seq_length * batch, input_size] matrix.
template <typename T>
struct RecurrentDirection {
  const T* x = nullptr;  // rows of input_size
  int64_t x_time_stride = 0, x_batch_stride = 0;
  const T* w = nullptr;  // [gates * hidden, input_size]
  const T* r = nullptr;  // [gates * hidden, hidden]
  const T* b = nullptr;  // [2 * gates * hidden] (Wb then Rb) or null for zeros
  const T* p = nullptr;  // LSTM peepholes [3 * hidden] (i, o, f) or null for zeros
  const int32_t* sequence_lens = nullptr;  // [batch], each in [0, seq_length]; null: all full
  const T* initial_h = nullptr;            // or null for zeros
  const T* initial_c = nullptr;            // LSTM; or null for zeros
  int64_t state_batch_stride = 0;
  bool reverse = false;
  // Outputs, each optional (null). Y rows past a sequence's length are set to zero; the states of
  // an empty sequence are zero.
  T* y = nullptr;
  int64_t y_time_stride = 0, y_batch_stride = 0;
  T* y_h = nullptr;
  T* y_c = nullptr;
};

// Runs the recurrence of one direction. Instantiated for float and double.
template <typename T>
void run_recurrent_direction(const RecurrentConfig& config, const RecurrentDirection<T>& dir);

}  // namespace aruntime::kernels
