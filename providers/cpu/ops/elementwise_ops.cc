#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {

void register_elementwise_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace aruntime::cpu
