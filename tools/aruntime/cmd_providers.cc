// aruntime providers: the execution providers this binary was built with.
#include <iostream>

#include "aruntime/session.h"
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
  for (const ProviderInfo& provider : provider_info()) {
    std::cout << provider.name << ": " << (provider.device_present ? "available" : "no device")
              << " (" << provider.device << ")\n";
  }
  return 0;
}

}  // namespace aruntime::cli
