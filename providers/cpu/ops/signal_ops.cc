// Signal-processing ops: DFT (opset 17 with the axis as an attribute, 20 with it as an input),
// STFT, the Hann/Hamming/Blackman windows and MelWeightMatrix. Transforms run on
// kernels::FftPlan, so every length works, in the precision of the input (float32 or float64).
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/fft.h"
#include "kernels/parallel.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

// A scalar integer input (rank 0 or a single element), named `what` in errors.
int64_t scalar_int_input(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.required_input(i);
  if ((t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) || t.num_elements() != 1 ||
      t.rank() > 1) {
    throw_error(ErrorCode::kRuntimeError,
                ctx.node().describe() + ": input " + std::to_string(i) + " (" + what +
                    ") must be an int32/int64 scalar, got " +
                    std::string(data_type_name(t.dtype())) + t.shape().to_string());
  }
  return t.to_int64_vector()[0];
}

// A scalar floating-point input of any float type, as double.
double scalar_float_input(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.required_input(i);
  if (t.num_elements() != 1 || t.rank() > 1) {
    throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input " + std::to_string(i) +
                                              " (" + what + ") must be a scalar, got shape " +
                                              t.shape().to_string());
  }
  switch (t.dtype()) {
    case DataType::kFloat32:
      return t.data<float>()[0];
    case DataType::kFloat64:
      return t.data<double>()[0];
    case DataType::kFloat16:
      return t.data<Float16>()[0].to_float();
    case DataType::kBFloat16:
      return t.data<BFloat16>()[0].to_float();
    default:
      break;
  }
  throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input " + std::to_string(i) +
                                            " (" + what + ") must be floating point, got " +
                                            std::string(data_type_name(t.dtype())));
}

// Writes a double into any numeric element type (integers truncate toward zero, as numpy's
// astype does).
template <typename T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

template <typename Fn>
void fill_numeric(Tensor& out, const Fn& value_at) {
  auto fill = [&](auto* data) {
    using T = std::remove_pointer_t<decltype(data)>;
    for (int64_t i = 0; i < out.num_elements(); ++i) data[i] = from_double<T>(value_at(i));
  };
  switch (out.dtype()) {
    case DataType::kFloat32:
      return fill(out.data<float>());
    case DataType::kFloat64:
      return fill(out.data<double>());
    case DataType::kFloat16:
      return fill(out.data<Float16>());
    case DataType::kBFloat16:
      return fill(out.data<BFloat16>());
    case DataType::kInt8:
      return fill(out.data<int8_t>());
    case DataType::kInt16:
      return fill(out.data<int16_t>());
    case DataType::kInt32:
      return fill(out.data<int32_t>());
    case DataType::kInt64:
      return fill(out.data<int64_t>());
    case DataType::kUInt8:
      return fill(out.data<uint8_t>());
    case DataType::kUInt16:
      return fill(out.data<uint16_t>());
    case DataType::kUInt32:
      return fill(out.data<uint32_t>());
    case DataType::kUInt64:
      return fill(out.data<uint64_t>());
    default:
      break;
  }
  throw_error(
      ErrorCode::kNotImplemented,
      "output element type " + std::string(data_type_name(out.dtype())) + " is not supported");
}

// The `output_datatype` attribute (an ONNX TensorProto type, default float) as a numeric DataType.
DataType read_output_datatype(const Node& node) {
  const int64_t onnx_type = node.attr_int("output_datatype", 1);
  const DataType type = data_type_from_onnx(static_cast<int32_t>(onnx_type));
  if (type == DataType::kUndefined || type == DataType::kString || type == DataType::kBool) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": output_datatype " +
                                              std::to_string(onnx_type) +
                                              " is not a supported numeric type");
  }
  return type;
}

int64_t read_bool_attr(const Node& node, const char* name, int64_t fallback) {
  const int64_t v = node.attr_int(name, fallback);
  if (v != 0 && v != 1) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute " + name +
                                              " must be 0 or 1, got " + std::to_string(v));
  }
  return v;
}

// ---- DFT ---------------------------------------------------------------------------------------

