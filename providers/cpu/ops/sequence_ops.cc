// Sequence and optional ops: SequenceConstruct SequenceEmpty SequenceInsert SequenceAt
// SequenceErase SequenceLength SplitToSequence ConcatFromSequence Optional OptionalHasElement
// OptionalGetElement. Sequences hold tensors that share their buffers with the tensors they were
// built from: values flowing along graph edges are never written after they are produced, so
// inserting, erasing or reading an element needs no copy. SequenceMap, which runs a subgraph per
// element, is not implemented here.
#include <algorithm>

#include "kernels/copy.h"
#include "providers/cpu/ops/registrations.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

std::string input_label(const Node& node, size_t i) {
  return "input " + std::to_string(i) + " ('" + (i < node.inputs.size() ? node.inputs[i] : "") +
         "')";
}

const Value& required_value(const KernelContext& ctx, size_t i) {
  const Value* v = ctx.input_value(i);
  if (v == nullptr) {
    throw_error(ErrorCode::kInvalidArgument,
                ctx.node().describe() + ": " + input_label(ctx.node(), i) + " is required");
  }
  return *v;
}

const Value& sequence_input(const KernelContext& ctx, size_t i) {
  const Value& v = required_value(ctx, i);
  if (v.kind() != ValueKind::kSequence) {
    throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": " +
                                                 input_label(ctx.node(), i) +
                                                 " must be a sequence, got a " + v.type_string());
  }
  return v;
}

// A position input: an int32/int64 scalar (a one-element 1-D tensor is accepted too, as the ONNX
// backend tests feed one).
int64_t position_input(const KernelContext& ctx, size_t i) {
  const Tensor& t = ctx.required_input(i);
  if ((t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) || t.rank() > 1 ||
      t.num_elements() != 1) {
    throw_error(ErrorCode::kInvalidArgument,
                ctx.node().describe() + ": " + input_label(ctx.node(), i) +
                    " (position) must be an int32 or int64 scalar, got " +
                    std::string(data_type_name(t.dtype())) + t.shape().to_string());
  }
  return t.to_int64_vector()[0];
}

// Normalises `position` against a sequence of `size` elements. Valid positions are [-size, size-1],
// or [-size, size] when `allow_end` (inserting after the last element).
size_t checked_position(const Node& node, int64_t position, size_t size, bool allow_end) {
  const int64_t n = static_cast<int64_t>(size);
  const int64_t last = allow_end ? n : n - 1;
  if (position < -n || position > last) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": position " + std::to_string(position) +
                    " is out of range for a sequence of " + std::to_string(size) +
                    " elements (expected [" + std::to_string(-n) + ", " + std::to_string(last) +
                    "])");
  }
  return static_cast<size_t>(position < 0 ? position + n : position);
}

void check_element_type(const Node& node, DataType sequence_type, const Tensor& tensor,
                        const std::string& what) {
  if (tensor.dtype() != sequence_type) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + what + " has type " +
                                                 std::string(data_type_name(tensor.dtype())) +
                                                 ", but the sequence holds " +
                                                 std::string(data_type_name(sequence_type)));
  }
}

// ---- SequenceConstruct / SequenceEmpty ----------------------------------------------------------

class SequenceConstructKernel final : public OpKernel {
 public:
  explicit SequenceConstructKernel(const KernelInfo& info) {
    if (info.num_inputs() == 0) {
      throw_error(ErrorCode::kInvalidModel,
                  info.node().describe() + ": needs at least one input tensor");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    std::vector<Tensor> elements;
    elements.reserve(ctx.num_inputs());
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = ctx.required_input(i);
      if (!elements.empty())
        check_element_type(node, elements.front().dtype(), t, input_label(node, i));
      elements.push_back(t);
    }
    const DataType element_type = elements.front().dtype();
    ctx.set_output_value(0, Value::sequence(std::move(elements), element_type));
  }
};

