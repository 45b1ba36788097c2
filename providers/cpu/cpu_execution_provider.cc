#include "providers/cpu/cpu_execution_provider.h"

#include "providers/cpu/ops/registrations.h"

namespace aruntime {

CpuExecutionProvider::CpuExecutionProvider() {
  cpu::register_elementwise_kernels(registry_);
  cpu::register_tensor_kernels(registry_);
  cpu::register_nn_kernels(registry_);
  cpu::register_reduction_kernels(registry_);
  cpu::register_resize_kernels(registry_);
  cpu::register_quantization_kernels(registry_);
  cpu::register_rnn_kernels(registry_);
  cpu::register_loss_kernels(registry_);
  cpu::register_control_flow_kernels(registry_);
  cpu::register_ml_kernels(registry_);
  cpu::register_misc_kernels(registry_);
  cpu::register_signal_kernels(registry_);
  cpu::register_string_kernels(registry_);
  cpu::register_sequence_kernels(registry_);
  cpu::register_extra_kernels(registry_);
  cpu::register_fused_kernels(registry_);
  cpu::register_nchwc_kernels(registry_);
}

}  // namespace aruntime
