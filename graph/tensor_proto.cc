#include "graph/tensor_proto.h"

#include <onnx/onnx-data_pb.h>

#include <onnx/onnx_pb.h>

#include <bit>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>
#include <fstream>
#include <iterator>
#include <limits>
#include <vector>

#include "aruntime/float4.h"
#include "aruntime/status.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;

// raw_data and external data are little-endian byte images; they are copied as they are.
static_assert(std::endian::native == std::endian::little, "aruntime assumes a little-endian host");

[[noreturn]] void fail(ErrorCode code, const std::string& context, const std::string& message) {
  throw_error(code, context + " " + message);
}

std::string dims_string(const google::protobuf::RepeatedField<int64_t>& dims) {
  std::string s = "[";
  for (int i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// Element count of `dims`, refusing negative dimensions and counts (or byte sizes) that overflow.
int64_t checked_element_count(const google::protobuf::RepeatedField<int64_t>& dims,
                              size_t element_bytes, const std::string& context) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      fail(ErrorCode::kInvalidModel, context,
           "has negative dimension " + std::to_string(d) + " in shape " + dims_string(dims));
    }
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) {
      fail(ErrorCode::kInvalidModel, context,
           "has shape " + dims_string(dims) + ", more elements than can be addressed");
    }
    n *= d;
  }
  if (element_bytes != 0 && static_cast<uint64_t>(n) > SIZE_MAX / element_bytes) {
    fail(ErrorCode::kInvalidModel, context,
         "has shape " + dims_string(dims) + ", more bytes than can be addressed");
  }
  return n;
}

DataType checked_data_type(int32_t onnx_type, const std::string& context) {
  if (onnx_type == 0) fail(ErrorCode::kInvalidModel, context, "has no element type (data_type 0)");
  DataType dtype = data_type_from_onnx(onnx_type);
  if (dtype == DataType::kUndefined) {
    fail(ErrorCode::kNotImplemented, context,
         "has element type " + onnx_data_type_name(onnx_type) + " (" + std::to_string(onnx_type) +
             "), which aruntime does not support");
  }
  return dtype;
}

std::string type_and_shape(DataType dtype, const onnx::TensorProto& proto) {
  return std::string(data_type_name(dtype)) + dims_string(proto.dims());
}

// Bytes that `count` elements take in raw_data or external data: packed two per byte for the
// 4-bit types (which take a byte each in memory), element_size otherwise.
uint64_t stored_bytes(DataType dtype, int64_t count) {
  const auto n = static_cast<uint64_t>(count);
  return is_4bit(dtype) ? packed_4bit_bytes(n) : n * element_size(dtype);
}

// Said after a size mismatch of a 4-bit tensor, whose stored size is not the element count.
std::string packing_note(DataType dtype) {
  return is_4bit(dtype) ? " (two 4-bit elements per byte)" : "";
}

// Bool storage must hold exactly 0 or 1; raw bytes from a file may hold anything.
void normalize_bools(Tensor& t) {
  auto* bytes = static_cast<uint8_t*>(t.raw_data());
  for (int64_t i = 0; i < t.num_elements(); ++i) bytes[i] = bytes[i] != 0 ? 1 : 0;
}

// A host tensor of `dtype` and the proto's shape from its stored bytes (raw_data or external
// data), which the caller has checked to be stored_bytes(dtype, count) long.
Tensor tensor_from_bytes(DataType dtype, const onnx::TensorProto& proto, int64_t count,
                         const char* bytes) {
  Tensor t(dtype, Shape(std::vector<int64_t>(proto.dims().begin(), proto.dims().end())));
  if (count == 0) return t;
  if (is_4bit(dtype)) {
    unpack_4bit(reinterpret_cast<const uint8_t*>(bytes), count, dtype, t.raw_data());
  } else {
    std::memcpy(t.raw_data(), bytes, t.byte_size());
  }
  if (dtype == DataType::kBool) normalize_bools(t);
  return t;
}

// Parses a non-negative decimal integer written as a string (external_data offset/length).
bool parse_size(const std::string& text, uint64_t& value) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  value = v;
  return true;
}

