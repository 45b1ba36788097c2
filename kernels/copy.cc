#include "kernels/copy.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

template <typename T>
struct Tag {
  using type = T;
};

// Calls fn(Tag<E>{}) with E the type elements of `dtype` move as: std::string for strings, an
// unsigned integer of the element's size for everything else.
template <typename Fn>
void dispatch_element(DataType dtype, Fn&& fn) {
  if (dtype == DataType::kString) {
    fn(Tag<std::string>{});
    return;
  }
  switch (element_size(dtype)) {
    case 1:
      fn(Tag<uint8_t>{});
      return;
    case 2:
      fn(Tag<uint16_t>{});
      return;
    case 4:
      fn(Tag<uint32_t>{});
      return;
    case 8:
      fn(Tag<uint64_t>{});
      return;
    default:
      return;  // kUndefined: nothing to move
  }
}

template <typename E>
void copy_run(const E* src, int64_t src_stride, E* dst, int64_t dst_stride, int64_t n) {
  if constexpr (std::is_trivially_copyable_v<E>) {
    if (src_stride == 1 && dst_stride == 1) {
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(E));
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i) dst[i * dst_stride] = src[i * src_stride];
}

// Walks a multi-index over `dims` in row-major order, tracking the matching element offset on
// each side.
class OffsetWalker {
 public:
  OffsetWalker(const std::vector<int64_t>& dims, const std::vector<int64_t>& src_strides,
               const std::vector<int64_t>& dst_strides, int64_t start)
      : dims_(dims), src_strides_(src_strides), dst_strides_(dst_strides), index_(dims.size()) {
    for (size_t d = dims.size(); d-- > 0;) {
      index_[d] = start % dims[d];
      start /= dims[d];
      src_ += index_[d] * src_strides[d];
      dst_ += index_[d] * dst_strides[d];
    }
  }
  int64_t src() const { return src_; }
  int64_t dst() const { return dst_; }
  void next() {
    for (size_t d = dims_.size(); d-- > 0;) {
      src_ += src_strides_[d];
      dst_ += dst_strides_[d];
      if (++index_[d] < dims_[d]) return;
      src_ -= src_strides_[d] * dims_[d];
      dst_ -= dst_strides_[d] * dims_[d];
      index_[d] = 0;
    }
  }

 private:
  const std::vector<int64_t>& dims_;
  const std::vector<int64_t>& src_strides_;
  const std::vector<int64_t>& dst_strides_;
  std::vector<int64_t> index_;
  int64_t src_ = 0;
  int64_t dst_ = 0;
};

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// Copies a 2-D block where src is contiguous along rows (p) and dst along columns (q), in tiles so
// that both the reads and the writes of a tile stay in cache.
template <typename E>
void transpose_block(const E* src, int64_t src_q_stride, E* dst, int64_t dst_p_stride,
                     int64_t p_begin, int64_t p_end, int64_t q_count) {
  constexpr int64_t kTile = 32;
  for (int64_t q0 = 0; q0 < q_count; q0 += kTile) {
    const int64_t q1 = std::min(q_count, q0 + kTile);
    for (int64_t p = p_begin; p < p_end; ++p) {
      const E* s = src + p;
      E* d = dst + p * dst_p_stride;
      for (int64_t q = q0; q < q1; ++q) d[q] = s[q * src_q_stride];
    }
  }
}

template <typename E>
void strided_copy_typed(const E* src, std::vector<int64_t> ss, E* dst, std::vector<int64_t> ds,
                        std::vector<int64_t> dims) {
  if (dims.empty()) {
    dst[0] = src[0];
    return;
  }
  const size_t last = dims.size() - 1;
  const int64_t inner = dims[last];
  const int64_t s_in = ss[last];
  const int64_t d_in = ds[last];

  // A transposing copy: dst advances along the last dim while src is contiguous along another.
  if (d_in == 1 && s_in != 1 && dims.size() >= 2 && inner >= 8) {
    size_t p = last;
    for (size_t d = 0; d < last; ++d) {
      if (ss[d] == 1 && dims[d] >= 8) p = d;
    }
    if (p != last) {
      const int64_t p_dim = dims[p];
      const int64_t dst_p_stride = ds[p];
      std::vector<int64_t> odims, oss, ods;
      for (size_t d = 0; d < last; ++d) {
        if (d == p) continue;
        odims.push_back(dims[d]);
        oss.push_back(ss[d]);
        ods.push_back(ds[d]);
      }
      constexpr int64_t kRowsPerTask = 32;
      const int64_t p_chunks = (p_dim + kRowsPerTask - 1) / kRowsPerTask;
      const int64_t outer = product(odims);
      parallel_for(outer * p_chunks, kRowsPerTask * inner, [&](int64_t begin, int64_t end) {
        for (int64_t w = begin; w < end; ++w) {
          const int64_t o = w / p_chunks;
          const int64_t chunk = w % p_chunks;
          OffsetWalker walk(odims, oss, ods, o);
          const int64_t p_begin = chunk * kRowsPerTask;
          const int64_t p_end = std::min(p_dim, p_begin + kRowsPerTask);
          transpose_block(src + walk.src(), s_in, dst + walk.dst(), dst_p_stride, p_begin, p_end,
                          inner);
        }
      });
      return;
    }
  }

  std::vector<int64_t> odims(dims.begin(), dims.end() - 1);
  std::vector<int64_t> oss(ss.begin(), ss.end() - 1);
  std::vector<int64_t> ods(ds.begin(), ds.end() - 1);
  const int64_t rows = product(odims);
  const int64_t cost = std::is_same_v<E, std::string> ? inner * 16 : inner;
  parallel_for(rows, cost, [&](int64_t begin, int64_t end) {
    OffsetWalker walk(odims, oss, ods, begin);
    for (int64_t r = begin; r < end; ++r) {
      copy_run(src + walk.src(), s_in, dst + walk.dst(), d_in, inner);
      walk.next();
    }
  });
}

}  // namespace

