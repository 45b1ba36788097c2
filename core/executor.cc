#include "core/executor.h"

#include <deque>
#include <new>

namespace aruntime {
namespace {

class StepContext final : public KernelContext {
 public:
  StepContext(const ExecutionPlan& plan, const ExecutionStep& step, std::vector<Value>& values,
              Allocator& output_allocator)
      : plan_(plan), step_(step), values_(values), output_allocator_(output_allocator) {}

  const Node& node() const override { return *step_.node; }
  size_t num_inputs() const override { return step_.inputs.size(); }
  const Value* input_value(size_t i) const override {
    if (i >= step_.inputs.size() || step_.inputs[i] < 0) return nullptr;
    const Value& v = values_[step_.inputs[i]];
    return v.defined() ? &v : nullptr;
  }
  const Tensor* input(size_t i) const override {
    const Value* v = input_value(i);
    if (v == nullptr) return nullptr;
    if (!v->is_tensor()) {
      throw_error(ErrorCode::kInvalidArgument, node().describe() + ": input " + std::to_string(i) + " ('" +
                                                   node().inputs[i] + "') is a " + v->type_string() +
                                                   ", expected a tensor");
    }
    return &v->tensor();
  }
  size_t num_outputs() const override { return step_.outputs.size(); }
  bool output_requested(size_t i) const override { return i < step_.outputs.size() && step_.outputs[i] >= 0; }

  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    check_output_index(i);
    if (step_.outputs[i] < 0) {  // omitted optional output: scratch the kernel may fill and forget
      scratch_.emplace_back(dtype, shape, *step_.allocator);
      return scratch_.back();
    }
    int slot = step_.outputs[i];
    // Graph outputs go straight to caller-owned memory; everything else to the step's arena.
    Allocator& alloc = plan_.slot_is_output[slot] ? output_allocator_ : *step_.allocator;
    values_[slot] = Value(Tensor(dtype, shape, alloc));
    return values_[slot].tensor();
  }
  void set_output(size_t i, Tensor tensor) override { set_output_value(i, Value(std::move(tensor))); }
  void set_output_value(size_t i, Value value) override {
    check_output_index(i);
    if (step_.outputs[i] >= 0) values_[step_.outputs[i]] = std::move(value);
  }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override {
    return Tensor(dtype, shape, *step_.allocator);
  }
  const Value* outer_value(const std::string& name) const override {
    for (const auto& [value_name, slot] : step_.implicit_inputs) {
      if (value_name == name) return values_[slot].defined() ? &values_[slot] : nullptr;
    }
    return nullptr;
  }

 private:
  void check_output_index(size_t i) const {
    if (i >= step_.outputs.size()) {
      throw_error(ErrorCode::kRuntimeError, node().describe() + ": kernel wrote output " + std::to_string(i) +
                                                " but the node has " + std::to_string(step_.outputs.size()));
    }
  }

  const ExecutionPlan& plan_;
  const ExecutionStep& step_;
  std::vector<Value>& values_;
  Allocator& output_allocator_;
  std::deque<Tensor> scratch_;  // deque: references stay valid as it grows
};

// Data pointers of every tensor in `v`.
void collect_buffers(const Value& v, std::vector<const void*>& out) {
  switch (v.kind()) {
    case ValueKind::kTensor:
      if (v.defined()) out.push_back(v.tensor().raw_data());
      break;
    case ValueKind::kSequence:
      if (v.element_kind() == ValueKind::kMap) {
        for (const Value& m : v.maps()) collect_buffers(m, out);
      } else {
        for (const Tensor& t : v.elements()) out.push_back(t.raw_data());
      }
      break;
    case ValueKind::kMap:
      out.push_back(v.map_keys().raw_data());
      out.push_back(v.map_values().raw_data());
      break;
    case ValueKind::kOptional:
      if (v.has_element()) collect_buffers(v.element(), out);
      break;
    default:
      break;
  }
}

}  // namespace

std::vector<Value> SequentialExecutor::run(std::vector<Value> inputs, const ValueObserver* observer) const {
  std::vector<Value> values(plan_.slot_names.size());
  // Buffers the caller or the session owns: an output may never be handed back sharing one.
  std::vector<const void*> foreign;
  for (const auto& [slot, tensor] : plan_.constants) {
    values[slot] = tensor;
    foreign.push_back(tensor.raw_data());
  }
  for (size_t i = 0; i < inputs.size() && i < plan_.graph_input_slots.size(); ++i) {
    if (inputs[i].defined()) {
      collect_buffers(inputs[i], foreign);
      values[plan_.graph_input_slots[i]] = std::move(inputs[i]);
    }
  }
  for (const ExecutionStep& step : plan_.steps) {
    StepContext ctx(plan_, step, values, output_allocator_);
    try {
      step.kernel->compute(ctx);
    } catch (const Error& e) {
      std::string msg = e.what();
      if (msg.find(step.node->describe()) == std::string::npos) msg = step.node->describe() + ": " + msg;
      throw Error(e.code(), origin_ + ": " + msg);
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::kOutOfMemory, origin_ + ": " + step.node->describe() + ": out of memory");
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kRuntimeError, origin_ + ": " + step.node->describe() + ": " + e.what());
    }
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      int slot = step.outputs[i];
      if (slot >= 0 && !values[slot].defined()) {
        throw_error(ErrorCode::kRuntimeError, origin_ + ": " + step.node->describe() + " did not produce output " +
                                                  std::to_string(i) + " ('" + step.node->outputs[i] + "')");
      }
    }
    if (observer != nullptr && step.node->domain != "aruntime.internal") {
      for (size_t i = 0; i < step.outputs.size(); ++i) {
        if (step.outputs[i] >= 0) (*observer)(step.node->outputs[i], values[step.outputs[i]]);
      }
    }
    for (int slot : step.release_after) values[slot] = Value();
  }
  std::vector<Value> outputs;
  outputs.reserve(plan_.graph_output_slots.size());
  std::vector<const void*> returned;
  for (int slot : plan_.graph_output_slots) {
    Value v = std::move(values[slot]);
    if (!v.is_tensor()) {
      // Sequences and optionals are small containers; copying them keeps ownership simple.
      outputs.push_back(v.deep_copy());
      continue;
    }
    Tensor t = std::move(v.tensor());
    bool shared = t.allocator() != &output_allocator_;
    for (const void* p : returned) shared = shared || (p == t.raw_data() && t.byte_size() > 0);
    for (const void* p : foreign) shared = shared || (p == t.raw_data() && t.byte_size() > 0);
    // A graph output that aliases a feed, a constant, arena memory or another output is copied, so
    // the caller owns every returned buffer outright.
    if (shared) {
      Tensor owned(t.dtype(), t.shape(), output_allocator_);
      owned.copy_from(t);
      t = std::move(owned);
    }
    returned.push_back(t.raw_data());
    outputs.push_back(Value(std::move(t)));
  }
  return outputs;
}

}  // namespace aruntime
