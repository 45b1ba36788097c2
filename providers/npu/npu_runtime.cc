#include "providers/npu/npu_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "aruntime/float16.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "kernels/pool.h"
#include "kernels/softmax.h"
#include "kernels/transpose.h"
#include "providers/npu/npu_numeric.h"

namespace aruntime::npu {
namespace {

DataType element_type_of(BufferFormat format) {
  switch (format) {
    case BufferFormat::kF16:
      return DataType::kFloat16;
    case BufferFormat::kF32:
      return DataType::kFloat32;
    case BufferFormat::kI8:
      return DataType::kInt8;
    case BufferFormat::kU8:
      return DataType::kUInt8;
    case BufferFormat::kI32:
      return DataType::kInt32;
  }
  return DataType::kUndefined;
}

bool is_float_format(BufferFormat f) {
  return f == BufferFormat::kF16 || f == BufferFormat::kF32;
}

// The accumulator of an integer product, kept exact in double (|acc| < 2^53), converted to int32
// with saturation where ONNX's int32 accumulator would overflow.
int32_t to_int32(double acc) {
  constexpr double lo = std::numeric_limits<int32_t>::min();
  constexpr double hi = std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(std::clamp(acc, lo, hi));
}

// Executes the instructions of one run over the activation block and the weight image.
class Interpreter {
 public:
  Interpreter(const Program& program, std::byte* block, const std::byte* weights)
      : p_(program), block_(block), weights_(weights) {}

  void* data(int v) {
    const ProgramValue& value = p_.values[v];
    return value.weight ? const_cast<std::byte*>(weights_ + value.offset) : block_ + value.offset;
  }

  // Every element of value v as float32.
  std::vector<float> load(int v) {
    const ProgramValue& value = p_.values[v];
    std::vector<float> f(static_cast<size_t>(value.num_elements()));
    load_floats(data(v), value.num_elements(), value.format, f.data());
    return f;
  }

  // An operand of float arithmetic: outside fp32 precision the arithmetic units take fp16
  // operands, so an activation kept in float32 (a DequantizeLinear output) is rounded on load.
  std::vector<float> operand(int v) {
    std::vector<float> f = load(v);
    const ProgramValue& value = p_.values[v];
    if (p_.precision != Precision::kFp32 && !value.weight && value.format == BufferFormat::kF32) {
      for (float& x : f) x = round_to_half(x);
    }
    return f;
  }

  void store(int v, const std::vector<float>& f) {
    store_floats(f.data(), static_cast<int64_t>(f.size()), p_.values[v].format, data(v));
  }

  void execute(const Instruction& ins) {
    std::visit([&](const auto& params) { run(ins, params); }, ins.params);
  }

 private:
  static void activate(std::vector<float>& y, const Activation& a) {
    if (a.none()) return;
    for (float& v : y) v = a.apply(v);
  }

  void run(const Instruction& ins, const ConvParams& p) {
    const kernels::ConvGeometry& g = p.geometry;
    const kernels::ConvPlan plan = kernels::plan_conv(g);
    const std::vector<float> x = operand(p.x);
    const std::vector<float> bias = load(p.bias);
    std::vector<float> y(static_cast<size_t>(p_.values[ins.output].num_elements()));
    const int64_t m = g.out_channels;
    const int64_t plane = static_cast<int64_t>(y.size()) / (g.batch * m);
    if (p.weight_scales >= 0) {
      // int8 precision: x quantized per tensor now, weights per channel at compile time; the
      // integer convolution is exact in double, then rescaled into float32.
      std::vector<int8_t> xq(x.size());
      const float sx = quantize_symmetric(x.data(), static_cast<int64_t>(x.size()), xq.data());
      std::vector<double> xd(xq.begin(), xq.end());
      const ProgramValue& wv = p_.values[p.weight];
      const auto* wq = static_cast<const int8_t*>(data(p.weight));
      std::vector<double> wd(wq, wq + wv.num_elements());
      const std::vector<float> ws = load(p.weight_scales);
      std::vector<double> acc(y.size());
      std::vector<double> scratch(static_cast<size_t>(plan.scratch_elements));
      kernels::conv<double>(g, plan, xd.data(), wd.data(), nullptr, acc.data(), scratch.data());
      for (size_t i = 0; i < y.size(); ++i) {
        const int64_t c = (static_cast<int64_t>(i) / plane) % m;
        y[i] = static_cast<float>(acc[i]) * (sx * ws[c]) + bias[c];
      }
    } else {
      const std::vector<float> w = load(p.weight);
      std::vector<float> scratch(static_cast<size_t>(plan.scratch_elements));
      kernels::conv<float>(g, plan, x.data(), w.data(), bias.data(), y.data(), scratch.data());
    }
    activate(y, p.activation);
    store(ins.output, y);
  }

