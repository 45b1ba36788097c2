#include "core/executor.h"

#include <deque>
#include <new>

namespace aruntime {
namespace {

class StepContext final : public KernelContext {
 public:
  StepContext(const ExecutionPlan& plan, const ExecutionStep& step, std::vector<Tensor>& values,
              Allocator& output_allocator)
      : plan_(plan), step_(step), values_(values), output_allocator_(output_allocator) {}

  const Node& node() const override { return *step_.node; }
  size_t num_inputs() const override { return step_.inputs.size(); }
  const Tensor* input(size_t i) const override {
    if (i >= step_.inputs.size() || step_.inputs[i] < 0) return nullptr;
    const Tensor& t = values_[step_.inputs[i]];
    return t.defined() ? &t : nullptr;
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
    values_[slot] = Tensor(dtype, shape, alloc);
    return values_[slot];
  }
  void set_output(size_t i, Tensor tensor) override {
    check_output_index(i);
    if (step_.outputs[i] >= 0) values_[step_.outputs[i]] = std::move(tensor);
  }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override {
    return Tensor(dtype, shape, *step_.allocator);
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
  std::vector<Tensor>& values_;
  Allocator& output_allocator_;
  std::deque<Tensor> scratch_;  // deque: references stay valid as it grows
};

}  // namespace

std::vector<Tensor> SequentialExecutor::run(std::vector<Tensor> inputs) const {
  std::vector<Tensor> values(plan_.slot_names.size());
  // Buffers the caller or the session owns: an output may never be handed back sharing one.
  std::vector<const void*> foreign;
  for (const auto& [slot, tensor] : plan_.constants) {
    values[slot] = tensor;
    foreign.push_back(tensor.raw_data());
  }
  for (size_t i = 0; i < inputs.size() && i < plan_.graph_input_slots.size(); ++i) {
    if (inputs[i].defined()) {
      foreign.push_back(inputs[i].raw_data());
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
    for (int slot : step.release_after) values[slot] = Tensor();
  }
  std::vector<Tensor> outputs;
  outputs.reserve(plan_.graph_output_slots.size());
  for (int slot : plan_.graph_output_slots) {
    Tensor t = std::move(values[slot]);
    bool shared = t.allocator() != &output_allocator_;
    for (const Tensor& prev : outputs) shared = shared || (prev.raw_data() == t.raw_data() && t.byte_size() > 0);
    for (const void* p : foreign) shared = shared || (p == t.raw_data() && t.byte_size() > 0);
    // A graph output that aliases a feed, a constant, arena memory or another output is copied, so
    // the caller owns every returned buffer outright.
    if (shared) {
      Tensor owned(t.dtype(), t.shape(), output_allocator_);
      owned.copy_from(t);
      t = std::move(owned);
    }
    outputs.push_back(std::move(t));
  }
  return outputs;
}

}  // namespace aruntime
