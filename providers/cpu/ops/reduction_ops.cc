#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {

void register_reduction_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace aruntime::cpu
