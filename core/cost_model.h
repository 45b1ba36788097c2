// Rough per-node costs from static shapes, for placement decisions and diagnostics: whether a
// device claim is worth the copies at its boundary, and each provider's share of the work.
// These are estimates of arithmetic and bytes, not timings; docs/placement.md states the rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "graph/ir.h"

namespace aruntime {

// Floating-point (or integer) operations of one run of `node`, a multiply-add counting as two:
// Conv/ConvTranspose/Gemm/MatMul by their MACs, pooling by window size, normalisations and
// softmax a few per element, everything else one per output element. nullopt when a shape the
// estimate needs is not statically known.
std::optional<double> estimate_flops(const Graph& graph, const Node& node);

// Bytes of a value of static shape; nullopt when its type or shape is not known statically.
std::optional<uint64_t> static_value_bytes(const Graph& graph, const std::string& value);

}  // namespace aruntime
