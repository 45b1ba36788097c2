// Shape rule of Einsum: each label's size comes from the inputs that carry it, the ellipsis dims
// broadcast, and the output lists the labels of the equation's right side (or, without one, the
// ellipsis then the labels used once, in alphabetical order).
#include <algorithm>
#include <map>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

struct Term {
  std::string labels;  // letters, with '.' standing for the ellipsis
  bool has_ellipsis = false;
};

std::optional<Term> parse_term(const std::string& text) {
  Term t;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (t.has_ellipsis || text.compare(i, 3, "...") != 0) return std::nullopt;
      t.has_ellipsis = true;
      t.labels += '.';
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      t.labels += c;
    } else {
      return std::nullopt;
    }
  }
  return t;
}

void einsum_rule(NodeContext& ctx) {
  const std::string equation = ctx.node().attr_string("equation", "");
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<Term> inputs;
  size_t pos = 0;
  while (true) {
    const size_t comma = lhs.find(',', pos);
    auto t =
        parse_term(lhs.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!t) return;
    inputs.push_back(*t);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (inputs.size() != ctx.num_inputs()) return;
  std::map<char, Dim> sizes;
  std::map<char, int> uses;
  Dims ellipsis;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Dims* shape = ctx.shape(i);
    if (shape == nullptr) return;
    const size_t letters = inputs[i].labels.size() - (inputs[i].has_ellipsis ? 1 : 0);
    if (shape->size() < letters || (!inputs[i].has_ellipsis && shape->size() != letters)) {
      ctx.fail("equation term '" + inputs[i].labels + "' does not match the rank of " +
               ctx.describe_input(i));
    }
    const size_t ellipsis_rank = shape->size() - letters;
    size_t d = 0;
    for (char c : inputs[i].labels) {
      if (c == '.') {
        Dims here(shape->begin() + static_cast<std::ptrdiff_t>(d),
                  shape->begin() + static_cast<std::ptrdiff_t>(d + ellipsis_rank));
        // Ellipsis dims broadcast, right-aligned.
        Dims merged(std::max(ellipsis.size(), here.size()));
        for (size_t j = 0; j < merged.size(); ++j) {
          const size_t from_end = merged.size() - j;
          const Dim one = Dim::fixed(1);
          const Dim& a = from_end <= ellipsis.size() ? ellipsis[ellipsis.size() - from_end] : one;
          const Dim& b = from_end <= here.size() ? here[here.size() - from_end] : one;
          std::optional<Dim> m = broadcast_dim(a, b);
          merged[j] = m ? *m : Dim{};
        }
        ellipsis = std::move(merged);
        d += ellipsis_rank;
        continue;
      }
      const Dim& dim = (*shape)[d++];
      ++uses[c];
      auto it = sizes.find(c);
      if (it == sizes.end()) {
        sizes[c] = dim;
      } else if (!it->second.is_static() && dim.is_static()) {
        it->second = dim;
      }
    }
  }
  Dims out;
  if (arrow == std::string::npos) {
    out = ellipsis;
    for (const auto& [c, n] : uses) {
      if (n == 1) out.push_back(sizes[c]);
    }
  } else {
    auto t = parse_term(equation.substr(arrow + 2));
    if (!t) return;
    for (char c : t->labels) {
      if (c == '.') {
        out.insert(out.end(), ellipsis.begin(), ellipsis.end());
      } else {
        auto it = sizes.find(c);
        if (it == sizes.end())
          ctx.fail("output label '" + std::string(1, c) + "' of '" + equation + "' is on no input");
        out.push_back(it->second);
      }
    }
  }
  ctx.set_shape(0, std::move(out));
}

}  // namespace

void add_einsum_rules(RuleTable& rules) {
  rules["Einsum"] = einsum_rule;
}

}  // namespace aruntime::shape_inference
