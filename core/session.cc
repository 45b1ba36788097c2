// Session: loader -> type inference -> partitioner -> plan builder -> executor. Each stage is its
// own component; the session only wires them together and validates what the caller passes in.
#include "aruntime/session.h"

#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

#include "core/arena.h"
#include "core/constant_evaluator.h"
#include "core/cost_model.h"
#include "core/execution_plan.h"
#include "core/allocation_planner.h"
#include "core/executor.h"
#include "core/parallel_executor.h"
#include "core/run_memory.h"
#include "core/logging.h"
#include "core/partitioner.h"
#include "core/placement_rules.h"
#include "core/profiler.h"
#include "core/provider_registry.h"
#include "core/subgraph_compiler.h"
#include "graph/loader.h"
#include "graph/optimizer/fused_domain.h"
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
  using Clock = std::chrono::steady_clock;

  // `load_start`/`load_end`: when loading the model file began and ended (a profiled phase).
  SessionImpl(Model model, const SessionOptions& options, Clock::time_point load_start, Clock::time_point load_end)
      : model_(std::move(model)), options_(options) {
    const auto t0 = Clock::now();
    refuse_unsupported_values();
    infer_types(*model_.graph);
    try {
      infer_shapes(*model_.graph, options_.dim_values);
    } catch (const Error& e) {
      throw Error(e.code(), model_.origin + ": " + e.what());
    }
    create_providers();
    if (options_.enable_profiling || !options_.profile_file.empty()) {
      std::vector<std::string> names;
      for (const auto& p : providers_) names.push_back(p->name());
      profiler_ = std::make_unique<SessionProfiler>(names);
      profiler_->add_phase("load", load_start, load_end);
      profiler_->add_phase("infer_types_and_shapes", t0, Clock::now());
    }
    check_assignments();  // against the model as written: pins name the nodes the user sees
    auto phase_start = Clock::now();
    optimize_graph();
    if (profiler_) profiler_->add_phase("optimize", phase_start, Clock::now());
    create_arenas();
    std::vector<const ExecutionProvider*> eps;
    for (const auto& p : providers_) eps.push_back(p.get());
    phase_start = Clock::now();
    partition_ = partition_expanding_functions(model_, *model_.graph, eps, model_.origin, options_.placement);
    if (profiler_) profiler_->add_phase("partition", phase_start, Clock::now());
    fuse_placed_nodes(eps);  // level 3 of a session with a device provider
    apply_preferred_layouts(eps);  // level 3
    phase_start = Clock::now();
    std::vector<Allocator*> arenas;
    for (const auto& a : arenas_) arenas.push_back(a.get());
    subgraphs_ = std::make_unique<SessionSubgraphCompiler>(model_, eps, arenas, host_arena_.get(), options_.placement);
    // A weight its kernel packed (the blocked convolutions) is dropped at once, so that the
    // original and packed weights are never all in memory together.
    plan_ = build_execution_plan({model_, *model_.graph, eps, partition_, arenas, host_arena_.get(), subgraphs_.get()},
                                 [this](const std::string& name) { model_.graph->initializers.erase(name); });
    const int threads = options_.intra_op_threads > 0 ? options_.intra_op_threads : tbb::task_arena::automatic;
    thread_arena_ = std::make_unique<tbb::task_arena>(threads);
    create_executor();
    find_feed_devices();
    if (profiler_) profiler_->add_phase("plan", phase_start, Clock::now());
    fill_metadata();
    log::info("{}: session ready in {:.1f} ms ({} nodes, {} steps)", model_.origin,
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
              model_.graph->nodes.size(), plan_.steps.size());
  }

  const std::vector<ValueMetadata>& inputs() const { return inputs_; }
  const std::vector<ValueMetadata>& outputs() const { return outputs_; }
  const std::vector<ValueMetadata>& overridable_inputs() const { return overridable_; }
  int intra_op_threads() const { return thread_arena_->max_concurrency(); }
  std::string executor_name() const { return parallel_ ? "parallel" : "sequential"; }
  std::vector<OpProfile> profile_by_op() const {
    std::vector<OpProfile> out;
    if (!profiler_) return out;
    for (const OpTimeSummary& s : profiler_->op_summary()) {
      out.push_back({s.op_type, s.provider, s.calls, s.total_us / 1000.0});
    }
    return out;
  }
  std::string end_profiling() {
    if (!profiler_ || options_.profile_file.empty()) return "";
    profiler_->write_chrome_trace(options_.profile_file);
    return options_.profile_file;
  }
  ~SessionImpl() {
    try {
      end_profiling();
    } catch (const Error& e) {
      log::warn("{}: {}", model_.origin, e.what());
    }
  }
  MemoryPlanReport memory_report() const { return memory_report_; }
  MemoryStats memory_stats() const {
    MemoryStats s;
    std::vector<const ArenaAllocator*> seen;
    for (size_t i = 0; i < arenas_.size(); ++i) {
      const ArenaAllocator* a = arenas_[i].get();
      if (std::find(seen.begin(), seen.end(), a) != seen.end()) continue;
      seen.push_back(a);
      const ArenaStats st = a->stats();
      s.arenas.push_back({a->device().to_string(), st.reserved_bytes, st.peak_reserved_bytes, st.in_use_bytes,
                          st.peak_in_use_bytes});
    }
    const RunMemoryStats r = run_memory_->stats();
    s.runs_planned = r.runs_planned;
    s.runs_recorded = r.runs_recorded;
    s.values_planned = r.values_planned;
    s.values_fallback = r.values_fallback;
    s.cached_plans = r.cached_plans;
    return s;
  }
  const std::vector<NodePlacement>& placement() const { return placement_; }
  const std::vector<CopyPlacement>& copies() const { return copies_; }
  std::vector<ProviderProgramStats> provider_statistics() const {
    std::vector<ProviderProgramStats> all;
    for (const auto& p : providers_) {
      for (auto& s : p->statistics()) all.push_back(std::move(s));
    }
    return all;
  }
  std::vector<ProviderDeviceStats> provider_device_stats() const {
    std::vector<ProviderDeviceStats> all;
    for (const auto& p : providers_) {
      if (auto s = p->device_stats()) all.push_back(std::move(*s));
    }
    return all;
  }
  // The provider whose memory is `device`, or nullptr.
  const ExecutionProvider* provider_on(Device device) const {
    for (const auto& p : providers_) {
      if (p->device() == device) return p.get();
    }
    return nullptr;
  }
  // The session-lifetime memory of the provider on `device`, for the caller's device tensors.
  std::shared_ptr<Allocator> device_allocator(Device device) const {
    const ExecutionProvider* p = provider_on(device);
    if (p == nullptr) {
      throw_error(ErrorCode::kInvalidArgument, model_.origin + ": no provider of this session works in " +
                                                   device.to_string() + " (providers: " + join(provider_names()) + ")");
    }
    return p->allocator();
  }
  Tensor copy_to_device(const Tensor& host, Device device) const {
    if (device.is_cpu()) return host.clone();
    std::shared_ptr<Allocator> memory = device_allocator(device);
    const DataTransfer* t = provider_on(device)->data_transfer();
    if (!host.device().is_cpu() || t == nullptr || !t->can_copy(Device::cpu(), device)) {
      throw_error(ErrorCode::kInvalidArgument, model_.origin + ": cannot copy a tensor on " + host.device().to_string() +
                                                   " to " + device.to_string());
    }
    Tensor out(host.dtype(), host.shape(), *memory);
    t->copy(host, out);
    return out;
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
        if (auto why = model_.fixed_initializer_feed_error(name); !why.empty()) {
          throw_error(ErrorCode::kInvalidArgument, why);
        }
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
    execute(ordered, nullptr, run_options, all);
    std::vector<Value> result;
    for (size_t i : selected) result.push_back(all[i]);
    return result;
  }

  // Runs the executor on inputs ordered as the graph's, with optional caller buffers for outputs.
  // The inputs are moved out of `ordered`; the graph outputs replace `all`'s contents.
  void execute(std::vector<Value>& ordered, const std::vector<Tensor>* output_buffers, const RunOptions& run_options,
               std::vector<Value>& all) const {
    ValueObserver observer;
    if (run_options.observe_value) {
      observer = [&](const std::string& name, const Value& value) {
        run_options.observe_value(name, on_host(value));
      };
    }
    RunControl control;
    control.observer = observer ? &observer : nullptr;
    if (profiler_) {
      control.profile_run = profiler_->begin_run();
      control.profiler = profiler_.get();
    }
    control.cancel = &run_options.cancellation.flag();
    if (run_options.timeout.count() > 0) control.deadline = std::chrono::steady_clock::now() + run_options.timeout;
    control.output_buffers = output_buffers;
    place_device_feeds(ordered);
    thread_arena_->execute([&] {
      // Every provider whose begin_run returned gets its end_run, whatever fails, so that no
      // device work of a run outlives it and no provider is left inside a run.
      size_t begun = 0;
      auto end_runs = [&](bool after_failure) {
        std::exception_ptr first;
        for (size_t i = 0; i < begun; ++i) {
          try {
            providers_[i]->end_run();
          } catch (const Error& e) {
            if (after_failure) {
              log::warn("{}: {} after a failed run: {}", model_.origin, providers_[i]->name(), e.what());
            } else if (!first) {
              first = std::current_exception();
            }
          }
        }
        if (first) std::rethrow_exception(first);
      };
      try {
        for (; begun < providers_.size(); ++begun) providers_[begun]->begin_run();
        executor_->run(ordered, control, all);
      } catch (...) {
        end_runs(true);
        throw;
      }
      end_runs(false);
    });
    if (options_.memory.release_after_run) {
      for (const auto& a : arenas_) a->shrink();
    }
  }

  // A feed in device memory is used there when every reader of its input is a copy to that
  // device; otherwise (a host kernel reads it, or another device) it is brought to the host first.
  void place_device_feeds(std::vector<Value>& ordered) const {
    for (size_t i = 0; i < ordered.size() && i < feed_devices_.size(); ++i) {
      Value& v = ordered[i];
      if (!v.is_tensor() || !v.defined() || v.tensor().device().is_cpu()) continue;
      if (feed_devices_[i] != v.tensor().device()) v = on_host(v);
    }
  }
  // Per graph input, the one device all its readers copy it to (host when any reader is not a copy
  // to that device).
  void find_feed_devices() {
    feed_devices_.assign(plan_.graph_input_slots.size(), Device::cpu());
    for (size_t i = 0; i < plan_.graph_input_slots.size(); ++i) {
      const int slot = plan_.graph_input_slots[i];
      if (plan_.slot_is_output[slot]) continue;
      std::optional<Device> only;
      bool ok = true;
      for (const ExecutionStep& step : plan_.steps) {
        bool reads = std::find(step.inputs.begin(), step.inputs.end(), slot) != step.inputs.end();
        for (const auto& [name, s] : step.implicit_inputs) reads = reads || s == slot;
        if (!reads) continue;
        const Device to = plan_.slot_devices[step.outputs[0]];
        if (!is_copy_step(step) || to.is_cpu() || (only && *only != to)) {
          ok = false;
          break;
        }
        only = to;
      }
      if (ok && only) feed_devices_[i] = *only;
    }
  }

  // --- I/O binding
  size_t input_index(const std::string& name) const {
    const Graph& g = *model_.graph;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      if (g.inputs[i].name == name) return i;
    }
    if (auto why = model_.fixed_initializer_feed_error(name); !why.empty()) throw_error(ErrorCode::kInvalidArgument, why);
    std::vector<std::string> names;
    for (const auto& m : inputs_) names.push_back(m.name);
    throw_error(ErrorCode::kInvalidArgument,
                model_.origin + ": '" + name + "' is not an input of the model (inputs: " + join(names) + ")");
  }
  size_t output_index(const std::string& name) const {
    const Graph& g = *model_.graph;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      if (g.outputs[i].name == name) return i;
    }
    std::vector<std::string> names;
    for (const auto& m : outputs_) names.push_back(m.name);
    throw_error(ErrorCode::kInvalidArgument,
                model_.origin + ": '" + name + "' is not an output of the model (outputs: " + join(names) + ")");
  }
  void bind_input(IoBinding& b, const std::string& name, const Value& value) const {
    const size_t i = input_index(name);
    validate_feed(model_.graph->inputs[i], value);
    b.inputs_[i] = value;
  }
  void bind_output(IoBinding& b, const std::string& name, Tensor buffer) const {
    const size_t i = output_index(name);
    if (buffer.defined()) {
      const ValueInfo& declared = model_.graph->outputs[i];
      if (!buffer.device().is_cpu()) {
        const ExecutionProvider* p = provider_on(buffer.device());
        const DataTransfer* t = p ? p->data_transfer() : nullptr;
        if (t == nullptr || !t->can_copy(buffer.device(), buffer.device()) || !t->can_copy(Device::cpu(), buffer.device())) {
          throw_error(ErrorCode::kInvalidArgument,
                      model_.origin + ": output '" + name + "' bound to a buffer on " + buffer.device().to_string() +
                          ", which no provider of this session can write outputs to (providers: " +
                          join(provider_names()) + ")");
        }
      }
      if (declared.type.kind != ValueKind::kTensor && declared.type.kind != ValueKind::kUnknown) {
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": output '" + name + "' is a " +
                                                     declared.type.to_string() + ", not a tensor: bind it without a buffer");
      }
      if (buffer.dtype() == DataType::kString) {
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": output '" + name +
                                                     "': string outputs cannot be bound to a buffer");
      }
    }
    b.output_buffers_[i] = std::move(buffer);
    if (std::find(b.bound_outputs_.begin(), b.bound_outputs_.end(), i) == b.bound_outputs_.end()) {
      b.bound_outputs_.push_back(i);
    }
  }
  void run_bound(IoBinding& b, const RunOptions& run_options) const {
    const Graph& g = *model_.graph;
    std::vector<Value>& ordered = b.ordered_;
    ordered.assign(b.inputs_.begin(), b.inputs_.end());
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      if (ordered[i].defined()) continue;
      if (!g.is_initializer(g.inputs[i].name)) {
        throw_error(ErrorCode::kInvalidArgument, model_.origin + ": input '" + g.inputs[i].name + "' (" +
                                                     g.inputs[i].type.to_string() + ") is required but was not bound");
      }
      ordered[i] = g.initializers.at(g.inputs[i].name);
    }
    execute(ordered, &b.output_buffers_, run_options, b.all_);
    b.outputs_.resize(b.bound_outputs_.size());
    for (size_t k = 0; k < b.bound_outputs_.size(); ++k) b.outputs_[k] = std::move(b.all_[b.bound_outputs_[k]]);
  }
  size_t num_graph_inputs() const { return model_.graph->inputs.size(); }
  size_t num_graph_outputs() const { return model_.graph->outputs.size(); }

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

  // Levels 1 and 2, before partitioning. Level-2 fusions write aruntime-domain ops that only host
  // kernels implement: in a session with a device provider they would pull nodes off its device,
  // so such a session fuses at level 3 instead, after partitioning (fuse_placed_nodes).
  void optimize_graph() {
    const OptimizationOptions& o = options_.optimization;
    if (o.level < 0 || o.level > 3) {
      throw_error(ErrorCode::kInvalidArgument, "optimization level " + std::to_string(o.level) + " is not 0 to 3");
    }
    optimizer::OptimizerOptions opts;
    opts.level = static_cast<optimizer::Level>(o.level);
    opts.disabled.insert(o.disabled_passes.begin(), o.disabled_passes.end());
    // Constant folding runs nodes on the session's host providers, in its order of preference.
    std::vector<const ExecutionProvider*> host_providers;
    bool has_device_provider = false;
    for (const auto& p : providers_) {
      if (p->device().is_cpu()) {
        host_providers.push_back(p.get());
      } else {
        has_device_provider = true;
      }
    }
    if (has_device_provider) opts.level = std::min(opts.level, optimizer::Level::kBasic);
    const ProviderNodeEvaluator evaluator(host_providers);
    opts.evaluator = &evaluator;
    const optimizer::OptimizationReport report = optimizer::optimize(model_, opts);
    for (const auto& p : report.passes) {
      if (p.rewrites > 0) log::info("{}: optimizer pass {}: {} rewrite(s)", model_.origin, p.pass, p.rewrites);
    }
    log::info("{}: optimizer level {}: {} -> {} nodes", model_.origin, static_cast<int>(opts.level),
              report.nodes_before, report.nodes_after);
  }

  // Level 3 of a session with a device provider: the level-2 fusions after partitioning, on the
  // main graph's nodes placed on a provider that runs every fused op (the CPU's fallback part),
  // never joining nodes of two providers; the device's nodes stay as they are. Subgraphs are not
  // fused: they are partitioned later, with the plan.
  void fuse_placed_nodes(const std::vector<const ExecutionProvider*>& eps) {
    if (options_.optimization.level < 3 ||
        std::all_of(eps.begin(), eps.end(), [](const ExecutionProvider* p) { return p->device().is_cpu(); })) {
      return;
    }
    std::vector<bool> runs_fused_ops(eps.size());
    for (size_t p = 0; p < eps.size(); ++p) {
      runs_fused_ops[p] = std::all_of(optimizer::kFusedOps.begin(), optimizer::kFusedOps.end(),
                                      [&](const char* op) { return eps[p]->can_run(optimizer::kFusedDomain, op); });
    }
    rewrite_placed_nodes(eps, runs_fused_ops, optimizer::Level::kExtended);
  }

  // Runs the passes of `level` (2: the fusions, through fusion_owner; 3: the layout pass, through
  // layout_owner) on the main graph's nodes placed on the providers `eligible` marks, then, when
  // anything changed, partitions the graph again with each rewritten node pinned to the provider
  // of the nodes it replaced (repartition_rewritten).
  void rewrite_placed_nodes(const std::vector<const ExecutionProvider*>& eps, const std::vector<bool>& eligible,
                            optimizer::Level level) {
    Graph& graph = *model_.graph;
    if (partition_.nodes.size() != graph.nodes.size()) return;
    const auto phase_start = Clock::now();
    // Node name -> provider for the nodes the passes may take, and what each node was before.
    std::unordered_map<std::string, int> owner;
    const auto before = nodes_before_rewrite();
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const int p = partition_.nodes[i].provider;
      if (p >= 0 && eligible[static_cast<size_t>(p)]) owner[graph.nodes[i].name] = p;
    }
    if (owner.empty()) return;

    optimizer::OptimizerOptions opts;
    opts.first_level = opts.level = level;
    opts.disabled.insert(options_.optimization.disabled_passes.begin(), options_.optimization.disabled_passes.end());
    auto owner_of = [&](const Graph& g, const Node& n) -> std::optional<int> {
      if (&g != &graph) return std::nullopt;
      auto it = owner.find(n.name);
      return it == owner.end() ? std::nullopt : std::optional<int>(it->second);
    };
    if (level == optimizer::Level::kProviderAware) {
      opts.layout_owner = owner_of;
    } else {
      opts.fusion_owner = owner_of;
    }
    const optimizer::OptimizationReport report = optimizer::optimize(model_, opts);
    int rewrites = 0;
    for (const auto& p : report.passes) {
      rewrites += p.rewrites;
      if (p.rewrites > 0) log::info("{}: optimizer pass {} (level 3): {} rewrite(s)", model_.origin, p.pass, p.rewrites);
    }
    log::info("{}: optimizer level 3: {} -> {} nodes", model_.origin, report.nodes_before, report.nodes_after);
    if (profiler_) profiler_->add_phase("optimize", phase_start, Clock::now());
    if (rewrites > 0) repartition_rewritten(eps, owner, before);
  }

  // A node before a level-3 pass: what it was (to tell whether the pass changed it) and why the
  // providers before its own declined it.
  struct NodeBefore {
    std::string signature;
    std::vector<std::pair<int, std::string>> declines;
  };

  std::unordered_map<std::string, NodeBefore> nodes_before_rewrite() const {
    std::unordered_map<std::string, NodeBefore> before;
    const Graph& graph = *model_.graph;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      before[graph.nodes[i].name] = {node_signature(graph.nodes[i]), partition_.nodes[i].declines};
    }
    return before;
  }

  // The signature of a node, to tell which nodes a level-3 pass changed.
  static std::string node_signature(const Node& n) {
    std::string s = n.domain + ":" + n.op_type + "(";
    for (const auto& i : n.inputs) s += i + ",";
    s += ")->";
    for (const auto& o : n.outputs) s += o + ",";
    return s;
  }

  // Partitions the main graph again after a level-3 pass rewrote some of its nodes (`before`: node
  // name -> signature before the pass), pinning each changed node to the provider of the nodes it
  // replaced (`owner`, by name: rewritten nodes keep the name of a node they replaced), so that an
  // op written in the ONNX domain (a Gemm fused from a MatMul and an Add) does not move to
  // another provider. A node the pass added goes with the node reading its output (a fusion's
  // additive mask, a layout's input reorder), else with the producer of its input (a layout's
  // output reorder read by another provider's node). A rewritten node keeps the declines of the
  // node it replaced: why the device did not take a Conv stays the answer for its NchwcConv,
  // rather than a pin the user never wrote.
  void repartition_rewritten(const std::vector<const ExecutionProvider*>& eps,
                             const std::unordered_map<std::string, int>& owner,
                             const std::unordered_map<std::string, NodeBefore>& before) {
    Graph& graph = *model_.graph;
    PlacementOptions placement = options_.placement;
    const auto producers = graph.producers();
    std::set<std::string> pinned_here;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      auto was = before.find(node.name);
      if (was != before.end() && was->second.signature == node_signature(node)) continue;
      std::optional<int> p;
      if (auto it = owner.find(node.name); it != owner.end()) {
        p = it->second;
      } else if (was == before.end() && node.has_output(0)) {
        for (size_t j = i + 1; j < graph.nodes.size() && !p; ++j) {
          const Node& reader = graph.nodes[j];
          auto it = owner.find(reader.name);
          if (it != owner.end() &&
              std::find(reader.inputs.begin(), reader.inputs.end(), node.outputs[0]) != reader.inputs.end()) {
            p = it->second;
          }
        }
        if (!p && node.has_input(0)) {
          auto producer = producers.find(node.inputs[0]);
          if (producer != producers.end()) {
            auto it = owner.find(graph.nodes[producer->second].name);
            if (it != owner.end()) p = it->second;
          }
        }
      }
      if (p && !options_.placement.assignments.count(node.name)) {
        placement.assignments[node.name] = eps[static_cast<size_t>(*p)]->name();
        pinned_here.insert(node.name);
      }
    }
    const auto partition_start = Clock::now();
    partition_ = partition_expanding_functions(model_, graph, eps, model_.origin, placement);
    if (profiler_) profiler_->add_phase("partition", partition_start, Clock::now());
    for (size_t i = 0; i < graph.nodes.size() && i < partition_.nodes.size(); ++i) {
      const std::string& name = graph.nodes[i].name;
      if (!pinned_here.count(name)) continue;
      auto it = before.find(name);
      partition_.nodes[i].declines = it != before.end() ? it->second.declines : std::vector<std::pair<int, std::string>>{};
    }
  }

  // Level 3, after partitioning (and after the fusions of fuse_placed_nodes): the main graph's
  // nodes placed on a provider that prefers the blocked channel layout and runs its ops move into
  // it (graph/optimizer/blocked_layout.cc). Subgraphs keep NCHW.
  void apply_preferred_layouts(const std::vector<const ExecutionProvider*>& eps) {
    if (options_.optimization.level < 3) return;
    std::vector<bool> blocked(eps.size());
    for (size_t p = 0; p < eps.size(); ++p) {
      blocked[p] = eps[p]->preferred_layout() == PreferredLayout::kBlockedChannels &&
                   std::all_of(optimizer::kBlockedLayoutOps.begin(), optimizer::kBlockedLayoutOps.end(),
                               [&](const char* op) { return eps[p]->can_run(optimizer::kFusedDomain, op); });
    }
    rewrite_placed_nodes(eps, blocked, optimizer::Level::kProviderAware);
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

  void create_executor() {
    const MemoryOptions& m = options_.memory;
    if (options_.inter_op_threads < 0) {
      throw_error(ErrorCode::kInvalidArgument, "inter_op_threads is " + std::to_string(options_.inter_op_threads) +
                                                   "; expected 0 (the thread budget) or more");
    }
    const int inter_op = options_.inter_op_threads == 0 ? thread_arena_->max_concurrency() : options_.inter_op_threads;
    parallel_ = inter_op > 1;
    RunMemoryOptions rm;
    rm.enabled = m.plan;
    rm.planner.in_place = m.in_place;
    rm.planner.schedule = parallel_ ? ScheduleKind::kParallel : ScheduleKind::kSequential;
    rm.max_cached_plans = m.max_cached_plans;
    rm.max_activation_bytes = m.max_activation_bytes;
    rm.release_after_run = m.release_after_run;
    const Graph& g = *model_.graph;
    std::vector<std::optional<size_t>> bytes = static_slot_bytes(plan_, g);
    const bool complete = covers_all_intermediates(plan_, bytes, g);
    run_memory_ = std::make_unique<RunMemory>(plan_, std::move(bytes), complete, rm, model_.origin);
    if (parallel_) {
      ParallelExecutorOptions po;
      po.max_concurrent_steps = inter_op;
      executor_ = std::make_unique<ParallelExecutor>(plan_, model_.origin, *cpu_heap_allocator(), run_memory_.get(),
                                                     &g, po);
    } else {
      executor_ = std::make_unique<SequentialExecutor>(plan_, model_.origin, *cpu_heap_allocator(), run_memory_.get());
    }
    fill_memory_report(complete);
  }

  void fill_memory_report(bool complete) {
    const AllocationPlan& ap = run_memory_->static_plan();
    MemoryPlanReport& r = memory_report_;
    r.complete = complete;
    auto memory_for = [&](const std::string& device) -> MemoryPlanReport::Memory& {
      for (auto& m : r.memories) {
        if (m.device == device) return m;
      }
      r.memories.push_back({});
      r.memories.back().device = device;
      return r.memories.back();
    };
    for (const MemoryPlan& mp : ap.memories) {
      MemoryPlanReport::Memory& m = memory_for(mp.device.to_string());
      m.planned_peak_bytes += mp.block_bytes;
      m.naive_bytes += mp.naive_bytes;
      m.planned_values += mp.planned_values;
      if (mp.peak_step >= 0) m.peak_node = plan_.steps[mp.peak_step].node->name;
      for (int slot : mp.live_at_peak) m.live_at_peak.push_back({plan_.slot_names[slot], ap.slots[slot].bytes});
    }
    for (const auto& [slot, tensor] : plan_.constants) {
      memory_for(tensor.device().to_string()).weights_bytes += tensor.byte_size();
    }
    // Weights the kernels packed into their own layouts (host memory), in place of the
    // initializers released for them.
    if (plan_.packed_constant_bytes > 0) memory_for(Device::cpu().to_string()).weights_bytes += plan_.packed_constant_bytes;
    for (const auto& m : r.memories) {
      r.planned_peak_bytes += m.planned_peak_bytes;
      r.weights_bytes += m.weights_bytes;
    }
    const Graph& g = *model_.graph;
    for (int slot : ap.unknown_size_slots) {
      auto it = g.value_types.find(plan_.slot_values[slot]);
      if (it != g.value_types.end() && it->second.kind == ValueKind::kTensor && it->second.dtype != DataType::kString) {
        r.unknown_size_values.push_back(plan_.slot_names[slot]);
      }
    }
    log::info("{}: memory plan: {} bytes of activations ({} without reuse), {} bytes of weights{}", model_.origin,
              r.planned_peak_bytes, [&] {
                uint64_t n = 0;
                for (const auto& m : r.memories) n += m.naive_bytes;
                return n;
              }(),
              r.weights_bytes, complete ? "" : "; sizes of some values depend on the inputs");
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
    if (!t.device().is_cpu() && provider_on(t.device()) == nullptr) {
      throw_error(ErrorCode::kInvalidArgument, where + ": fed on " + t.device().to_string() +
                                                   "; feeds must be host tensors or in the memory of one of this session's "
                                                   "providers (" + join(provider_names()) + ")");
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
  std::unique_ptr<tbb::task_arena> thread_arena_;
  std::unique_ptr<RunMemory> run_memory_;  // before executor_, which holds it
  std::unique_ptr<Executor> executor_;
  bool parallel_ = false;
  MemoryPlanReport memory_report_;
  std::unique_ptr<SessionProfiler> profiler_;
  std::vector<ValueMetadata> inputs_;
  std::vector<ValueMetadata> outputs_;
  std::vector<ValueMetadata> overridable_;
  std::vector<NodePlacement> placement_;
  std::vector<CopyPlacement> copies_;
  std::vector<Device> feed_devices_;  // per graph input: where a device feed may stay
};

// --- Session ---------------------------------------------------------------------------------

Session::Session(const Environment& env, const std::string& model_path, const SessionOptions& options) {
  (void)env;
  const auto start = SessionImpl::Clock::now();
  Model model = load_model(model_path);
  impl_ = std::make_unique<SessionImpl>(std::move(model), options, start, SessionImpl::Clock::now());
}

Session::Session(const Environment& env, const std::string& model_bytes, const std::string& origin,
                 const std::string& base_dir, const SessionOptions& options) {
  (void)env;
  const auto start = SessionImpl::Clock::now();
  Model model = load_model_from_bytes(model_bytes, origin, base_dir);
  impl_ = std::make_unique<SessionImpl>(std::move(model), options, start, SessionImpl::Clock::now());
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
std::vector<ProviderDeviceStats> Session::provider_device_stats() const { return impl_->provider_device_stats(); }
std::shared_ptr<Allocator> Session::device_allocator(Device device) const { return impl_->device_allocator(device); }
Tensor Session::copy_to_device(const Tensor& host, Device device) const { return impl_->copy_to_device(host, device); }
Tensor Session::copy_to_host(const Tensor& tensor) const { return impl_->on_host(Value(tensor)).tensor(); }
MemoryPlanReport Session::memory_report() const { return impl_->memory_report(); }
MemoryStats Session::memory_stats() const { return impl_->memory_stats(); }
std::string Session::executor_name() const { return impl_->executor_name(); }
std::vector<OpProfile> Session::profile_by_op() const { return impl_->profile_by_op(); }
std::string Session::end_profiling() { return impl_->end_profiling(); }

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

void Session::run(IoBinding& binding) const {
  // One set of default options for every such run: constructing RunOptions allocates its token.
  static const RunOptions defaults;
  run(binding, defaults);
}

void Session::run(IoBinding& binding, const RunOptions& run_options) const {
  if (binding.session_ != impl_.get()) {
    throw_error(ErrorCode::kInvalidArgument, impl_->origin() + ": the IoBinding was made for another session");
  }
  impl_->run_bound(binding, run_options);
}

IoBinding::IoBinding(const Session& session) : session_(session.impl_.get()) {
  inputs_.resize(session_->num_graph_inputs());
  output_buffers_.resize(session_->num_graph_outputs());
}
void IoBinding::bind_input(const std::string& name, const Value& value) { session_->bind_input(*this, name, value); }
void IoBinding::bind_output(const std::string& name, Tensor buffer) {
  session_->bind_output(*this, name, std::move(buffer));
}
void IoBinding::bind_output(const std::string& name) { session_->bind_output(*this, name, Tensor()); }

std::vector<Value> Session::run_values(const std::map<std::string, Value>& feeds,
                                       const std::vector<std::string>& output_names,
                                       const RunOptions& run_options) const {
  return impl_->run(feeds, output_names, run_options);
}

}  // namespace aruntime
