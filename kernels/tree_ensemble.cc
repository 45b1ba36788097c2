#include "kernels/tree_ensemble.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aruntime/status.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

bool goes_true(const TreeNode& node, double v) {
  if (std::isnan(v) && node.missing_tracks_true) return true;
  switch (node.mode) {
    case TreeNodeMode::kLeq:
      return v <= node.threshold;
    case TreeNodeMode::kLt:
      return v < node.threshold;
    case TreeNodeMode::kGte:
      return v >= node.threshold;
    case TreeNodeMode::kGt:
      return v > node.threshold;
    case TreeNodeMode::kEq:
      return v == node.threshold;
    case TreeNodeMode::kNeq:
      return v != node.threshold;
    case TreeNodeMode::kMember:
      return std::find(node.members.begin(), node.members.end(), v) != node.members.end();
    case TreeNodeMode::kLeaf:
      break;
  }
  return false;
}

}  // namespace

void TreeEnsembleModel::validate(const std::string& what) const {
  const auto count = static_cast<int64_t>(nodes.size());
  auto bad = [&](const std::string& msg) {
    throw_error(ErrorCode::kInvalidModel, what + ": " + msg);
  };
  if (n_targets < 1)
    bad("the number of targets/classes must be at least 1, got " + std::to_string(n_targets));
  if (!base_values.empty() && static_cast<int64_t>(base_values.size()) != n_targets) {
    bad("base_values has " + std::to_string(base_values.size()) + " values, expected " +
        std::to_string(n_targets));
  }
  for (int64_t r : roots) {
    if (r < 0 || r >= count) bad("tree root " + std::to_string(r) + " is not a node index");
  }
  for (int64_t i = 0; i < count; ++i) {
    const TreeNode& n = nodes[i];
    if (n.mode == TreeNodeMode::kLeaf) {
      if (n.first_weight < 0 || n.num_weights < 0 ||
          n.first_weight + n.num_weights > static_cast<int64_t>(weights.size())) {
        bad("leaf " + std::to_string(i) + " has an invalid weight range");
      }
      continue;
    }
    if (n.true_child < 0 || n.true_child >= count || n.false_child < 0 || n.false_child >= count) {
      bad("node " + std::to_string(i) + " has a child outside the tree (true " +
          std::to_string(n.true_child) + ", false " + std::to_string(n.false_child) + ")");
    }
    if (n.feature < 0)
      bad("node " + std::to_string(i) + " has negative feature id " + std::to_string(n.feature));
  }
  for (const LeafWeight& w : weights) {
    if (w.target < 0 || w.target >= n_targets) {
      bad("leaf target/class id " + std::to_string(w.target) + " is outside [0, " +
          std::to_string(n_targets) + ")");
    }
  }
}

int64_t TreeEnsembleModel::max_feature() const {
  int64_t m = -1;
  for (const TreeNode& n : nodes) {
    if (n.mode != TreeNodeMode::kLeaf) m = std::max(m, n.feature);
  }
  return m;
}

TreeAggregate parse_aggregate(const std::string& name, const std::string& what) {
  if (name == "SUM") return TreeAggregate::kSum;
  if (name == "AVERAGE") return TreeAggregate::kAverage;
  if (name == "MIN") return TreeAggregate::kMin;
  if (name == "MAX") return TreeAggregate::kMax;
  throw_error(ErrorCode::kInvalidModel,
              what + ": aggregate_function must be SUM, AVERAGE, MIN or MAX, got '" + name + "'");
}

