// aruntime: command-line front end of the runtime. main() picks the command and is the one place
// failures turn into an "aruntime: error:" line and an exit status.
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "aruntime/status.h"
#include "tools/aruntime/cli_error.h"
#include "tools/aruntime/command_options.h"
#include "tools/aruntime/commands.h"

namespace {

using aruntime::cli::UsageError;

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>&);
};

constexpr Command kCommands[] = {
    {"run", aruntime::cli::run_command},
    {"test", aruntime::cli::test_command},
    {"bench", aruntime::cli::bench_command},
    {"inspect", aruntime::cli::inspect_command},
    {"explain", aruntime::cli::explain_command},
    {"compare", aruntime::cli::compare_command},
    {"providers", aruntime::cli::providers_command},
    {"optimize", aruntime::cli::optimize_command},
};

const Command* find_command(const std::string& name) {
  for (const Command& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

int dispatch(const std::vector<std::string>& words) {
  if (words.empty()) {
    throw UsageError(
        "no command given (run, test, bench, inspect, explain, compare, providers, optimize); see 'aruntime --help'");
  }
  const std::string& first = words[0];
  if (first == "-h" || first == "--help") {
    std::cout << aruntime::cli::main_help();
    return aruntime::cli::kExitOk;
  }
  if (first == "--version") {
    std::cout << "aruntime 0.1.0\n";
    return aruntime::cli::kExitOk;
  }
  if (first == "help") {
    if (words.size() == 1) {
      std::cout << aruntime::cli::main_help();
      return aruntime::cli::kExitOk;
    }
    const Command* command = find_command(words[1]);
    if (command == nullptr)
      throw UsageError("unknown command '" + words[1] + "'; see 'aruntime --help'");
    return command->run({"--help"});
  }
  const Command* command = find_command(first);
  if (command == nullptr) {
    throw UsageError("unknown command '" + first +
                     "' (commands: run, test, bench, inspect, explain, compare, providers, optimize); see 'aruntime --help'");
  }
  return command->run(std::vector<std::string>(words.begin() + 1, words.end()));
}

int report(std::string_view message, int status) {
  std::cout.flush();
  std::cerr << aruntime::cli::error_line(message.empty() ? "unknown failure" : message)
            << std::endl;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    return report(e.what(), aruntime::cli::kExitUsage);
  } catch (const aruntime::Error& e) {
    return report(e.what(), aruntime::cli::kExitFailure);
  } catch (const std::bad_alloc&) {
    return report("out of memory", aruntime::cli::kExitFailure);
  } catch (const std::exception& e) {
    return report(e.what(), aruntime::cli::kExitFailure);
  } catch (...) {
    return report("unexpected failure", aruntime::cli::kExitFailure);
  }
}
