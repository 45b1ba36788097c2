// Div(a, c) with c a float constant becomes Mul(a, 1/c): multiplying is cheaper than dividing,
// and Mul is what later fusions look for. Only float32 and float64: for integers 1/c is not an
// integer, and in float16 the rounded reciprocal would cost up to a unit of the result's last
// place. The reciprocal is computed in double and rounded once; a c whose reciprocal is not a
// normal number (|c| beyond 1/FLT_MIN, or subnormal) is left alone, since a/c and a*(1/c) then
// differ by more than rounding. Zeros, infinities and NaNs are fine: 1/0 = inf and 1/inf = 0
// give the same results as dividing (0*inf and inf*0 are NaN like 0/0 and inf/inf).
#include <cmath>
#include <map>
#include <optional>

#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

template <typename T>
bool reciprocal_is_safe(T c) {
  if (c == 0 || std::isinf(c) || std::isnan(c)) return true;
  const T r = static_cast<T>(1.0 / static_cast<double>(c));
  return std::isnormal(r);
}

template <typename T>
std::optional<Tensor> reciprocal(const Tensor& c) {
  Tensor r(c.dtype(), c.shape());
  const T* in = c.data<T>();
  T* out = r.data<T>();
  for (int64_t k = 0; k < c.num_elements(); ++k) {
    if (!reciprocal_is_safe(in[k])) return std::nullopt;
    out[k] = static_cast<T>(1.0 / static_cast<double>(in[k]));
  }
  return r;
}

class DivToMul final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    std::map<std::string, std::string> reciprocals;  // divisor -> its reciprocal, made once per run
    for (Node& node : graph.nodes) {
      if (node.op_type != "Div" || !node.domain.empty() || node.inputs.size() != 2 ||
          !node.has_input(0) || !node.has_input(1)) {
        continue;
      }
      // Both constant: constant_folding divides exactly.
      if (graph.constant(node.inputs[0]) != nullptr) continue;
      const Tensor* divisor = graph.constant(node.inputs[1]);
      if (divisor == nullptr) continue;
      if (auto it = reciprocals.find(node.inputs[1]); it != reciprocals.end()) {
        node.op_type = "Mul";
        node.inputs[1] = it->second;
        ++changes;
        continue;
      }
      std::optional<Tensor> inverse;
      if (divisor->dtype() == DataType::kFloat32) inverse = reciprocal<float>(*divisor);
      if (divisor->dtype() == DataType::kFloat64) inverse = reciprocal<double>(*divisor);
      if (!inverse) continue;
      const std::string name = fresh_value_name(graph, node.inputs[1] + "_reciprocal");
      std::vector<Dim> dims;
      for (int64_t d : inverse->shape().dims()) dims.push_back(Dim::fixed(d));
      graph.value_types[name] = TypeInfo{ValueKind::kTensor, inverse->dtype(), dims};
      graph.initializers[name] = std::move(*inverse);
      reciprocals[node.inputs[1]] = name;
      node.op_type = "Mul";
      node.inputs[1] = name;
      ++changes;
    }
    return changes;
  }

 private:
  std::string name_ = "div_to_mul";
};

}  // namespace

std::unique_ptr<GraphPass> make_div_to_mul() {
  return std::make_unique<DivToMul>();
}

}  // namespace aruntime::optimizer
