// Factories of the built-in passes (one file each), for the PassManager's list.
#pragma once

#include <memory>

#include "graph/optimizer/graph_pass.h"

namespace aruntime::optimizer {

// Level 1: Identity, and Dropout in inference (mask unused), become a renaming of their input.
std::unique_ptr<GraphPass> make_eliminate_identity();
// Level 1: nodes none of whose outputs is read or a graph output; initializers nothing reads.
std::unique_ptr<GraphPass> make_eliminate_dead_code();
// Level 1: Conv followed by BatchNormalization (inference) becomes one Conv with folded weights.
std::unique_ptr<GraphPass> make_fuse_conv_batchnorm();

}  // namespace aruntime::optimizer
