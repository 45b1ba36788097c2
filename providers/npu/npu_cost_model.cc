#include "providers/npu/npu_cost_model.h"

#include <algorithm>
#include <set>

#include "providers/npu/npu_compiler.h"

namespace aruntime::npu {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

int64_t vector_lanes(BufferFormat format) {
  switch (format) {
    case BufferFormat::kF16:
      return kVectorLanesF16;
    case BufferFormat::kI8:
    case BufferFormat::kU8:
      return kVectorLanesInt8;
    case BufferFormat::kF32:
    case BufferFormat::kI32:
      return kVectorLanesF32;
  }
  return kVectorLanesF32;
}

// Operations per element the vector unit spends requantizing or (de)quantizing a value.
constexpr int64_t kRequantizeOps = 4;
// max, exp, sum, divide (exp on the lookup-table path).
constexpr int64_t kSoftmaxOps = 12;

}  // namespace

int64_t macs_per_cycle(Precision precision) {
  switch (precision) {
    case Precision::kFp16:
      return kMacsPerCycleFp16;
    case Precision::kFp32:
      return kMacsPerCycleFp32;
    case Precision::kInt8:
      return kMacsPerCycleInt8;
  }
  return kMacsPerCycleFp32;
}

double cycles_to_microseconds(int64_t cycles) {
  return static_cast<double>(cycles) / kClockMhz;
}

void estimate_instruction_cost(const Program& program, Instruction& instruction) {
  const ProgramValue& out = program.values[instruction.output];
  const int64_t out_elements = out.num_elements();
  InstructionCost cost;
  int64_t mac_rate = macs_per_cycle(program.precision);
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, ConvParams>) {
          const auto& g = p.geometry;
          cost.macs = out_elements * (g.in_channels / g.group) * product(g.kernel);
          cost.vector_ops = out_elements * (1 + p.activation.ops_per_element());
        } else if constexpr (std::is_same_v<P, MatMulParams>) {
          cost.macs = static_cast<int64_t>(p.a_offsets.size()) * p.m * p.n * p.k;
          cost.vector_ops = out_elements * ((p.bias >= 0 ? 1 : 0) + p.activation.ops_per_element());
        } else if constexpr (std::is_same_v<P, PoolParams>) {
          cost.vector_ops = out_elements * product(p.geometry.kernel);
        } else if constexpr (std::is_same_v<P, BinaryParams>) {
          cost.vector_ops = out_elements * (1 + p.activation.ops_per_element());
        } else if constexpr (std::is_same_v<P, ActivationParams>) {
          cost.vector_ops = out_elements * p.activation.ops_per_element();
        } else if constexpr (std::is_same_v<P, SoftmaxParams>) {
          cost.vector_ops = out_elements * kSoftmaxOps;
        } else if constexpr (std::is_same_v<P, ScaleParams>) {
          cost.vector_ops = out_elements * (2 + p.activation.ops_per_element());
        } else if constexpr (std::is_same_v<P, QuantizeParams>) {
          cost.vector_ops = out_elements * kRequantizeOps;
        } else if constexpr (std::is_same_v<P, QLinearConvParams>) {
          const auto& g = p.geometry;
          cost.macs = out_elements * (g.in_channels / g.group) * product(g.kernel);
          cost.vector_ops = out_elements * kRequantizeOps;
          mac_rate = kMacsPerCycleInt8;
        } else if constexpr (std::is_same_v<P, QLinearMatMulParams>) {
          cost.macs = static_cast<int64_t>(p.a_offsets.size()) * p.m * p.n * p.k;
          cost.vector_ops = out_elements * kRequantizeOps;
          mac_rate = kMacsPerCycleInt8;
        }
        // Concat and Transpose only move data: memory time alone.
      },
      instruction.params);
  if (instruction.opcode == Opcode::kGlobalAveragePool) {
    cost.vector_ops = program.values[instruction.inputs[0]].num_elements();
  }
  std::set<int> read(instruction.inputs.begin(), instruction.inputs.end());
  for (int v : read) cost.bytes += static_cast<int64_t>(program.values[v].bytes());
  cost.bytes += static_cast<int64_t>(out.bytes());
  cost.compute_cycles =
      ceil_div(cost.macs, mac_rate) + ceil_div(cost.vector_ops, vector_lanes(out.format));
  cost.memory_cycles = ceil_div(cost.bytes, kBytesPerCycle);
  cost.cycles = kInstructionOverheadCycles + std::max(cost.compute_cycles, cost.memory_cycles);
  instruction.cost = cost;
}

void estimate_program_cost(Program& program) {
  int64_t total = 0;
  for (Instruction& instruction : program.instructions) {
    estimate_instruction_cost(program, instruction);
    total += instruction.cost.cycles;
  }
  int64_t io_bytes = 0;
  for (int v : program.inputs) {
    if (v >= 0) io_bytes += static_cast<int64_t>(program.values[v].bytes());
  }
  for (int v : program.outputs) io_bytes += static_cast<int64_t>(program.values[v].bytes());
  program.io_cycles = ceil_div(io_bytes, kBytesPerCycle);
  program.estimated_cycles = total + program.io_cycles;
}

std::optional<NodeCostEstimate> estimate_node_cost(const Model& model, const Graph& graph,
                                                   const Node& node, Precision precision) {
  NpuOptions options;
  options.precision = precision;
  std::optional<Program> program = compile_single_node(model, graph, node, options);
  if (!program) return std::nullopt;
  NodeCostEstimate estimate;
  for (const Instruction& instruction : program->instructions) {
    estimate.macs += instruction.cost.macs;
    estimate.flops += 2 * instruction.cost.macs + instruction.cost.vector_ops;
    estimate.bytes += instruction.cost.bytes;
  }
  estimate.bytes += program->io_cycles * kBytesPerCycle;
  estimate.cycles = program->estimated_cycles;
  estimate.microseconds = cycles_to_microseconds(estimate.cycles);
  return estimate;
}

}  // namespace aruntime::npu
