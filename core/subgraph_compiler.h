// The session's SubgraphCompiler: plans subgraphs with the session's model, providers and arenas.
#pragma once

#include <vector>

#include "core/execution_provider.h"
#include "core/subgraph.h"

namespace aruntime {

class SessionSubgraphCompiler final : public SubgraphCompiler {
 public:
  SessionSubgraphCompiler(const Model& model, std::vector<const ExecutionProvider*> providers,
                          std::vector<Allocator*> arenas, Allocator* host_arena, PlacementOptions placement = {})
      : model_(model),
        providers_(std::move(providers)),
        arenas_(std::move(arenas)),
        host_arena_(host_arena),
        placement_(std::move(placement)) {}

  std::unique_ptr<CompiledSubgraph> compile(const Graph& subgraph) const override;

 private:
  const Model& model_;
  std::vector<const ExecutionProvider*> providers_;
  std::vector<Allocator*> arenas_;
  Allocator* host_arena_;
  PlacementOptions placement_;
};

}  // namespace aruntime
