// aruntime inspect: what a model contains and where the session would run each node.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "graph/loader.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/feeds.h"
#include "tools/aruntime/operator_counts.h"
#include "tools/aruntime/session_reports.h"
#include "tools/aruntime/session_setup.h"

namespace aruntime::cli {
namespace {

uint64_t tensor_bytes(const Tensor& tensor) {
  if (tensor.dtype() != DataType::kString) return tensor.byte_size();
  uint64_t bytes = 0;
  const std::string* strings = tensor.data<std::string>();
  for (int64_t i = 0; i < tensor.num_elements(); ++i) bytes += strings[i].size();
  return bytes;
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

void print_model(const Model& model, const std::string& path) {
  const Graph& graph = *model.graph;
  std::cout << "model: " << path << "\n";
  std::cout << "ir version: " << model.ir_version << "\n";
  std::string producer = model.producer_name;
  if (!model.producer_version.empty()) producer += " " + model.producer_version;
  std::cout << "producer: " << (producer.empty() ? "(none)" : producer) << "\n";
  std::cout << "opsets:";
  for (const auto& [domain, version] : model.opset_imports) {
    std::cout << " " << (domain.empty() ? "ai.onnx" : domain) << " " << version;
  }
  std::cout << "\n";
  if (!graph.name.empty()) std::cout << "graph: " << graph.name << "\n";

  std::cout << "inputs:\n";
  for (const ValueInfo& input : graph.inputs) {
    std::cout << "  " << input.name << ": " << input.type.to_string()
              << (graph.is_initializer(input.name) ? " (has an initializer as default)" : "")
              << "\n";
  }
  std::cout << "outputs:\n";
  for (const ValueInfo& output : graph.outputs) {
    std::cout << "  " << output.name << ": " << output.type.to_string() << "\n";
  }

  uint64_t initializer_bytes = 0;
  for (const auto& [name, tensor] : graph.initializers) initializer_bytes += tensor_bytes(tensor);
  std::cout << "initializers: " << graph.initializers.size() << " (" << initializer_bytes
            << " bytes)\n";

  const OperatorCounts counts = count_operators(graph);
  std::vector<std::pair<std::string, int64_t>> histogram(counts.by_op.begin(), counts.by_op.end());
  std::stable_sort(histogram.begin(), histogram.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::cout << "operators: " << counts.top_level << " nodes";
  if (counts.in_subgraphs > 0) std::cout << " (+" << counts.in_subgraphs << " in subgraphs)";
  std::cout << "\n";
  for (const auto& [op, count] : histogram) {
    std::cout << "  " << padded(std::to_string(count), 6) << op << "\n";
  }
}

void print_placement(const Session& session) {
  const std::vector<NodePlacement>& placement = session.placement();
  std::cout << "placement (providers: " << join_names(session.providers()) << "):\n";
  size_t node_width = 4, op_width = 2, provider_width = 8;
  for (const NodePlacement& p : placement) {
    node_width = std::max(node_width, p.node_name.size());
    op_width = std::max(op_width, p.op_type.size() + (p.domain.empty() ? 0 : p.domain.size() + 1));
    provider_width = std::max(provider_width, p.provider.size());
  }
  std::cout << "  " << padded("node", node_width + 2) << padded("op", op_width + 2)
            << padded("provider", provider_width + 2) << "declined by\n";
  for (const NodePlacement& p : placement) {
    std::string declined;
    for (const auto& [provider, reason] : p.declined) {
      declined += (declined.empty() ? "" : "; ") + provider + ": " + reason;
    }
    const std::string op = p.domain.empty() ? p.op_type : p.domain + "." + p.op_type;
    std::cout << "  " << padded(p.node_name, node_width + 2) << padded(op, op_width + 2)
              << padded(p.provider, provider_width + 2) << (declined.empty() ? "-" : declined)
              << "\n";
  }
}

constexpr size_t kLiveValuesShown = 10;
constexpr size_t kUnknownValuesShown = 5;

// "2.50x": how many times the plan is smaller than giving every value its own buffer.
std::string reuse_text(uint64_t naive, uint64_t planned) {
  if (planned == 0) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2fx",
                static_cast<double>(naive) / static_cast<double>(planned));
  return buffer;
}

// The symbolic dimensions of the model's inputs, which --dim can fix.
std::vector<std::string> input_dim_symbols(const Session& session) {
  std::vector<std::string> symbols;
  for (const ValueMetadata& input : session.inputs()) {
    for (const std::string& symbol : input.dim_symbols) {
      if (!symbol.empty() && std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
        symbols.push_back(symbol);
      }
    }
  }
  return symbols;
}

void print_memory_plan(const Session& session, const InspectArgs& inspect) {
  const MemoryPlanReport report = session.memory_report();
  std::cout << "model: " << inspect.model << "\n";
  std::cout << "providers: " << join_names(session.providers()) << "\n";
  std::cout << "executor: " << session.executor_name() << "\n";
  if (!inspect.session.dims.empty()) {
    std::string dims;
    for (const auto& [name, value] : inspect.session.dims) {
      dims += (dims.empty() ? "" : ", ") + name + "=" + std::to_string(value);
    }
    std::cout << "dims: " << dims << "\n";
  }
  std::cout << "memory plan:\n";
  if (inspect.session.no_memory_plan) {
    std::cout
        << "  off (--no-memory-plan): every intermediate value comes from the arena at run time\n";
  }
  for (const MemoryPlanReport::Memory& m : report.memories) {
    std::cout << "  " << m.device << ":\n";
    std::cout << "    planned activation peak: " << byte_text(m.planned_peak_bytes) << "\n";
    std::cout << "    weights: " << byte_text(m.weights_bytes) << "\n";
    std::cout << "    without reuse: " << byte_text(m.naive_bytes) << " (" << m.planned_values
              << " planned values, each in its own buffer)\n";
    std::cout << "    reuse ratio: " << reuse_text(m.naive_bytes, m.planned_peak_bytes) << "\n";
    if (m.planned_values == 0) continue;
    std::cout << "    peak at node: " << (m.peak_node.empty() ? "-" : m.peak_node) << "\n";
    std::vector<MemoryPlanReport::ValueBytes> live = m.live_at_peak;
    std::stable_sort(live.begin(), live.end(),
                     [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
    std::cout << "    alive at the peak (" << live.size() << " value"
              << (live.size() == 1 ? "" : "s")
              << (live.size() > kLiveValuesShown
                      ? ", largest " + std::to_string(kLiveValuesShown) + " shown"
                      : "")
              << "):\n";
    size_t name_width = 4;
    for (size_t i = 0; i < live.size() && i < kLiveValuesShown; ++i) {
      name_width = std::max(name_width, live[i].name.size());
    }
    for (size_t i = 0; i < live.size() && i < kLiveValuesShown; ++i) {
      std::cout << "      " << padded(live[i].name, name_width + 2) << byte_text(live[i].bytes)
                << "\n";
    }
  }
  std::cout << "total: planned activation peak " << byte_text(report.planned_peak_bytes)
            << ", weights " << byte_text(report.weights_bytes) << "\n";
  if (report.complete) {
    std::cout << "every intermediate size is known: this plan serves every run\n";
    return;
  }
  const std::vector<std::string>& unknown = report.unknown_size_values;
  std::string listed;
  for (size_t i = 0; i < unknown.size() && i < kUnknownValuesShown; ++i) {
    listed += (i ? ", " : "") + unknown[i];
  }
  if (unknown.size() > kUnknownValuesShown) {
    listed += " and " + std::to_string(unknown.size() - kUnknownValuesShown) + " more";
  }
  std::cout << "sizes depend on the inputs: " << unknown.size() << " intermediate value"
            << (unknown.size() == 1 ? "" : "s") << " not planned up front"
            << (listed.empty() ? "" : " (" + listed + ")")
            << "; they are planned on the first run of each input shape\n";
  const std::vector<std::string> symbols = input_dim_symbols(session);
  std::cout << "hint: fix the input dimensions with --dim NAME=VALUE";
  if (!symbols.empty()) std::cout << " (symbolic: " << join_names(symbols) << ")";
  std::cout << " to plan them up front\n";
}

}  // namespace

int inspect_command(const std::vector<std::string>& args) {
  const InspectArgs inspect = parse_inspect_args(args);
  if (inspect.help) {
    std::cout << inspect_help();
    return 0;
  }
  const Environment env = make_environment(inspect.verbosity);
  if (inspect.memory) {
    const Session session(env, inspect.model, make_session_options(inspect.session));
    check_dim_names(session, inspect.session.dims);
    print_memory_plan(session, inspect);
    return 0;
  }
  const Model model = load_model(inspect.model);
  print_model(model, inspect.model);
  std::cout.flush();
  // Partitioning can fail (an operator no provider supports) after the model itself loaded; the
  // structure above is printed first because it is what helps diagnose exactly that.
  const Session session(env, inspect.model, make_session_options(inspect.session));
  print_placement(session);
  return 0;
}

}  // namespace aruntime::cli