  void run(const Instruction& ins, const MatMulParams& p) {
    const std::vector<float> a = operand(p.a);
    std::vector<float> y(static_cast<size_t>(p_.values[ins.output].num_elements()));
    const int64_t lda = p.trans_a ? p.m : p.k, ldb = p.trans_b ? p.k : p.n;
    const int64_t mn = p.m * p.n;
    if (p_.precision == Precision::kInt8) {
      // Activations per tensor; a constant B per column (compile time), a computed B per tensor.
      std::vector<int8_t> aq(a.size());
      const float sa = quantize_symmetric(a.data(), static_cast<int64_t>(a.size()), aq.data());
      std::vector<double> ad(aq.begin(), aq.end());
      std::vector<double> bd;
      std::vector<float> column_scale(static_cast<size_t>(p.n), 1.0f);
      if (p.b_scales >= 0) {
        const auto* bq = static_cast<const int8_t*>(data(p.b));
        bd.assign(bq, bq + p_.values[p.b].num_elements());
        column_scale = load(p.b_scales);
      } else {
        const std::vector<float> b = operand(p.b);
        std::vector<int8_t> bq(b.size());
        const float sb = quantize_symmetric(b.data(), static_cast<int64_t>(b.size()), bq.data());
        bd.assign(bq.begin(), bq.end());
        std::fill(column_scale.begin(), column_scale.end(), sb);
      }
      std::vector<double> acc(static_cast<size_t>(mn));
      for (size_t t = 0; t < p.a_offsets.size(); ++t) {
        kernels::gemm_parallel<double>(p.trans_a, p.trans_b, p.m, p.n, p.k, 1.0,
                                       ad.data() + p.a_offsets[t], lda, bd.data() + p.b_offsets[t],
                                       ldb, 0.0, acc.data(), p.n);
        for (int64_t i = 0; i < mn; ++i) {
          y[t * mn + i] = p.alpha * static_cast<float>(acc[i]) * (sa * column_scale[i % p.n]);
        }
      }
    } else {
      const std::vector<float> b = operand(p.b);
      for (size_t t = 0; t < p.a_offsets.size(); ++t) {
        kernels::gemm_parallel<float>(p.trans_a, p.trans_b, p.m, p.n, p.k, p.alpha,
                                      a.data() + p.a_offsets[t], lda, b.data() + p.b_offsets[t],
                                      ldb, 0.0f, y.data() + t * mn, p.n);
      }
    }
    if (p.bias >= 0 && p.beta != 0.0f) {
      const std::vector<float> c = p_.values[p.bias].weight ? load(p.bias) : operand(p.bias);
      for (int64_t r = 0; r < p.m; ++r) {
        for (int64_t col = 0; col < p.n; ++col) {
          const int64_t ci =
              (p.bias_rows == 1 ? 0 : r) * p.bias_cols + (p.bias_cols == 1 ? 0 : col);
          y[r * p.n + col] += p.beta * c[ci];
        }
      }
    }
    activate(y, p.activation);
    store(ins.output, y);
  }

  void run(const Instruction& ins, const PoolParams& p) {
    const int in = ins.inputs[0];
    if (ins.opcode == Opcode::kMaxPool && !is_float_format(p_.values[in].format)) {
      if (p_.values[in].format == BufferFormat::kI8) {
        kernels::max_pool<int8_t>(p.geometry, static_cast<const int8_t*>(data(in)),
                                  static_cast<int8_t*>(data(ins.output)), nullptr, false);
      } else {
        kernels::max_pool<uint8_t>(p.geometry, static_cast<const uint8_t*>(data(in)),
                                   static_cast<uint8_t*>(data(ins.output)), nullptr, false);
      }
      return;
    }
    const std::vector<float> x = operand(in);
    std::vector<float> y(static_cast<size_t>(p_.values[ins.output].num_elements()));
    if (ins.opcode == Opcode::kMaxPool) {
      kernels::max_pool<float>(p.geometry, x.data(), y.data(), nullptr, false);
    } else if (ins.opcode == Opcode::kAveragePool) {
      kernels::average_pool<float>(p.geometry, x.data(), y.data(), p.count_include_pad);
    } else {
      kernels::global_average_pool<float>(x.data(), y.data(), p.geometry.planes,
                                          static_cast<int64_t>(x.size()) / p.geometry.planes);
    }
    store(ins.output, y);
  }

