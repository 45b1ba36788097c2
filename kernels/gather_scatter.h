// Index-driven element movement for GatherElements / ScatterElements / ScatterND and friends. The
// callers validate and normalise indices (they know the node to name in errors); these helpers
// turn valid indices into element offsets and move or combine the elements. Gathers go through
// kernels::gather_rows (copy.h); scatters combine rows here, in index order, so that duplicate
// indices resolve deterministically (the last update wins for kNone).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "aruntime/data_type.h"

namespace aruntime::kernels {

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

// For each position p = (p0, .., pk) of an index tensor of `index_dims` (rank >= 1), the flat
// element offset in a contiguous tensor of `data_dims` (same rank) of the element whose coordinate
// along `axis` is indices[p] and whose other coordinates are p's. Indices must be in
// [0, data_dims[axis]) and index_dims[d] <= data_dims[d] for d != axis.
std::vector<int64_t> offsets_along_axis(std::span<const int64_t> data_dims,
                                        std::span<const int64_t> index_dims, int64_t axis,
                                        const int64_t* indices);

// For j < num_rows: dst row row_indices[j] = reduction(dst row, updates row j), rows of `inner`
// elements, applied in order of j. kNone works for every dtype; the arithmetic reductions for
// numeric and bool types (on bool, add is "or" and mul is "and", as in numpy). Returns false when
// the reduction is not defined for dtype (strings), leaving dst unchanged.
bool scatter_rows(DataType dtype, void* dst, int64_t inner, const int64_t* row_indices,
                  int64_t num_rows, const void* updates, ScatterReduction reduction);

}  // namespace aruntime::kernels
