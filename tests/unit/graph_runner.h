// Runs a GraphBuilder graph through the real partitioner, plan builder and sequential executor on
// the given providers, for tests that compare a graph's outputs before and after a rewrite.
#pragma once

#include <vector>

#include "core/execution_provider.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime::testing {

// Fills element types (infer_types), partitions without function expansion, plans on a host
// arena and runs once.
std::vector<Tensor> run_graph(GraphBuilder& b, const std::vector<const ExecutionProvider*>& providers,
                              std::vector<Tensor> inputs);

// run_graph on a fresh CPU provider.
std::vector<Tensor> run_graph_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs);

}  // namespace aruntime::testing
