#include "tools/aruntime/npy.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace aruntime::cli {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

[[noreturn]] void npy_format_error(const std::string& origin, const std::string& what) {
  throw_error(ErrorCode::kInvalidArgument, origin + ": not a valid .npy file: " + what);
}

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

struct ElementFormat {
  DataType dtype = DataType::kUndefined;
  bool big_endian = false;
};

// A cursor over the header's Python dict literal. Only the shapes numpy writes are accepted:
// string keys, and string / True / False / tuple-of-int values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  NpyHeader parse() {
    NpyHeader header;
    bool saw_descr = false, saw_order = false, saw_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        skip_space();
        if (peek() != '\'' && peek() != '"') {
          fail("structured dtypes are not supported (descr is not a plain type string)");
        }
        header.descr = parse_string();
        saw_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = parse_bool();
        saw_order = true;
      } else if (key == "shape") {
        header.shape = parse_shape();
        saw_shape = true;
      } else {
        fail("unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail("expected ',' or '}' in the header");
    }
    ++pos_;
    if (!saw_descr || !saw_order || !saw_shape) {
      fail("the header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { npy_format_error(origin_, what); }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t'))
      ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "' in the header");
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string in the header");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string in the header");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  bool parse_bool() {
    skip_space();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("fortran_order must be True or False");
  }
  std::vector<int64_t> parse_shape() {
    std::vector<int64_t> dims;
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("shape must be a tuple of non-negative integers");
      int64_t dim = 0;
      while (peek() >= '0' && peek() <= '9') {
        const int digit = peek() - '0';
        if (dim > (INT64_MAX - digit) / 10) fail("a shape dimension overflows int64");
        dim = dim * 10 + digit;
        ++pos_;
      }
      // numpy 1.x writes longs as "3L" in Python 2 era files.
      if (peek() == 'L') ++pos_;
      dims.push_back(dim);
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    ++pos_;
    return dims;
  }

  std::string_view text_;
  const std::string& origin_;
  size_t pos_ = 0;
};

ElementFormat element_format(const std::string& descr, const std::string& origin) {
  ElementFormat format;
  if (descr.size() >= 2) {
    const char order = descr[0];
    const std::string code = descr.substr(1);
    format.big_endian = order == '>';
    const bool known_order = order == '<' || order == '>' || order == '|' || order == '=';
    static const std::pair<std::string_view, DataType> kCodes[] = {
        {"f2", DataType::kFloat16}, {"f4", DataType::kFloat32}, {"f8", DataType::kFloat64},
        {"i1", DataType::kInt8},    {"i2", DataType::kInt16},   {"i4", DataType::kInt32},
        {"i8", DataType::kInt64},   {"u1", DataType::kUInt8},   {"u2", DataType::kUInt16},
        {"u4", DataType::kUInt32},  {"u8", DataType::kUInt64},  {"b1", DataType::kBool}};
    for (const auto& [name, dtype] : kCodes) {
      if (known_order && code == name) format.dtype = dtype;
    }
  }
  if (format.dtype == DataType::kUndefined) {
    throw_error(ErrorCode::kInvalidArgument,
                origin + ": .npy element type '" + descr +
                    "' is not supported (expected a bool, integer or float16/32/64 array)");
  }
  return format;
}

void byte_swap_elements(char* data, size_t count, size_t width) {
  for (size_t i = 0; i < count; ++i) std::reverse(data + i * width, data + (i + 1) * width);
}

