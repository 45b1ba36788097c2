// The few JSON building blocks `bench --json` needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aruntime::cli {

// A JSON string literal with quotes, backslashes and control characters escaped.
std::string json_string(std::string_view text);
// A JSON number; NaN and infinities (which JSON lacks) become null.
std::string json_number(double value);
std::string json_string_array(const std::vector<std::string>& items);

}  // namespace aruntime::cli
