#include "tools/aruntime/feeds.h"

#include <set>

#include "graph/tensor_proto.h"
#include "tools/aruntime/random_inputs.h"
#include "tools/aruntime/tensor_files.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime::cli {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "none" : text;
}

bool matches_declared(const ValueMetadata& declared, const Tensor& tensor) {
  if (declared.dtype != DataType::kUndefined && declared.dtype != tensor.dtype()) return false;
  if (!declared.has_shape) return true;
  if (declared.dims.size() != tensor.rank()) return false;
  for (size_t i = 0; i < declared.dims.size(); ++i) {
    if (declared.dims[i] >= 0 && declared.dims[i] != tensor.shape()[i]) return false;
  }
  return true;
}

}  // namespace

void check_dim_names(const Session& session, const std::map<std::string, int64_t>& dims) {
  std::set<std::string> symbols;
  for (const auto* values : {&session.inputs(), &session.outputs()}) {
    for (const ValueMetadata& value : *values) {
      for (const std::string& symbol : value.dim_symbols) {
        if (!symbol.empty()) symbols.insert(symbol);
      }
    }
  }
  for (const auto& [name, value] : dims) {
    if (symbols.count(name) == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  "--dim " + name + ": the model has no symbolic dimension '" + name +
                      "' (its symbolic dimensions: " +
                      join(std::vector<std::string>(symbols.begin(), symbols.end())) + ")");
    }
  }
}

PreparedFeeds prepare_feeds(const Session& session, const std::vector<InputFileArg>& files,
                            const std::map<std::string, int64_t>& dims, uint64_t seed) {
  std::map<std::string, std::string> file_of;
  for (const InputFileArg& file : files) {
    bool known = false;
    std::vector<std::string> names;
    for (const auto* values : {&session.inputs(), &session.overridable_inputs()}) {
      for (const ValueMetadata& input : *values) {
        names.push_back(input.name);
        known = known || input.name == file.name;
      }
    }
    if (!known) {
      throw_error(ErrorCode::kInvalidArgument, "--input " + file.name +
                                                   ": the model has no input '" + file.name +
                                                   "' (its inputs: " + join(names) + ")");
    }
    file_of[file.name] = file.path;
  }

  PreparedFeeds feeds;
  const uint64_t memory = physical_memory_bytes();
  // Required inputs, then the initializer-backed inputs the user chose to override.
  std::vector<ValueMetadata> to_feed = session.inputs();
  for (const ValueMetadata& input : session.overridable_inputs()) {
    if (file_of.count(input.name)) to_feed.push_back(input);
  }
  for (const ValueMetadata& input : to_feed) {
    auto file = file_of.find(input.name);
    if (input.kind != ValueKind::kTensor) {
      if (file == file_of.end()) {
        throw_error(ErrorCode::kInvalidArgument,
                    "input '" + input.name + "' is a " + std::string(value_kind_name(input.kind)) +
                        ", which cannot be generated at random; pass it with --input " + input.name +
                        "=FILE (a serialized SequenceProto, OptionalProto or MapProto)");
      }
      Value value = read_value_file(file->second, input.kind, input.dtype);
      feeds.descriptions.push_back(input.name + ": " + value.type_string() + " from " + file->second);
      feeds.values.emplace(input.name, std::move(value));
      continue;
    }
    Tensor tensor;
    std::string origin;
    if (file != file_of.end()) {
      tensor = read_tensor_any(file->second);
      if (!matches_declared(input, tensor)) {
        throw_error(ErrorCode::kInvalidArgument, "input '" + input.name + "' from " + file->second +
                                                     " is " + tensor_type_text(tensor) +
                                                     ", but the model declares " +
                                                     declared_type_text(input));
      }
      origin = "from " + file->second;
    } else {
      if (input.dtype == DataType::kUndefined) {
        throw_error(ErrorCode::kInvalidArgument,
                    "input '" + input.name +
                        "' declares no element type, so random data cannot "
                        "be generated for it; pass it with --input " +
                        input.name + "=FILE");
      }
      const Shape shape = resolve_input_shape(input, dims);
      checked_input_bytes(input.name, input.dtype, shape, memory);
      tensor = random_tensor(input.dtype, shape, input_seed(seed, input.name));
      origin = "random (seed " + std::to_string(seed) + ")";
    }
    feeds.descriptions.push_back(input.name + ": " + tensor_type_text(tensor) + " " + origin);
    feeds.values.emplace(input.name, Value(std::move(tensor)));
  }
  return feeds;
}

}  // namespace aruntime::cli
