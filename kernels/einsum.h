// Einstein summation over dense row-major tensors. Repeated labels within one operand take a
// diagonal, labels needed by no later operand nor the output are summed out early, and operands
// are combined left to right as transposes plus batched GEMM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aruntime::kernels {

// A parsed equation. Labels are small integers: letters keep their ASCII code, and the broadcast
// dimensions covered by "..." get codes kEinsumEllipsisBase + j, where j counts from the leftmost
// of the widest ellipsis (so a narrower ellipsis is right-aligned against it, as numpy does).
inline constexpr int kEinsumEllipsisBase = 256;

struct EinsumSpec {
  std::vector<std::vector<int>> input_labels;  // one label per axis of each input
  std::vector<int> output_labels;
};

// Parses `equation` for inputs of the given ranks; an implicit output lists the ellipsis dims and
// then the letters used exactly once, in ASCII order. Throws Error(kInvalidArgument) whose message
// starts with `context` on malformed equations or rank mismatches.
EinsumSpec parse_einsum(const std::string& equation, const std::vector<size_t>& input_ranks,
                        const std::string& context);

// The output shape; letter labels must agree in size across operands, ellipsis dims broadcast
// (1 against n). Throws Error(kInvalidArgument) prefixed by `context` otherwise.
std::vector<int64_t> einsum_output_dims(const EinsumSpec& spec,
                                        const std::vector<std::vector<int64_t>>& input_dims,
                                        const std::string& context);

// out (shaped einsum_output_dims) = the summation. Instantiated for float, double, int32_t and
// int64_t.
template <typename T>
void einsum(const EinsumSpec& spec, const std::vector<const T*>& inputs,
            const std::vector<std::vector<int64_t>>& input_dims, T* out,
            const std::string& context);

}  // namespace aruntime::kernels