class SequenceEmptyKernel final : public OpKernel {
 public:
  explicit SequenceEmptyKernel(const KernelInfo& info) {
    const Node& node = info.node();
    const int64_t onnx_type = node.attr_int("dtype", 1);  // 1 = FLOAT, the spec's default
    element_type_ = data_type_from_onnx(static_cast<int32_t>(onnx_type));
    if (element_type_ == DataType::kUndefined) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute dtype " +
                                                std::to_string(onnx_type) +
                                                " is not a supported tensor element type");
    }
  }

  void compute(KernelContext& ctx) const override {
    ctx.set_output_value(0, Value::sequence({}, element_type_));
  }

 private:
  DataType element_type_;
};

// ---- SequenceInsert / SequenceErase / SequenceAt / SequenceLength ------------------------------

class SequenceInsertKernel final : public OpKernel {
 public:
  explicit SequenceInsertKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& sequence = sequence_input(ctx, 0);
    const Tensor& tensor = ctx.required_input(1);
    check_element_type(node, sequence.element_type(), tensor, input_label(node, 1));
    std::vector<Tensor> elements = sequence.elements();
    size_t at = elements.size();
    if (ctx.input(2) != nullptr)
      at = checked_position(node, position_input(ctx, 2), elements.size(), true);
    elements.insert(elements.begin() + static_cast<std::ptrdiff_t>(at), tensor);
    ctx.set_output_value(0, Value::sequence(std::move(elements), sequence.element_type()));
  }
};

class SequenceEraseKernel final : public OpKernel {
 public:
  explicit SequenceEraseKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& sequence = sequence_input(ctx, 0);
    std::vector<Tensor> elements = sequence.elements();
    if (elements.empty()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot erase from an empty sequence");
    }
    size_t at = elements.size() - 1;
    if (ctx.input(1) != nullptr)
      at = checked_position(node, position_input(ctx, 1), elements.size(), false);
    elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(at));
    ctx.set_output_value(0, Value::sequence(std::move(elements), sequence.element_type()));
  }
};

class SequenceAtKernel final : public OpKernel {
 public:
  explicit SequenceAtKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Value& sequence = sequence_input(ctx, 0);
    const size_t at =
        checked_position(ctx.node(), position_input(ctx, 1), sequence.elements().size(), false);
    ctx.set_output(0, sequence.elements()[at]);
  }
};

class SequenceLengthKernel final : public OpKernel {
 public:
  explicit SequenceLengthKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Value& sequence = sequence_input(ctx, 0);
    Tensor& out = ctx.allocate_output(0, Shape{}, DataType::kInt64);
    out.data<int64_t>()[0] = static_cast<int64_t>(sequence.elements().size());
  }
};

// ---- SplitToSequence -----------------------------------------------------------------------

