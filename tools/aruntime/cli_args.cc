#include "tools/aruntime/cli_args.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/aruntime/cli_error.h"

namespace aruntime::cli {
namespace {

const OptionSpec kHelpSpec{"--help", "", "show this help and exit", false, "-h"};

const OptionSpec* find_spec(std::string_view word, const std::vector<OptionSpec>& specs) {
  if (word == kHelpSpec.name || word == kHelpSpec.short_name) return &kHelpSpec;
  for (const OptionSpec& spec : specs) {
    if (word == spec.name || (!spec.short_name.empty() && word == spec.short_name)) return &spec;
  }
  return nullptr;
}

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

size_t ParsedArgs::count(std::string_view option) const {
  auto it = values_.find(option);
  return it == values_.end() ? 0 : it->second.size();
}

const std::vector<std::string>& ParsedArgs::values(std::string_view option) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(option);
  return it == values_.end() ? kNone : it->second;
}

std::string ParsedArgs::value_or(std::string_view option, std::string fallback) const {
  auto it = values_.find(option);
  return it == values_.end() || it->second.empty() ? std::move(fallback) : it->second.back();
}

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      std::string_view command) {
  const std::string see_help = " (see 'aruntime " + std::string(command) + " --help')";
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (options_ended || word.size() < 2 || word[0] != '-') {
      parsed.positionals.push_back(word);
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    const size_t eq = word.find('=');
    const bool inline_value = word.rfind("--", 0) == 0 && eq != std::string::npos;
    const std::string option_word = inline_value ? word.substr(0, eq) : word;
    const OptionSpec* spec = find_spec(option_word, specs);
    if (spec == nullptr) {
      throw UsageError("unknown option '" + option_word + "' for 'aruntime " +
                       std::string(command) + "'" + see_help);
    }
    if (!spec->repeatable && parsed.has(spec->name)) {
      throw UsageError("option " + spec->name + " is given more than once" + see_help);
    }
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError("option " + spec->name + " takes no value" + see_help);
      parsed.add(spec->name, "");
      continue;
    }
    if (inline_value) {
      parsed.add(spec->name, word.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      parsed.add(spec->name, args[++i]);
    } else {
      throw UsageError("option " + spec->name + " needs a value " + spec->value_name + see_help);
    }
  }
  return parsed;
}

std::string format_options(const std::vector<OptionSpec>& specs) {
  constexpr size_t kLineWidth = 100;
  std::vector<std::pair<std::string, std::string>> rows;
  for (const OptionSpec& spec : specs) {
    std::string left = spec.short_name.empty() ? "    " : spec.short_name + ", ";
    left += spec.name;
    if (!spec.value_name.empty()) left += " " + spec.value_name;
    const bool note_repeatable = spec.repeatable && !spec.value_name.empty();
    rows.emplace_back(std::move(left), spec.help + (note_repeatable ? " (repeatable)" : ""));
  }
  rows.emplace_back("-h, --help", kHelpSpec.help);
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  const size_t indent = 2 + width + 2;
  const size_t help_width = kLineWidth > indent + 20 ? kLineWidth - indent : 20;
  std::string text = "Options:\n";
  for (const auto& [left, help] : rows) {
    text += "  " + left + std::string(width - left.size() + 2, ' ');
    // Word-wrap the help column so every line stays within kLineWidth.
    size_t column = 0;
    size_t begin = 0;
    while (begin < help.size()) {
      size_t end = help.find(' ', begin);
      if (end == std::string::npos) end = help.size();
      const std::string word = help.substr(begin, end - begin);
      if (column > 0 && column + 1 + word.size() > help_width) {
        text += "\n" + std::string(indent, ' ');
        column = 0;
      } else if (column > 0) {
        text += ' ';
        ++column;
      }
      text += word;
      column += word.size();
      begin = end + 1;
    }
    text += "\n";
  }
  return text;
}

int64_t parse_int(std::string_view text, std::string_view option, int64_t min_value,
                  int64_t max_value) {
  const std::string where = "option " + std::string(option) + ": ";
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw UsageError(where + "'" + std::string(text) + "' is not an integer");
  }
  if (ec == std::errc::result_out_of_range || value < min_value || value > max_value) {
    throw UsageError(where + std::string(text) + " is out of range [" + std::to_string(min_value) +
                     ", " + std::to_string(max_value) + "]");
  }
  return value;
}

uint64_t parse_uint64(std::string_view text, std::string_view option) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw UsageError("option " + std::string(option) + ": '" + std::string(text) +
                     "' is not an integer in [0, 18446744073709551615]");
  }
  return value;
}

double parse_double(std::string_view text, std::string_view option, double min_value) {
  const std::string where = "option " + std::string(option) + ": ";
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || copy[0] == ' ') {
    throw UsageError(where + "'" + copy + "' is not a number");
  }
  if (errno == ERANGE || !std::isfinite(value) || value < min_value) {
    char bound[32];
    std::snprintf(bound, sizeof(bound), "%g", min_value);
    throw UsageError(where + copy + " is out of range (expected a finite number >= " + bound + ")");
  }
  return value;
}

std::pair<std::string, std::string> split_name_value(std::string_view text, std::string_view option,
                                                     std::string_view value_name) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    throw UsageError("option " + std::string(option) + ": expected " + std::string(value_name) +
                     ", got '" + std::string(text) + "'");
  }
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::vector<std::string> parse_list(std::string_view text, std::string_view option) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (true) {
    const size_t comma = text.find(',', begin);
    const std::string item =
        trim(text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin));
    if (item.empty()) {
      throw UsageError("option " + std::string(option) + ": empty item in list '" +
                       std::string(text) + "'");
    }
    items.push_back(item);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return items;
}

}  // namespace aruntime::cli