// Resolves an external data location against base_dir, refusing anything that leaves it: absolute
// paths, '..' escapes and symlinks pointing elsewhere (both sides are compared after resolving
// symlinks and dot components).
fs::path resolve_external_path(const std::string& location, const std::string& base_dir,
                               const std::string& context) {
  if (base_dir.empty()) {
    fail(ErrorCode::kInvalidModel, context,
         "uses external data file '" + location +
             "', but the model was loaded without a base directory, so external data is refused");
  }
  if (location.empty())
    fail(ErrorCode::kInvalidModel, context, "has external data without a location");
  if (location.find('\0') != std::string::npos) {
    fail(ErrorCode::kInvalidModel, context, "has an external data location containing a NUL byte");
  }
  const fs::path relative(location);
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) {
    fail(ErrorCode::kInvalidModel, context,
         "refers to external data at absolute path '" + location +
             "'; external data must be inside the model's folder");
  }
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(base_dir, ec), ec);
  if (ec) {
    fail(ErrorCode::kIoError, context,
         "cannot resolve the model folder '" + base_dir + "': " + ec.message());
  }
  const fs::path full = fs::weakly_canonical(base / relative, ec);
  if (ec) {
    fail(ErrorCode::kIoError, context,
         "cannot resolve external data path '" + location + "': " + ec.message());
  }
  const fs::path inside = full.lexically_relative(base);
  if (inside.empty() || inside == "." || *inside.begin() == "..") {
    fail(ErrorCode::kInvalidModel, context,
         "refers to external data '" + location + "', which resolves to '" + full.string() +
             "', outside the model's folder '" + base.string() + "'");
  }
  return full;
}

std::string external_value(const onnx::TensorProto& proto, const std::string& key) {
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == key) return entry.value();
  }
  return {};
}

bool has_external_key(const onnx::TensorProto& proto, const std::string& key) {
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == key) return true;
  }
  return false;
}

Tensor read_external(const onnx::TensorProto& proto, DataType dtype, int64_t count,
                     const std::string& base_dir, const std::string& context,
                     uint64_t max_file_bytes) {
  if (dtype == DataType::kString) {
    fail(ErrorCode::kInvalidModel, context, "is a string tensor stored as external data");
  }
  const std::string location = external_value(proto, "location");
  if (!has_external_key(proto, "location")) {
    fail(ErrorCode::kInvalidModel, context, "has external data without a 'location' entry");
  }
  const fs::path path = resolve_external_path(location, base_dir, context);
  const std::string where = "external data file '" + location + "'";

  uint64_t offset = 0;
  if (has_external_key(proto, "offset") && !parse_size(external_value(proto, "offset"), offset)) {
    fail(ErrorCode::kInvalidModel, context,
         "has an invalid external data offset '" + external_value(proto, "offset") + "'");
  }
  const uint64_t needed = stored_bytes(dtype, count);
  uint64_t length = needed;
  if (has_external_key(proto, "length")) {
    if (!parse_size(external_value(proto, "length"), length)) {
      fail(ErrorCode::kInvalidModel, context,
           "has an invalid external data length '" + external_value(proto, "length") + "'");
    }
    if (length != needed) {
      fail(ErrorCode::kInvalidModel, context,
           "has external data length " + std::to_string(length) + " bytes, but " +
               type_and_shape(dtype, proto) + " needs " + std::to_string(needed) + " bytes" +
               packing_note(dtype));
    }
  }

  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    fail(ErrorCode::kIoError, context, "refers to " + where + ", which does not exist");
  }
  if (ec) fail(ErrorCode::kIoError, context, "cannot access " + where + ": " + ec.message());
  if (!fs::is_regular_file(status)) {
    fail(ErrorCode::kInvalidModel, context, "refers to " + where + ", which is not a regular file");
  }
  const uint64_t file_bytes = fs::file_size(path, ec);
  if (ec)
    fail(ErrorCode::kIoError, context, "cannot get the size of " + where + ": " + ec.message());
  if (file_bytes > max_file_bytes) {
    fail(ErrorCode::kInvalidModel, context,
         "refers to " + where + " of " + std::to_string(file_bytes) +
             " bytes, above the limit of " + std::to_string(max_file_bytes) + " bytes");
  }
  if (offset > file_bytes || length > file_bytes - offset) {
    fail(ErrorCode::kInvalidModel, context,
         "reads bytes [" + std::to_string(offset) + ", " + std::to_string(offset) + "+" +
             std::to_string(length) + ") of " + where + ", which has only " +
             std::to_string(file_bytes) + " bytes");
  }

  // The size is now backed by bytes that exist on disk, so allocating it is safe.
  Tensor t(dtype, Shape(std::vector<int64_t>(proto.dims().begin(), proto.dims().end())));
  if (length == 0) return t;
  // Most types are read straight into the tensor; packed 4-bit data goes through a buffer.
  std::vector<char> packed(is_4bit(dtype) ? static_cast<size_t>(length) : 0);
  char* destination = is_4bit(dtype) ? packed.data() : static_cast<char*>(t.raw_data());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIoError, context, "cannot open " + where + ": " + std::strerror(errno));
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(destination, static_cast<std::streamsize>(length));
  if (!in || static_cast<uint64_t>(in.gcount()) != length) {
    fail(ErrorCode::kIoError, context,
         "could not read " + std::to_string(length) + " bytes at offset " + std::to_string(offset) +
             " of " + where);
  }
  if (is_4bit(dtype)) {
    unpack_4bit(reinterpret_cast<const uint8_t*>(packed.data()), count, dtype, t.raw_data());
  }
  if (dtype == DataType::kBool) normalize_bools(t);
  return t;
}