// One batch of 1-D transforms: the input is viewed as [outer, in_len, inner, in_components] and the
// output as [outer, out_len, inner, 2]; each (outer, inner) line is read (zero-padded or cut to the
// plan's length), transformed, scaled and written back cut to out_len points.
struct DftLines {
  int64_t outer = 1;
  int64_t in_len = 0;
  int64_t inner = 1;
  int64_t in_components = 1;  // 1: real input, 2: complex
  int64_t out_len = 0;
  // Multiplies each input point along the line (STFT's window); empty for none.
  const void* weights = nullptr;
  int64_t weights_len = 0;
};

template <typename T>
void run_dft_lines(const DftLines& lines, const T* in, T* out, const kernels::FftPlan<T>& plan,
                   bool normalize) {
  const int64_t n = plan.size();
  const int64_t used = std::min(lines.in_len, n);
  const T scale = normalize ? static_cast<T>(1.0 / static_cast<double>(n)) : T(1);
  const T* weights = static_cast<const T*>(lines.weights);
  const int64_t num_lines = lines.outer * lines.inner;
  kernels::parallel_for(num_lines, 16 * n, [&](int64_t begin, int64_t end) {
    std::vector<std::complex<T>> signal(static_cast<size_t>(n)), spectrum(static_cast<size_t>(n));
    for (int64_t line = begin; line < end; ++line) {
      const int64_t o = line / lines.inner, i = line % lines.inner;
      const T* src = in + (o * lines.in_len * lines.inner + i) * lines.in_components;
      const int64_t point_stride = lines.inner * lines.in_components;
      for (int64_t j = 0; j < n; ++j) {
        std::complex<T> v{};
        if (j < used) {
          const T* p = src + j * point_stride;
          v = {p[0], lines.in_components == 2 ? p[1] : T(0)};
          if (weights != nullptr) v *= j < lines.weights_len ? weights[j] : T(0);
        }
        signal[static_cast<size_t>(j)] = v;
      }
      plan.execute(signal.data(), spectrum.data());
      T* dst = out + (o * lines.out_len * lines.inner + i) * 2;
      for (int64_t k = 0; k < lines.out_len; ++k) {
        dst[k * lines.inner * 2] = spectrum[static_cast<size_t>(k)].real() * scale;
        dst[k * lines.inner * 2 + 1] = spectrum[static_cast<size_t>(k)].imag() * scale;
      }
    }
  });
}

class DftKernel final : public OpKernel {
 public:
  explicit DftKernel(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    inverse_ = read_bool_attr(node, "inverse", 0) == 1;
    onesided_ = read_bool_attr(node, "onesided", 0) == 1;
    if (opset_ < 20) axis_attr_ = node.attr_int("axis", 1);
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank < 2 || (x.shape()[rank - 1] != 1 && x.shape()[rank - 1] != 2)) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() +
                      ": input 0 must have rank >= 2 and a last dimension of 1 "
                      "(real) or 2 (complex), got shape " +
                      x.shape().to_string());
    }
    int64_t axis = axis_attr_;
    if (opset_ >= 20) axis = ctx.input(2) != nullptr ? scalar_int_input(ctx, 2, "axis") : -2;
    // The last dimension holds the complex components and is never a signal axis.
    if (axis < -rank || axis > rank - 2 || axis == -1) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(axis) +
                                                " is outside [" + std::to_string(-rank) +
                                                ", -2] U [0, " + std::to_string(rank - 2) +
                                                "] for input shape " + x.shape().to_string());
    }
    if (axis < 0) axis += rank;
    const int64_t axis_dim = x.shape()[static_cast<size_t>(axis)];
    const int64_t length =
        ctx.input(1) != nullptr ? scalar_int_input(ctx, 1, "dft_length") : axis_dim;
    if (length < 1) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": the DFT length must be positive, got " +
                      std::to_string(length) + " (input shape " + x.shape().to_string() + ")");
    }
    DftLines lines;
    lines.outer = x.shape().size_from_to(0, static_cast<size_t>(axis));
    lines.in_len = axis_dim;
    lines.inner = x.shape().size_from_to(static_cast<size_t>(axis) + 1, x.rank() - 1);
    lines.in_components = x.shape()[rank - 1];
    lines.out_len = onesided_ ? length / 2 + 1 : length;
    std::vector<int64_t> out_dims = x.shape().dims();
    out_dims[static_cast<size_t>(axis)] = lines.out_len;
    out_dims.back() = 2;
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    if (x.dtype() == DataType::kFloat32) {
      kernels::FftPlan<float> plan(length, inverse_);
      run_dft_lines(lines, x.data<float>(), out.data<float>(), plan, inverse_);
    } else if (x.dtype() == DataType::kFloat64) {
      kernels::FftPlan<double> plan(length, inverse_);
      run_dft_lines(lines, x.data<double>(), out.data<double>(), plan, inverse_);
    } else {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(x.dtype())) +
                                                  " is not supported (float32, float64)");
    }
  }

 private:
  int64_t opset_;
  bool inverse_ = false;
  bool onesided_ = false;
  int64_t axis_attr_ = 1;
};

