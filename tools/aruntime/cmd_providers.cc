// aruntime providers: the execution providers this binary was built with.
#include <iostream>

#include "core/provider_registry.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/session_setup.h"

namespace aruntime::cli {

int providers_command(const std::vector<std::string>& args) {
  const ProvidersArgs providers = parse_providers_args(args);
  if (providers.help) {
    std::cout << providers_help();
    return 0;
  }
  make_environment(providers.verbosity);
  // The public API (available_providers()) lists names only; device presence and description
  // come from the registry it is built from.
  for (const ProviderFactory& factory : builtin_providers()) {
    const bool present = factory.device_present && factory.device_present();
    std::cout << factory.name << ": " << (present ? "available" : "no device");
    if (factory.describe_device) std::cout << " (" << factory.describe_device() << ")";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace aruntime::cli
