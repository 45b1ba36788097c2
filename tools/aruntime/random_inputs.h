// Inputs the user did not supply: a concrete shape from the declared one, a memory check before
// anything is allocated, and reproducible random values of the declared element type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "aruntime/session.h"
#include "aruntime/tensor.h"

namespace aruntime::cli {

// The declared shape with every symbolic dimension taken from `dim_values` and every other
// non-static dimension set to 1. Throws Error(kInvalidArgument) when the input declares no shape.
Shape resolve_input_shape(const ValueMetadata& input,
                          const std::map<std::string, int64_t>& dim_values);

// Bytes a tensor of `shape` and `dtype` occupies. Throws Error(kOutOfMemory) naming the input,
// shape and bytes when the size overflows 64 bits or exceeds `memory_limit_bytes`.
uint64_t checked_input_bytes(const std::string& input_name, DataType dtype, const Shape& shape,
                             uint64_t memory_limit_bytes);

// Physical memory of this machine (the ceiling for one generated input).
uint64_t physical_memory_bytes();

// The seed of one input's random stream: mixes the run seed with the input's name, so giving one
// input from a file does not change the values generated for the others.
uint64_t input_seed(uint64_t run_seed, std::string_view input_name);

// A host tensor of random values: floats uniform in [-1, 1], integers uniform in [0, 10) (small
// non-negative values are valid indices and counts for most operators), bools 50/50, strings of
// 1-8 lowercase letters. The same seed always gives the same values.
Tensor random_tensor(DataType dtype, const Shape& shape, uint64_t seed);

}  // namespace aruntime::cli