// ---- STFT --------------------------------------------------------------------------------------

// Frame f covers signal samples [f*frame_step, f*frame_step + window_length), zero beyond the
// signal's end, multiplied by the window (all ones without one) and transformed with a DFT of
// frame_length points (zero-padded or cut when the window length differs).
class StftKernel final : public OpKernel {
 public:
  explicit StftKernel(const KernelInfo& info)
      : onesided_(read_bool_attr(info.node(), "onesided", 1) == 1) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& signal = ctx.required_input(0);
    if (signal.rank() != 3 || (signal.shape()[2] != 1 && signal.shape()[2] != 2)) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": signal must be [batch, signal_length, 1 or 2], got " +
                      signal.shape().to_string());
    }
    const int64_t batch = signal.shape()[0], signal_length = signal.shape()[1];
    const int64_t frame_step = scalar_int_input(ctx, 1, "frame_step");
    if (frame_step < 1) {
      throw_error(
          ErrorCode::kRuntimeError,
          node.describe() + ": frame_step must be positive, got " + std::to_string(frame_step));
    }
    const Tensor* window = ctx.input(2);
    if (window != nullptr && (window->rank() != 1 || window->dtype() != signal.dtype())) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": window must be 1-D of the signal's type " +
                      std::string(data_type_name(signal.dtype())) + ", got " +
                      std::string(data_type_name(window->dtype())) + window->shape().to_string());
    }
    int64_t frame_length = signal_length;
    if (ctx.input(3) != nullptr) {
      frame_length = scalar_int_input(ctx, 3, "frame_length");
    } else if (window != nullptr) {
      frame_length = window->shape()[0];
    }
    if (frame_length < 1 || frame_length > signal_length) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": frame_length " + std::to_string(frame_length) +
                      " must be in [1, signal_length " + std::to_string(signal_length) + "]");
    }
    const int64_t window_length = window != nullptr ? window->shape()[0] : frame_length;
    const int64_t frames = 1 + (signal_length - frame_length) / frame_step;
    const int64_t bins = onesided_ ? frame_length / 2 + 1 : frame_length;
    Tensor& out = ctx.allocate_output(0, Shape{batch, frames, bins, 2}, signal.dtype());
    if (out.num_elements() == 0) return;
    const int64_t components = signal.shape()[2];
    auto run = [&](auto* type_tag) {
      using T = std::remove_pointer_t<decltype(type_tag)>;
      kernels::FftPlan<T> plan(frame_length, false);
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t f = 0; f < frames; ++f) {
          const int64_t start = f * frame_step;
          DftLines lines;
          lines.in_len = std::min(window_length, signal_length - start);
          lines.in_components = components;
          lines.out_len = bins;
          if (window != nullptr) {
            lines.weights = window->data<T>();
            lines.weights_len = window_length;
          }
          const T* in = signal.data<T>() + (b * signal_length + start) * components;
          T* dst = out.data<T>() + (b * frames + f) * bins * 2;
          run_dft_lines(lines, in, dst, plan, false);
        }
      }
    };
    if (signal.dtype() == DataType::kFloat32) {
      run(static_cast<float*>(nullptr));
    } else if (signal.dtype() == DataType::kFloat64) {
      run(static_cast<double*>(nullptr));
    } else {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(signal.dtype())) +
                                                  " is not supported (float32, float64)");
    }
  }

 private:
  bool onesided_;
};

