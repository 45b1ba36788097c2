// aruntime compare: which node first breaks a model on a provider. Runs the model on the given
// placement and on a reference placement with the same inputs, records every value each run
// produces, and reports per node the max absolute and relative error of the values both runs
// produced, in execution order.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "graph/loader.h"
#include "graph/optimizer/pass_manager.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/compare.h"
#include "tools/aruntime/dtype_dispatch.h"
#include "tools/aruntime/feeds.h"
#include "tools/aruntime/json_text.h"
#include "tools/aruntime/session_setup.h"

namespace aruntime::cli {
namespace {

struct Recorded {
  std::vector<std::string> order;  // value names in execution order
  std::map<std::string, Value> values;
};

Recorded run_recording(const Session& session, const std::map<std::string, Value>& feeds) {
  Recorded r;
  RunOptions options;
  options.observe_value = [&](const std::string& name, const Value& value) {
    if (!value.is_tensor() || !value.defined()) return;  // sequences and maps: not compared
    if (r.values.emplace(name, value.deep_copy()).second) r.order.push_back(name);
  };
  session.run_values(feeds, {}, options);
  return r;
}

struct ValueError {
  std::string value;
  std::string node;
  std::string op_type;
  std::string provider;
  std::string note;  // dtype/shape mismatch
  double max_abs = 0;
  double max_rel = 0;
  bool within = true;
  bool graph_output = false;
};

bool is_float(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kFloat16 || t == DataType::kBFloat16;
}

std::vector<double> as_doubles(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.num_elements()));
  dispatch_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
      const T* data = t.data<T>();
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(static_cast<float>(data[i]));
    }
  });
  return out;
}