  void run(const Instruction& ins, const BinaryParams& p) {
    const std::vector<float> a = operand(ins.inputs[0]);
    const std::vector<float> b = operand(ins.inputs[1]);
    std::vector<float> y(static_cast<size_t>(p.plan.num_elements));
    switch (p.op) {
      case BinaryParams::Op::kAdd:
        kernels::binary_broadcast(p.plan, a.data(), b.data(), y.data(), 1,
                                  [](float u, float v) { return u + v; });
        break;
      case BinaryParams::Op::kSub:
        kernels::binary_broadcast(p.plan, a.data(), b.data(), y.data(), 1,
                                  [](float u, float v) { return u - v; });
        break;
      case BinaryParams::Op::kMul:
        kernels::binary_broadcast(p.plan, a.data(), b.data(), y.data(), 1,
                                  [](float u, float v) { return u * v; });
        break;
      case BinaryParams::Op::kDiv:
        kernels::binary_broadcast(p.plan, a.data(), b.data(), y.data(), 1,
                                  [](float u, float v) { return u / v; });
        break;
    }
    activate(y, p.activation);
    store(ins.output, y);
  }

  void run(const Instruction& ins, const ActivationParams& p) {
    std::vector<float> y = operand(ins.inputs[0]);
    activate(y, p.activation);
    store(ins.output, y);
  }

  void run(const Instruction& ins, const SoftmaxParams& p) {
    const std::vector<float> x = operand(ins.inputs[0]);
    std::vector<float> y(x.size());
    kernels::softmax<float>(x.data(), y.data(), p.outer, p.axis, p.inner);
    store(ins.output, y);
  }

  void run(const Instruction& ins, const ScaleParams& p) {
    std::vector<float> y = operand(ins.inputs[0]);
    const std::vector<float> mult = load(p.multiplier);
    const std::vector<float> offset = load(p.offset);
    for (size_t i = 0; i < y.size(); ++i) {
      const int64_t c = (static_cast<int64_t>(i) / p.spatial) % p.channels;
      y[i] = y[i] * mult[c] + offset[c];
    }
    activate(y, p.activation);
    store(ins.output, y);
  }

  // Data movement: byte copies when the formats agree, through float32 otherwise (exact for
  // values the destination format can hold, rounded to it when not).
  void run(const Instruction& ins, const ConcatParams& p) {
    const ProgramValue& out = p_.values[ins.output];
    const bool same = std::all_of(ins.inputs.begin(), ins.inputs.end(),
                                  [&](int v) { return p_.values[v].format == out.format; });
    if (same) {
      const size_t elem = format_bytes(out.format);
      auto* dst = static_cast<std::byte*>(data(ins.output));
      int64_t row = 0;
      for (int64_t inner : p.inner) row += inner;
      int64_t column = 0;
      for (size_t k = 0; k < ins.inputs.size(); ++k) {
        const auto* src = static_cast<const std::byte*>(data(ins.inputs[k]));
        for (int64_t o = 0; o < p.outer; ++o) {
          std::memcpy(dst + (o * row + column) * elem, src + o * p.inner[k] * elem,
                      static_cast<size_t>(p.inner[k]) * elem);
        }
        column += p.inner[k];
      }
      return;
    }
    std::vector<float> y(static_cast<size_t>(out.num_elements()));
    int64_t row = 0;
    for (int64_t inner : p.inner) row += inner;
    int64_t column = 0;
    for (size_t k = 0; k < ins.inputs.size(); ++k) {
      const std::vector<float> x = load(ins.inputs[k]);
      for (int64_t o = 0; o < p.outer; ++o) {
        std::copy_n(x.begin() + o * p.inner[k], p.inner[k], y.begin() + o * row + column);
      }
      column += p.inner[k];
    }
    store(ins.output, y);
  }

