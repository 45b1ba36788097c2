// String ops: StringNormalizer (opset 10), RegexFullMatch, StringSplit and StringConcat (opset 20).
//
// Limitations, by design:
// - StringNormalizer maps case without a locale database: ASCII, Latin-1 Supplement, Latin
//   Extended-A, basic Greek (with tonos) and basic Cyrillic letters, decoded from UTF-8 (bytes that
//   are not valid UTF-8 pass through unchanged). The `locale` attribute is accepted and not
//   consulted; locale-specific rules (Turkish dotless i, German sharp s to "SS") are not applied.
// - RegexFullMatch runs std::regex in ECMAScript mode on bytes, restricted to the syntax RE2 and
//   ECMAScript share: literals, escapes of punctuation, \d \D \w \W \s \S \b \B \n \r \t \f \v,
//   classes, groups, (?:...), alternation, anchors and the quantifiers * + ? {n,m} (lazy too);
//   a leading (?i) selects case-insensitive matching. Patterns using anything else (named groups,
//   lookaround, backreferences, \pN, \A, \z, other inline flags) are refused with an error rather
//   than run with different meaning. '.' matches one byte, not one UTF-8 code point.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kernels/broadcast.h"
#include "kernels/parallel.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

const std::vector<DataType> kStringOnly = {DataType::kString};

// ---- UTF-8 case mapping ------------------------------------------------------------------------

// Decodes one UTF-8 code point at s[i]; returns its length, or 0 when the bytes are not a valid
// sequence (the caller then copies one byte unchanged).
size_t decode_utf8(std::string_view s, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  size_t len = 0;
  uint32_t cp = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return len;
}

void encode_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t to_lower(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
    return c + 32;  // Latin-1, except the multiplication sign
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0 && c != 0x130) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E && c % 2 == 1) return c + 1;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;  // Greek
  if (c == 0x386) return 0x3AC;                               // Greek with tonos
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;  // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

uint32_t to_upper(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x101 && c <= 0x137 && c % 2 == 1 && c != 0x131) return c - 1;
  if (c >= 0x13A && c <= 0x148 && c % 2 == 0) return c - 1;
  if (c >= 0x14B && c <= 0x177 && c % 2 == 1) return c - 1;
  if (c >= 0x17A && c <= 0x17E && c % 2 == 0) return c - 1;
  if (c >= 0x3B1 && c <= 0x3C9) return c == 0x3C2 ? 0x3A3 : c - 32;  // final sigma too
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

std::string map_case(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t len = decode_utf8(s, i, &cp);
    if (len == 0) {
      out.push_back(s[i]);
      ++i;
      continue;
    }
    encode_utf8(upper ? to_upper(cp) : to_lower(cp), &out);
    i += len;
  }
  return out;
}

// ---- StringNormalizer --------------------------------------------------------------------------

class StringNormalizerKernel final : public OpKernel {
 public:
  enum class CaseChange { kNone, kLower, kUpper };

  explicit StringNormalizerKernel(const KernelInfo& info) {
    const Node& node = info.node();
    const std::string action = node.attr_string("case_change_action", "NONE");
    if (action == "LOWER") {
      case_change_ = CaseChange::kLower;
    } else if (action == "UPPER") {
      case_change_ = CaseChange::kUpper;
    } else if (action != "NONE") {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": case_change_action '" + action +
                                                "' is not LOWER, UPPER or NONE");
    }
    const int64_t sensitive = node.attr_int("is_case_sensitive", 0);
    if (sensitive != 0 && sensitive != 1) {
      throw_error(
          ErrorCode::kInvalidModel,
          node.describe() + ": is_case_sensitive must be 0 or 1, got " + std::to_string(sensitive));
    }
    case_sensitive_ = sensitive == 1;
    if (node.has_attribute("stopwords")) {
      for (const std::string& word : node.attr_strings("stopwords")) {
        stopwords_.insert(case_sensitive_ ? word : map_case(word, false));
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const bool matrix = x.rank() == 2;
    if (!(x.rank() == 1 || (matrix && x.shape()[0] == 1))) {
      throw_error(
          ErrorCode::kRuntimeError,
          node.describe() + ": input must have shape [C] or [1, C], got " + x.shape().to_string());
    }
    const std::string* in = x.data<std::string>();
    std::vector<std::string> kept;
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      const std::string& word = in[i];
      if (!stopwords_.empty() &&
          stopwords_.count(case_sensitive_ ? word : map_case(word, false)) != 0) {
        continue;
      }
      switch (case_change_) {
        case CaseChange::kNone:
          kept.push_back(word);
          break;
        case CaseChange::kLower:
          kept.push_back(map_case(word, false));
          break;
        case CaseChange::kUpper:
          kept.push_back(map_case(word, true));
          break;
      }
    }
    // With every element dropped the spec asks for one empty string, keeping the input's rank.
    if (kept.empty()) kept.emplace_back();
    const int64_t count = static_cast<int64_t>(kept.size());
    Tensor& out =
        ctx.allocate_output(0, matrix ? Shape{1, count} : Shape{count}, DataType::kString);
    std::string* dst = out.data<std::string>();
    for (int64_t i = 0; i < count; ++i) dst[i] = std::move(kept[static_cast<size_t>(i)]);
  }

