// Transpose of a dense row-major tensor, by element (any dtype, strings included).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "aruntime/data_type.h"

namespace aruntime::kernels {

// out[i_perm[0], ..., i_perm[k]] = in[i_0, ..., i_k]: output dim d is input dim perm[d].
// `perm` must be a permutation of [0, dims.size()).
void transpose(DataType dtype, const void* in, std::span<const int64_t> in_dims,
               std::span<const int64_t> perm, void* out);

// True when the transpose keeps every dim of size > 1 in order, so it moves no data and the output
// is the input buffer under a new shape.
bool transpose_is_reshape(std::span<const int64_t> in_dims, std::span<const int64_t> perm);

}  // namespace aruntime::kernels