// Without `split` the input is cut into pieces of 1 along `axis`, which keepdims=0 then drops.
// A scalar `split` cuts pieces of that size (the last one may be shorter); a 1-D `split` lists
// the piece sizes, which must add up to the axis length.
class SplitToSequenceKernel final : public OpKernel {
 public:
  explicit SplitToSequenceKernel(const KernelInfo& info)
      : axis_(info.node().attr_int("axis", 0)),
        keepdims_(info.node().attr_int("keepdims", 1) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& input = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(input.rank());
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, rank, "axis"));
    const int64_t axis_dim = input.shape()[axis];

    std::vector<int64_t> sizes;
    const Tensor* split = ctx.input(1);
    if (split == nullptr) {
      sizes.assign(static_cast<size_t>(axis_dim), 1);
    } else if (split->rank() == 0) {
      const int64_t piece = int_list_input(ctx, 1, "split").at(0);
      if (piece <= 0) {
        throw_error(
            ErrorCode::kInvalidArgument,
            node.describe() + ": scalar split must be positive, got " + std::to_string(piece));
      }
      for (int64_t start = 0; start < axis_dim; start += piece)
        sizes.push_back(std::min(piece, axis_dim - start));
    } else {
      sizes = int_list_input(ctx, 1, "split");
      int64_t total = 0;
      for (int64_t s : sizes) {
        // Bounding each size by the axis length also keeps the running total from overflowing.
        if (s < 0 || s > axis_dim) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": split sizes " + Shape(sizes).to_string() +
                          " must each be in [0, " + std::to_string(axis_dim) + "]");
        }
        total += s;
      }
      if (total != axis_dim) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": split sizes " + Shape(sizes).to_string() + " add up to " +
                        std::to_string(total) + ", but axis " + std::to_string(axis) +
                        " of input " + input.shape().to_string() + " has length " +
                        std::to_string(axis_dim));
      }
    }
    const bool drop_axis = split == nullptr && !keepdims_;

    const std::vector<int64_t>& dims = input.shape().dims();
    int64_t outer = 1;
    for (size_t d = 0; d < axis; ++d) outer *= dims[d];
    int64_t inner = 1;
    for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
    const size_t esize = element_size(input.dtype());
    const auto* src = static_cast<const char*>(input.raw_data());

    std::vector<Tensor> pieces;
    pieces.reserve(sizes.size());
    int64_t start = 0;
    for (int64_t size : sizes) {
      std::vector<int64_t> piece_dims = dims;
      if (drop_axis) {
        piece_dims.erase(piece_dims.begin() + static_cast<std::ptrdiff_t>(axis));
      } else {
        piece_dims[axis] = size;
      }
      Tensor piece = ctx.allocate_temp(Shape(piece_dims), input.dtype());
      const int64_t row = size * inner;  // contiguous elements per outer index in the piece
      if (outer > 0 && row > 0) {
        const int64_t copy_dims[] = {outer, row};
        const int64_t src_strides[] = {axis_dim * inner, 1};
        const int64_t dst_strides[] = {row, 1};
        kernels::strided_copy(input.dtype(), src + static_cast<size_t>(start * inner) * esize,
                              src_strides, piece.raw_data(), dst_strides, copy_dims);
      }
      pieces.push_back(std::move(piece));
      start += size;
    }
    ctx.set_output_value(0, Value::sequence(std::move(pieces), input.dtype()));
  }

 private:
  int64_t axis_;
  bool keepdims_;
};

// ---- ConcatFromSequence --------------------------------------------------------------------

// new_axis=0 concatenates along an existing axis (numpy.concatenate); new_axis=1 stacks the
// elements along a new axis inserted at `axis` (numpy.stack).
class ConcatFromSequenceKernel final : public OpKernel {
 public:
  explicit ConcatFromSequenceKernel(const KernelInfo& info)
      : axis_(info.node().attr_int("axis")), new_axis_(info.node().attr_int("new_axis", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& sequence = sequence_input(ctx, 0);
    const std::vector<Tensor>& elements = sequence.elements();
    if (elements.empty()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot concatenate an empty sequence");
    }
    const Tensor& first = elements.front();
    const int64_t rank = static_cast<int64_t>(first.rank());
    // With a new axis every element is viewed as having a 1 inserted at `axis`.
    const int64_t axis_rank = new_axis_ ? rank + 1 : rank;
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, axis_rank, "axis"));