// ---- Windows -----------------------------------------------------------------------------------

// w[n] = a0 - a1*cos(2*pi*n/N) + a2*cos(4*pi*n/N), N = size (periodic) or size - 1 (symmetric).
struct CosineSum {
  double a0, a1, a2;
};

class WindowKernel final : public OpKernel {
 public:
  WindowKernel(const KernelInfo& info, CosineSum coefficients)
      : coefficients_(coefficients),
        output_type_(read_output_datatype(info.node())),
        periodic_(read_bool_attr(info.node(), "periodic", 1) == 1) {}

  void compute(KernelContext& ctx) const override {
    const int64_t size = scalar_int_input(ctx, 0, "size");
    if (size < 0) {
      throw_error(
          ErrorCode::kRuntimeError,
          ctx.node().describe() + ": size must be non-negative, got " + std::to_string(size));
    }
    Tensor& out = ctx.allocate_output(0, Shape{size}, output_type_);
    const double period = static_cast<double>(periodic_ ? size : size - 1);
    const CosineSum c = coefficients_;
    fill_numeric(out, [&](int64_t n) {
      // A symmetric window of one point has N = 0; numpy and torch define it as [1].
      if (period == 0.0) return 1.0;
      const double angle = 2.0 * std::numbers::pi * static_cast<double>(n) / period;
      return c.a0 - c.a1 * std::cos(angle) + c.a2 * std::cos(2.0 * angle);
    });
  }

 private:
  CosineSum coefficients_;
  DataType output_type_;
  bool periodic_;
};

template <double A0, double A1, double A2>
KernelFactory window_factory() {
  return [](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<WindowKernel>(info, CosineSum{A0, A1, A2});
  };
}

// ---- MelWeightMatrix ---------------------------------------------------------------------------

// Triangular filters on the mel scale (mel = 2595 * log10(1 + hz / 700)), following the ONNX
// reference: num_mel_bins + 2 points evenly spaced in mel from lower to upper edge with step
// (upper - lower) / (num_mel_bins + 2), mapped to spectrogram bins floor((dft_length + 1) * hz /
// sample_rate); filter i rises from point i to point i+1 and falls to point i+2.
class MelWeightMatrixKernel final : public OpKernel {
 public:
  explicit MelWeightMatrixKernel(const KernelInfo& info)
      : output_type_(read_output_datatype(info.node())) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const int64_t num_mel_bins = scalar_int_input(ctx, 0, "num_mel_bins");
    const int64_t dft_length = scalar_int_input(ctx, 1, "dft_length");
    const int64_t sample_rate = scalar_int_input(ctx, 2, "sample_rate");
    const double lower_hz = scalar_float_input(ctx, 3, "lower_edge_hertz");
    const double upper_hz = scalar_float_input(ctx, 4, "upper_edge_hertz");
    if (num_mel_bins < 1 || dft_length < 1 || sample_rate < 1) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() +
                      ": num_mel_bins, dft_length and sample_rate must be positive, got " +
                      std::to_string(num_mel_bins) + ", " + std::to_string(dft_length) + ", " +
                      std::to_string(sample_rate));
    }
    if (!(lower_hz >= 0.0) || !(upper_hz >= lower_hz)) {
      throw_error(ErrorCode::kRuntimeError, node.describe() +
                                                ": edges must satisfy 0 <= "
                                                "lower_edge_hertz <= upper_edge_hertz, got " +
                                                std::to_string(lower_hz) + " and " +
                                                std::to_string(upper_hz));
    }
    const int64_t spectrogram_bins = dft_length / 2 + 1;
    auto to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    const double low_mel = to_mel(lower_hz);
    const double mel_step = (to_mel(upper_hz) - low_mel) / static_cast<double>(num_mel_bins + 2);
    std::vector<int64_t> points(static_cast<size_t>(num_mel_bins + 2));
    for (size_t i = 0; i < points.size(); ++i) {
      const double mel = static_cast<double>(i) * mel_step + low_mel;
      const double hz = 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
      points[i] = static_cast<int64_t>(
          std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate)));
    }
    // Points rise with the edges; the last one bounds a half-open range, the others index rows.
    if (points[static_cast<size_t>(num_mel_bins)] >= spectrogram_bins ||
        points.back() > spectrogram_bins) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": upper_edge_hertz " + std::to_string(upper_hz) +
                      " maps beyond the " + std::to_string(spectrogram_bins) +
                      " spectrogram bins of dft_length " + std::to_string(dft_length) +
                      " at sample_rate " + std::to_string(sample_rate));
    }
    std::vector<double> weights(static_cast<size_t>(spectrogram_bins * num_mel_bins), 0.0);
    auto at = [&](int64_t row, int64_t col) -> double& {
      return weights[static_cast<size_t>(row * num_mel_bins + col)];
    };
    for (int64_t i = 0; i < num_mel_bins; ++i) {
      const int64_t left = points[static_cast<size_t>(i)];
      const int64_t center = points[static_cast<size_t>(i + 1)];
      const int64_t right = points[static_cast<size_t>(i + 2)];
      if (center == left) {
        at(center, i) = 1.0;
      } else {
        for (int64_t j = left; j <= center; ++j) {
          at(j, i) = static_cast<double>(j - left) / static_cast<double>(center - left);
        }
      }
      for (int64_t j = center; j < right; ++j) {
        at(j, i) = static_cast<double>(right - j) / static_cast<double>(right - center);
      }
    }
    Tensor& out = ctx.allocate_output(0, Shape{spectrogram_bins, num_mel_bins}, output_type_);
    fill_numeric(out, [&](int64_t idx) { return weights[static_cast<size_t>(idx)]; });
  }

 private:
  DataType output_type_;
};

