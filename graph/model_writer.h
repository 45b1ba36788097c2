// Model -> ModelProto: the inverse of the loader, so that a model the runtime has transformed
// (type and shape inference, the graph optimizer) can be saved and loaded again, by aruntime or by
// any other ONNX runtime. Nodes, attributes of every kind (subgraphs included), initializers, graph
// inputs and outputs, opset imports and the IR version are written back; so are the types of
// intermediate values (value_info), which keeps the shapes the runtime inferred.
//
// What the IR does not keep is not written: doc strings, metadata_props, model-local functions
// (the loader inlined them) and the sparse form of sparse initializers (written dense).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "graph/ir.h"

namespace onnx {
class ModelProto;
}

namespace aruntime {

// What written models give as producer_version (producer_name is "aruntime"); the CLI's --version.
inline constexpr std::string_view kAruntimeVersion = "0.1.0";

struct ModelWriteOptions {
  // Initializers (of every graph, subgraphs included) whose stored bytes reach the threshold go to
  // one external data file next to the model; smaller ones, string tensors and tensor attributes
  // stay inside the model. Stored bytes are those of raw_data (4-bit types packed two per byte).
  bool external_data = false;
  uint64_t external_threshold_bytes = 1024;
  // The data file's path relative to the model's folder (no absolute path, no '..'); empty: the
  // model's file name + ".data".
  std::string external_location;
  // Every tensor starts at a multiple of this offset in the data file, so that a reader mapping the
  // whole file gets SIMD-aligned tensors in place. Must be a power of two.
  uint64_t external_alignment = 64;
};

struct ModelWriteResult {
  uint64_t model_bytes = 0;
  std::string external_path;  // the data file written; empty when no tensor went external
  uint64_t external_bytes = 0;
  size_t external_tensors = 0;
};

// Converts `model` with every tensor inline. Throws Error(kInvalidArgument), naming the value,
// node or attribute, for what ONNX cannot express as the IR holds it: a graph input or output
// whose type the IR does not describe (a sparse tensor, an element type aruntime does not
// support), an attribute without a type, a tensor that is not on the host.
void model_to_proto(const Model& model, onnx::ModelProto& proto);

// model_to_proto, serialized. Throws Error(kInvalidArgument) above protobuf's 2 GiB limit.
std::string serialize_model(const Model& model);

// Writes `model` to `path` (and, with external data, the data file next to it), replacing
// existing files. Errors: kInvalidArgument as model_to_proto, or for a bad external location or
// alignment, or a model that stays above 2 GiB; kIoError when a file cannot be written.
ModelWriteResult write_model(const Model& model, const std::string& path,
                             const ModelWriteOptions& options = {});

}  // namespace aruntime
