// Identity and inference-mode Dropout copy their input: their output can be the input itself.
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// Dropout is the identity when it does not train: no training_mode input, or a constant false
// one, and its mask output unused (the mask would be all true, but it is a separate value).
bool is_copy(const Graph& graph, const Node& node) {
  if (!node.domain.empty() || node.inputs.empty() || node.inputs[0].empty() || node.outputs.empty()) return false;
  if (node.op_type == "Identity") return node.outputs.size() == 1;
  if (node.op_type != "Dropout") return false;
  if (node.has_output(1)) return false;
  if (node.has_input(2)) {
    const Tensor* training = graph.constant(node.inputs[2]);
    if (training == nullptr || training->dtype() != DataType::kBool || training->num_elements() != 1 ||
        training->data<bool>()[0]) {
      return false;
    }
  }
  return true;
}

class EliminateIdentity final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size();) {
      const Node& node = graph.nodes[i];
      if (!is_copy(graph, node)) {
        ++i;
        continue;
      }
      const std::string in = node.inputs[0];
      const std::string out = node.outputs[0];
      if (!graph.is_graph_output(out)) {
        rename_reads(graph, out, in);
      } else if (!rename_producer_output(graph, i, in, out)) {
        ++i;  // both ends are graph boundaries: the copy has to stay
        continue;
      }
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      ++changes;
    }
    return changes;
  }

 private:
  // out is a graph output: let the producer of `in` write `out` directly, when `in` is an
  // intermediate value of this graph that is not itself a graph output.
  static bool rename_producer_output(Graph& graph, size_t copy_index, const std::string& in, const std::string& out) {
    if (graph.is_graph_output(in) || graph.is_graph_input(in) || graph.is_initializer(in)) return false;
    for (size_t p = 0; p < copy_index; ++p) {
      for (auto& o : graph.nodes[p].outputs) {
        if (o != in) continue;
        o = out;
        rename_reads(graph, in, out);
        return true;
      }
    }
    return false;  // produced in an enclosing graph
  }

  std::string name_ = "eliminate_identity";
};

}  // namespace

std::unique_ptr<GraphPass> make_eliminate_identity() { return std::make_unique<EliminateIdentity>(); }

}  // namespace aruntime::optimizer