    auto element_dims = [&](const Tensor& t) {
      std::vector<int64_t> d = t.shape().dims();
      if (new_axis_) d.insert(d.begin() + static_cast<std::ptrdiff_t>(axis), 1);
      return d;
    };
    std::vector<int64_t> out_dims = element_dims(first);
    out_dims[axis] = 0;
    for (size_t i = 0; i < elements.size(); ++i) {
      const Tensor& t = elements[i];
      check_element_type(node, first.dtype(), t, "sequence element " + std::to_string(i));
      std::vector<int64_t> d = element_dims(t);
      bool compatible = d.size() == out_dims.size();
      for (size_t k = 0; compatible && k < d.size(); ++k)
        compatible = k == axis || d[k] == out_dims[k];
      if (!compatible) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": sequence element " + std::to_string(i) + " has shape " +
                        t.shape().to_string() + ", incompatible with element 0 of shape " +
                        first.shape().to_string() +
                        (new_axis_ ? " (stacking needs equal shapes)"
                                   : " on axes other than " + std::to_string(axis)));
      }
      out_dims[axis] += d[axis];
    }

    Tensor& out = ctx.allocate_output(0, Shape(out_dims), first.dtype());
    int64_t outer = 1;
    for (size_t d = 0; d < axis; ++d) outer *= out_dims[d];
    int64_t inner = 1;
    for (size_t d = axis + 1; d < out_dims.size(); ++d) inner *= out_dims[d];
    const size_t esize = element_size(first.dtype());
    auto* dst = static_cast<char*>(out.raw_data());
    const int64_t out_row = out_dims[axis] * inner;
    int64_t offset = 0;  // along `axis`
    for (const Tensor& t : elements) {
      const int64_t length = element_dims(t)[axis];
      const int64_t row = length * inner;
      if (outer > 0 && row > 0) {
        const int64_t copy_dims[] = {outer, row};
        const int64_t src_strides[] = {row, 1};
        const int64_t dst_strides[] = {out_row, 1};
        kernels::strided_copy(first.dtype(), t.raw_data(), src_strides,
                              dst + static_cast<size_t>(offset * inner) * esize, dst_strides,
                              copy_dims);
      }
      offset += length;
    }
  }

 private:
  int64_t axis_;
  bool new_axis_;
};

// ---- Optional / OptionalHasElement / OptionalGetElement ------------------------------------

class OptionalKernel final : public OpKernel {
 public:
  explicit OptionalKernel(const KernelInfo& info) {
    const Node& node = info.node();
    if (const Attribute* a = node.find_attribute("type");
        a != nullptr && a->type == Attribute::Type::kTypeProto) {
      empty_kind_ = a->type_proto.kind;
      empty_type_ = a->type_proto.dtype;
      has_type_ = true;
    }
    if (!info.has_input(0) && !has_type_) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() +
                      ": without an input, the 'type' attribute must say what the optional holds");
    }
    if (has_type_ && empty_kind_ != ValueKind::kTensor && empty_kind_ != ValueKind::kSequence) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": attribute 'type' must be a tensor or sequence type, got a " +
                      std::string(value_kind_name(empty_kind_)));
    }
  }

  void compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v == nullptr) {
      ctx.set_output_value(0, Value::empty_optional(empty_kind_, empty_type_));
      return;
    }
    if (v->kind() != ValueKind::kTensor && v->kind() != ValueKind::kSequence) {
      throw_error(ErrorCode::kInvalidArgument,
                  ctx.node().describe() + ": " + input_label(ctx.node(), 0) +
                      " must be a tensor or a sequence, got a " + v->type_string());
    }
    ctx.set_output_value(0, Value::optional(*v));
  }

 private:
  bool has_type_ = false;
  ValueKind empty_kind_ = ValueKind::kTensor;
  DataType empty_type_ = DataType::kUndefined;
};

// A plain tensor or sequence counts as a present optional at every opset. Opset 18 allows it
// outright; before that the registry refuses inputs declared as such, but one can still arrive at
// run time where a declared optional is fed its element, as a Loop does when its body takes an
// optional(seq) and hands back the seq for the next iteration (ONNX test_loop16_seq_none).
bool holds_value(const Value& v) {
  return v.kind() != ValueKind::kOptional || v.has_element();
}

// An omitted input (opset 18) is absent.
class OptionalHasElementKernel final : public OpKernel {
 public:
  explicit OptionalHasElementKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    Tensor& out = ctx.allocate_output(0, Shape{}, DataType::kBool);
    out.data<bool>()[0] = v != nullptr && holds_value(*v);
  }
};

