// aruntime inspect: what a model contains and where the session would run each node.
#include <algorithm>
#include <iostream>
#include <map>

#include "graph/loader.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/operator_counts.h"
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

}  // namespace

int inspect_command(const std::vector<std::string>& args) {
  const InspectArgs inspect = parse_inspect_args(args);
  if (inspect.help) {
    std::cout << inspect_help();
    return 0;
  }
  const Environment env = make_environment(inspect.verbosity);
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
