// Einsum, NonMaxSuppression, CenterCropPad and the random generators (RandomNormal/Uniform and
// their *Like forms, Bernoulli, Multinomial). GridSample, Attention and RotaryEmbedding live in
// the other misc_*.cc files.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>

#include "kernels/cast.h"
#include "kernels/einsum.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {

void register_grid_sample_kernels(KernelRegistry& registry);  // misc_grid_sample_ops.cc
void register_attention_kernels(KernelRegistry& registry);    // misc_attention_ops.cc

namespace {

[[noreturn]] void invalid(const Node& node, const std::string& message) {
  throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + message);
}

// ---------------------------------------------------------------------------------------------
// Einsum

class Einsum final : public HalfAsFloat32Kernel {
 public:
  explicit Einsum(const KernelInfo& info) : equation_(info.node().attr_string("equation")) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    std::vector<const Tensor*> inputs;
    std::vector<size_t> ranks;
    std::vector<std::vector<int64_t>> dims;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = ctx.required_input(i);
      if (t.dtype() != ctx.required_input(0).dtype()) {
        invalid(node, "input " + std::to_string(i) + " has type " +
                          std::string(data_type_name(t.dtype())) + ", expected " +
                          std::string(data_type_name(ctx.required_input(0).dtype())));
      }
      inputs.push_back(&t);
      ranks.push_back(t.rank());
      dims.push_back(t.shape().dims());
    }
    const std::string context = node.describe();
    const kernels::EinsumSpec spec = kernels::parse_einsum(equation_, ranks, context);
    const std::vector<int64_t> out_dims = kernels::einsum_output_dims(spec, dims, context);
    const DataType type = inputs[0]->dtype();
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), type);
    auto run_typed = [&](auto tag) {
      using T = decltype(tag);
      std::vector<const T*> data;
      for (const Tensor* t : inputs) data.push_back(t->data<T>());
      kernels::einsum<T>(spec, data, dims, y.data<T>(), context);
    };
    switch (type) {
      case DataType::kFloat32:
        run_typed(float{});
        break;
      case DataType::kFloat64:
        run_typed(double{});
        break;
      case DataType::kInt32:
        run_typed(int32_t{});
        break;
      case DataType::kInt64:
        run_typed(int64_t{});
        break;
      default:
        throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                    std::string(data_type_name(type)) +
                                                    " is not supported");
    }
  }

  std::string equation_;
};

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression

class NonMaxSuppression final : public OpKernel {
 public:
  explicit NonMaxSuppression(const KernelInfo& info)
      : center_point_box_(info.node().attr_int("center_point_box", 0)) {
    if (center_point_box_ != 0 && center_point_box_ != 1) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() +
                                                ": center_point_box must be 0 or 1, got " +
                                                std::to_string(center_point_box_));
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& boxes = ctx.required_input(0);
    const Tensor& scores = ctx.required_input(1);
    if (boxes.rank() != 3 || boxes.shape()[2] != 4) {
      invalid(node, "boxes must have shape [batch, spatial, 4], got " + boxes.shape().to_string());
    }
    if (scores.rank() != 3 || scores.shape()[0] != boxes.shape()[0] ||
        scores.shape()[2] != boxes.shape()[1]) {
      invalid(node, "scores must have shape [batch, classes, spatial] matching boxes " +
                        boxes.shape().to_string() + ", got " + scores.shape().to_string());
    }
    int64_t max_per_class = 0;
    double iou_threshold = 0.0;
    bool has_score_threshold = false;
    double score_threshold = 0.0;
    auto scalar = [&](size_t i) {
      const Tensor* t = ctx.input(i);
      if (t == nullptr || t->num_elements() == 0) return std::optional<double>();
      if (t->num_elements() != 1) {
        invalid(node, "input " + std::to_string(i) + " must hold one value, got shape " +
                          t->shape().to_string());
      }
      return std::optional<double>(tensor_to_doubles(*t)[0]);
    };
    if (auto v = scalar(2)) max_per_class = static_cast<int64_t>(*v);
    if (auto v = scalar(3)) iou_threshold = *v;
    if (auto v = scalar(4)) {
      has_score_threshold = true;
      score_threshold = *v;
    }
    if (iou_threshold < 0.0 || iou_threshold > 1.0) {
      invalid(node, "iou_threshold must be in [0, 1], got " + std::to_string(iou_threshold));
    }
    const int64_t batches = boxes.shape()[0], spatial = boxes.shape()[1],
                  classes = scores.shape()[1];
    const std::vector<double> box_values = tensor_to_doubles(boxes);
    const std::vector<double> score_values = tensor_to_doubles(scores);