// Reorders column-major elements into row-major order.
void fortran_to_c_order(const char* src, char* dst, const std::vector<int64_t>& shape, size_t width,
                        int64_t count) {
  const size_t rank = shape.size();
  std::vector<int64_t> fortran_strides(rank, 1);
  for (size_t d = 1; d < rank; ++d) fortran_strides[d] = fortran_strides[d - 1] * shape[d - 1];
  std::vector<int64_t> index(rank, 0);
  for (int64_t c = 0; c < count; ++c) {
    int64_t f = 0;
    for (size_t d = 0; d < rank; ++d) f += index[d] * fortran_strides[d];
    std::memcpy(dst + c * width, src + f * width, width);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

uint32_t read_le(std::string_view bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIoError, path + ": cannot open file");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw_error(ErrorCode::kIoError, path + ": read error");
  return content.str();
}

std::string descr_of(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat16:
      return "<f2";
    case DataType::kFloat32:
      return "<f4";
    case DataType::kFloat64:
      return "<f8";
    case DataType::kInt8:
      return "|i1";
    case DataType::kInt16:
      return "<i2";
    case DataType::kInt32:
      return "<i4";
    case DataType::kInt64:
      return "<i8";
    case DataType::kUInt8:
      return "|u1";
    case DataType::kUInt16:
      return "<u2";
    case DataType::kUInt32:
      return "<u4";
    case DataType::kUInt64:
      return "<u8";
    case DataType::kBool:
      return "|b1";
    default:
      return "";
  }
}

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& origin) {
  const auto fail = [&](const std::string& what) { npy_format_error(origin, what); };
  if (bytes.size() < kMagic.size() + 2 || bytes.substr(0, kMagic.size()) != kMagic) {
    fail("missing the \\x93NUMPY magic");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const size_t length_width = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) fail("unsupported format version " + std::to_string(major));
  const size_t header_start = 8 + length_width;
  if (bytes.size() < header_start) fail("truncated header");
  const size_t header_length = read_le(bytes, 8, length_width);
  if (header_length > bytes.size() - header_start) fail("truncated header");
  const NpyHeader header = HeaderParser(bytes.substr(header_start, header_length), origin).parse();
  const ElementFormat format = element_format(header.descr, origin);

  Shape shape(header.shape);
  int64_t count = 0;
  try {
    count = shape.num_elements();
  } catch (const Error&) {
    fail("shape " + shape.to_string() + " has more elements than can be addressed");
  }
  const size_t width = element_size(format.dtype);
  const std::string_view payload = bytes.substr(header_start + header_length);
  const uint64_t elements = static_cast<uint64_t>(count);
  if (elements > UINT64_MAX / width) {
    fail("shape " + shape.to_string() + " of " + header.descr + " overflows 64-bit byte sizes");
  }
  if (elements * width != payload.size()) {
    fail("shape " + shape.to_string() + " of " + header.descr + " needs " +
         std::to_string(elements * width) + " data bytes, the file has " +
         std::to_string(payload.size()));
  }

  Tensor tensor(format.dtype, shape);
  char* out = static_cast<char*>(tensor.raw_data());
  if (count > 0) {
    if (header.fortran_order && shape.rank() > 1) {
      fortran_to_c_order(payload.data(), out, header.shape, width, count);
    } else {
      std::memcpy(out, payload.data(), payload.size());
    }
    if (format.big_endian && width > 1) byte_swap_elements(out, static_cast<size_t>(count), width);
    if (format.dtype == DataType::kBool) {
      // Any non-zero byte is true; a C++ bool must hold exactly 0 or 1.
      for (int64_t i = 0; i < count; ++i) out[i] = out[i] != 0 ? 1 : 0;
    }
  }
  return tensor;
}

Tensor read_npy_file(const std::string& path) {
  return parse_npy(read_whole_file(path), path);
}

bool npy_supports(DataType dtype) {
  return !descr_of(dtype).empty();
}

std::string serialize_npy(const Tensor& tensor) {
  const std::string descr = descr_of(tensor.dtype());
  if (descr.empty()) {
    throw_error(ErrorCode::kInvalidArgument,
                "numpy has no element type for " + std::string(data_type_name(tensor.dtype())));
  }
  if (!tensor.device().is_cpu()) {
    throw_error(ErrorCode::kInvalidArgument,
                "cannot write a tensor on " + tensor.device().to_string() + " to .npy");
  }
  std::string shape_text = "(";
  for (size_t i = 0; i < tensor.rank(); ++i) {
    shape_text += std::to_string(tensor.shape()[i]) +
                  (tensor.rank() == 1 || i + 1 < tensor.rank() ? "," : "");
    if (i + 1 < tensor.rank()) shape_text += " ";
  }
  shape_text += ")";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  // numpy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const size_t prefix = kMagic.size() + 2 + 2;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  if (header.size() > 0xffff) {
    throw_error(ErrorCode::kInvalidArgument,
                "shape " + tensor.shape().to_string() + " is too long for a .npy header");
  }
  std::string bytes(kMagic);
  bytes += static_cast<char>(1);
  bytes += static_cast<char>(0);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  return bytes;
}

void write_npy_file(const Tensor& tensor, const std::string& path) {
  const std::string bytes = serialize_npy(tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw_error(ErrorCode::kIoError, path + ": cannot create file");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw_error(ErrorCode::kIoError, path + ": write error");
}

}  // namespace aruntime::cli
