#include "tools/aruntime/random_inputs.h"

#include <unistd.h>

#include <algorithm>
#include <limits>

#include "tools/aruntime/dtype_dispatch.h"

namespace aruntime::cli {
namespace {

// SplitMix64: tiny, fast, and its output is defined by this code alone, unlike the
// implementation-defined std:: distributions, so a seed means the same data everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) for small n; the modulo bias is below 2^-60.
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

constexpr int kIntegerRange = 10;
constexpr int kMaxStringLength = 8;

}  // namespace

Shape resolve_input_shape(const ValueMetadata& input,
                          const std::map<std::string, int64_t>& dim_values) {
  if (!input.has_shape) {
    throw_error(ErrorCode::kInvalidArgument,
                "input '" + input.name +
                    "' declares no shape, so random data cannot be generated for it; pass it "
                    "with --input " +
                    input.name + "=FILE");
  }
  std::vector<int64_t> dims;
  for (size_t i = 0; i < input.dims.size(); ++i) {
    if (input.dims[i] >= 0) {
      dims.push_back(input.dims[i]);
      continue;
    }
    const std::string symbol = i < input.dim_symbols.size() ? input.dim_symbols[i] : "";
    auto it = symbol.empty() ? dim_values.end() : dim_values.find(symbol);
    dims.push_back(it == dim_values.end() ? 1 : it->second);
  }
  return Shape(std::move(dims));
}

uint64_t checked_input_bytes(const std::string& input_name, DataType dtype, const Shape& shape,
                             uint64_t memory_limit_bytes) {
  const std::string what =
      "input '" + input_name + "' (" + std::string(data_type_name(dtype)) + shape.to_string() + ")";
  uint64_t bytes = element_size(dtype);
  bool overflow = false;
  for (int64_t dim : shape.dims()) {
    const uint64_t d = static_cast<uint64_t>(dim);
    if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d) overflow = true;
    if (!overflow) bytes *= d;
  }
  const bool has_zero =
      std::find(shape.dims().begin(), shape.dims().end(), 0) != shape.dims().end();
  if (overflow && !has_zero) {
    throw_error(ErrorCode::kOutOfMemory,
                what +
                    " needs more than 18446744073709551615 bytes (the size overflows 64 bits); "
                    "set smaller dimensions with --dim or pass the input with --input");
  }
  if (has_zero) bytes = 0;
  if (bytes > memory_limit_bytes) {
    throw_error(ErrorCode::kOutOfMemory,
                what + " needs " + std::to_string(bytes) + " bytes, more than the " +
                    std::to_string(memory_limit_bytes) +
                    " bytes of physical memory; set smaller dimensions with --dim or pass the "
                    "input with --input");
  }
  return bytes;
}

uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t input_seed(uint64_t run_seed, std::string_view input_name) {
  // FNV-1a of the name, then one SplitMix64 step to spread it together with the seed.
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : input_name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return SplitMix64(run_seed ^ hash).next();
}

Tensor random_tensor(DataType dtype, const Shape& shape, uint64_t seed) {
  Tensor tensor(dtype, shape);
  SplitMix64 rng(seed);
  const int64_t count = tensor.num_elements();
  dispatch_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = tensor.data<T>();
    for (int64_t i = 0; i < count; ++i) {
      if constexpr (std::is_same_v<T, std::string>) {
        const size_t length = 1 + rng.below(kMaxStringLength);
        std::string word(length, 'a');
        for (char& c : word) c = static_cast<char>('a' + rng.below(26));
        out[i] = std::move(word);
      } else if constexpr (std::is_same_v<T, bool>) {
        out[i] = (rng.next() >> 63) != 0;
      } else if constexpr (kIsHalf<T>) {
        out[i] = T(static_cast<float>(rng.unit() * 2.0 - 1.0));
      } else if constexpr (std::is_floating_point_v<T>) {
        out[i] = static_cast<T>(rng.unit() * 2.0 - 1.0);
      } else {
        out[i] = static_cast<T>(rng.below(kIntegerRange));
      }
    }
  });
  return tensor;
}

}  // namespace aruntime::cli