const std::vector<DataType> kSignalFloats = {DataType::kFloat32, DataType::kFloat64};

void add_dft(KernelRegistry& registry, int since, int end, std::vector<int> int_inputs) {
  KernelDef def;
  def.op_type = "DFT";
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T1", {0}, {0}, kSignalFloats},
                     {"T2", std::move(int_inputs), {}, types::kIndices}};
  def.factory = make_kernel<DftKernel>();
  registry.add(std::move(def));
}

void add_window(KernelRegistry& registry, const std::string& op, KernelFactory factory) {
  KernelDef def;
  def.op_type = op;
  def.since_version = 17;
  def.end_version = 23;
  def.constraints = {{"T1", {0}, {}, types::kIndices}, {"T2", {}, {0}, types::kNumeric}};
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

}  // namespace

void register_signal_kernels(KernelRegistry& registry) {
  add_dft(registry, 17, 19, {1});
  add_dft(registry, 20, 23, {1, 2});

  KernelDef stft;
  stft.op_type = "STFT";
  stft.since_version = 17;
  stft.end_version = 23;
  stft.constraints = {{"T1", {0, 2}, {0}, kSignalFloats}, {"T2", {1, 3}, {}, types::kIndices}};
  stft.factory = make_kernel<StftKernel>();
  registry.add(std::move(stft));

  // Coefficients from the ONNX spec: Hann 0.5/0.5, Hamming 25/46 and 21/46, Blackman 0.42/0.5/0.08.
  add_window(registry, "HannWindow", window_factory<0.5, 0.5, 0.0>());
  add_window(registry, "HammingWindow", window_factory<25.0 / 46.0, 21.0 / 46.0, 0.0>());
  add_window(registry, "BlackmanWindow", window_factory<0.42, 0.5, 0.08>());

  KernelDef mel;
  mel.op_type = "MelWeightMatrix";
  mel.since_version = 17;
  mel.end_version = 23;
  mel.constraints = {{"T1", {0, 1, 2}, {}, types::kIndices},
                     {"T2", {3, 4}, {}, types::kFloats},
                     {"T3", {}, {0}, types::kNumeric}};
  mel.factory = make_kernel<MelWeightMatrixKernel>();
  registry.add(std::move(mel));
}

}  // namespace aruntime::cpu
