// Data movement by element: strided copies (Slice, Split, Concat, Transpose), block gathers
// (Gather), fills (ConstantOfShape, Pad) and index-mapped copies (Pad). Elements move as raw bytes
// of element_size(dtype), except strings, which are assigned as std::string objects.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "aruntime/data_type.h"

namespace aruntime::kernels {

// dst[i0,..,ik] = src[i0,..,ik] where element (i0..ik) is at sum(i_d * stride_d) elements from the
// base pointer of each side. Strides may be negative (reversed slices) or zero (src only).
// Parallel over rows; adjacent dims that are contiguous on both sides are merged, and
// transposing copies run in cache-sized tiles.
void strided_copy(DataType dtype, const void* src, std::span<const int64_t> src_strides, void* dst,
                  std::span<const int64_t> dst_strides, std::span<const int64_t> dims);

// Contiguous element strides of `dims`.
std::vector<int64_t> contiguous_strides(std::span<const int64_t> dims);

// Sets `count` elements of dst to *value (one element of dtype).
void fill(DataType dtype, void* dst, int64_t count, const void* value);

// dst[o, j, :] = src[o, indices[j], :] for o < outer, j < num_indices, rows of `inner` elements;
// src has `axis_dim` rows per outer step. Indices must already be in [0, axis_dim).
void gather_rows(DataType dtype, const void* src, int64_t outer, int64_t axis_dim, int64_t inner,
                 const int64_t* indices, int64_t num_indices, void* dst);

// Contiguous dst of shape [maps[0].size(), maps[1].size(), ...]: the element at (o0,..,ok) is
// src[sum(maps[d][o_d] * src_strides[d])], or *fill_value when any maps[d][o_d] is negative.
void index_map_copy(DataType dtype, const void* src, std::span<const int64_t> src_strides,
                    const std::vector<std::vector<int64_t>>& maps, void* dst,
                    const void* fill_value);

}  // namespace aruntime::kernels
