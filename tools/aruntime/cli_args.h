// A small declarative command-line parser: each command lists its options once, and both parsing
// and the --help text come from that list, so they cannot drift apart.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aruntime::cli {

struct OptionSpec {
  OptionSpec(std::string name_, std::string value_name_, std::string help_,
             bool repeatable_ = false, std::string short_name_ = "")
      : name(std::move(name_)),
        value_name(std::move(value_name_)),
        help(std::move(help_)),
        repeatable(repeatable_),
        short_name(std::move(short_name_)) {}

  std::string name;        // "--input"
  std::string value_name;  // "NAME=FILE"; empty for a flag that takes no value
  std::string help;
  bool repeatable = false;
  std::string short_name;  // "-v", optional
};

class ParsedArgs {
 public:
  std::vector<std::string> positionals;

  bool has(std::string_view option) const { return count(option) > 0; }
  // How often the option was given (flags such as -v may repeat).
  size_t count(std::string_view option) const;
  // Every value given for the option, in command-line order.
  const std::vector<std::string>& values(std::string_view option) const;
  // The value of a non-repeatable option, or `fallback` when absent.
  std::string value_or(std::string_view option, std::string fallback) const;

  void add(const std::string& option, std::string value) {
    values_[option].push_back(std::move(value));
  }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Parses `args` (the words after the command name). Accepts "--opt VALUE", "--opt=VALUE" and
// "--" to end options; "-h"/"--help" are always known. Throws UsageError naming `command` on an
// unknown option, a missing value, a value given to a flag, or a non-repeatable option given twice.
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      std::string_view command);

// The "Options:" block of a --help text.
std::string format_options(const std::vector<OptionSpec>& specs);

// Strict value parsers: the whole text must be a number in range. Throw UsageError naming `option`.
int64_t parse_int(std::string_view text, std::string_view option, int64_t min_value,
                  int64_t max_value);
uint64_t parse_uint64(std::string_view text, std::string_view option);
// A finite number >= min_value.
double parse_double(std::string_view text, std::string_view option, double min_value);
// "NAME=VALUE" split at the first '='; both parts must be non-empty.
std::pair<std::string, std::string> split_name_value(std::string_view text, std::string_view option,
                                                     std::string_view value_name);
// "a,b , c" -> {"a","b","c"}; empty items are refused.
std::vector<std::string> parse_list(std::string_view text, std::string_view option);

}  // namespace aruntime::cli
