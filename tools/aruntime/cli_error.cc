#include "tools/aruntime/cli_error.h"

namespace aruntime::cli {

std::string error_line(std::string_view message) {
  std::string line = "aruntime: error: ";
  bool pending_space = false;
  for (char c : message) {
    if (c == '\n' || c == '\r' || c == '\t') {
      pending_space = true;
      continue;
    }
    if (pending_space && line.back() != ' ') line += ' ';
    pending_space = false;
    line += c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace aruntime::cli