 private:
  CaseChange case_change_ = CaseChange::kNone;
  bool case_sensitive_ = false;
  std::unordered_set<std::string> stopwords_;
};

// ---- RegexFullMatch ----------------------------------------------------------------------------

// Checks that `pattern` stays inside the syntax RE2 and ECMAScript read alike (see the file
// comment); returns what is wrong, or an empty string. Strips a leading "(?i)" into `icase`.
std::string check_shared_regex_syntax(std::string* pattern, bool* icase) {
  *icase = false;
  if (pattern->rfind("(?i)", 0) == 0) {
    *icase = true;
    pattern->erase(0, 4);
  }
  const std::string& p = *pattern;
  const std::string_view allowed_letter_escapes = "dDwWsSbBnrtfv";
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return "it ends with a lone backslash";
      const char e = p[++i];
      const bool letter = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z');
      if (e >= '0' && e <= '9') {
        return std::string("escape \\") + e + " (a backreference or octal escape) is not supported";
      }
      if (letter && allowed_letter_escapes.find(e) == std::string_view::npos) {
        return std::string("escape \\") + e + " is not supported";
      }
      if (in_class && (e == 'b' || e == 'B')) {
        return std::string("escape \\") + e + " inside a character class is not supported";
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      // RE2 reads a ']' right after '[' or '[^' as a literal, ECMAScript as the end of an empty
      // class; refuse it rather than disagree.
      size_t next = i + 1;
      if (next < p.size() && p[next] == '^') ++next;
      if (next < p.size() && p[next] == ']') return "a class starting with ']' is not supported";
      if (next < p.size() && p[next] == '[') return "nested or POSIX classes are not supported";
      i = next - 1;
      continue;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      if (i + 2 < p.size() && p[i + 2] == ':') continue;
      return "group syntax '(?' other than '(?:' and a leading '(?i)' is not supported";
    }
  }
  if (in_class) return "a character class is not closed";
  return {};
}

class RegexFullMatchKernel final : public OpKernel {
 public:
  explicit RegexFullMatchKernel(const KernelInfo& info) {
    const Node& node = info.node();
    const std::string original = node.attr_string("pattern");
    std::string pattern = original;
    bool icase = false;
    const std::string problem = check_shared_regex_syntax(&pattern, &icase);
    if (!problem.empty()) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": pattern '" + original + "' cannot be run: " + problem);
    }
    auto flags = std::regex::ECMAScript | std::regex::optimize;
#if defined(__GLIBCXX__)
    // libstdc++'s default backtracking matcher recurses once per input character and overflows
    // the stack on long strings; its breadth-first matcher (possible without backreferences,
    // which are refused above) needs stack only in proportion to the pattern.
    flags |= std::regex_constants::__polynomial;
#endif
    if (icase) flags |= std::regex::icase;
    try {
      regex_ = std::regex(pattern, flags);
    } catch (const std::regex_error& e) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": pattern '" + original +
                                                "' is not a valid regex: " + e.what());
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    Tensor& out = ctx.allocate_output(0, x.shape(), DataType::kBool);
    const std::string* in = x.data<std::string>();
    bool* dst = out.data<bool>();
    try {
      for (int64_t i = 0; i < x.num_elements(); ++i) dst[i] = std::regex_match(in[i], regex_);
    } catch (const std::regex_error& e) {
      // libstdc++ reports runaway backtracking as error_complexity / error_stack.
      throw_error(ErrorCode::kRuntimeError,
                  ctx.node().describe() + ": matching failed: " + std::string(e.what()));
    }
  }

 private:
  std::regex regex_;
};

// ---- StringSplit -------------------------------------------------------------------------------

bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

// Python's str.split(sep, maxsplit): `limit` < 0 means no limit.
std::vector<std::string> split_on(std::string_view s, std::string_view sep, int64_t limit) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (limit < 0 || static_cast<int64_t>(parts.size()) < limit) {
    const size_t hit = s.find(sep, start);
    if (hit == std::string_view::npos) break;
    parts.emplace_back(s.substr(start, hit - start));
    start = hit + sep.size();
  }
  parts.emplace_back(s.substr(start));
  return parts;
}