PostTransform parse_post_transform(const std::string& name, const std::string& what) {
  if (name == "NONE") return PostTransform::kNone;
  if (name == "SOFTMAX") return PostTransform::kSoftmax;
  if (name == "LOGISTIC") return PostTransform::kLogistic;
  if (name == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  if (name == "PROBIT") return PostTransform::kProbit;
  throw_error(
      ErrorCode::kInvalidModel,
      what + ": post_transform must be NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or PROBIT, got '" +
          name + "'");
}

void evaluate_tree_ensemble(const TreeEnsembleModel& model, const double* x, int64_t rows,
                            int64_t num_features, double* scores, const std::string& what) {
  if (model.max_feature() >= num_features) {
    throw_error(ErrorCode::kInvalidArgument,
                what + ": the trees read feature " + std::to_string(model.max_feature()) +
                    " but input X has " + std::to_string(num_features) + " features per row");
  }
  const int64_t targets = model.n_targets;
  const auto node_count = static_cast<int64_t>(model.nodes.size());
  const auto tree_count = static_cast<int64_t>(model.roots.size());
  const int64_t cost = std::max<int64_t>(1, tree_count * 16);
  parallel_for(rows, cost, [&](int64_t begin, int64_t end) {
    std::vector<char> hit(static_cast<size_t>(targets));
    for (int64_t r = begin; r < end; ++r) {
      const double* row = x + r * num_features;
      double* out = scores + r * targets;
      std::fill(out, out + targets, 0.0);
      std::fill(hit.begin(), hit.end(), 0);
      for (int64_t root : model.roots) {
        int64_t index = root;
        // A malformed model could link nodes in a cycle; a path longer than the node count is one.
        int64_t steps = 0;
        while (model.nodes[index].mode != TreeNodeMode::kLeaf) {
          const TreeNode& n = model.nodes[index];
          index = goes_true(n, row[n.feature]) ? n.true_child : n.false_child;
          if (++steps > node_count) {
            throw_error(ErrorCode::kInvalidModel, what + ": the tree rooted at node " +
                                                      std::to_string(root) + " contains a cycle");
          }
        }
        const TreeNode& leaf = model.nodes[index];
        for (int64_t k = 0; k < leaf.num_weights; ++k) {
          const LeafWeight& w = model.weights[leaf.first_weight + k];
          double& s = out[w.target];
          switch (model.aggregate) {
            case TreeAggregate::kSum:
            case TreeAggregate::kAverage:
              s += w.weight;
              break;
            case TreeAggregate::kMin:
              s = hit[w.target] ? std::min(s, w.weight) : w.weight;
              break;
            case TreeAggregate::kMax:
              s = hit[w.target] ? std::max(s, w.weight) : w.weight;
              break;
          }
          hit[w.target] = 1;
        }
      }
      if (model.aggregate == TreeAggregate::kAverage && tree_count > 0) {
        for (int64_t t = 0; t < targets; ++t) out[t] /= static_cast<double>(tree_count);
      }
      if (!model.base_values.empty()) {
        for (int64_t t = 0; t < targets; ++t) out[t] += model.base_values[t];
      }
    }
  });
}

double probit(double p) {
  if (std::isnan(p)) return p;
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  // erfinv(y) by Winitzki's closed-form approximation, refined with Newton steps on erf.
  const double y = 2.0 * p - 1.0;
  const double a = 0.147;
  const double pi = 3.14159265358979323846;
  const double ln = std::log(1.0 - y * y);
  const double t = 2.0 / (pi * a) + ln / 2.0;
  double z = std::copysign(std::sqrt(std::sqrt(t * t - ln / a) - t), y);
  for (int i = 0; i < 4; ++i) {
    const double slope = 2.0 / std::sqrt(pi) * std::exp(-z * z);
    if (slope == 0.0) break;
    z -= (std::erf(z) - y) / slope;
  }
  return std::sqrt(2.0) * z;
}

void apply_post_transform(PostTransform transform, double* row, int64_t n) {
  switch (transform) {
    case PostTransform::kNone:
      return;
    case PostTransform::kLogistic:
      for (int64_t i = 0; i < n; ++i) row[i] = 1.0 / (1.0 + std::exp(-row[i]));
      return;
    case PostTransform::kProbit:
      for (int64_t i = 0; i < n; ++i) row[i] = probit(row[i]);
      return;
    case PostTransform::kSoftmax:
    case PostTransform::kSoftmaxZero: {
      // SOFTMAX_ZERO leaves exact zeros at zero and normalises over the other entries only.
      const bool skip_zero = transform == PostTransform::kSoftmaxZero;
      double peak = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < n; ++i) {
        if (!(skip_zero && row[i] == 0.0)) peak = std::max(peak, row[i]);
      }
      double total = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        if (skip_zero && row[i] == 0.0) continue;
        row[i] = std::exp(row[i] - peak);
        total += row[i];
      }
      if (total <= 0.0) return;
      for (int64_t i = 0; i < n; ++i) row[i] /= total;
      return;
    }
  }
}

}  // namespace aruntime::kernels
