// Element type conversion (ONNX Cast) between every DataType, strings included.
#pragma once

#include <cstdint>
#include <string>

#include "aruntime/data_type.h"

namespace aruntime::kernels {

// How float32/float64 values become bfloat16. ONNX's Cast reference implementation (and the
// backend tests derived from it) keep the upper 16 bits of the float32, i.e. truncate; arithmetic
// elsewhere rounds to nearest even.
enum class BFloat16Rounding { kNearestEven, kTruncate };

// Converts `count` elements at `src` (of src_type) into `dst` (of dst_type). Rules:
//  - floating -> integer truncates toward zero, then wraps into the destination like an integer
//    -> integer conversion; NaN becomes 0 and values beyond the int64 range saturate;
//  - integer -> integer keeps the low bits (two's complement);
//  - anything -> bool is `value != 0`; bool -> number is 0 or 1;
//  - numbers -> string print like numpy's str() ("0.5", "1e-05", "inf", "True"); strings ->
//    numbers parse decimal or scientific text and "inf"/"-inf"/"nan" in any case;
//  - float8 sources convert through their exact float32 value; values bound for a float8 type
//    become float32 first and then round to nearest even, out-of-range ones clamping to the
//    largest finite value when `saturate` and becoming infinity or NaN otherwise (Cast-19);
//  - int4 and uint4 sources convert like the int8/uint8 holding their value; values bound for
//    them round half to even and saturate to [-8, 7] / [0, 15], whatever the source type (NaN
//    becomes 0), as ONNX's reference Cast and onnxruntime do;
//  - float4e2m1 sources convert through their exact float32 value; values bound for float4e2m1
//    become float32 first, then round to nearest even and saturate to +-6 (NaN becomes +6)
//    whatever `saturate` says (see aruntime/float4.h).
// Float8 and 4-bit types are handled besides AllTypes.
// Throws Error(kInvalidArgument) naming the text when a string is not a number.
void cast(DataType src_type, const void* src, DataType dst_type, void* dst, int64_t count,
          BFloat16Rounding bfloat16_rounding = BFloat16Rounding::kNearestEven,
          bool saturate = true);

// A float as int64: truncated toward zero, NaN -> 0, saturated beyond the int64 range.
int64_t double_to_int64(double value);

// Text of one float as numpy's str() prints a float32 (shortest round-trip digits).
std::string float_to_text(float value);
std::string double_to_text(double value);

}  // namespace aruntime::kernels
