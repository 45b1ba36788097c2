// The CLI's commands. Each takes the words after its name, returns the process exit status, and
// lets UsageError / aruntime::Error escape to main, which reports them.
#pragma once

#include <string>
#include <vector>

namespace aruntime::cli {

int run_command(const std::vector<std::string>& args);
int test_command(const std::vector<std::string>& args);
int bench_command(const std::vector<std::string>& args);
int inspect_command(const std::vector<std::string>& args);
int explain_command(const std::vector<std::string>& args);
int compare_command(const std::vector<std::string>& args);
int providers_command(const std::vector<std::string>& args);
int optimize_command(const std::vector<std::string>& args);

}  // namespace aruntime::cli