  void run(const Instruction& ins, const TransposeParams& p) {
    const ProgramValue& in = p_.values[ins.inputs[0]];
    const ProgramValue& out = p_.values[ins.output];
    if (in.format == out.format) {
      kernels::transpose(element_type_of(in.format), data(ins.inputs[0]), in.shape.dims(), p.perm,
                         data(ins.output));
      return;
    }
    const std::vector<float> x = load(ins.inputs[0]);
    std::vector<float> y(x.size());
    kernels::transpose(DataType::kFloat32, x.data(), in.shape.dims(), p.perm, y.data());
    store(ins.output, y);
  }

  void run(const Instruction& ins, const QuantizeParams& p) {
    const int in = ins.inputs[0];
    const ProgramValue& out = p_.values[ins.output];
    if (ins.opcode == Opcode::kQuantize) {
      const std::vector<float> x = load(in);
      if (out.format == BufferFormat::kI8) {
        kernels::quantize_linear<float, int8_t>(p.layout, x.data(), p.scales.data(),
                                                p.zero_points.data(), p.precision,
                                                static_cast<int8_t*>(data(ins.output)));
      } else {
        kernels::quantize_linear<float, uint8_t>(p.layout, x.data(), p.scales.data(),
                                                 p.zero_points.data(), p.precision,
                                                 static_cast<uint8_t*>(data(ins.output)));
      }
      return;
    }
    std::vector<float> y(static_cast<size_t>(out.num_elements()));
    if (p_.values[in].format == BufferFormat::kI8) {
      kernels::dequantize_linear<int8_t, float>(p.layout, static_cast<const int8_t*>(data(in)),
                                                p.scales.data(), p.zero_points.data(), y.data());
    } else {
      kernels::dequantize_linear<uint8_t, float>(p.layout, static_cast<const uint8_t*>(data(in)),
                                                 p.scales.data(), p.zero_points.data(), y.data());
    }
    store(ins.output, y);
  }

  void run(const Instruction& ins, const QLinearConvParams& p) {
    const kernels::ConvGeometry& g = p.geometry;
    const kernels::ConvPlan plan = kernels::plan_conv(g);
    const int64_t m = g.out_channels;
    std::vector<double> x = integer_values(p.x);
    for (double& v : x) v -= p.x_zero_point;
    std::vector<double> w = integer_values(p.weight);
    const int64_t per_channel = static_cast<int64_t>(w.size()) / m;
    for (size_t i = 0; i < w.size(); ++i)
      w[i] -= p.w_zero_points[static_cast<int64_t>(i) / per_channel];
    std::vector<double> bias;
    if (p.bias >= 0) bias = integer_values(p.bias);
    const ProgramValue& out = p_.values[ins.output];
    std::vector<double> acc(static_cast<size_t>(out.num_elements()));
    std::vector<double> scratch(static_cast<size_t>(plan.scratch_elements));
    kernels::conv<double>(g, plan, x.data(), w.data(), bias.empty() ? nullptr : bias.data(),
                          acc.data(), scratch.data());
    // Each (image, channel) plane of the accumulator is one requantization row.
    const int64_t planes = g.batch * m;
    const int64_t spatial = out.num_elements() / planes;
    std::vector<double> multipliers(static_cast<size_t>(planes));
    for (int64_t r = 0; r < planes; ++r) multipliers[r] = p.multipliers[r % m];
    requantize_planes(out, acc, planes, spatial, multipliers, 0, ins.output, p.y_zero_point);
  }

  void run(const Instruction& ins, const QLinearMatMulParams& p) {
    std::vector<double> a = integer_values(p.a);
    for (double& v : a) v -= p.a_zero_point;
    std::vector<double> b = integer_values(p.b);
    for (size_t i = 0; i < b.size(); ++i) b[i] -= p.b_zero_points[static_cast<int64_t>(i) % p.n];
    const ProgramValue& out = p_.values[ins.output];
    const int64_t mn = p.m * p.n;
    std::vector<double> acc(static_cast<size_t>(out.num_elements()));
    for (size_t t = 0; t < p.a_offsets.size(); ++t) {
      kernels::gemm_parallel<double>(false, false, p.m, p.n, p.k, 1.0, a.data() + p.a_offsets[t],
                                     p.k, b.data() + p.b_offsets[t], p.n, 0.0, acc.data() + t * mn,
                                     p.n);
    }
    const int64_t rows = static_cast<int64_t>(p.a_offsets.size()) * p.m;
    requantize_planes(out, acc, rows, p.n, p.multipliers, 1, ins.output, p.y_zero_point);
  }

