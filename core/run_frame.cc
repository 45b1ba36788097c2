#include "core/run_frame.h"

#include "core/logging.h"

#include <list>
#include <new>

namespace aruntime {

class StepContext final : public KernelContext {
 public:
  StepContext(RunFrame& frame, const ExecutionStep& step, const std::function<bool(int)>& only_remaining_reader)
      : frame_(frame), step_(step), only_remaining_reader_(only_remaining_reader) {}

  const Node& node() const override { return *step_.node; }
  size_t num_inputs() const override { return step_.inputs.size(); }
  const Value* input_value(size_t i) const override {
    if (i >= step_.inputs.size() || step_.inputs[i] < 0) return nullptr;
    const Value& v = frame_.values_[step_.inputs[i]];
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
    const int slot = step_.outputs[i];
    Value& v = frame_.values_[slot];
    v = Value(frame_.allocate_slot(step_, slot, shape, dtype, only_remaining_reader_));
    return v.tensor();
  }
  void set_output(size_t i, Tensor tensor) override { set_output_value(i, Value(std::move(tensor))); }
  void set_output_value(size_t i, Value value) override {
    check_output_index(i);
    if (step_.outputs[i] >= 0) frame_.values_[step_.outputs[i]] = std::move(value);
  }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override {
    return Tensor(dtype, shape, *step_.allocator);
  }
  const Value* outer_value(const std::string& name) const override {
    for (const auto& [value_name, slot] : step_.implicit_inputs) {
      if (value_name == name) return frame_.values_[slot].defined() ? &frame_.values_[slot] : nullptr;
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

  RunFrame& frame_;
  const ExecutionStep& step_;
  const std::function<bool(int)>& only_remaining_reader_;
  std::list<Tensor> scratch_;  // references stay valid as it grows; empty costs no allocation
};

namespace {

// Whether `v` holds (any tensor of it uses) the buffer at `p`.
bool holds_buffer(const Value& v, const void* p) {
  switch (v.kind()) {
    case ValueKind::kTensor:
      return v.defined() && v.tensor().raw_data() == p;
    case ValueKind::kSequence:
      if (v.element_kind() == ValueKind::kMap) {
        for (const Value& m : v.maps()) {
          if (holds_buffer(m, p)) return true;
        }
        return false;
      }
      for (const Tensor& t : v.elements()) {
        if (t.raw_data() == p) return true;
      }
      return false;
    case ValueKind::kMap:
      return v.map_keys().raw_data() == p || v.map_values().raw_data() == p;
    case ValueKind::kOptional:
      return v.has_element() && holds_buffer(v.element(), p);
    default:
      return false;
  }
}

}  // namespace

RunFrame::RunFrame(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator,
                   RunMemory::Lease& memory, const RunControl& control, std::vector<Value>& inputs)
    : plan_(plan), origin_(origin), output_allocator_(output_allocator), memory_(memory), control_(control),
      values_(memory.values) {
  if (values_.size() != plan.slot_names.size()) values_.assign(plan.slot_names.size(), Value());
  for (const auto& [slot, tensor] : plan_.constants) {
    Value& v = values_[slot];
    if (!v.is_tensor() || v.tensor().raw_data() != tensor.raw_data()) v = tensor;
  }
  for (size_t i = 0; i < inputs.size() && i < plan_.graph_input_slots.size(); ++i) {
    if (inputs[i].defined()) values_[plan_.graph_input_slots[i]] = std::move(inputs[i]);
  }
}

void RunFrame::clear() {
  for (size_t s = 0; s < values_.size(); ++s) {
    if (!plan_.slot_is_constant[s] && values_[s].defined()) values_[s] = Value();
  }
}

Tensor RunFrame::allocate_slot(const ExecutionStep& step, int slot, const Shape& shape, DataType dtype,
                               const std::function<bool(int)>& only_remaining_reader) {
  // Graph outputs go straight to caller-owned memory: a bound buffer, or a new tensor.
  if (plan_.slot_is_output[slot]) {
    const Tensor* buffer = bound_output(slot);
    // A step writes a bound buffer directly only when the buffer is in the memory the step writes
    // (a copy step also within its source's memory, as a device-to-device copy); otherwise the
    // value is made here and copied into the buffer by take_outputs.
    // (Not when a host step also reads the slot: it would be handed device memory.)
    if (buffer != nullptr && buffer->device() != step.allocator->device() &&
        !(is_copy_step(step) && buffer->device() == plan_.slot_devices[step.inputs[0]] &&
          !plan_.slot_is_read[slot])) {
      buffer = nullptr;
    }
    if (buffer != nullptr) {
      if (buffer->dtype() != dtype || buffer->shape() != shape) {
        throw_error(ErrorCode::kInvalidArgument,
                    origin_ + ": output '" + plan_.slot_values[slot] + "' is bound to a " +
                        std::string(data_type_name(buffer->dtype())) + buffer->shape().to_string() +
                        " buffer but the run produces " + std::string(data_type_name(dtype)) + shape.to_string());
      }
      return *buffer;
    }
    return Tensor(dtype, shape, output_allocator_);
  }
  if (dtype == DataType::kString) return Tensor(dtype, shape, *step.allocator);
  const size_t bytes = static_cast<size_t>(shape.num_elements()) * element_size(dtype);
  if (memory_.recording) {
    auto& seen = memory_.observed[slot];
    seen = std::max(seen.value_or(0), bytes);
    return Tensor(dtype, shape, *step.allocator);
  }
  if (memory_.plan != nullptr) {
    const PlannedSlot& p = memory_.plan->slots[slot];
    if (p.memory >= 0) {
      const void* source = nullptr;
      if (p.in_place_of >= 0) {
        // The source's buffer may be taken over only if nothing else can still read it.
        const Value& src = values_[p.in_place_of];
        if (src.is_tensor() && src.defined() && src.tensor().buffer_use_count() == 1 &&
            only_remaining_reader(p.in_place_of)) {
          source = src.tensor().raw_data();
        }
      }
      PlannedBlock& block = *memory_.by_memory[p.memory];
      if (void* data = block.acquire(p, bytes, source)) {
        ++planned_;
        return Tensor::adopt(dtype, shape, data, block, block.bookkeeping());
      }
      ++fallback_;
      log::debug("{}: '{}' ({} bytes) could not take its planned place (offset {}, {} bytes): part of it is still in use",
                 origin_, plan_.slot_names[slot], bytes, p.offset, p.bytes);
    }
  }
  return Tensor(dtype, shape, *step.allocator);
}

void RunFrame::check_cancelled() const {
  if (control_.cancel != nullptr && control_.cancel->load(std::memory_order_relaxed)) {
    throw_error(ErrorCode::kCancelled, origin_ + ": run cancelled");
  }
  if (control_.deadline && std::chrono::steady_clock::now() > *control_.deadline) {
    throw_error(ErrorCode::kCancelled, origin_ + ": run exceeded its time limit (RunOptions::timeout)");
  }
}

void RunFrame::run_step(size_t index, const std::function<bool(int)>& only_remaining_reader) {
  const ExecutionStep& step = plan_.steps[index];
  StepContext ctx(*this, step, only_remaining_reader);
  const auto start = control_.profiler ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  try {
    step.kernel->compute(ctx);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCancelled) throw;
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
    if (slot >= 0 && !values_[slot].defined()) {
      throw_error(ErrorCode::kRuntimeError, origin_ + ": " + step.node->describe() + " did not produce output " +
                                                std::to_string(i) + " ('" + step.node->outputs[i] + "')");
    }
  }
  if (control_.profiler != nullptr) control_.profiler->record(step, *this, start, std::chrono::steady_clock::now());
  if (control_.observer != nullptr && step.node->domain != "aruntime.internal") {
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      if (step.outputs[i] >= 0) (*control_.observer)(step.node->outputs[i], values_[step.outputs[i]]);
    }
  }
}

const Tensor* RunFrame::bound_output(int slot) const {
  if (control_.output_buffers == nullptr) return nullptr;
  for (size_t i = 0; i < plan_.graph_output_slots.size() && i < control_.output_buffers->size(); ++i) {
    if (plan_.graph_output_slots[i] == slot && (*control_.output_buffers)[i].defined()) {
      return &(*control_.output_buffers)[i];
    }
  }
  return nullptr;
}

void RunFrame::take_outputs(std::vector<Value>& outputs) {
  outputs.clear();
  outputs.reserve(plan_.graph_output_slots.size());
  for (int slot : plan_.graph_output_slots) {
    if (const Tensor* buffer = bound_output(slot)) {
      // The kernel wrote into the buffer, or produced a view of something else: copy it in.
      Tensor bound = *buffer;
      const Value& v = values_[slot];
      if (!v.is_tensor() || v.tensor().dtype() != bound.dtype() || v.tensor().shape() != bound.shape()) {
        throw_error(ErrorCode::kInvalidArgument, origin_ + ": output '" + plan_.slot_values[slot] + "' is bound to a " +
                                                     std::string(data_type_name(bound.dtype())) +
                                                     bound.shape().to_string() + " buffer but the run produced a " +
                                                     v.type_string());
      }
      if (v.tensor().raw_data() != bound.raw_data()) copy_tensor(plan_, v.tensor(), bound);
      outputs.push_back(Value(std::move(bound)));
      continue;
    }
    // A graph output that is itself a feed or a constant is copied below.
    const bool is_feed = plan_.slot_is_input[slot] || plan_.slot_is_constant[slot];
    Value v = is_feed ? values_[slot] : std::move(values_[slot]);
    if (!v.is_tensor()) {
      // Sequences and optionals are small containers; copying them keeps ownership simple.
      outputs.push_back(v.deep_copy());
      continue;
    }
    Tensor t = std::move(v.tensor());
    bool shared = is_feed || t.allocator() != &output_allocator_;
    for (const Value& earlier : outputs) {
      shared = shared || (earlier.is_tensor() && earlier.tensor().raw_data() == t.raw_data() && t.byte_size() > 0);
    }
    if (!shared && t.byte_size() > 0) shared = owned_elsewhere(t.raw_data());
    // A graph output that aliases a feed, a constant, arena memory or another output is copied, so
    // the caller owns every returned buffer outright.
    if (shared) {
      Tensor owned(t.dtype(), t.shape(), output_allocator_);
      copy_tensor(plan_, t, owned);
      t = std::move(owned);
    }
    outputs.push_back(Value(std::move(t)));
  }
  clear();
}

bool RunFrame::owned_elsewhere(const void* p) const {
  for (const auto& [slot, tensor] : plan_.constants) {
    if (tensor.raw_data() == p) return true;
  }
  for (int slot : plan_.graph_input_slots) {
    if (holds_buffer(values_[slot], p)) return true;
  }
  return false;
}

}  // namespace aruntime