template <typename Dst, typename Field, typename Convert>
void copy_field(Tensor& t, const Field& field, Convert convert) {
  Dst* out = static_cast<Dst*>(t.raw_data());
  for (int i = 0; i < field.size(); ++i) out[i] = convert(field.Get(i));
}

// Which typed field carries each element type (ONNX spec, TensorProto comments).
int typed_field_size(const onnx::TensorProto& proto, DataType dtype, std::string& field_name) {
  switch (dtype) {
    case DataType::kFloat32:
      field_name = "float_data";
      return proto.float_data_size();
    case DataType::kFloat64:
      field_name = "double_data";
      return proto.double_data_size();
    case DataType::kInt64:
      field_name = "int64_data";
      return proto.int64_data_size();
    case DataType::kUInt32:
    case DataType::kUInt64:
      field_name = "uint64_data";
      return proto.uint64_data_size();
    case DataType::kString:
      field_name = "string_data";
      return proto.string_data_size();
    case DataType::kInt32:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kUInt16:
    case DataType::kUInt8:
    case DataType::kBool:
    case DataType::kFloat16:
    case DataType::kBFloat16:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kUInt4:  // two elements per value (see fill_from_typed_field)
    case DataType::kInt4:
    case DataType::kFloat4E2M1:
      field_name = "int32_data";
      return proto.int32_data_size();
    case DataType::kUndefined:
      break;
  }
  field_name = "?";
  return 0;
}

void fill_from_typed_field(Tensor& t, const onnx::TensorProto& proto) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      copy_field<float>(t, proto.float_data(), [](float v) { return v; });
      break;
    case DataType::kFloat64:
      copy_field<double>(t, proto.double_data(), [](double v) { return v; });
      break;
    case DataType::kInt64:
      copy_field<int64_t>(t, proto.int64_data(), [](int64_t v) { return v; });
      break;
    case DataType::kUInt64:
      copy_field<uint64_t>(t, proto.uint64_data(), [](uint64_t v) { return v; });
      break;
    case DataType::kUInt32:
      copy_field<uint32_t>(t, proto.uint64_data(),
                           [](uint64_t v) { return static_cast<uint32_t>(v); });
      break;
    case DataType::kInt32:
      copy_field<int32_t>(t, proto.int32_data(), [](int32_t v) { return v; });
      break;
    case DataType::kInt16:
      copy_field<int16_t>(t, proto.int32_data(), [](int32_t v) { return static_cast<int16_t>(v); });
      break;
    case DataType::kInt8:
      copy_field<int8_t>(t, proto.int32_data(), [](int32_t v) { return static_cast<int8_t>(v); });
      break;
    case DataType::kUInt16:
      copy_field<uint16_t>(t, proto.int32_data(),
                           [](int32_t v) { return static_cast<uint16_t>(v); });
      break;
    case DataType::kUInt8:
      copy_field<uint8_t>(t, proto.int32_data(), [](int32_t v) { return static_cast<uint8_t>(v); });
      break;
    case DataType::kBool:
      copy_field<bool>(t, proto.int32_data(), [](int32_t v) { return v != 0; });
      break;
    // Half types travel as their 16-bit patterns in the low bits of int32_data.
    case DataType::kFloat16:
      copy_field<Float16>(t, proto.int32_data(),
                          [](int32_t v) { return Float16::from_bits(static_cast<uint16_t>(v)); });
      break;
    case DataType::kBFloat16:
      copy_field<BFloat16>(t, proto.int32_data(),
                           [](int32_t v) { return BFloat16::from_bits(static_cast<uint16_t>(v)); });
      break;
    // Float8 types travel as their 8-bit patterns in the low bits of int32_data.
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
      copy_field<uint8_t>(t, proto.int32_data(), [](int32_t v) { return static_cast<uint8_t>(v); });
      break;
    // 4-bit types: each int32_data value holds one packed byte (two elements, the first in the low
    // nibble), as onnx.helper.make_tensor writes them.
    case DataType::kUInt4:
    case DataType::kInt4:
    case DataType::kFloat4E2M1: {
      std::vector<uint8_t> packed(static_cast<size_t>(proto.int32_data_size()));
      for (int i = 0; i < proto.int32_data_size(); ++i) {
        packed[static_cast<size_t>(i)] = static_cast<uint8_t>(proto.int32_data(i));
      }
      unpack_4bit(packed.data(), t.num_elements(), t.dtype(), t.raw_data());
      break;
    }
    case DataType::kString: {
      auto* out = static_cast<std::string*>(t.raw_data());
      for (int i = 0; i < proto.string_data_size(); ++i) out[i] = proto.string_data(i);
      break;
    }
    case DataType::kUndefined:
      break;
  }
}

