// JSON string literals for what the runtime and its tools write (Chrome traces, `--json`).
#pragma once

#include <string>
#include <string_view>

namespace aruntime {

// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped;
// UTF-8 bytes pass through (JSON text is UTF-8).
void append_json_string(std::string& out, std::string_view text);

}  // namespace aruntime
