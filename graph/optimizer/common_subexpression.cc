// Two nodes with the same op, domain, inputs and attributes compute the same outputs (ONNX ops are
// pure functions of those, random ops aside): readers of the later node's outputs read the
// earlier node's, and the later node goes. Nodes are compared within one graph: a subgraph node
// and an outer node are never merged. Nodes with subgraphs are not compared (their bodies would
// have to be compared too).
#include <cstring>
#include <set>
#include <unordered_map>

#include "graph/optimizer/passes.h"
#include "graph/optimizer/redirect.h"

namespace aruntime::optimizer {
namespace {

bool same_tensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape() || a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  if (!a.device().is_cpu() || !b.device().is_cpu()) return false;
  if (a.dtype() == DataType::kString) {
    for (int64_t k = 0; k < a.num_elements(); ++k) {
      if (a.data<std::string>()[k] != b.data<std::string>()[k]) return false;
    }
    return true;
  }
  return a.byte_size() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

// Floats compare by bits: 0.0 and -0.0 are different attributes, and a NaN equals itself.
bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool same_attribute(const Attribute& a, const Attribute& b) {
  if (a.name != b.name || a.type != b.type || a.i != b.i || a.s != b.s ||
      !same_floats({a.f}, {b.f}) || a.ints != b.ints || a.strings != b.strings ||
      !same_floats(a.floats, b.floats) || a.tensors.size() != b.tensors.size() ||
      !same_tensor(a.t, b.t) || a.type_proto.to_string() != b.type_proto.to_string()) {
    return false;
  }
  for (size_t k = 0; k < a.tensors.size(); ++k) {
    if (!same_tensor(a.tensors[k], b.tensors[k])) return false;
  }
  return true;
}

const Attribute* attribute_named(const Node& node, const std::string& name) {
  for (const Attribute& a : node.attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

bool same_attributes(const Node& a, const Node& b) {
  if (a.attributes.size() != b.attributes.size()) return false;
  for (const Attribute& attr : a.attributes) {
    const Attribute* other = attribute_named(b, attr.name);
    if (other == nullptr || !same_attribute(attr, *other)) return false;
  }
  return true;
}

bool comparable(const Node& node) {
  static const std::set<std::string> random = {
      "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
      "Bernoulli",    "Multinomial",      "Dropout"};
  if (random.count(node.op_type) || node.outputs.empty()) return false;
  for (const Attribute& a : node.attributes) {
    if (a.g || !a.graphs.empty() || a.type == Attribute::Type::kGraph ||
        a.type == Attribute::Type::kGraphs) {
      return false;
    }
  }
  return true;
}

// Op, domain and inputs: nodes with equal keys are then compared attribute by attribute.
std::string key_of(const Node& node) {
  std::string key = node.op_type + '\n' + node.domain;
  for (const auto& in : node.inputs) key += '\n' + in;
  return key + '\n' + std::to_string(node.outputs.size());
}

class CommonSubexpression final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    std::unordered_map<std::string, std::vector<size_t>> seen;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      if (!comparable(node)) continue;
      std::vector<size_t>& candidates = seen[key_of(node)];
      size_t match = i;
      for (size_t c : candidates) {
        if (same_attributes(graph.nodes[c], node) && outputs_can_merge(graph, graph.nodes[c], i)) {
          match = c;
          break;
        }
      }
      if (match == i) {
        candidates.push_back(i);
        continue;
      }
      bool renamed_producer = false;
      const Node later = graph.nodes[i];
      for (size_t k = 0; k < later.outputs.size(); ++k) {
        if (later.outputs[k].empty()) continue;
        renamed_producer |= graph.is_graph_output(later.outputs[k]);
        redirect_reads(graph, later.outputs[k], graph.nodes[match].outputs[k], i);
      }
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      ++changes;
      if (renamed_producer) {
        // An earlier node's output took the graph output's name, which changed the inputs (and
        // so the keys) of nodes already seen: start the sweep again.
        seen.clear();
        i = static_cast<size_t>(-1);
      } else {
        --i;  // the next node moved into slot i; the table's entries all precede it
      }
    }
    return changes;
  }

 private:
  // Every output the later node (graph.nodes[later]) produces the earlier one produces too, and
  // each can stand in for it.
  static bool outputs_can_merge(const Graph& graph, const Node& earlier, size_t later) {
    const Node& node = graph.nodes[later];
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      if (earlier.outputs[k].empty()) return false;
      if (!can_redirect_reads(graph, node.outputs[k], earlier.outputs[k], later)) return false;
    }
    return true;
  }

  std::string name_ = "common_subexpression";
};

}  // namespace

std::unique_ptr<GraphPass> make_common_subexpression() {
  return std::make_unique<CommonSubexpression>();
}

}  // namespace aruntime::optimizer