// Owns raw_data buffers taken from protos (tensor_from_proto_taking_bytes): each adopted tensor's
// last copy hands its data back here, which frees the string that held it.
class ModelBytesOwner final : public Allocator {
 public:
  static ModelBytesOwner& instance() {
    static ModelBytesOwner* owner = new ModelBytesOwner;  // outlives every static tensor
    return *owner;
  }
  void* keep(std::string&& bytes) {
    auto held = std::make_unique<std::string>(std::move(bytes));
    void* data = held->data();
    std::lock_guard<std::mutex> lock(mutex_);
    held_.emplace(data, std::move(held));
    return data;
  }
  void* allocate(size_t) override {
    throw_error(ErrorCode::kRuntimeError, "model-bytes: this owner only keeps buffers taken from model files");
  }
  void deallocate(void* ptr) override {
    std::unique_ptr<std::string> released;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = held_.find(ptr);
    if (it == held_.end()) return;
    released = std::move(it->second);
    held_.erase(it);
  }
  Device device() const override { return Device::cpu(); }
  std::string name() const override { return "model-bytes"; }

 private:
  std::mutex mutex_;
  std::unordered_map<void*, std::unique_ptr<std::string>> held_;
};

// Below this size a weight is copied as usual: the copy is cheap and keeps kBufferAlignment.
constexpr size_t kMinBytesTaken = 64 * 1024;

}  // namespace

Tensor tensor_from_proto_taking_bytes(onnx::TensorProto& proto, const std::string& base_dir,
                                      const std::string& context, uint64_t max_external_file_bytes) {
  const bool takeable = proto.has_raw_data() && proto.raw_data().size() >= kMinBytesTaken &&
                        proto.data_location() != onnx::TensorProto::EXTERNAL && !proto.has_segment();
  if (!takeable) return tensor_from_proto(proto, base_dir, context, max_external_file_bytes);
  const DataType dtype = checked_data_type(proto.data_type(), context);
  if (dtype == DataType::kString || is_4bit(dtype)) {
    return tensor_from_proto(proto, base_dir, context, max_external_file_bytes);
  }
  const int64_t count = checked_element_count(proto.dims(), element_size(dtype), context);
  const uint64_t needed = stored_bytes(dtype, count);
  if (proto.raw_data().size() != needed) {
    return tensor_from_proto(proto, base_dir, context, max_external_file_bytes);  // reports the mismatch
  }
  ModelBytesOwner& owner = ModelBytesOwner::instance();
  void* data = owner.keep(std::move(*proto.mutable_raw_data()));
  proto.clear_raw_data();
  Tensor t = Tensor::adopt(dtype, Shape(std::vector<int64_t>(proto.dims().begin(), proto.dims().end())), data, owner);
  if (dtype == DataType::kBool) normalize_bools(t);
  return t;
}

std::string onnx_data_type_name(int32_t onnx_type) {
  static constexpr const char* kNames[] = {
      "UNDEFINED",      "FLOAT",    "UINT8",        "INT8",           "UINT16",
      "INT16",          "INT32",    "INT64",        "STRING",         "BOOL",
      "FLOAT16",        "DOUBLE",   "UINT32",       "UINT64",         "COMPLEX64",
      "COMPLEX128",     "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",    "INT4",         "FLOAT4E2M1",     "FLOAT8E8M0"};
  if (onnx_type < 0 || onnx_type >= static_cast<int32_t>(std::size(kNames))) return "unknown";
  return kNames[onnx_type];
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir,
                         const std::string& context, uint64_t max_external_file_bytes) {
  const DataType dtype = checked_data_type(proto.data_type(), context);
  if (proto.has_segment()) {
    fail(ErrorCode::kNotImplemented, context,
         "is a segmented tensor, which aruntime does not support");
  }
  const size_t esize = dtype == DataType::kString ? 0 : element_size(dtype);
  const int64_t count = checked_element_count(proto.dims(), esize, context);
  const Shape shape(std::vector<int64_t>(proto.dims().begin(), proto.dims().end()));

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return read_external(proto, dtype, count, base_dir, context, max_external_file_bytes);
  }
  if (proto.has_raw_data()) {
    if (dtype == DataType::kString) {
      fail(ErrorCode::kInvalidModel, context,
           "is a string tensor stored in raw_data; strings must use string_data");
    }
    const std::string& raw = proto.raw_data();
    const uint64_t needed = stored_bytes(dtype, count);
    if (raw.size() != needed) {
      fail(ErrorCode::kInvalidModel, context,
           "has " + std::to_string(raw.size()) + " bytes of raw_data, but " +
               type_and_shape(dtype, proto) + " needs " + std::to_string(needed) + " bytes" +
               packing_note(dtype));
    }
    return tensor_from_bytes(dtype, proto, count, raw.data());
  }
  std::string field;
  const int values = typed_field_size(proto, dtype, field);
  // Packed 4-bit types take one int32_data value per two elements.
  const auto needed =
      static_cast<int64_t>(is_4bit(dtype) ? packed_4bit_bytes(static_cast<uint64_t>(count))
                                          : static_cast<uint64_t>(count));
  if (values != needed) {
    fail(ErrorCode::kInvalidModel, context,
         "has " + std::to_string(values) + " values in " + field + ", but " +
             type_and_shape(dtype, proto) + " needs " + std::to_string(needed) +
             (is_4bit(dtype) ? " (two 4-bit elements per value)" : ""));
  }
  Tensor t(dtype, shape);
  fill_from_typed_field(t, proto);
  return t;
}