class OptionalGetElementKernel final : public OpKernel {
 public:
  explicit OptionalGetElementKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& v = required_value(ctx, 0);
    if (!holds_value(v)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + input_label(node, 0) +
                      " is an empty optional, which has no element to get");
    }
    ctx.set_output_value(0, v.kind() == ValueKind::kOptional ? v.element() : v);
  }
};

}  // namespace

void register_sequence_kernels(KernelRegistry& registry) {
  using VK = ValueKind;
  const std::vector<DataType> index_types = types::kIndices;
  const std::vector<DataType> int64_only = {DataType::kInt64};
  const std::vector<DataType> bool_only = {DataType::kBool};
  const std::vector<VK> seq = {VK::kSequence};
  const std::vector<VK> tensor_or_seq = {VK::kTensor, VK::kSequence};
  const std::vector<VK> optional_only = {VK::kOptional};
  const std::vector<VK> any_kind = {VK::kTensor, VK::kSequence, VK::kOptional};
  constexpr int kLast = 23;

  // SequenceConstruct is variadic: input 0 stands for all (the kernel checks the others agree).
  add_kernel_def(registry, "SequenceConstruct", 11, kLast, {{"T", {0}, {0}, types::kAll}},
                 make_kernel<SequenceConstructKernel>());
  add_kernel_def(registry, "SequenceEmpty", 11, kLast, {{"S", {}, {0}, types::kAll}},
                 make_kernel<SequenceEmptyKernel>());
  add_kernel_def(
      registry, "SequenceInsert", 11, kLast,
      {{"S", {0}, {0}, types::kAll, seq}, {"T", {1}, {}, types::kAll}, {"I", {2}, {}, index_types}},
      make_kernel<SequenceInsertKernel>());
  add_kernel_def(
      registry, "SequenceAt", 11, kLast,
      {{"S", {0}, {}, types::kAll, seq}, {"T", {}, {0}, types::kAll}, {"I", {1}, {}, index_types}},
      make_kernel<SequenceAtKernel>());
  add_kernel_def(registry, "SequenceErase", 11, kLast,
                 {{"S", {0}, {0}, types::kAll, seq}, {"I", {1}, {}, index_types}},
                 make_kernel<SequenceEraseKernel>());
  add_kernel_def(registry, "SequenceLength", 11, kLast,
                 {{"S", {0}, {}, types::kAll, seq}, {"I", {}, {0}, int64_only}},
                 make_kernel<SequenceLengthKernel>());
  add_kernel_def(registry, "SplitToSequence", 11, kLast,
                 {{"T", {0}, {0}, types::kAll}, {"I", {1}, {}, index_types}},
                 make_kernel<SplitToSequenceKernel>());
  add_kernel_def(registry, "ConcatFromSequence", 11, kLast, {{"S", {0}, {0}, types::kAll, seq}},
                 make_kernel<ConcatFromSequenceKernel>());
  add_kernel_def(registry, "Optional", 15, kLast, {{"V", {0}, {0}, types::kAll, tensor_or_seq}},
                 make_kernel<OptionalKernel>());
  add_kernel_def(registry, "OptionalHasElement", 15, 17,
                 {{"O", {0}, {}, types::kAll, optional_only}, {"B", {}, {0}, bool_only}},
                 make_kernel<OptionalHasElementKernel>());
  add_kernel_def(registry, "OptionalHasElement", 18, kLast,
                 {{"O", {0}, {}, types::kAll, any_kind}, {"B", {}, {0}, bool_only}},
                 make_kernel<OptionalHasElementKernel>());
  add_kernel_def(registry, "OptionalGetElement", 15, 17,
                 {{"O", {0}, {0}, types::kAll, optional_only}},
                 make_kernel<OptionalGetElementKernel>());
  add_kernel_def(registry, "OptionalGetElement", 18, kLast,
                 {{"O", {0}, {0}, types::kAll, any_kind}}, make_kernel<OptionalGetElementKernel>());
}

}  // namespace aruntime::cpu
