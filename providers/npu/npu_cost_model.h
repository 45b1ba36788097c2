// The simulated NPU's cost model. The device is modelled as a MAC array, a vector unit and one
// memory interface, all clocked at kClockMhz. Each instruction costs a fixed dispatch overhead plus
// the larger of its compute time and its memory time (the DMA engine overlaps the two):
//
//   cycles = kInstructionOverheadCycles + max(ceil(macs / MACs per cycle)
//                                             + ceil(vector ops / lanes),
//                                             ceil(bytes / kBytesPerCycle))
//
// A program adds the DMA of its inputs into the activation block and of its outputs out of it.
// The constants describe a mid-range mobile NPU (2 fp16 TFLOPS); they are estimates for
// comparing partitions, not measurements of any chip.
#pragma once

#include <cstdint>
#include <optional>

#include "graph/ir.h"
#include "providers/npu/npu_options.h"
#include "providers/npu/npu_program.h"

namespace aruntime::npu {

inline constexpr double kClockMhz = 1000.0;
inline constexpr int64_t kMacsPerCycleFp16 = 1024;
inline constexpr int64_t kMacsPerCycleFp32 = 256;
inline constexpr int64_t kMacsPerCycleInt8 = 2048;
inline constexpr int64_t kVectorLanesF16 = 64;  // elements per cycle
inline constexpr int64_t kVectorLanesF32 = 32;
inline constexpr int64_t kVectorLanesInt8 = 128;
inline constexpr int64_t kBytesPerCycle = 64;  // 64 GB/s at 1 GHz
inline constexpr int64_t kInstructionOverheadCycles = 128;

int64_t macs_per_cycle(Precision precision);

// Fills instruction.cost for an instruction of `program` (values and precision must be set).
void estimate_instruction_cost(const Program& program, Instruction& instruction);

// Costs every instruction, the I/O DMA and the program total (program.io_cycles,
// program.estimated_cycles).
void estimate_program_cost(Program& program);

double cycles_to_microseconds(int64_t cycles);

// What running one node alone on the device would cost: the node is compiled as a one-node
// program (as capabilities() would claim it) and costed. For partitioner cost rules that weigh
// a node's device time against its copies. nullopt when the device cannot run the node.
struct NodeCostEstimate {
  int64_t macs = 0;
  int64_t flops = 0;  // 2 per MAC plus one per vector operation
  int64_t bytes = 0;  // device-memory traffic of the node's instructions and its I/O DMA
  int64_t cycles = 0;
  double microseconds = 0.0;
};
std::optional<NodeCostEstimate> estimate_node_cost(const Model& model, const Graph& graph,
                                                   const Node& node, Precision precision);

}  // namespace aruntime::npu