Tensor tensor_from_sparse_proto(const onnx::SparseTensorProto& proto, const std::string& base_dir,
                                const std::string& context, uint64_t max_dense_bytes,
                                uint64_t max_external_file_bytes) {
  if (!proto.has_values() || !proto.has_indices()) {
    fail(ErrorCode::kInvalidModel, context, "is a sparse tensor without values or indices");
  }
  const Tensor values = tensor_from_proto(proto.values(), base_dir, context + " (sparse values)",
                                          max_external_file_bytes);
  const Tensor indices = tensor_from_proto(proto.indices(), base_dir, context + " (sparse indices)",
                                           max_external_file_bytes);
  const DataType dtype = values.dtype();
  const size_t esize = dtype == DataType::kString ? sizeof(std::string) : element_size(dtype);
  const int64_t count = checked_element_count(proto.dims(), esize, context);
  const uint64_t dense_bytes = static_cast<uint64_t>(count) * esize;
  if (dense_bytes > max_dense_bytes) {
    fail(ErrorCode::kInvalidModel, context,
         "is a sparse tensor of shape " + dims_string(proto.dims()) + " whose dense form needs " +
             std::to_string(dense_bytes) + " bytes, above the limit of " +
             std::to_string(max_dense_bytes) + " bytes");
  }
  if (values.rank() != 1) {
    fail(ErrorCode::kInvalidModel, context,
         "has sparse values of shape " + values.shape().to_string() + "; expected rank 1");
  }
  if (indices.dtype() != DataType::kInt64) {
    fail(ErrorCode::kInvalidModel, context,
         "has sparse indices of type " + std::string(data_type_name(indices.dtype())) +
             "; expected int64");
  }
  const int64_t nnz = values.num_elements();
  const size_t rank = static_cast<size_t>(proto.dims_size());
  const bool linear = indices.rank() == 1 && indices.shape()[0] == nnz;
  const bool coordinates = indices.rank() == 2 && indices.shape()[0] == nnz &&
                           indices.shape()[1] == static_cast<int64_t>(rank);
  if (!linear && !coordinates) {
    fail(ErrorCode::kInvalidModel, context,
         "has sparse indices of shape " + indices.shape().to_string() + " for " +
             std::to_string(nnz) + " values of a rank-" + std::to_string(rank) +
             " tensor; expected [" + std::to_string(nnz) + "] or [" + std::to_string(nnz) + "," +
             std::to_string(rank) + "]");
  }
  Tensor dense(dtype, Shape(std::vector<int64_t>(proto.dims().begin(), proto.dims().end())));
  if (dtype != DataType::kString && dense.byte_size() > 0)
    std::memset(dense.raw_data(), 0, dense.byte_size());
  const int64_t* idx = indices.data<int64_t>();
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t position = 0;
    if (linear) {
      position = idx[k];
    } else {
      for (size_t d = 0; d < rank; ++d) {
        const int64_t c = idx[k * static_cast<int64_t>(rank) + static_cast<int64_t>(d)];
        if (c < 0 || c >= proto.dims(static_cast<int>(d))) {
          position = -1;
          break;
        }
        position = position * proto.dims(static_cast<int>(d)) + c;
      }
    }
    if (position < 0 || position >= count) {
      fail(ErrorCode::kInvalidModel, context,
           "has sparse index #" + std::to_string(k) + " outside the shape " +
               dims_string(proto.dims()));
    }
    if (dtype == DataType::kString) {
      static_cast<std::string*>(dense.raw_data())[position] = values.data<std::string>()[k];
    } else {
      std::memcpy(static_cast<char*>(dense.raw_data()) + position * static_cast<int64_t>(esize),
                  static_cast<const char*>(values.raw_data()) + k * static_cast<int64_t>(esize),
                  esize);
    }
  }
  return dense;
}

