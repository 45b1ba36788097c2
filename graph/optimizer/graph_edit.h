// Small edits the passes share: renaming a value everywhere it is read (subgraphs included) and
// fresh names for values a pass creates.
#pragma once

#include <string>

#include "graph/ir.h"

namespace aruntime::optimizer {

// Replaces every read of `from` by `to` in `graph`'s nodes and, recursively, in its subgraphs
// (which see outer values by name). Graph outputs are not touched.
void rename_reads(Graph& graph, const std::string& from, const std::string& to);

// True when `value` is read inside a subgraph of one of `graph`'s nodes.
bool read_by_subgraph(const Graph& graph, const std::string& value);

// `base` if no value or node of `graph` (or an enclosing graph) uses it, else base_2, base_3...
std::string fresh_value_name(const Graph& graph, const std::string& base);

}  // namespace aruntime::optimizer
