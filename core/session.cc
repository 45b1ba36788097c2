// Session: loader -> type inference -> partitioner -> plan builder -> executor. Each stage is its
// own component; the session only wires them together and validates what the caller passes in.
#include "aruntime/session.h"

#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "core/arena.h"
#include "core/constant_evaluator.h"
#include "core/cost_model.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/logging.h"
#include "core/partitioner.h"
#include "core/placement_rules.h"
#include "core/provider_registry.h"
#include "core/subgraph_compiler.h"
#include "graph/loader.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"

namespace aruntime {

// --- Environment ---------------------------------------------------------------------------

namespace {
spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarning: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::warn;
}

uint64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 40;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

}  // namespace

Environment::Environment(LogLevel level) : level_(level) { set_log_level(level); }

void Environment::set_log_level(LogLevel level) {
  level_ = level;
  spdlog::set_level(to_spdlog(level));
}

std::vector<std::string> available_providers() {
  std::vector<std::string> names;
  for (const auto& f : builtin_providers()) names.push_back(f.name);
  return names;
}

std::vector<ProviderInfo> provider_info() {
  std::vector<ProviderInfo> info;
  for (const auto& f : builtin_providers()) info.push_back({f.name, f.device_present(), f.describe_device()});
  return info;
}

const ProviderFactory* find_provider(const std::string& name) {
  for (const auto& f : builtin_providers()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// --- SessionImpl ---------------------------------------------------------------------------

class SessionImpl {
 public:
  SessionImpl(Model model, const SessionOptions& options) : model_(std::move(model)), options_(options) {
    const auto t0 = std::chrono::steady_clock::now();
    refuse_unsupported_values();
    infer_types(*model_.graph);
    try {
      infer_shapes(*model_.graph, options_.dim_values);
    } catch (const Error& e) {
      throw Error(e.code(), model_.origin + ": " + e.what());
    }
    create_providers();
    check_assignments();  // against the model as written: pins name the nodes the user sees
    optimize_graph();
    create_arenas();
    std::vector<const ExecutionProvider*> eps;
    for (const auto& p : providers_) eps.push_back(p.get());
    partition_ = partition_expanding_functions(model_, *model_.graph, eps, model_.origin, options_.placement);
    std::vector<Allocator*> arenas;
    for (const auto& a : arenas_) arenas.push_back(a.get());
    subgraphs_ = std::make_unique<SessionSubgraphCompiler>(model_, eps, arenas, host_arena_.get(), options_.placement);
    plan_ = build_execution_plan({model_, *model_.graph, eps, partition_, arenas, host_arena_.get(), subgraphs_.get()});
    executor_ = std::make_unique<SequentialExecutor>(plan_, model_.origin, *cpu_heap_allocator());
    fill_metadata();
    const int threads = options_.intra_op_threads > 0 ? options_.intra_op_threads : tbb::task_arena::automatic;
    thread_arena_ = std::make_unique<tbb::task_arena>(threads);
    log::info("{}: session ready in {:.1f} ms ({} nodes, {} steps)", model_.origin,
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
              model_.graph->nodes.size(), plan_.steps.size());
  }

  const std::vector<ValueMetadata>& inputs() const { return inputs_; }
  const std::vector<ValueMetadata>& outputs() const { return outputs_; }
  const std::vector<ValueMetadata>& overridable_inputs() const { return overridable_; }
  int intra_op_threads() const { return thread_arena_->max_concurrency(); }
  const std::vector<NodePlacement>& placement() const { return placement_; }
  const std::vector<CopyPlacement>& copies() const { return copies_; }
  std::vector<ProviderProgramStats> provider_statistics() const {
    std::vector<ProviderProgramStats> all;
    for (const auto& p : providers_) {
      for (auto& s : p->statistics()) all.push_back(std::move(s));
    }
    return all;
  }
  std::vector<std::string> provider_names() const {
    std::vector<std::string> n;
    for (const auto& p : providers_) n.push_back(p->name());
    return n;
  }

  std::vector<Value> run(const std::map<std::string, Value>& feeds, const std::vector<std::string>& output_names,
                         const RunOptions& run_options) const {
    const Graph& g = *model_.graph;
    std::vector<Value> ordered(g.inputs.size());
    for (const auto& [name, value] : feeds) {
      auto it = std::find_if(g.inputs.begin(), g.inputs.end(), [&](const ValueInfo& v) { return v.name == name; });
      if (it == g.inputs.end()) {
        std::vector<std::string> names;
        for (const auto& m : inputs_) names.push_back(m.name);
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": feed '" + name +
                                                     "' is not an input of the model (inputs: " + join(names) + ")");
      }
      validate_feed(*it, value);
      ordered[it - g.inputs.begin()] = value;
    }
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      if (!ordered[i].defined() && !g.is_initializer(g.inputs[i].name)) {
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": input '" + g.inputs[i].name + "' (" +
                                                     g.inputs[i].type.to_string() + ") is required but was not fed");
      }
      if (!ordered[i].defined()) ordered[i] = g.initializers.at(g.inputs[i].name);
    }
    std::vector<size_t> selected;
    if (output_names.empty()) {
      for (size_t i = 0; i < g.outputs.size(); ++i) selected.push_back(i);
    } else {
      for (const auto& name : output_names) {
        auto it = std::find_if(g.outputs.begin(), g.outputs.end(), [&](const ValueInfo& v) { return v.name == name; });
        if (it == g.outputs.end()) {
          std::vector<std::string> names;
          for (const auto& m : outputs_) names.push_back(m.name);
          throw_error(ErrorCode::kInvalidArgument, model_.origin + ": '" + name +
                                                       "' is not an output of the model (outputs: " + join(names) + ")");
        }
        selected.push_back(it - g.outputs.begin());
      }
    }
    std::vector<Value> all;
    ValueObserver observer;
    if (run_options.observe_value) {
      observer = [&](const std::string& name, const Value& value) {
        run_options.observe_value(name, on_host(value));
      };
    }
    thread_arena_->execute([&] { all = executor_->run(std::move(ordered), observer ? &observer : nullptr); });
    std::vector<Value> result;
    for (size_t i : selected) result.push_back(all[i]);
    return result;
  }

  const std::string& origin() const { return model_.origin; }

  // A host copy of a device tensor, through the data transfer of the provider that owns the
  // device; host values pass through.
  Value on_host(const Value& value) const {
    if (!value.is_tensor() || !value.defined() || value.tensor().device().is_cpu()) return value;
    const Tensor& t = value.tensor();
    for (const auto& p : providers_) {
      const DataTransfer* transfer = p->data_transfer();
      if (p->device() == t.device() && transfer != nullptr && transfer->can_copy(t.device(), Device::cpu())) {
        Tensor host(t.dtype(), t.shape(), *cpu_heap_allocator());
        transfer->copy(t, host);
        return Value(std::move(host));
      }
    }
    throw_error(ErrorCode::kRuntimeError, model_.origin + ": no provider can copy a value from " +
                                              t.device().to_string() + " to the host");
  }

 private:
  // Maps (ai.onnx.ml), alone or in a sequence, are supported with int64 or string keys and tensor
  // values (Value::map); other map types at the graph boundary are refused up front rather than
  // failing mid-run.
  void refuse_unsupported_values() const {
    const Graph& g = *model_.graph;
    for (const auto* list : {&g.inputs, &g.outputs}) {
      for (const ValueInfo& v : *list) {
        if (v.type.kind != ValueKind::kMap && !v.type.is_map_sequence()) continue;
        std::string problem;
        if (v.type.key_dtype != DataType::kInt64 && v.type.key_dtype != DataType::kString) {
          problem = "map keys must be int64 or string";
        } else if (v.type.dtype == DataType::kUndefined) {
          problem = "map values must be tensors";
        }
        if (problem.empty()) continue;
        throw_error(ErrorCode::kNotImplemented,
                    model_.origin + ": graph " + (list == &g.inputs ? "input" : "output") + " '" +
                        v.name + "' has type " + v.type.to_string() + "; " + problem);
      }
    }
  }

  void create_providers() {
    std::vector<std::string> names = options_.providers;
    if (names.empty()) names = {"cpu"};
    if (options_.allow_cpu_fallback && std::find(names.begin(), names.end(), "cpu") == names.end()) {
      names.push_back("cpu");
    }
    for (const auto& name : names) {
      const ProviderFactory* f = find_provider(name);
      if (f == nullptr) {
        throw_error(ErrorCode::kInvalidArgument, "unknown provider '" + name + "' (this build has: " +
                                                     join(available_providers()) + ")");
      }
      if (std::any_of(providers_.begin(), providers_.end(), [&](const auto& p) { return p->name() == name; })) {
        throw_error(ErrorCode::kInvalidArgument, "provider '" + name + "' is listed twice");
      }
      if (!f->device_present()) {
        throw_error(ErrorCode::kInvalidArgument, "provider '" + name + "' has no device: " + f->describe_device());
      }
      providers_.push_back(f->create(options_));
    }
    for (const auto& [name, settings] : options_.provider_options) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        throw_error(ErrorCode::kInvalidArgument, "options given for provider '" + name +
                                                     "', which this session does not use (providers: " + join(names) + ")");
      }
    }
  }

  void optimize_graph() {
    const OptimizationOptions& o = options_.optimization;
    if (o.level < 0 || o.level > 3) {
      throw_error(ErrorCode::kInvalidArgument, "optimization level " + std::to_string(o.level) + " is not 0 to 3");
    }
    optimizer::OptimizerOptions opts;
    opts.level = static_cast<optimizer::Level>(o.level);
    opts.disabled.insert(o.disabled_passes.begin(), o.disabled_passes.end());
    // Constant folding runs nodes on the session's host providers, in its order of preference.
    // Level-2 fusions write aruntime-domain ops that only host kernels implement: with a device
    // provider in the session they would pull the fused nodes off its device, so they stay off.
    std::vector<const ExecutionProvider*> host_providers;
    bool has_device_provider = false;
    for (const auto& p : providers_) {
      if (p->device().is_cpu()) {
        host_providers.push_back(p.get());
      } else {
        has_device_provider = true;
      }
    }
    if (has_device_provider) {
      for (const auto& pass : optimizer::builtin_passes()) {
        if (pass->level() == optimizer::Level::kExtended) opts.disabled.insert(pass->name());
      }
    }
    const ProviderNodeEvaluator evaluator(host_providers);
    opts.evaluator = &evaluator;
    const optimizer::OptimizationReport report = optimizer::optimize(model_, opts);
    for (const auto& p : report.passes) {
      if (p.rewrites > 0) log::info("{}: optimizer pass {}: {} rewrite(s)", model_.origin, p.pass, p.rewrites);
    }
    log::info("{}: optimizer level {}: {} -> {} nodes", model_.origin, o.level, report.nodes_before, report.nodes_after);
  }

  // An assignment that matches nothing is a typo the user would otherwise never notice.
  void check_assignments() const {
    if (options_.placement.assignments.empty()) return;
    std::vector<std::string> keys;
    collect_assignment_keys(*model_.graph, keys);
    for (const auto& [key, provider] : options_.placement.assignments) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": assignment '" + key + "=" + provider +
                                                     "' matches no node name or op type of the model");
      }
    }
  }

  void create_arenas() {
    ArenaOptions opts;
    opts.max_allocation_bytes = options_.max_allocation_bytes ? options_.max_allocation_bytes : physical_memory_bytes();
    host_arena_ = std::make_shared<ArenaAllocator>(cpu_heap_allocator(), opts);
    for (const auto& p : providers_) {
      if (p->device().is_cpu()) {
        arenas_.push_back(host_arena_);
      } else {
        arenas_.push_back(std::make_shared<ArenaAllocator>(p->allocator(), p->arena_options(opts)));
      }
    }
  }

  static ValueMetadata metadata_of(const ValueInfo& v) {
    ValueMetadata m;
    m.name = v.name;
    m.kind = v.type.kind;
    m.dtype = v.type.dtype;
    if (v.type.shape) {
      m.has_shape = true;
      for (const Dim& d : *v.type.shape) {
        m.dims.push_back(d.is_static() ? d.value : -1);
        m.dim_symbols.push_back(d.symbol);
      }
    }
    return m;
  }

  void fill_metadata() {
    const Graph& g = *model_.graph;
    for (const auto& v : g.inputs) {
      (g.is_initializer(v.name) ? overridable_ : inputs_).push_back(metadata_of(v));
    }
    for (const auto& v : g.outputs) outputs_.push_back(metadata_of(v));
    for (NodeIndex i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      const NodeAssignment& a = partition_.nodes[i];
      NodePlacement p{n.name, n.op_type, n.domain, providers_[a.provider]->name(), {}, {}, -1};
      if (a.group >= 0) p.fused_group = providers_[a.provider]->name() + "_group_" + std::to_string(a.group);
      if (auto flops = estimate_flops(g, n)) p.estimated_flops = *flops;
      for (const auto& [ep, reason] : partition_.nodes[i].declines) {
        if (ep >= 0) p.declined.emplace_back(providers_[ep]->name(), reason);
      }
      placement_.push_back(std::move(p));
    }
    for (const ExecutionStep& step : plan_.steps) {
      if (step.node->domain != "aruntime.internal" || step.inputs.size() != 1 || step.outputs.size() != 1) continue;
      const std::string& value = step.node->inputs[0];
      CopyPlacement c{value, plan_.slot_devices[step.inputs[0]].to_string(),
                      plan_.slot_devices[step.outputs[0]].to_string(), -1};
      if (auto bytes = static_value_bytes(g, value)) c.bytes = static_cast<int64_t>(*bytes);
      copies_.push_back(std::move(c));
    }
  }

  void validate_feed(const ValueInfo& declared, const Value& value) const {
    const std::string where = model_.origin + ": input '" + declared.name + "'";
    if (!value.defined()) throw_error(ErrorCode::kInvalidArgument, where + ": the fed value is empty (undefined)");
    const ValueKind want = declared.type.kind == ValueKind::kUnknown ? value.kind() : declared.type.kind;
    if (value.kind() != want) {
      throw_error(ErrorCode::kInvalidArgument, where + ": expected a " + std::string(value_kind_name(want)) + " (" +
                                                   declared.type.to_string() + "), got a " + value.type_string());
    }
    // Maps and sequences of maps: kind, key and value types must all match (a sequence of maps
    // is no sequence of tensors). Value::map already holds keys and values in host memory.
    const bool declared_maps =
        declared.type.kind == ValueKind::kMap || declared.type.is_map_sequence();
    const bool fed_maps =
        value.kind() == ValueKind::kMap ||
        (value.kind() == ValueKind::kSequence && value.element_kind() == ValueKind::kMap);
    if (declared.type.kind != ValueKind::kUnknown && (declared_maps || fed_maps)) {
      // An empty sequence read from a file may not know its key type; it has no key to mismatch.
      const bool key_unknown =
          value.key_type() == DataType::kUndefined && value.kind() == ValueKind::kSequence;
      if (declared_maps != fed_maps ||
          (value.key_type() != declared.type.key_dtype && !key_unknown) ||
          value.element_type() != declared.type.dtype) {
        throw_error(ErrorCode::kInvalidArgument, where + ": expected " + declared.type.to_string() +
                                                     ", got " + value.type_string());
      }
      return;
    }
    if (!value.is_tensor()) {
      DataType got = value.element_type();
      if (declared.type.dtype != DataType::kUndefined && got != declared.type.dtype) {
        throw_error(ErrorCode::kInvalidArgument, where + ": expected " + declared.type.to_string() + ", got " +
                                                     value.type_string());
      }
      return;
    }
    const Tensor& t = value.tensor();
    if (!t.device().is_cpu()) {
      throw_error(ErrorCode::kInvalidArgument, where + ": fed on " + t.device().to_string() + "; feeds must be host tensors");
    }
    if (declared.type.dtype != DataType::kUndefined && declared.type.dtype != t.dtype()) {
      throw_error(ErrorCode::kInvalidArgument, where + ": expected element type " +
                                                   std::string(data_type_name(declared.type.dtype)) + ", got " +
                                                   std::string(data_type_name(t.dtype())));
    }
    if (!declared.type.shape) return;
    const auto& dims = *declared.type.shape;
    bool ok = dims.size() == t.rank();
    for (size_t i = 0; ok && i < dims.size(); ++i) ok = !dims[i].is_static() || dims[i].value == t.shape()[i];
    if (!ok) {
      throw_error(ErrorCode::kInvalidArgument, where + ": expected shape " + declared.type.to_string() +
                                                   ", got " + std::string(data_type_name(t.dtype())) +
                                                   t.shape().to_string());
    }
  }

  Model model_;
  SessionOptions options_;
  std::vector<std::unique_ptr<ExecutionProvider>> providers_;
  std::shared_ptr<ArenaAllocator> host_arena_;
  std::vector<std::shared_ptr<ArenaAllocator>> arenas_;
  PartitionResult partition_;
  std::unique_ptr<SessionSubgraphCompiler> subgraphs_;  // before plan_: kernels hold compiled subgraphs
  ExecutionPlan plan_;
  std::unique_ptr<SequentialExecutor> executor_;
  std::unique_ptr<tbb::task_arena> thread_arena_;
  std::vector<ValueMetadata> inputs_;
  std::vector<ValueMetadata> outputs_;
  std::vector<ValueMetadata> overridable_;
  std::vector<NodePlacement> placement_;
  std::vector<CopyPlacement> copies_;
};