std::vector<int64_t> contiguous_strides(std::span<const int64_t> dims) {
  std::vector<int64_t> strides(dims.size());
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= dims[d];
  }
  return strides;
}

void strided_copy(DataType dtype, const void* src, std::span<const int64_t> src_strides, void* dst,
                  std::span<const int64_t> dst_strides, std::span<const int64_t> dims) {
  // Drop unit dims and merge neighbours that are contiguous with each other on both sides.
  std::vector<int64_t> d, ss, ds;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0) return;
    if (dims[i] == 1) continue;
    if (!d.empty() && ss.back() == src_strides[i] * dims[i] &&
        ds.back() == dst_strides[i] * dims[i]) {
      d.back() *= dims[i];
      ss.back() = src_strides[i];
      ds.back() = dst_strides[i];
      continue;
    }
    d.push_back(dims[i]);
    ss.push_back(src_strides[i]);
    ds.push_back(dst_strides[i]);
  }
  dispatch_element(dtype, [&](auto tag) {
    using E = typename decltype(tag)::type;
    strided_copy_typed(static_cast<const E*>(src), std::move(ss), static_cast<E*>(dst),
                       std::move(ds), std::move(d));
  });
}

void fill(DataType dtype, void* dst, int64_t count, const void* value) {
  dispatch_element(dtype, [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E v = *static_cast<const E*>(value);
    E* out = static_cast<E*>(dst);
    parallel_for(count, 1,
                 [&](int64_t begin, int64_t end) { std::fill(out + begin, out + end, v); });
  });
}

void gather_rows(DataType dtype, const void* src, int64_t outer, int64_t axis_dim, int64_t inner,
                 const int64_t* indices, int64_t num_indices, void* dst) {
  dispatch_element(dtype, [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* in = static_cast<const E*>(src);
    E* out = static_cast<E*>(dst);
    parallel_for(outer * num_indices, inner, [&](int64_t begin, int64_t end) {
      for (int64_t w = begin; w < end; ++w) {
        const int64_t o = w / num_indices;
        const int64_t j = w % num_indices;
        copy_run(in + (o * axis_dim + indices[j]) * inner, 1, out + w * inner, 1, inner);
      }
    });
  });
}

void index_map_copy(DataType dtype, const void* src, std::span<const int64_t> src_strides,
                    const std::vector<std::vector<int64_t>>& maps, void* dst,
                    const void* fill_value) {
  dispatch_element(dtype, [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* in = static_cast<const E*>(src);
    E* out = static_cast<E*>(dst);
    const E fill_v = *static_cast<const E*>(fill_value);
    if (maps.empty()) {
      out[0] = in[0];
      return;
    }
    for (const auto& m : maps) {
      if (m.empty()) return;
    }
    const size_t last = maps.size() - 1;
    const std::vector<int64_t>& inner_map = maps[last];
    const int64_t inner = static_cast<int64_t>(inner_map.size());
    const int64_t inner_stride = src_strides[last];
    int64_t rows = 1;
    for (size_t d = 0; d < last; ++d) rows *= static_cast<int64_t>(maps[d].size());

    parallel_for(rows, inner, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> index(last);
      int64_t r = begin;
      for (size_t d = last; d-- > 0;) {
        const int64_t n = static_cast<int64_t>(maps[d].size());
        index[d] = r % n;
        r /= n;
      }
      for (int64_t row = begin; row < end; ++row) {
        E* o = out + row * inner;
        int64_t base = 0;
        bool padded_row = false;
        for (size_t d = 0; d < last; ++d) {
          const int64_t m = maps[d][index[d]];
          if (m < 0) {
            padded_row = true;
            break;
          }
          base += m * src_strides[d];
        }
        if (padded_row) {
          std::fill(o, o + inner, fill_v);
        } else {
          for (int64_t j = 0; j < inner; ++j) {
            const int64_t m = inner_map[j];
            o[j] = m < 0 ? fill_v : in[base + m * inner_stride];
          }
        }
        for (size_t d = last; d-- > 0;) {
          if (++index[d] < static_cast<int64_t>(maps[d].size())) break;
          index[d] = 0;
        }
      }
    });
  });
}

}  // namespace aruntime::kernels