namespace {

std::string read_proto_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw_error(ErrorCode::kIoError, path + ": no such file");
  if (!fs::is_regular_file(status)) throw_error(ErrorCode::kIoError, path + ": not a regular file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw_error(ErrorCode::kIoError, path + ": cannot get the file size: " + ec.message());
  if (size > static_cast<uint64_t>(INT_MAX)) {
    throw_error(ErrorCode::kInvalidModel, path + ": " + std::to_string(size) +
                                              " bytes, above protobuf's 2 GiB message limit");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIoError, path + ": cannot open: " + std::strerror(errno));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) {
    throw_error(ErrorCode::kIoError, path + ": read failed");
  }
  return bytes;
}

std::string base_dir_of(const std::string& path) {
  return fs::absolute(fs::path(path)).parent_path().string();
}

// Value::map's own checks (unique keys...) as a malformed-file error naming where.
Value checked_map(Tensor keys, Tensor values, const std::string& context) {
  try {
    return Value::map(std::move(keys), std::move(values));
  } catch (const Error& e) {
    throw_error(ErrorCode::kInvalidModel, context + ": " + e.what());
  }
}

// A MapProto: keys in `keys` (int64) or `string_keys`, values as a SequenceProto of one-element
// tensors (onnx.numpy_helper.from_dict writes scalars). `declared` types the values of an empty
// map.
Value map_from_proto(const onnx::MapProto& proto, DataType declared, const std::string& base_dir,
                     const std::string& context) {
  const DataType key_type = data_type_from_onnx(proto.key_type());
  if (key_type != DataType::kInt64 && key_type != DataType::kString) {
    throw_error(ErrorCode::kNotImplemented, context + ": keys of type " +
                                                onnx_data_type_name(proto.key_type()) +
                                                " are not supported (INT64 and STRING are)");
  }
  const int count = key_type == DataType::kString ? proto.string_keys_size() : proto.keys_size();
  Tensor keys(key_type, Shape{count});
  for (int i = 0; i < count; ++i) {
    if (key_type == DataType::kString) {
      keys.data<std::string>()[i] = proto.string_keys(i);
    } else {
      keys.data<int64_t>()[i] = proto.keys(i);
    }
  }
  const onnx::SequenceProto& seq = proto.values();
  if (seq.elem_type() != onnx::SequenceProto::TENSOR &&
      seq.elem_type() != onnx::SequenceProto::UNDEFINED) {
    throw_error(ErrorCode::kNotImplemented,
                context + ": only maps with tensor values are supported");
  }
  if (seq.tensor_values_size() != count) {
    throw_error(ErrorCode::kInvalidModel, context + ": " + std::to_string(count) + " keys but " +
                                              std::to_string(seq.tensor_values_size()) + " values");
  }
  DataType value_type = declared;
  Tensor values;
  for (int i = 0; i < count; ++i) {
    const std::string where = context + " value " + std::to_string(i);
    const Tensor element = tensor_from_proto(seq.tensor_values(i), base_dir, where);
    if (i == 0) {
      value_type = element.dtype();
      values = Tensor(value_type, Shape{count});
    }
    if (element.dtype() != value_type || element.num_elements() != 1) {
      throw_error(ErrorCode::kInvalidModel,
                  where + " is " + std::string(data_type_name(element.dtype())) +
                      element.shape().to_string() + ", expected one " +
                      std::string(data_type_name(value_type)) + " element");
    }
    if (value_type == DataType::kString) {
      values.data<std::string>()[i] = element.data<std::string>()[0];
    } else {
      const size_t esize = element_size(value_type);
      std::memcpy(static_cast<char*>(values.raw_data()) + static_cast<size_t>(i) * esize,
                  element.raw_data(), esize);
    }
  }
  if (count == 0) {
    if (value_type == DataType::kUndefined) {
      throw_error(ErrorCode::kInvalidArgument,
                  context + ": an empty map whose value type is not declared");
    }
    values = Tensor(value_type, Shape{0});
  }
  return checked_map(std::move(keys), std::move(values), context);
}

