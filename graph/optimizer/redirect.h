// Removing a node whose output holds a value the graph already has (a no-op, the second of two
// inverse ops, a duplicate): its readers read the existing value instead. Graph outputs keep their
// names, so when the removed output is one, the existing value's producer writes it directly, as
// eliminate_identity does for Identity.
#pragma once

#include <string>

#include "graph/ir.h"

namespace aruntime::optimizer {

// Whether the readers of `from` (nodes, subgraphs, a graph output) can read `to` instead once the
// node producing `from`, graph.nodes[producer], is gone. False only when `from` is a graph output
// and `to` cannot take its name: `to` is a graph input, an initializer, a graph output itself, or
// not produced by a node before `producer` in this graph.
bool can_redirect_reads(const Graph& graph, const std::string& from, const std::string& to,
                        size_t producer);

// Makes the readers of `from` read `to` (or, when `from` is a graph output, renames `to` to
// `from`); call only after can_redirect_reads said yes. The node producing `from` is left for the
// caller to remove. Takes the names by value: they may be node outputs this renames.
void redirect_reads(Graph& graph, std::string from, std::string to, size_t producer);

// Removes graph.nodes[index], whose output 0 (its only used output) equals `source` in type,
// shape and elements, redirecting its readers to `source`. Returns false, leaving the graph as it
// was, when the output is a graph output that `source` cannot stand in for.
bool bypass_node(Graph& graph, size_t index, const std::string& source);

}  // namespace aruntime::optimizer
