// ModelProto -> Model. The loader parses with the ONNX protobuf messages of libonnx-dev, converts
// into the IR of graph/ir.h, inlines model-local functions, sorts topologically and validates.
// Every failure is an Error(kInvalidModel or kIoError) whose one-line message starts with the
// model's origin and names the node or value involved.
#pragma once

#include <cstdint>
#include <string>

#include "graph/ir.h"

namespace onnx {
class NodeProto;
}

namespace aruntime {

// Newest IR version and opsets this runtime loads.
inline constexpr int64_t kMaxIrVersion = 11;
inline constexpr int64_t kMinIrVersion = 3;
inline constexpr int64_t kMaxOnnxOpset = 23;
inline constexpr int64_t kMaxOnnxMlOpset = 5;

struct LoadOptions {
  // Refuse model files (and external data files) larger than this.
  uint64_t max_file_bytes = uint64_t{1} << 40;
  // Sparse tensors (sparse initializers, Constant's sparse_value) are stored dense; refuse those
  // whose dense form would be larger than this, since a few bytes may describe a huge tensor.
  uint64_t max_sparse_dense_bytes = uint64_t{1} << 32;
};

// Loads `path`. External data files resolve relative to the model's folder and must stay inside it.
Model load_model(const std::string& path, const LoadOptions& options = {});

// Loads serialized bytes. `origin` names the model in errors. External data resolves against
// `base_dir`; with an empty `base_dir` any external data is refused.
Model load_model_from_bytes(const std::string& bytes, const std::string& origin,
                            const std::string& base_dir, const LoadOptions& options = {});

// Converts one NodeProto into the IR, with the loader's checks, for passes that build nodes from
// ONNX messages (function bodies). Subgraph attributes hang off `owner`; external data is refused.
Node node_from_proto(onnx::NodeProto& proto, Graph& owner, const std::string& origin);

}  // namespace aruntime