Value sequence_from_proto(const onnx::SequenceProto& proto, DataType declared, const std::string& path) {
  const std::string context = path + ": sequence '" + proto.name() + "'";
  if (proto.elem_type() == onnx::SequenceProto::MAP ||
      (proto.elem_type() == onnx::SequenceProto::UNDEFINED && proto.map_values_size() > 0)) {
    std::vector<Value> maps;
    for (int i = 0; i < proto.map_values_size(); ++i) {
      maps.push_back(map_from_proto(proto.map_values(i), declared, base_dir_of(path),
                                    context + " element " + std::to_string(i)));
    }
    // An empty sequence does not say its key type (see Value::map_sequence).
    const DataType key_type = maps.empty() ? DataType::kUndefined : maps[0].key_type();
    const DataType value_type = maps.empty() ? declared : maps[0].element_type();
    for (size_t i = 1; i < maps.size(); ++i) {
      if (maps[i].key_type() != key_type || maps[i].element_type() != value_type) {
        throw_error(ErrorCode::kInvalidModel, context + " element " + std::to_string(i) + " is a " +
                                                  maps[i].type_string() + ", but element 0 is a " +
                                                  maps[0].type_string());
      }
    }
    return Value::map_sequence(std::move(maps), key_type, value_type);
  }
  if (proto.elem_type() != onnx::SequenceProto::TENSOR && proto.elem_type() != onnx::SequenceProto::UNDEFINED) {
    throw_error(ErrorCode::kNotImplemented,
                context + ": only sequences of tensors or maps are supported");
  }
  std::vector<Tensor> elements;
  for (int i = 0; i < proto.tensor_values_size(); ++i) {
    elements.push_back(tensor_from_proto(proto.tensor_values(i), base_dir_of(path),
                                         context + " element " + std::to_string(i)));
  }
  DataType type = elements.empty() ? declared : elements[0].dtype();
  return Value::sequence(std::move(elements), type);
}

}  // namespace

Tensor read_tensor_file(const std::string& path, std::string* name_out) {
  const std::string bytes = read_proto_file(path);
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    throw_error(ErrorCode::kInvalidModel,
                path + ": not a valid TensorProto (protobuf parse failed)");
  }
  if (name_out != nullptr) *name_out = proto.name();
  const std::string context =
      path + (proto.name().empty() ? std::string(": tensor") : ": tensor '" + proto.name() + "'");
  return tensor_from_proto(proto, base_dir_of(path), context);
}

Value read_value_file(const std::string& path, ValueKind kind, DataType element_type, std::string* name_out) {
  if (kind == ValueKind::kTensor || kind == ValueKind::kUnknown) return Value(read_tensor_file(path, name_out));
  const std::string bytes = read_proto_file(path);
  if (kind == ValueKind::kSequence) {
    onnx::SequenceProto proto;
    if (!proto.ParseFromString(bytes)) {
      throw_error(ErrorCode::kInvalidModel, path + ": not a valid SequenceProto (protobuf parse failed)");
    }
    if (name_out != nullptr) *name_out = proto.name();
    return sequence_from_proto(proto, element_type, path);
  }
  if (kind == ValueKind::kOptional) {
    onnx::OptionalProto proto;
    if (!proto.ParseFromString(bytes)) {
      throw_error(ErrorCode::kInvalidModel, path + ": not a valid OptionalProto (protobuf parse failed)");
    }
    if (name_out != nullptr) *name_out = proto.name();
    const std::string context = path + ": optional '" + proto.name() + "'";
    if (proto.has_tensor_value()) {
      return Value::optional(tensor_from_proto(proto.tensor_value(), base_dir_of(path), context));
    }
    if (proto.has_sequence_value()) return Value::optional(sequence_from_proto(proto.sequence_value(), element_type, path));
    if (proto.elem_type() == onnx::OptionalProto::SEQUENCE) return Value::empty_optional(ValueKind::kSequence, element_type);
    if (proto.elem_type() == onnx::OptionalProto::TENSOR || proto.elem_type() == onnx::OptionalProto::UNDEFINED) {
      return Value::empty_optional(ValueKind::kTensor, element_type);
    }
    throw_error(ErrorCode::kNotImplemented, context + ": only optional tensors and sequences are supported");
  }
  if (kind == ValueKind::kMap) {
    onnx::MapProto proto;
    if (!proto.ParseFromString(bytes)) {
      throw_error(ErrorCode::kInvalidModel,
                  path + ": not a valid MapProto (protobuf parse failed)");
    }
    if (name_out != nullptr) *name_out = proto.name();
    return map_from_proto(proto, element_type, base_dir_of(path),
                          path + ": map '" + proto.name() + "'");
  }
  throw_error(ErrorCode::kNotImplemented, path + ": " + std::string(value_kind_name(kind)) + " values are not supported");
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto& proto) {
  if (!tensor.defined()) {
    throw_error(ErrorCode::kInvalidArgument, "tensor_to_proto: tensor '" + name + "' is undefined");
  }
  if (!tensor.device().is_cpu()) {
    throw_error(ErrorCode::kInvalidArgument, "tensor_to_proto: tensor '" + name + "' is on " +
                                                 tensor.device().to_string() + ", not the host");
  }
  proto.Clear();
  proto.set_name(name);
  proto.set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape().dims()) proto.add_dims(d);
  if (tensor.dtype() == DataType::kString) {
    const auto* strings = tensor.data<std::string>();
    for (int64_t i = 0; i < tensor.num_elements(); ++i) proto.add_string_data(strings[i]);
  } else if (is_4bit(tensor.dtype())) {
    // Packed two per byte, first element in the low nibble, as ONNX stores 4-bit types.
    std::string packed(packed_4bit_bytes(static_cast<uint64_t>(tensor.num_elements())), '\0');
    pack_4bit(tensor.raw_data(), tensor.num_elements(), reinterpret_cast<uint8_t*>(packed.data()));
    proto.set_raw_data(std::move(packed));
  } else {
    proto.set_raw_data(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  }
}