ValueError compare_value(const std::string& name, const Tensor& reference, const Tensor& actual, const Tolerance& tol) {
  ValueError e;
  e.value = name;
  if (reference.dtype() != actual.dtype() || reference.shape() != actual.shape() || !is_float(reference.dtype())) {
    Comparison c = compare_tensors(name, reference, actual, tol);
    e.within = c.ok();
    e.max_abs = c.max_abs_error;
    if (!c.ok()) e.note = c.message;
    return e;
  }
  const std::vector<double> r = as_doubles(reference);
  const std::vector<double> a = as_doubles(actual);
  for (size_t i = 0; i < r.size(); ++i) {
    if (std::isnan(r[i]) && std::isnan(a[i])) continue;
    if (std::isinf(r[i]) && a[i] == r[i]) continue;
    const double abs_err = std::isnan(a[i] - r[i]) ? INFINITY : std::fabs(a[i] - r[i]);
    e.max_abs = std::max(e.max_abs, abs_err);
    if (std::fabs(r[i]) > 0) e.max_rel = std::max(e.max_rel, abs_err / std::fabs(r[i]));
    if (!(abs_err <= tol.atol + tol.rtol * std::fabs(r[i]))) e.within = false;
  }
  return e;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A session with a provider other than the CPU fuses only the nodes placed on the CPU (level 3,
// after partitioning: core/session.cc), while a CPU-only one fuses them all, so the intermediate
// values of the device's nodes would be missing from the reference run. When either side has a
// device, both leave the fusions out (the same pass names turn off level 2 and level 3), so that
// both optimize the graph alike and every node's values are compared. Neither side moves into the
// blocked channel layout (level 3's layout pass): its values are padded, blocked copies under
// other names, which the other side's plain values could not be compared with.
SessionArgs comparable_optimization(SessionArgs session, const CompareArgs& args) {
  for (const auto& pass : optimizer::builtin_passes()) {
    if (pass->level() == optimizer::Level::kProviderAware) {
      session.disabled_passes.push_back(pass->name());
    }
  }
  auto has_device = [](const std::vector<std::string>& providers) {
    return std::any_of(providers.begin(), providers.end(),
                       [](const std::string& p) { return p != "cpu"; });
  };
  if (has_device(args.session.providers) || has_device(args.against)) {
    for (const auto& pass : optimizer::builtin_passes()) {
      if (pass->level() == optimizer::Level::kExtended) {
        session.disabled_passes.push_back(pass->name());
      }
    }
  }
  return session;
}

SessionArgs reference_args(const CompareArgs& args) {
  SessionArgs ref;
  ref.providers = args.against;
  ref.threads = args.session.threads;
  ref.dims = args.session.dims;
  // The same optimized graph, so that values are compared under the same names.
  ref.opt_level = args.session.opt_level;
  ref.disabled_passes = args.session.disabled_passes;
  for (const auto& [provider, settings] : args.session.provider_options) {
    if (std::find(args.against.begin(), args.against.end(), provider) != args.against.end()) {
      ref.provider_options[provider] = settings;
    }
  }
  return ref;
}

}  // namespace

int compare_command(const std::vector<std::string>& args) {
  const CompareArgs compare = parse_compare_args(args);
  if (compare.help) {
    std::cout << compare_help();
    return 0;
  }
  const Environment env = make_environment(compare.verbosity);
  const Session test(env, compare.model,
                     make_session_options(comparable_optimization(compare.session, compare)));
  const Session reference(
      env, compare.model,
      make_session_options(comparable_optimization(reference_args(compare), compare)));
  check_dim_names(test, compare.session.dims);
  const PreparedFeeds feeds = prepare_feeds(test, compare.inputs, compare.session.dims, compare.seed);

  const Recorded ref = run_recording(reference, feeds.values);
  const Recorded got = run_recording(test, feeds.values);

  // Which node (of the test placement) produced each value, and where it ran.
  std::map<std::string, const NodePlacement*> placement_of;
  for (const NodePlacement& p : test.placement()) placement_of[p.node_name] = &p;
  const Model model = load_model(compare.model);
  std::map<std::string, std::string> producer;
  for (const Node& n : model.graph->nodes) {
    for (const auto& o : n.outputs) producer[o] = n.name;
  }
  std::set<std::string> graph_outputs;
  for (const ValueMetadata& o : test.outputs()) graph_outputs.insert(o.name);

  const Tolerance tol{compare.rtol, compare.atol};
  std::vector<ValueError> rows;
  for (const std::string& name : got.order) {
    auto r = ref.values.find(name);
    if (r == ref.values.end()) continue;  // produced only inside a fused group of the other run
    ValueError e = compare_value(name, r->second.tensor(), got.values.at(name).tensor(), tol);
    e.graph_output = graph_outputs.count(name) != 0;
    auto p = producer.find(name);
    e.node = p != producer.end() ? p->second : name;
    auto where = placement_of.find(e.node);
    if (where != placement_of.end()) {
      e.op_type = where->second->op_type;
      e.provider = where->second->provider + (where->second->fused_group.empty() ? "" : " [" + where->second->fused_group + "]");
    }
    rows.push_back(std::move(e));
  }
  int first_bad = -1;
  bool outputs_ok = true;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].within && first_bad < 0) first_bad = static_cast<int>(i);
    if (!rows[i].within && rows[i].graph_output) outputs_ok = false;
  }

  if (compare.json) {
    std::string out = "{\"model\":" + json_string(compare.model) + ",\"providers\":" + json_string_array(test.providers()) +
                      ",\"against\":" + json_string_array(reference.providers()) + ",\"rtol\":" + json_number(tol.rtol) +
                      ",\"atol\":" + json_number(tol.atol) + ",\"values\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      const ValueError& e = rows[i];
      out += std::string(i ? "," : "") + "{\"value\":" + json_string(e.value) + ",\"node\":" + json_string(e.node) +
             ",\"op_type\":" + json_string(e.op_type) + ",\"provider\":" + json_string(e.provider) +
             ",\"max_abs_error\":" + json_number(e.max_abs) + ",\"max_rel_error\":" + json_number(e.max_rel) +
             ",\"within_tolerance\":" + (e.within ? "true" : "false") + ",\"graph_output\":" +
             (e.graph_output ? "true" : "false") + "}";
    }
    out += "],\"first_out_of_tolerance\":" + (first_bad < 0 ? std::string("null") : json_string(rows[first_bad].node)) +
           ",\"outputs_within_tolerance\":" + (outputs_ok ? "true" : "false") + "}";
    std::cout << out << "\n";
  } else {
    std::cout << "model: " << compare.model << "\n";
    std::cout << "placement: " << join_names(test.providers()) << "   reference: " << join_names(reference.providers())
              << "   tolerance: |a - r| <= " << num(tol.atol) << " + " << num(tol.rtol) << " * |r|\n";
    std::cout << "inputs:\n";
    for (const std::string& line : feeds.descriptions) std::cout << "  " << line << "\n";
    std::cout << "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const ValueError& e = rows[i];
      std::cout << (e.within ? "  ok   " : "  OUT  ") << e.node << " (" << e.op_type << ", " << e.provider << ") -> '"
                << e.value << "': max abs " << num(e.max_abs) << ", max rel " << num(e.max_rel)
                << (e.graph_output ? "  [graph output]" : "")
                << (static_cast<int>(i) == first_bad ? "  <- first out of tolerance" : "")
                << (e.note.empty() ? "" : "  (" + e.note + ")") << "\n";
    }
    std::cout << "\n" << rows.size() << " value(s) compared; ";
    if (first_bad < 0) {
      std::cout << "every value within tolerance\n";
    } else {
      std::cout << "first out of tolerance: " << rows[first_bad].node << " (" << rows[first_bad].op_type << " on "
                << rows[first_bad].provider << ")\n";
    }
    std::cout << "graph outputs: " << (outputs_ok ? "within tolerance" : "OUT OF TOLERANCE") << "\n";
  }
  return outputs_ok ? 0 : 1;
}

}  // namespace aruntime::cli