    // Boxes as (y1, x1, y2, x2) with y1 <= y2 and x1 <= x2.
    auto corners = [&](int64_t b, int64_t i) {
      const double* p = box_values.data() + (b * spatial + i) * 4;
      std::array<double, 4> c;
      if (center_point_box_ == 1) {
        c = {p[1] - p[3] / 2, p[0] - p[2] / 2, p[1] + p[3] / 2, p[0] + p[2] / 2};
      } else {
        c = {std::min(p[0], p[2]), std::min(p[1], p[3]), std::max(p[0], p[2]),
             std::max(p[1], p[3])};
      }
      return c;
    };
    auto iou = [](const std::array<double, 4>& a, const std::array<double, 4>& b) {
      const double area_a = (a[2] - a[0]) * (a[3] - a[1]);
      const double area_b = (b[2] - b[0]) * (b[3] - b[1]);
      if (area_a <= 0 || area_b <= 0) return 0.0;
      const double h = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
      const double w = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
      const double inter = h * w;
      return inter / (area_a + area_b - inter);
    };

    std::vector<int64_t> selected;  // triples (batch, class, box)
    if (max_per_class > 0) {
      for (int64_t b = 0; b < batches; ++b) {
        std::vector<std::array<double, 4>> box_corners(static_cast<size_t>(spatial));
        for (int64_t i = 0; i < spatial; ++i) box_corners[i] = corners(b, i);
        for (int64_t c = 0; c < classes; ++c) {
          const double* s = score_values.data() + (b * classes + c) * spatial;
          std::vector<int64_t> order;
          for (int64_t i = 0; i < spatial; ++i)
            if (!has_score_threshold || s[i] > score_threshold) order.push_back(i);
          std::stable_sort(order.begin(), order.end(),
                           [&](int64_t x, int64_t y) { return s[x] > s[y]; });
          std::vector<int64_t> kept;
          for (int64_t i : order) {
            if (static_cast<int64_t>(kept.size()) >= max_per_class) break;
            bool suppressed = false;
            for (int64_t k : kept) {
              if (iou(box_corners[i], box_corners[k]) > iou_threshold) {
                suppressed = true;
                break;
              }
            }
            if (suppressed) continue;
            kept.push_back(i);
            selected.insert(selected.end(), {b, c, i});
          }
        }
      }
    }
    const int64_t count = static_cast<int64_t>(selected.size() / 3);
    Tensor& y = ctx.allocate_output(0, Shape{count, 3}, DataType::kInt64);
    std::copy(selected.begin(), selected.end(), y.data<int64_t>());
  }

 private:
  int64_t center_point_box_;
};

// ---------------------------------------------------------------------------------------------
// CenterCropPad

class CenterCropPad final : public OpKernel {
 public:
  explicit CenterCropPad(const KernelInfo& info)
      : axes_(info.node().attr_ints("axes", std::vector<int64_t>{})) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> target = ctx.required_input(1).to_int64_vector();
    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<int64_t> axes = axes_;
    if (axes.empty()) {
      axes.resize(static_cast<size_t>(rank));
      std::iota(axes.begin(), axes.end(), 0);
    }
    if (axes.size() != target.size()) {
      invalid(node, "shape has " + std::to_string(target.size()) + " values for " +
                        std::to_string(axes.size()) + " axes");
    }
    std::vector<int64_t> out_dims = x.shape().dims();
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (size_t i = 0; i < axes.size(); ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank || seen[axis]) {
        invalid(node, "axis " + std::to_string(axes[i]) + " is out of range or repeated for rank " +
                          std::to_string(rank));
      }
      seen[axis] = true;
      if (target[i] < 0) invalid(node, "shape value " + std::to_string(target[i]) + " is negative");
      out_dims[axis] = target[i];
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (x.dtype() == DataType::kString) invalid(node, "string tensors are not supported");
    const size_t elem = element_size(x.dtype());
    std::memset(y.raw_data(), 0, y.byte_size());
    // The window copied along each axis: a centred crop of the input or a centred spot in the
    // output (the extra element of an odd difference goes to the end).
    std::vector<int64_t> in_start(rank), out_start(rank), len(rank);
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t in = x.shape()[d], out = out_dims[d];
      in_start[d] = in > out ? (in - out) / 2 : 0;
      out_start[d] = out > in ? (out - in) / 2 : 0;
      len[d] = std::min(in, out);
    }
    int64_t total = 1;
    for (int64_t d = 0; d < rank; ++d) total *= len[d];
    if (total == 0) return;
    std::vector<int64_t> in_strides(rank, 1), out_strides(rank, 1);
    for (int64_t d = rank - 1; d > 0; --d) {
      in_strides[d - 1] = in_strides[d] * x.shape()[d];
      out_strides[d - 1] = out_strides[d] * out_dims[d];
    }
    const int64_t row = rank == 0 ? 1 : len[rank - 1];
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(y.raw_data());
    std::vector<int64_t> index(rank, 0);
    for (int64_t done = 0; done < total; done += row) {
      int64_t in_off = 0, out_off = 0;
      for (int64_t d = 0; d < rank; ++d) {
        in_off += (in_start[d] + index[d]) * in_strides[d];
        out_off += (out_start[d] + index[d]) * out_strides[d];
      }
      std::memcpy(dst + out_off * elem, src + in_off * elem, static_cast<size_t>(row) * elem);
      for (int64_t d = rank - 2; d >= 0; --d) {
        if (++index[d] < len[d]) break;
        index[d] = 0;
      }
    }
  }

 private:
  std::vector<int64_t> axes_;
};

