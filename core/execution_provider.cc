#include "core/execution_provider.h"

#include <algorithm>
#include <utility>

namespace aruntime {

namespace {
std::vector<DataType> types_of(const Graph& graph, const std::vector<std::string>& names) {
  std::vector<DataType> t;
  t.reserve(names.size());
  for (const auto& n : names) {
    const TypeInfo* info = n.empty() ? nullptr : graph.find_type(n);
    t.push_back(info ? info->dtype : DataType::kUndefined);
  }
  return t;
}
}  // namespace

std::vector<DataType> GraphView::input_types(const Node& node) const {
  return types_of(graph_, node.inputs);
}

std::vector<DataType> GraphView::output_types(const Node& node) const {
  return types_of(graph_, node.outputs);
}

std::vector<ValueKind> GraphView::input_kinds(const Node& node) const {
  std::vector<ValueKind> kinds;
  kinds.reserve(node.inputs.size());
  for (const auto& n : node.inputs) {
    const TypeInfo* info = n.empty() ? nullptr : graph_.find_type(n);
    kinds.push_back(info ? info->kind : ValueKind::kTensor);
  }
  return kinds;
}

std::unique_ptr<OpKernel> ExecutionProvider::create_kernel(const CapabilityClaim& claim,
                                                           const KernelInfo& info) const {
  if (claim.kernel == nullptr || !claim.kernel->factory) {
    throw_error(ErrorCode::kNotImplemented,
                "provider " + name() + " made a kernel claim without a kernel for " + info.node().describe());
  }
  return claim.kernel->factory(info);
}

std::unique_ptr<OpKernel> ExecutionProvider::compile(const Graph& fused_subgraph, const Model&) const {
  throw_error(ErrorCode::kNotImplemented,
              "provider " + name() + " cannot compile fused group '" + fused_subgraph.name + "'");
}

bool ExecutionProvider::can_run(const std::string&, const std::string&) const {
  return false;
}

bool KernelRegistryProvider::can_run(const std::string& domain, const std::string& op_type) const {
  const auto ops = registry_.ops();
  return std::find(ops.begin(), ops.end(), std::make_pair(domain, op_type)) != ops.end();
}

CapabilityReport KernelRegistryProvider::capabilities(const GraphView& view) const {
  CapabilityReport report;
  for (NodeIndex i = 0; i < view.num_nodes(); ++i) {
    if (!view.is_available(i)) continue;
    const Node& node = view.node(i);
    KernelMatch m = registry_.find(node, view.opset(node), view.input_types(node), view.output_types(node),
                                   view.input_kinds(node));
    if (m) {
      report.claims.push_back({CapabilityClaim::Kind::kKernel, {i}, m.def});
    } else {
      report.declines.push_back({i, m.reason});
    }
  }
  return report;
}

}  // namespace aruntime
