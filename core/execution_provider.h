// The execution-provider contract. At partition time an EP answers one question — which of these
// nodes can you take? — with claims: a single node to run with one of its kernels, or a group of
// connected nodes to be fused into one node and compiled by the EP. Each EP also brings an
// allocator for its device memory and a data transfer for copies to and from host memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aruntime/allocator.h"
#include "aruntime/device.h"
#include "aruntime/session.h"
#include "core/arena.h"
#include "core/kernel.h"
#include "core/kernel_registry.h"
#include "graph/ir.h"

namespace aruntime {

// What an EP sees while claiming: the graph, which nodes are still free, and the inferred types.
class GraphView {
 public:
  // `pinned_here` (optional) marks nodes the user pinned to the provider being asked.
  GraphView(const Model& model, const Graph& graph, const std::vector<bool>& assigned,
            const std::vector<bool>* pinned_here = nullptr)
      : model_(model), graph_(graph), assigned_(assigned), pinned_here_(pinned_here) {}

  const Model& model() const { return model_; }
  const Graph& graph() const { return graph_; }
  size_t num_nodes() const { return graph_.nodes.size(); }
  const Node& node(NodeIndex i) const { return graph_.nodes[i]; }
  bool is_available(NodeIndex i) const { return !assigned_[i]; }
  // True when the user pinned node i to this provider (PlacementOptions::assignments): a
  // provider should take it even where its own size or cost heuristics would not.
  bool is_pinned(NodeIndex i) const { return pinned_here_ != nullptr && (*pinned_here_)[i]; }
  int64_t opset(const Node& node) const { return model_.opset(node.domain); }
  std::vector<DataType> input_types(const Node& node) const;
  std::vector<DataType> output_types(const Node& node) const;
  std::vector<ValueKind> input_kinds(const Node& node) const;

 private:
  const Model& model_;
  const Graph& graph_;
  const std::vector<bool>& assigned_;
  const std::vector<bool>* pinned_here_;
};

struct CapabilityClaim {
  enum class Kind { kKernel, kFusedGroup };
  Kind kind = Kind::kKernel;
  std::vector<NodeIndex> nodes;      // one node for kKernel; the group for kFusedGroup
  const KernelDef* kernel = nullptr;  // for kKernel
};

struct Decline {
  NodeIndex node = 0;
  std::string reason;  // "op not supported", "input 0 type float64 not supported (T: float32)"...
};

struct CapabilityReport {
  std::vector<CapabilityClaim> claims;
  std::vector<Decline> declines;
};

// Copies between host memory and an EP's device memory.
class DataTransfer {
 public:
  virtual ~DataTransfer() = default;
  virtual bool can_copy(Device src, Device dst) const = 0;
  // dst is allocated with src's dtype and shape on the destination device.
  virtual void copy(const Tensor& src, Tensor& dst) const = 0;
};

enum class PreferredLayout {
  kChannelsFirst,    // NCHW, as ONNX defines the ops
  kBlockedChannels,  // [N, C/16, H, W, 16] through aruntime's Nchwc* ops where they apply
};

class ExecutionProvider {
 public:
  virtual ~ExecutionProvider() = default;

  virtual const std::string& name() const = 0;  // "cpu", "gpu", "npu"
  virtual Device device() const = 0;
  // Claims nodes of `view` that are still available; explains every available node it declines.
  virtual CapabilityReport capabilities(const GraphView& view) const = 0;
  // Creates the kernel for a kKernel claim (the prepare step runs here).
  virtual std::unique_ptr<OpKernel> create_kernel(const CapabilityClaim& claim,
                                                  const KernelInfo& info) const;
  // Compiles a kFusedGroup claim into one kernel; `model` gives the opsets its nodes use. The
  // default refuses: kernel-only EPs never return group claims.
  virtual std::unique_ptr<OpKernel> compile(const Graph& fused_subgraph, const Model& model) const;
  // Device memory from which the session builds this EP's arena.
  virtual std::shared_ptr<Allocator> allocator() const = 0;
  // Host<->device copies; nullptr for an EP that works in host memory.
  virtual const DataTransfer* data_transfer() const { return nullptr; }
  // How the session's arena over this EP's memory grows; `defaults` are the session's. A device
  // with a small memory budget asks for chunks that fit it.
  virtual ArenaOptions arena_options(const ArenaOptions& defaults) const { return defaults; }
  // Figures on the programs this EP compiled (empty for kernel-only EPs).
  virtual std::vector<ProviderProgramStats> statistics() const { return {}; }
  // True when constants (initializers) read by this EP's nodes should be copied to its device once,
  // when the session is created, instead of at every run: device EPs whose kernels run from
  // device memory say yes. Host-memory EPs never need copies.
  virtual bool keeps_constants_on_device() const { return false; }
  // Called on the run's thread before the run's first step and after its last step, also when the
  // run failed or was cancelled. A device EP makes its device current in begin_run; in end_run it
  // waits for the work it queued (so that values left in device memory are complete when the run
  // returns) and reports asynchronous device errors by throwing Error.
  virtual void begin_run() const {}
  virtual void end_run() const {}
  // Figures measured on the device over the session's runs; nullopt for host-memory EPs.
  virtual std::optional<ProviderDeviceStats> device_stats() const { return std::nullopt; }
  // True when this EP has a kernel for some version of `domain`'s `op_type` (types aside). The
  // session fuses nodes placed on this EP after partitioning only when it can run every op the
  // fusions write (graph/optimizer/fused_domain.h). The default says no: a compiling EP fuses
  // within its own groups.
  virtual bool can_run(const std::string& domain, const std::string& op_type) const;
  // The data layout this EP's convolutions want. kBlockedChannels asks the level-3 layout pass to
  // move the CNN regions placed on this EP into the blocked channel layout (kernels/nchwc.h); the
  // session does so only when the EP can run every op that pass writes (fused_domain.h
  // kBlockedLayoutOps).
  virtual PreferredLayout preferred_layout() const { return PreferredLayout::kChannelsFirst; }
};

// An EP whose capability is exactly its kernel registry: it claims each available node for which
// `find` returns a kernel, and declines the rest with the registry's reason.
class KernelRegistryProvider : public ExecutionProvider {
 public:
  CapabilityReport capabilities(const GraphView& view) const override;
  // Whatever the registry holds a kernel for.
  bool can_run(const std::string& domain, const std::string& op_type) const override;
  const KernelRegistry& registry() const { return registry_; }

 protected:
  KernelRegistry registry_;
};

}  // namespace aruntime