// ---------------------------------------------------------------------------------------------
// Random generators. With a `seed` attribute every run draws the same values (the engine is
// seeded afresh per run); without one each run is seeded from std::random_device. Uniform and
// normal variates are derived from the raw 64-bit engine output here rather than through the
// std distributions, whose algorithms differ between standard libraries.

class RandomSource {
 public:
  explicit RandomSource(const Node& node)
      : seeded_(node.has_attribute("seed")), seed_(node.attr_float("seed", 0.0f)) {}

  std::mt19937_64 engine() const {
    if (seeded_) {
      uint32_t bits;
      std::memcpy(&bits, &seed_, sizeof(bits));
      return std::mt19937_64(bits);
    }
    std::random_device device;
    return std::mt19937_64((static_cast<uint64_t>(device()) << 32) | device());
  }

 private:
  bool seeded_;
  float seed_;
};

// Uniform in [0, 1) with 53 random bits.
double uniform01(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * (1.0 / 9007199254740992.0);
}

// Standard normal by the Box-Muller transform.
double standard_normal(std::mt19937_64& engine) {
  const double u1 = 1.0 - uniform01(engine);  // (0, 1]: log stays finite
  const double u2 = uniform01(engine);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

void store_doubles(const std::vector<double>& values, Tensor& out) {
  kernels::cast(DataType::kFloat64, values.data(), out.dtype(), out.raw_data(),
                static_cast<int64_t>(values.size()));
}

DataType dtype_attribute(const Node& node, DataType fallback) {
  if (!node.has_attribute("dtype")) return fallback;
  const DataType type = data_type_from_onnx(static_cast<int32_t>(node.attr_int("dtype")));
  if (type == DataType::kUndefined || type == DataType::kString) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": unsupported dtype attribute " +
                                              std::to_string(node.attr_int("dtype")));
  }
  return type;
}

// RandomNormal / RandomUniform (shape attribute) and their *Like forms (shape of input 0).
class RandomFill final : public OpKernel {
 public:
  RandomFill(const KernelInfo& info, bool normal, bool like)
      : source_(info.node()), normal_(normal), like_(like) {
    const Node& node = info.node();
    if (normal_) {
      a_ = node.attr_float("mean", 0.0f);
      b_ = node.attr_float("scale", 1.0f);
    } else {
      a_ = node.attr_float("low", 0.0f);
      b_ = node.attr_float("high", 1.0f);
    }
    if (!like_) {
      shape_ = node.attr_ints("shape");
      for (int64_t d : shape_) {
        if (d < 0) {
          throw_error(ErrorCode::kInvalidModel, node.describe() + ": shape " +
                                                    ints_to_string(shape_) + " has a negative dim");
        }
      }
      dtype_ = dtype_attribute(node, DataType::kFloat32);
    } else {
      dtype_ = dtype_attribute(node, info.input_type(0));
    }
  }

  void compute(KernelContext& ctx) const override {
    Shape shape = like_ ? ctx.required_input(0).shape() : Shape(shape_);
    DataType dtype = dtype_;
    if (dtype == DataType::kUndefined) dtype = ctx.required_input(0).dtype();
    Tensor& y = ctx.allocate_output(0, shape, dtype);
    std::mt19937_64 engine = source_.engine();
    std::vector<double> values(static_cast<size_t>(y.num_elements()));
    for (double& v : values) {
      v = normal_ ? a_ + b_ * standard_normal(engine) : a_ + (b_ - a_) * uniform01(engine);
    }
    store_doubles(values, y);
  }

 private:
  RandomSource source_;
  bool normal_, like_;
  double a_ = 0, b_ = 1;
  std::vector<int64_t> shape_;
  DataType dtype_ = DataType::kFloat32;
};

template <bool kNormal, bool kLike>
KernelFactory random_fill_factory() {
  return [](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<RandomFill>(info, kNormal, kLike);
  };
}

