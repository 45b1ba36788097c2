#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {

void register_nn_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace aruntime::cpu
