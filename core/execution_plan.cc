#include "core/execution_plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "core/logging.h"

namespace aruntime {
namespace {

// Moves a tensor between memories with the data transfer of whichever side is a device.
class CopyKernel final : public OpKernel {
 public:
  CopyKernel(const DataTransfer* transfer, Device dst) : transfer_(transfer), dst_(dst) {}
  void compute(KernelContext& ctx) const override {
    const Tensor& src = ctx.required_input(0);
    // A feed already in the destination memory (a device tensor bound by the caller) is used as
    // it is.
    if (src.device() == dst_) {
      ctx.set_output(0, src);
      return;
    }
    Tensor& dst = ctx.allocate_output(0, src.shape(), src.dtype());
    if (src.device().is_cpu() && dst_.is_cpu()) {
      dst.copy_from(src);
    } else {
      transfer_->copy(src, dst);
    }
  }

 private:
  const DataTransfer* transfer_;
  Device dst_;
};

std::vector<DataType> types_of(const Graph& g, const std::vector<std::string>& names) {
  std::vector<DataType> t;
  for (const auto& n : names) {
    const TypeInfo* ti = n.empty() ? nullptr : g.find_type(n);
    t.push_back(ti ? ti->dtype : DataType::kUndefined);
  }
  return t;
}

}  // namespace

ExecutionPlan build_execution_plan(const PlanInputs& in, const ReleaseInitializer& release_packed_initializer) {
  ExecutionPlan plan;
  const Graph& graph = in.graph;
  const std::string& origin = in.model.origin;

  // --- 1. One provisional step per kernel-claimed node or fused group, in topological order.
  struct Provisional {
    const Node* node;
    int provider;
    std::unique_ptr<OpKernel> kernel;
  };
  std::vector<Provisional> provisional;
  std::vector<bool> group_done(in.partition.groups.size(), false);
  // Inputs whose initializer was released after its only reader packed it: they read as omitted.
  std::set<std::pair<const Node*, size_t>> released_inputs;
  std::unordered_map<std::string, std::vector<NodeIndex>> readers;
  if (release_packed_initializer) readers = graph.consumers();
  auto release_packed = [&](const Node& node, NodeIndex index, const OpKernel& kernel) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& name = node.inputs[i];
      if (name.empty() || graph.constant(name) == nullptr || graph.is_graph_output(name)) continue;
      auto r = readers.find(name);
      if (r == readers.end() ||
          std::any_of(r->second.begin(), r->second.end(), [&](NodeIndex j) { return j != index; })) {
        continue;  // another node reads it too (consumers() counts subgraph reads as the owner's)
      }
      bool all_packed = true;  // every position of this node that reads it
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        if (node.inputs[k] == name && !kernel.packed_constant_input(k)) all_packed = false;
      }
      if (!all_packed) continue;
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        if (node.inputs[k] == name) released_inputs.insert({&node, k});
      }
      release_packed_initializer(name);
    }
  };
  for (NodeIndex i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    const NodeAssignment& a = in.partition.nodes[i];
    const ExecutionProvider& ep = *in.providers[a.provider];
    if (a.group < 0) {
      KernelInfo info(node, graph, in.model.opset(node.domain), types_of(graph, node.inputs),
                      types_of(graph, node.outputs), *ep.allocator());
      info.set_subgraph_compiler(in.subgraphs);
      CapabilityClaim claim{CapabilityClaim::Kind::kKernel, {i}, a.kernel};
      std::unique_ptr<OpKernel> kernel;
      try {
        kernel = ep.create_kernel(claim, info);
      } catch (const Error& e) {
        std::string msg = e.what();
        // Errors from a subgraph of this node already start with the origin: keep it once.
        if (msg.rfind(origin + ": ", 0) == 0) msg = msg.substr(origin.size() + 2);
        if (msg.rfind(node.describe(), 0) != 0) msg = node.describe() + ": " + msg;
        throw Error(e.code(), origin + ": " + msg);
      }
      plan.packed_constant_bytes += kernel->packed_bytes();
      if (release_packed_initializer) release_packed(node, i, *kernel);
      provisional.push_back({&node, a.provider, std::move(kernel)});
      continue;
    }
    if (group_done[a.group]) continue;
    group_done[a.group] = true;
    // Build the fused subgraph: its inputs are values read from outside the group, its outputs
    // the values that outside nodes or the graph outputs read.
    const FusedGroup& fg = in.partition.groups[a.group];
    auto sub = std::make_shared<Graph>();
    sub->name = ep.name() + "_group_" + std::to_string(a.group);
    sub->parent = &graph;
    std::set<std::string> produced;
    for (NodeIndex m : fg.nodes) {
      for (const auto& o : graph.nodes[m].outputs) {
        if (!o.empty()) produced.insert(o);
      }
    }
    std::set<NodeIndex> members(fg.nodes.begin(), fg.nodes.end());
    auto consumers = graph.consumers();
    Node fused;
    fused.name = sub->name;
    fused.op_type = "FusedGroup";
    fused.domain = "aruntime.fused";
    std::set<std::string> seen_inputs;
    for (NodeIndex m : fg.nodes) {
      sub->nodes.push_back(graph.nodes[m]);
      for (const auto& v : graph.nodes[m].inputs) {
        if (v.empty() || produced.count(v) || !seen_inputs.insert(v).second) continue;
        if (const Tensor* c = graph.constant(v)) {
          sub->initializers[v] = *c;
        } else {
          const TypeInfo* t = graph.find_type(v);
          sub->inputs.push_back({v, t ? *t : TypeInfo{}});
          fused.inputs.push_back(v);
        }
      }
    }
    for (const auto& v : produced) {
      bool outside = graph.is_graph_output(v);
      auto it = consumers.find(v);
      if (it != consumers.end()) {
        for (NodeIndex c : it->second) outside = outside || !members.count(c);
      }
      if (outside) {
        const TypeInfo* t = graph.find_type(v);
        sub->outputs.push_back({v, t ? *t : TypeInfo{}});
        fused.outputs.push_back(v);
      }
    }
    for (const auto& [name, type] : graph.value_types) {
      if (produced.count(name)) sub->value_types[name] = type;
    }
    Attribute body;
    body.name = "body";
    body.type = Attribute::Type::kGraph;
    body.g = sub;
    fused.attributes.push_back(body);
    plan.synthetic_nodes.push_back(std::move(fused));
    std::unique_ptr<OpKernel> kernel;
    try {
      kernel = ep.compile(*sub, in.model);
    } catch (const Error& e) {
      throw Error(e.code(), origin + ": provider " + ep.name() + " failed to compile " + sub->name + ": " + e.what());
    }
    provisional.push_back({&plan.synthetic_nodes.back(), a.provider, std::move(kernel)});
  }

  // --- 2. Order steps by data dependencies (a fused step may need outside values produced after
  // its first member in the original order).
  {
    std::unordered_map<std::string, size_t> producer;
    for (size_t s = 0; s < provisional.size(); ++s) {
      for (const auto& o : provisional[s].node->outputs) {
        if (!o.empty()) producer[o] = s;
      }
    }
    std::vector<std::vector<size_t>> dependents(provisional.size());
    std::vector<size_t> pending(provisional.size(), 0);
    for (size_t s = 0; s < provisional.size(); ++s) {
      std::set<size_t> deps;
      std::vector<std::string> reads = provisional[s].node->inputs;
      for (const auto& a : provisional[s].node->attributes) {
        if (a.type == Attribute::Type::kGraph && a.g) {
          for (auto& v : Graph::outer_scope_inputs(*a.g)) reads.push_back(v);
        }
      }
      for (const auto& v : reads) {
        auto it = producer.find(v);
        if (it != producer.end() && it->second != s) deps.insert(it->second);
      }
      for (size_t d : deps) dependents[d].push_back(s);
      pending[s] = deps.size();
    }
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t s = 0; s < provisional.size(); ++s) {
      if (pending[s] == 0) ready.push(s);
    }
    std::vector<Provisional> ordered;
    while (!ready.empty()) {
      size_t s = ready.top();
      ready.pop();
      ordered.push_back(std::move(provisional[s]));
      for (size_t d : dependents[s]) {
        if (--pending[d] == 0) ready.push(d);
      }
    }
    if (ordered.size() != provisional.size()) {
      throw_error(ErrorCode::kRuntimeError, origin + ": fused groups made the graph cyclic");
    }
    provisional = std::move(ordered);
  }

  // --- 3. Slots, with copies where a value is read on another device than where it lives.
  std::map<std::pair<std::string, std::string>, int> slot_of;  // (value, device) -> slot
  std::unordered_map<std::string, Device> home;                // where each value is produced
  std::set<int> host_constants;                                // slots of host initializers
  auto new_slot = [&](const std::string& name, Device d) {
    int s = static_cast<int>(plan.slot_names.size());
    plan.slot_names.push_back(d.is_cpu() ? name : name + "@" + d.to_string());
    plan.slot_values.push_back(name);
    plan.slot_devices.push_back(d);
    plan.slot_is_output.push_back(0);
    slot_of[{name, d.to_string()}] = s;
    return s;
  };
  for (const auto& v : graph.inputs) {
    plan.graph_input_slots.push_back(new_slot(v.name, Device::cpu()));
    home[v.name] = Device::cpu();
  }
  for (const auto& [name, t] : graph.initializers) {
    if (graph.is_graph_input(name)) continue;
    const int slot = new_slot(name, Device::cpu());
    plan.constants.emplace_back(slot, t);
    host_constants.insert(slot);
    home[name] = Device::cpu();
  }
  auto find_transfer = [&](Device a, Device b) -> const DataTransfer* {
    for (const auto* ep : in.providers) {
      const DataTransfer* t = ep->data_transfer();
      if (t && t->can_copy(a, b)) return t;
    }
    return nullptr;
  };
  auto provider_on = [&](Device d) -> const ExecutionProvider* {
    for (const auto* ep : in.providers) {
      if (ep->device() == d) return ep;
    }
    return nullptr;
  };
  auto constant_tensor = [&](int slot) -> const Tensor& {
    for (const auto& [s, t] : plan.constants) {
      if (s == slot) return t;
    }
    throw_error(ErrorCode::kRuntimeError, origin + ": slot " + std::to_string(slot) + " holds no constant");
  };
  auto device_arena = [&](Device d) -> Allocator* {
    if (d.is_cpu()) return in.host_arena;
    for (size_t p = 0; p < in.providers.size(); ++p) {
      if (in.providers[p]->device() == d) return in.arenas[p];
    }
    return in.host_arena;
  };
  // Returns the slot holding `value` on `device`, adding a copy step the first time.
  std::function<int(const std::string&, Device)> slot_on = [&](const std::string& value, Device device) -> int {
    auto it = slot_of.find({value, device.to_string()});
    if (it != slot_of.end()) return it->second;
    auto h = home.find(value);
    if (h == home.end()) {
      throw_error(ErrorCode::kInvalidModel, origin + ": value '" + value + "' is read before it is produced");
    }
    int src = slot_of.at({value, h->second.to_string()});
    const DataTransfer* transfer = find_transfer(h->second, device);
    // Two devices without a direct path exchange values through host memory (one host copy,
    // shared with any host reader).
    if (transfer == nullptr && !h->second.is_cpu() && !device.is_cpu() && find_transfer(h->second, Device::cpu()) &&
        find_transfer(Device::cpu(), device)) {
      src = slot_on(value, Device::cpu());
      transfer = find_transfer(Device::cpu(), device);
    }
    if (transfer == nullptr) {
      throw_error(ErrorCode::kNotImplemented, origin + ": no data transfer from " + h->second.to_string() +
                                                  " to " + device.to_string() + " for value '" + value + "'");
    }
    // A constant read on a device whose provider keeps constants there is copied once, now, and
    // lives in the plan beside the host constants: runs then copy no weights.
    if (h->second.is_cpu() && host_constants.count(src)) {
      if (const ExecutionProvider* ep = provider_on(device); ep != nullptr && ep->keeps_constants_on_device()) {
        const Tensor& host = constant_tensor(src);
        std::shared_ptr<Allocator> memory = ep->allocator();
        Tensor on_device(host.dtype(), host.shape(), *memory);
        transfer->copy(host, on_device);
        plan.constant_memories.push_back(std::move(memory));
        const int slot = new_slot(value, device);
        plan.constants.emplace_back(slot, std::move(on_device));
        ++plan.num_constant_uploads;
        return slot;
      }
    }
    Node copy;
    copy.name = "copy_" + value + "_to_" + device.to_string();
    copy.op_type = "MemcpyTo" + std::string(device.is_cpu() ? "Host" : "Device");
    copy.domain = "aruntime.internal";
    copy.inputs = {value};
    copy.outputs = {value};
    plan.synthetic_nodes.push_back(std::move(copy));
    ExecutionStep step;
    step.node = &plan.synthetic_nodes.back();
    step.kernel = std::make_unique<CopyKernel>(transfer, device);
    step.inputs = {src};
    step.outputs = {new_slot(value, device)};
    step.allocator = device_arena(device);
    plan.steps.push_back(std::move(step));
    ++plan.num_copies;
    return plan.steps.back().outputs[0];
  };

  for (auto& p : provisional) {
    const ExecutionProvider& ep = *in.providers[p.provider];
    const Device device = ep.device();
    ExecutionStep step;
    step.node = p.node;
    step.provider = p.provider;
    step.kernel = std::move(p.kernel);
    step.allocator = in.arenas[p.provider];
    for (size_t i = 0; i < p.node->inputs.size(); ++i) {
      const std::string& v = p.node->inputs[i];
      // Inputs the kernel reads on the host (a device kernel's shape or axes tensor) stay there.
      if (v.empty() || released_inputs.count({p.node, i}) != 0) {
        step.inputs.push_back(-1);
        continue;
      }
      const bool on_host = step.kernel->reads_input_on_host(i);
      auto where = home.find(v);
      if (step.kernel->reads_input_metadata_only(i) && where != home.end()) {
        step.inputs.push_back(slot_on(v, where->second));
        continue;
      }
      step.inputs.push_back(slot_on(v, on_host ? Device::cpu() : device));
    }
    for (const auto& a : p.node->attributes) {
      if (a.type != Attribute::Type::kGraph || !a.g || p.node->domain == "aruntime.fused") continue;
      for (const auto& v : Graph::outer_scope_inputs(*a.g)) {
        if (home.count(v)) step.implicit_inputs.emplace_back(v, slot_on(v, device));
      }
    }
    for (const auto& o : p.node->outputs) {
      if (o.empty()) {
        step.outputs.push_back(-1);
        continue;
      }
      home[o] = device;
      step.outputs.push_back(new_slot(o, device));
    }
    plan.steps.push_back(std::move(step));
  }
  for (const auto& v : graph.outputs) {
    int s = slot_on(v.name, Device::cpu());
    plan.graph_output_slots.push_back(s);
    plan.slot_is_output[s] = 1;
  }

  plan.slot_is_constant.assign(plan.slot_names.size(), 0);
  plan.slot_is_input.assign(plan.slot_names.size(), 0);
  for (const auto& [s, t] : plan.constants) plan.slot_is_constant[s] = 1;
  for (int s : plan.graph_input_slots) plan.slot_is_input[s] = 1;

  // --- 4. Lifetimes: release each slot after its last reader (never graph inputs, outputs or constants).
  std::vector<int> last_reader(plan.slot_names.size(), -1);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    for (int slot : plan.steps[s].inputs) {
      if (slot >= 0) last_reader[slot] = static_cast<int>(s);
    }
    for (const auto& [name, slot] : plan.steps[s].implicit_inputs) last_reader[slot] = static_cast<int>(s);
  }
  plan.slot_is_read.assign(plan.slot_names.size(), 0);
  for (size_t slot = 0; slot < plan.slot_names.size(); ++slot) plan.slot_is_read[slot] = last_reader[slot] >= 0;
  std::vector<char> keep(plan.slot_names.size(), 0);
  for (int s : plan.graph_input_slots) keep[s] = 1;
  for (int s : plan.graph_output_slots) keep[s] = 1;
  for (const auto& [s, t] : plan.constants) keep[s] = 1;
  for (size_t slot = 0; slot < plan.slot_names.size(); ++slot) {
    if (keep[slot]) continue;
    if (last_reader[slot] >= 0) {
      plan.steps[last_reader[slot]].release_after.push_back(static_cast<int>(slot));
    } else {
      // Produced but never read: release right after the producing step.
      for (size_t s = 0; s < plan.steps.size(); ++s) {
        for (int o : plan.steps[s].outputs) {
          if (o == static_cast<int>(slot)) plan.steps[s].release_after.push_back(o);
        }
      }
    }
  }
  for (const auto* ep : in.providers) {
    if (const DataTransfer* t = ep->data_transfer()) plan.transfers.push_back(t);
  }
  log::debug("{}: execution plan with {} steps, {} slots, {} copies", origin, plan.steps.size(),
             plan.slot_names.size(), plan.num_copies);
  return plan;
}

void copy_tensor(const ExecutionPlan& plan, const Tensor& src, Tensor& dst) {
  if (src.device().is_cpu() && dst.device().is_cpu()) {
    dst.copy_from(src);
    return;
  }
  for (const DataTransfer* t : plan.transfers) {
    if (t->can_copy(src.device(), dst.device())) {
      t->copy(src, dst);
      return;
    }
  }
  throw_error(ErrorCode::kNotImplemented, "no data transfer from " + src.device().to_string() + " to " +
                                              dst.device().to_string());
}

}  // namespace aruntime