class Bernoulli final : public OpKernel {
 public:
  explicit Bernoulli(const KernelInfo& info)
      : source_(info.node()), dtype_(dtype_attribute(info.node(), info.input_type(0))) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& p = ctx.required_input(0);
    const DataType dtype = dtype_ == DataType::kUndefined ? p.dtype() : dtype_;
    Tensor& y = ctx.allocate_output(0, p.shape(), dtype);
    const std::vector<double> probs = tensor_to_doubles(p);
    std::mt19937_64 engine = source_.engine();
    std::vector<double> values(probs.size());
    for (size_t i = 0; i < probs.size(); ++i) {
      if (!(probs[i] >= 0.0 && probs[i] <= 1.0)) {
        invalid(ctx.node(), "probability " + std::to_string(probs[i]) + " at index " +
                                std::to_string(i) + " is outside [0, 1]");
      }
      values[i] = uniform01(engine) < probs[i] ? 1.0 : 0.0;
    }
    store_doubles(values, y);
  }

 private:
  RandomSource source_;
  DataType dtype_;
};

class Multinomial final : public OpKernel {
 public:
  explicit Multinomial(const KernelInfo& info)
      : source_(info.node()),
        sample_size_(info.node().attr_int("sample_size", 1)),
        dtype_(dtype_attribute(info.node(), DataType::kInt32)) {
    if (dtype_ != DataType::kInt32 && dtype_ != DataType::kInt64) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() +
                                                ": dtype must be int32 or int64, got " +
                                                std::string(data_type_name(dtype_)));
    }
    if (sample_size_ < 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": sample_size " +
                                                std::to_string(sample_size_) + " is negative");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    if (x.rank() != 2) {
      invalid(ctx.node(), "input must be 2-D [batch, classes], got " + x.shape().to_string());
    }
    const int64_t batch = x.shape()[0], classes = x.shape()[1];
    if (classes == 0 && batch * sample_size_ > 0) invalid(ctx.node(), "input has no classes");
    Tensor& y = ctx.allocate_output(0, Shape{batch, sample_size_}, dtype_);
    const std::vector<double> logits = tensor_to_doubles(x);
    std::mt19937_64 engine = source_.engine();
    std::vector<double> values(static_cast<size_t>(batch * sample_size_));
    std::vector<double> cumulative(static_cast<size_t>(classes));
    for (int64_t b = 0; b < batch; ++b) {
      // The input holds unnormalised log-probabilities: sample from softmax(row).
      const double* row = logits.data() + b * classes;
      const double top = classes > 0 ? *std::max_element(row, row + classes) : 0.0;
      double sum = 0;
      for (int64_t c = 0; c < classes; ++c) {
        sum += std::exp(row[c] - top);
        cumulative[c] = sum;
      }
      for (int64_t s = 0; s < sample_size_; ++s) {
        const double u = uniform01(engine) * sum;
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        const int64_t pick = std::min<int64_t>(it - cumulative.begin(), classes - 1);
        values[b * sample_size_ + s] = static_cast<double>(pick);
      }
    }
    store_doubles(values, y);
  }

 private:
  RandomSource source_;
  int64_t sample_size_;
  DataType dtype_;
};

}  // namespace

void register_misc_kernels(KernelRegistry& registry) {
  const std::vector<DataType> einsum_types = {DataType::kFloat32, DataType::kFloat64,
                                              DataType::kFloat16, DataType::kBFloat16,
                                              DataType::kInt32,   DataType::kInt64};
  registry.add("Einsum", 12, kMaxOpset, {0}, einsum_types, make_kernel<Einsum>());
  registry.add("NonMaxSuppression", 10, kMaxOpset, {}, {DataType::kInt64},
               make_kernel<NonMaxSuppression>());
  registry.add("CenterCropPad", 18, kMaxOpset, {0}, types::kAllNonString,
               make_kernel<CenterCropPad>());

  // The random ops' outputs follow the dtype attribute, so only their inputs are constrained.
  auto add_random = [&](const std::string& op, std::vector<int> typed_inputs,
                        std::vector<DataType> allowed, KernelFactory factory) {
    KernelDef def;
    def.op_type = op;
    def.since_version = 1;
    def.end_version = kMaxOpset;
    if (!typed_inputs.empty()) def.constraints.push_back({"T1", typed_inputs, {}, allowed});
    def.factory = std::move(factory);
    registry.add(std::move(def));
  };
  add_random("RandomNormal", {}, {}, random_fill_factory<true, false>());
  add_random("RandomUniform", {}, {}, random_fill_factory<false, false>());
  add_random("RandomNormalLike", {0}, types::kAllNonString, random_fill_factory<true, true>());
  add_random("RandomUniformLike", {0}, types::kAllNonString, random_fill_factory<false, true>());
  add_random("Bernoulli", {0}, types::kFloats, make_kernel<Bernoulli>());
  add_random("Multinomial", {0}, types::kFloats, make_kernel<Multinomial>());

  register_grid_sample_kernels(registry);
  register_attention_kernels(registry);
}

}  // namespace aruntime::cpu
