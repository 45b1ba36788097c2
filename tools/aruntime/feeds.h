// The feeds of `run` and `bench`: inputs named with --input come from files, the rest are
// generated, and --dim names are checked against the model's symbolic dimensions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "tools/aruntime/command_options.h"

namespace aruntime::cli {

struct PreparedFeeds {
  // Tensors, and the sequences, optionals and maps read from files (those are never generated).
  std::map<std::string, Value> values;
  // One line per model input, in model order: "x: float32[1,3] from x.npy" or "... random".
  std::vector<std::string> descriptions;
};

// Throws Error(kInvalidArgument) when a --dim name is not a symbolic dimension of any model input
// or output (most likely a typo).
void check_dim_names(const Session& session, const std::map<std::string, int64_t>& dims);

// Throws Error(kInvalidArgument) when a file names an input the model lacks or holds another
// element type or shape than declared; Error(kOutOfMemory) when a generated input would not fit.
PreparedFeeds prepare_feeds(const Session& session, const std::vector<InputFileArg>& files,
                            const std::map<std::string, int64_t>& dims, uint64_t seed);

}  // namespace aruntime::cli
