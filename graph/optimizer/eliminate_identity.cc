// Identity and inference-mode Dropout copy their input: their output can be the input itself.
#include "graph/optimizer/redirect.h"
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
      // A copy between two graph boundaries (input or initializer to output) has to stay.
      if (is_copy(graph, graph.nodes[i]) && bypass_node(graph, i, std::string(graph.nodes[i].inputs[0]))) {
        ++changes;
      } else {
        ++i;
      }
    }
    return changes;
  }

 private:
  std::string name_ = "eliminate_identity";
};

}  // namespace

std::unique_ptr<GraphPass> make_eliminate_identity() { return std::make_unique<EliminateIdentity>(); }

}  // namespace aruntime::optimizer