// --- Session ---------------------------------------------------------------------------------

Session::Session(const Environment& env, const std::string& model_path, const SessionOptions& options)
    : impl_(std::make_unique<SessionImpl>(load_model(model_path), options)) {
  (void)env;
}

Session::Session(const Environment& env, const std::string& model_bytes, const std::string& origin,
                 const std::string& base_dir, const SessionOptions& options)
    : impl_(std::make_unique<SessionImpl>(load_model_from_bytes(model_bytes, origin, base_dir), options)) {
  (void)env;
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const std::vector<ValueMetadata>& Session::inputs() const { return impl_->inputs(); }
const std::vector<ValueMetadata>& Session::outputs() const { return impl_->outputs(); }
const std::vector<ValueMetadata>& Session::overridable_inputs() const { return impl_->overridable_inputs(); }
int Session::intra_op_threads() const { return impl_->intra_op_threads(); }
const std::vector<NodePlacement>& Session::placement() const { return impl_->placement(); }
const std::vector<CopyPlacement>& Session::copies() const { return impl_->copies(); }
std::vector<std::string> Session::providers() const { return impl_->provider_names(); }
std::vector<ProviderProgramStats> Session::provider_statistics() const { return impl_->provider_statistics(); }

std::vector<Tensor> Session::run(const std::map<std::string, Tensor>& feeds, const std::vector<std::string>& output_names,
                                 const RunOptions& run_options) const {
  std::map<std::string, Value> values(feeds.begin(), feeds.end());
  std::vector<Value> out = run_values(values, output_names, run_options);
  std::vector<Tensor> tensors;
  tensors.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].is_tensor()) {
      const std::string& name = output_names.empty() ? impl_->outputs()[i].name : output_names[i];
      throw_error(ErrorCode::kInvalidArgument, impl_->origin() + ": output '" + name + "' is a " +
                                                   out[i].type_string() + "; use Session::run_values");
    }
    tensors.push_back(std::move(out[i].tensor()));
  }
  return tensors;
}

std::vector<Value> Session::run_values(const std::map<std::string, Value>& feeds,
                                       const std::vector<std::string>& output_names,
                                       const RunOptions& run_options) const {
  return impl_->run(feeds, output_names, run_options);
}

}  // namespace aruntime
