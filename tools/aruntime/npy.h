// Reading and writing numpy's .npy format (versions 1.0-3.0): a magic string, a Python-literal
// header {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} and the raw element bytes.
#pragma once

#include <string>
#include <string_view>

#include "aruntime/tensor.h"

namespace aruntime::cli {

// Parses .npy bytes into a host tensor in C order (Fortran-ordered arrays are transposed,
// big-endian ones byte-swapped). `origin` names the file in errors. Throws Error(kInvalidArgument)
// for a malformed file or an element type the runtime has no equivalent for (strings, complex,
// objects, structured dtypes).
Tensor parse_npy(std::string_view bytes, const std::string& origin);
Tensor read_npy_file(const std::string& path);

// Whether numpy can represent `dtype` (no bfloat16, no strings).
bool npy_supports(DataType dtype);
// A version 1.0 .npy image of a host tensor. Throws Error(kInvalidArgument) if !npy_supports.
std::string serialize_npy(const Tensor& tensor);
void write_npy_file(const Tensor& tensor, const std::string& path);

}  // namespace aruntime::cli