void map_to_proto(const Value& map, const std::string& name, onnx::MapProto& proto) {
  const Tensor& keys = map.map_keys();
  const Tensor& values = map.map_values();
  proto.Clear();
  proto.set_name(name);
  proto.set_key_type(static_cast<int32_t>(keys.dtype()));
  for (int64_t i = 0; i < keys.num_elements(); ++i) {
    if (keys.dtype() == DataType::kString) {
      proto.add_string_keys(keys.data<std::string>()[i]);
    } else {
      proto.add_keys(keys.data<int64_t>()[i]);
    }
  }
  onnx::SequenceProto* seq = proto.mutable_values();
  seq->set_elem_type(onnx::SequenceProto::TENSOR);
  for (int64_t i = 0; i < values.num_elements(); ++i) {
    // One scalar tensor per value, as onnx.numpy_helper.from_dict writes them.
    Tensor scalar(values.dtype(), Shape{});
    if (values.dtype() == DataType::kString) {
      scalar.data<std::string>()[0] = values.data<std::string>()[i];
    } else {
      const size_t esize = element_size(values.dtype());
      std::memcpy(scalar.raw_data(),
                  static_cast<const char*>(values.raw_data()) + static_cast<size_t>(i) * esize,
                  esize);
    }
    tensor_to_proto(scalar, "", *seq->add_tensor_values());
  }
}

void sequence_to_proto(const Value& sequence, const std::string& name, onnx::SequenceProto& proto) {
  if (sequence.kind() != ValueKind::kSequence) {
    throw_error(ErrorCode::kInvalidArgument,
                "sequence_to_proto: '" + name + "' is a " + sequence.type_string());
  }
  proto.Clear();
  proto.set_name(name);
  if (sequence.element_kind() == ValueKind::kMap) {
    proto.set_elem_type(onnx::SequenceProto::MAP);
    for (const Value& m : sequence.maps()) map_to_proto(m, "", *proto.add_map_values());
    return;
  }
  proto.set_elem_type(onnx::SequenceProto::TENSOR);
  for (const Tensor& t : sequence.elements()) tensor_to_proto(t, "", *proto.add_tensor_values());
}

namespace {

void write_proto_file(const google::protobuf::MessageLite& proto, const std::string& what,
                      const std::string& path) {
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    throw_error(ErrorCode::kInvalidArgument,
                path + ": " + what + " cannot be serialized (above protobuf's 2 GiB limit?)");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw_error(ErrorCode::kIoError, path + ": cannot open for writing: " + std::strerror(errno));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw_error(ErrorCode::kIoError, path + ": write failed");
}

}  // namespace

void write_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path) {
  onnx::TensorProto proto;
  tensor_to_proto(tensor, name, proto);
  write_proto_file(proto, "tensor '" + name + "'", path);
}

void write_value_file(const Value& value, const std::string& name, const std::string& path) {
  switch (value.kind()) {
    case ValueKind::kTensor:
      write_tensor_file(value.tensor(), name, path);
      return;
    case ValueKind::kSequence: {
      onnx::SequenceProto proto;
      sequence_to_proto(value, name, proto);
      write_proto_file(proto, "sequence '" + name + "'", path);
      return;
    }
    case ValueKind::kMap: {
      onnx::MapProto proto;
      map_to_proto(value, name, proto);
      write_proto_file(proto, "map '" + name + "'", path);
      return;
    }
    case ValueKind::kOptional: {
      onnx::OptionalProto proto;
      proto.set_name(name);
      const bool holds_sequence = value.element_kind() == ValueKind::kSequence;
      proto.set_elem_type(holds_sequence ? onnx::OptionalProto::SEQUENCE
                                         : onnx::OptionalProto::TENSOR);
      if (value.has_element() && holds_sequence) {
        sequence_to_proto(value.element(), "", *proto.mutable_sequence_value());
      } else if (value.has_element()) {
        tensor_to_proto(value.element().tensor(), "", *proto.mutable_tensor_value());
      }
      write_proto_file(proto, "optional '" + name + "'", path);
      return;
    }
    default:
      throw_error(ErrorCode::kNotImplemented,
                  path + ": cannot write a " + value.type_string() + " value");
  }
}

}  // namespace aruntime
