// Execution on the simulated NPU. A LoadedProgram is a Program whose weights have been converted
// and written into device memory; running it moves the inputs into the activation block
// (converting them to the device format), executes the instructions one by one in the device's
// numerics (see README.md, "Numerics") and moves the outputs out again (back to their ONNX type).
// The block is scratch memory of the run, so concurrent runs of one program are independent.
#pragma once

#include <atomic>
#include <memory>

#include "aruntime/allocator.h"
#include "core/kernel.h"
#include "providers/npu/npu_program.h"

namespace aruntime::npu {

class LoadedProgram {
 public:
  // Allocates the weight image from `device_memory` (which may refuse it: Error(kOutOfMemory))
  // and writes every weight.
  LoadedProgram(Program program, std::shared_ptr<Allocator> device_memory);
  ~LoadedProgram();
  LoadedProgram(const LoadedProgram&) = delete;
  LoadedProgram& operator=(const LoadedProgram&) = delete;

  const Program& program() const { return program_; }
  int64_t runs() const { return runs_.load(); }

  // One run: ctx inputs are the fused node's inputs (in NPU memory), outputs are allocated on ctx.
  void run(KernelContext& ctx) const;

 private:
  Program program_;
  std::shared_ptr<Allocator> device_memory_;
  void* weights_ = nullptr;
  mutable std::atomic<int64_t> runs_{0};
};

// The OpKernel that compile() returns for a fused group.
class NpuProgramKernel final : public OpKernel {
 public:
  explicit NpuProgramKernel(std::shared_ptr<const LoadedProgram> program)
      : program_(std::move(program)) {}
  void compute(KernelContext& ctx) const override { program_->run(ctx); }

 private:
  std::shared_ptr<const LoadedProgram> program_;
};

}  // namespace aruntime::npu
