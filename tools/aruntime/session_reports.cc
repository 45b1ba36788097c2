#include "tools/aruntime/session_reports.h"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace aruntime::cli {

std::string byte_units(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  // Three significant digits: 1.23 MiB, 12.3 MiB, 123 MiB.
  std::snprintf(buffer, sizeof(buffer),
                value < 10    ? "%.2f %s"
                : value < 100 ? "%.1f %s"
                              : "%.0f %s",
                value, kUnits[unit]);
  return buffer;
}

std::string byte_text(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  return byte_units(bytes) + " (" + std::to_string(bytes) + " bytes)";
}

uint64_t peak_rss_bytes() {
  // VmHWM is the resident high-water mark in kB; it is exact where ru_maxrss units vary by OS.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0 && usage.ru_maxrss > 0) {
    return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // kilobytes on Linux
  }
  return 0;
}

void finish_profiling(Session& session) {
  const std::string path = session.end_profiling();
  if (!path.empty()) std::cerr << "profile written to " << path << std::endl;
}

}  // namespace aruntime::cli
