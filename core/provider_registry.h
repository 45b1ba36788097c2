// Providers by name. The session creates its EPs through this registry, so core/ never includes a
// provider: the table of providers built into this binary is defined in providers/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/execution_provider.h"

namespace aruntime {

struct ProviderFactory {
  std::string name;
  // One line on the provider's device ("host CPU, 2 cores", "no CUDA device found").
  std::function<std::string()> describe_device;
  std::function<bool()> device_present;
  std::function<std::unique_ptr<ExecutionProvider>(const SessionOptions&)> create;
};

// Every provider compiled into this binary, in the default order of preference (CPU last).
// Defined in providers/builtin_providers.cc.
const std::vector<ProviderFactory>& builtin_providers();

const ProviderFactory* find_provider(const std::string& name);

}  // namespace aruntime