  // Requantizes `rows` rows of `cols` accumulators into the 8-bit output; `multipliers` has one
  // entry per row (stride 0) or one per column (stride 1).
  void requantize_planes(const ProgramValue& out, const std::vector<double>& acc, int64_t rows,
                         int64_t cols, const std::vector<double>& multipliers, int64_t stride,
                         int output, int32_t zero_point) {
    std::vector<int32_t> acc32(acc.size());
    std::transform(acc.begin(), acc.end(), acc32.begin(), to_int32);
    for (int64_t r = 0; r < rows; ++r) {
      const double* mult = stride == 0 ? &multipliers[r] : multipliers.data();
      const int32_t* row = acc32.data() + r * cols;
      if (out.format == BufferFormat::kI8) {
        kernels::requantize<int8_t>(row, cols, mult, stride, zero_point,
                                    static_cast<int8_t*>(data(output)) + r * cols);
      } else {
        kernels::requantize<uint8_t>(row, cols, mult, stride, zero_point,
                                     static_cast<uint8_t*>(data(output)) + r * cols);
      }
    }
  }

  // Values of an 8-bit or int32 buffer, exactly.
  std::vector<double> integer_values(int v) {
    const ProgramValue& value = p_.values[v];
    if (value.format == BufferFormat::kI32) {
      const auto* raw = static_cast<const int32_t*>(data(v));
      return std::vector<double>(raw, raw + value.num_elements());
    }
    const std::vector<float> f = load(v);
    return std::vector<double>(f.begin(), f.end());
  }

  const Program& p_;
  std::byte* block_;
  const std::byte* weights_;
};

}  // namespace

LoadedProgram::LoadedProgram(Program program, std::shared_ptr<Allocator> device_memory)
    : program_(std::move(program)), device_memory_(std::move(device_memory)) {
  weights_ = device_memory_->allocate(program_.weight_bytes);
  auto* base = static_cast<std::byte*>(weights_);
  for (const WeightInit& w : program_.weight_inits) w.write(base + program_.values[w.value].offset);
  program_.weight_inits.clear();  // drops the host copies the writers held
}

LoadedProgram::~LoadedProgram() {
  device_memory_->deallocate(weights_);
}

void LoadedProgram::run(KernelContext& ctx) const {
  const Program& p = program_;
  Tensor block = ctx.allocate_temp(Shape{static_cast<int64_t>(p.block_bytes)}, DataType::kUInt8);
  Interpreter interpreter(p, static_cast<std::byte*>(block.raw_data()),
                          static_cast<const std::byte*>(weights_));
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    if (p.inputs[i] < 0) continue;
    const ProgramValue& v = p.values[p.inputs[i]];
    const Tensor& t = ctx.required_input(i);
    if (t.dtype() != v.dtype || t.shape() != v.shape) {
      throw_error(ErrorCode::kInvalidArgument,
                  "npu program " + p.name + " was compiled for input '" + v.name + "' " +
                      std::string(data_type_name(v.dtype)) + v.shape.to_string() + " but got " +
                      std::string(data_type_name(t.dtype())) + t.shape().to_string());
    }
    if (is_float_format(v.format)) {
      std::vector<float> f(static_cast<size_t>(t.num_elements()));
      tensor_to_floats(t, f.data());
      interpreter.store(p.inputs[i], f);
    } else {
      std::memcpy(interpreter.data(p.inputs[i]), t.raw_data(), t.byte_size());
    }
  }
  for (const Instruction& ins : p.instructions) interpreter.execute(ins);
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const ProgramValue& v = p.values[p.outputs[i]];
    Tensor& out = ctx.allocate_output(i, v.shape, v.dtype);
    if (v.dtype == DataType::kFloat32 || v.dtype == DataType::kFloat16) {
      const std::vector<float> f = interpreter.load(p.outputs[i]);
      if (v.dtype == DataType::kFloat32) {
        std::copy(f.begin(), f.end(), out.data<float>());
      } else {
        Float16* h = out.data<Float16>();
        for (size_t k = 0; k < f.size(); ++k) h[k] = Float16(f[k]);
      }
    } else {
      std::memcpy(out.raw_data(), interpreter.data(p.outputs[i]), out.byte_size());
    }
  }
  ++runs_;
}

}  // namespace aruntime::npu
