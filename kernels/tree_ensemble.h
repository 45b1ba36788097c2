// Decision-tree ensembles as the ai.onnx.ml tree operators describe them (TreeEnsembleRegressor,
// TreeEnsembleClassifier and the opset-5 TreeEnsemble). The operators' different attribute
// layouts are converted by their kernels into one flat form: nodes addressed by index, leaves
// being nodes that carry (target, weight) pairs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aruntime::kernels {

enum class TreeNodeMode { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };
enum class TreeAggregate { kSum, kAverage, kMin, kMax };
enum class PostTransform { kNone, kSoftmax, kLogistic, kSoftmaxZero, kProbit };

struct TreeNode {
  TreeNodeMode mode = TreeNodeMode::kLeaf;
  int64_t feature = 0;
  double threshold = 0.0;
  int64_t true_child = -1;   // node index
  int64_t false_child = -1;  // node index
  bool missing_tracks_true = false;
  std::vector<double> members;  // set of kMember nodes
  // Leaves: the range [first_weight, first_weight + num_weights) of TreeEnsembleModel::weights.
  int64_t first_weight = 0;
  int64_t num_weights = 0;
};

struct LeafWeight {
  int64_t target = 0;
  double weight = 0.0;
};

struct TreeEnsembleModel {
  std::vector<TreeNode> nodes;
  std::vector<int64_t> roots;
  std::vector<LeafWeight> weights;
  int64_t n_targets = 1;
  TreeAggregate aggregate = TreeAggregate::kSum;
  std::vector<double> base_values;  // empty, or one per target

  // Checks roots, child indices, leaf weight ranges and target ids; throws Error(kInvalidModel)
  // prefixed with `what` (the node's description).
  void validate(const std::string& what) const;
  // Largest feature index any branch reads, or -1.
  int64_t max_feature() const;
};

// Parses "SUM"/"AVERAGE"/"MIN"/"MAX" and "NONE"/"SOFTMAX"/"LOGISTIC"/"SOFTMAX_ZERO"/"PROBIT";
// throws Error(kInvalidModel) prefixed with `what` for anything else.
TreeAggregate parse_aggregate(const std::string& name, const std::string& what);
PostTransform parse_post_transform(const std::string& name, const std::string& what);

// scores (rows x n_targets) = aggregate over trees of the weights of the leaves that row reaches,
// plus base_values; `x` is rows x num_features, row-major. Throws Error(kInvalidArgument) when a
// branch reads a feature beyond num_features.
void evaluate_tree_ensemble(const TreeEnsembleModel& model, const double* x, int64_t rows,
                            int64_t num_features, double* scores, const std::string& what);

// Applies `transform` to one row of scores in place.
void apply_post_transform(PostTransform transform, double* row, int64_t n);

// sqrt(2) * erfinv(2p - 1), the inverse of the standard normal CDF.
double probit(double p);

}  // namespace aruntime::kernels
