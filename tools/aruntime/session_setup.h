// Turning command-line options into the library's Environment and SessionOptions.
#pragma once

#include "aruntime/session.h"
#include "tools/aruntime/command_options.h"

namespace aruntime::cli {

// Quiet unless asked: the runtime's log is off by default (a failure is reported once, as the
// "aruntime: error:" line), info with one --verbose, debug with two. Log lines go to stderr so
// they never mix with results on stdout (e.g. bench --json).
Environment make_environment(int verbosity);

SessionOptions make_session_options(const SessionArgs& args);

// "cpu" or "cuda, cpu" -- a provider list as the CLI prints it.
std::string join_names(const std::vector<std::string>& names, const std::string& separator = ", ");

}  // namespace aruntime::cli