// Python's str.split(None, maxsplit): runs of whitespace separate, ends are trimmed, and after
// `limit` splits the rest (leading whitespace skipped, trailing kept) is the last part.
std::vector<std::string> split_on_whitespace(std::string_view s, int64_t limit) {
  std::vector<std::string> parts;
  size_t i = 0;
  const size_t n = s.size();
  while (limit < 0 || static_cast<int64_t>(parts.size()) < limit) {
    while (i < n && is_space(s[i])) ++i;
    if (i == n) return parts;
    const size_t begin = i;
    while (i < n && !is_space(s[i])) ++i;
    parts.emplace_back(s.substr(begin, i - begin));
  }
  while (i < n && is_space(s[i])) ++i;
  if (i < n) parts.emplace_back(s.substr(i));
  return parts;
}

class StringSplitKernel final : public OpKernel {
 public:
  explicit StringSplitKernel(const KernelInfo& info) {
    const Node& node = info.node();
    delimiter_ = node.attr_string("delimiter", "");
    // Unset, like Python's -1, means as many splits as the string allows.
    maxsplit_ = node.attr_int("maxsplit", -1);
    if (maxsplit_ < -1) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": maxsplit must be >= 0, got " + std::to_string(maxsplit_));
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const std::string* in = x.data<std::string>();
    std::vector<std::vector<std::string>> parts(static_cast<size_t>(x.num_elements()));
    int64_t widest = 0;
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      auto& p = parts[static_cast<size_t>(i)];
      p = delimiter_.empty() ? split_on_whitespace(in[i], maxsplit_)
                             : split_on(in[i], delimiter_, maxsplit_);
      widest = std::max(widest, static_cast<int64_t>(p.size()));
    }
    std::vector<int64_t> dims = x.shape().dims();
    dims.push_back(widest);
    Tensor& substrings = ctx.allocate_output(0, Shape(dims), DataType::kString);
    std::string* dst = substrings.data<std::string>();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      auto& p = parts[static_cast<size_t>(i)];
      // Elements arrive default-constructed (empty), which is the padding the spec asks for.
      for (size_t k = 0; k < p.size(); ++k)
        dst[i * widest + static_cast<int64_t>(k)] = std::move(p[k]);
    }
    if (ctx.num_outputs() > 1 && ctx.output_requested(1)) {
      Tensor& counts = ctx.allocate_output(1, x.shape(), DataType::kInt64);
      int64_t* c = counts.data<int64_t>();
      for (int64_t i = 0; i < x.num_elements(); ++i) {
        c[i] = static_cast<int64_t>(parts[static_cast<size_t>(i)].size());
      }
    }
  }

 private:
  std::string delimiter_;
  int64_t maxsplit_ = -1;
};

// ---- StringConcat ------------------------------------------------------------------------------

class StringConcatKernel final : public OpKernel {
 public:
  explicit StringConcatKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    const std::optional<Shape> shape = kernels::broadcast_shapes(a.shape(), b.shape());
    if (!shape) {
      throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input shapes " +
                                                a.shape().to_string() + " and " +
                                                b.shape().to_string() + " do not broadcast");
    }
    Tensor& out = ctx.allocate_output(0, *shape, DataType::kString);
    if (out.num_elements() == 0) return;
    const kernels::BroadcastPlan plan = kernels::make_broadcast_plan(a.shape(), b.shape(), *shape);
    kernels::binary_broadcast(plan, a.data<std::string>(), b.data<std::string>(),
                              out.data<std::string>(), 16,
                              [](const std::string& x, const std::string& y) { return x + y; });
  }
};

}  // namespace

void register_string_kernels(KernelRegistry& registry) {
  registry.add("StringNormalizer", 10, 23, {0}, kStringOnly, make_kernel<StringNormalizerKernel>());

  KernelDef regex;
  regex.op_type = "RegexFullMatch";
  regex.since_version = 20;
  regex.end_version = 23;
  regex.constraints = {{"T1", {0}, {}, kStringOnly}, {"T2", {}, {0}, {DataType::kBool}}};
  regex.factory = make_kernel<RegexFullMatchKernel>();
  registry.add(std::move(regex));

  KernelDef split;
  split.op_type = "StringSplit";
  split.since_version = 20;
  split.end_version = 23;
  split.constraints = {{"T1", {0}, {}, kStringOnly},
                       {"T2", {}, {0}, kStringOnly},
                       {"T3", {}, {1}, {DataType::kInt64}}};
  split.factory = make_kernel<StringSplitKernel>();
  registry.add(std::move(split));

  registry.add("StringConcat", 20, 23, {0, 1}, kStringOnly, make_kernel<StringConcatKernel>());
}

}  // namespace aruntime::cpu
