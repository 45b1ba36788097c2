// Operator histogram of a graph and its subgraphs, for `inspect` and `optimize`.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "graph/ir.h"

namespace aruntime::cli {

struct OperatorCounts {
  std::map<std::string, int64_t> by_op;  // "Conv", or "FusedConv (com.microsoft)"
  int64_t top_level = 0;
  int64_t in_subgraphs = 0;
};

OperatorCounts count_operators(const Graph& graph);

}  // namespace aruntime::cli
