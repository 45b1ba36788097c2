// What several commands report about a session beyond its outputs: byte counts people can read,
// the process's peak memory, and the profile file.
#pragma once

#include <cstdint>
#include <string>

#include "aruntime/session.h"

namespace aruntime::cli {

// "512 B", "12.0 KiB", "3.42 MiB", "1.10 GiB" (binary units, three significant digits or so).
std::string byte_units(uint64_t bytes);
// "12.0 KiB (12288 bytes)": the readable figure with the exact one.
std::string byte_text(uint64_t bytes);

// Peak resident memory of this process so far, in bytes (VmHWM from /proc/self/status, else
// getrusage's ru_maxrss); 0 when neither is available.
uint64_t peak_rss_bytes();

// Writes the session's profile (--profile) and notes its path on stderr, which keeps stdout for
// results; does nothing when no profile file was asked for.
void finish_profiling(Session& session);

}  // namespace aruntime::cli
