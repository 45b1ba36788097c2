// Arithmetic on symbolic dims: static where both sides are, the few identities that keep a symbol
// (x*1, x+0), and unknown everywhere else — a wrong dim is worse than an unknown one.
#include <algorithm>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
  return s + "]";
}

std::string dims_to_string(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += dims[i].to_string();
  }
  return s + "]";
}

Dim Elem::to_dim() const {
  if (value) return fixed_or_unknown(*value);
  return Dim::symbolic(symbol);
}

std::optional<std::vector<int64_t>> Values::ints() const {
  std::vector<int64_t> out;
  out.reserve(elems.size());
  for (const Elem& e : elems) {
    if (!e.value) return std::nullopt;
    out.push_back(*e.value);
  }
  return out;
}

Dim fixed_or_unknown(int64_t v) {
  return v >= 0 ? Dim::fixed(v) : Dim{};
}

bool same_dim(const Dim& a, const Dim& b) {
  if (a.is_static() || b.is_static()) return a.value == b.value;
  return !a.symbol.empty() && a.symbol == b.symbol;
}

std::optional<Dim> broadcast_dim(const Dim& a, const Dim& b) {
  if (a.is_static() && b.is_static()) {
    if (a.value == b.value || b.value == 1) return a;
    if (a.value == 1) return b;
    return std::nullopt;
  }
  if (a.is_static()) return a.value == 1 ? b : a;  // b must be a.value or 1
  if (b.is_static()) return b.value == 1 ? a : b;
  if (same_dim(a, b)) return a;
  return Dim{};
}

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

Dim dim_product(const Dims& dims, size_t begin, size_t end) {
  int64_t product = 1;
  const Dim* symbol = nullptr;
  bool unknown = false;
  for (size_t i = begin; i < end && i < dims.size(); ++i) {
    const Dim& d = dims[i];
    if (d.is_static()) {
      if (d.value == 0) return Dim::fixed(0);
      auto p = checked_mul(product, d.value);
      if (!p)
        unknown = true;
      else
        product = *p;
    } else if (d.symbol.empty() || symbol != nullptr) {
      unknown = true;
    } else {
      symbol = &d;
    }
  }
  if (unknown) return Dim{};
  if (symbol == nullptr) return Dim::fixed(product);
  return product == 1 ? *symbol : Dim{};
}

Dim dim_add(const Dim& a, const Dim& b) {
  if (a.is_static() && b.is_static()) {
    auto s = checked_add(a.value, b.value);
    return s ? Dim::fixed(*s) : Dim{};
  }
  if (a.is_static() && a.value == 0) return b;
  if (b.is_static() && b.value == 0) return a;
  return Dim{};
}

Dim dim_mul(const Dim& a, const Dim& b) {
  if (a.is_static() && b.is_static()) {
    auto p = checked_mul(a.value, b.value);
    return p ? Dim::fixed(*p) : Dim{};
  }
  if (a.is_static() && a.value == 1) return b;
  if (b.is_static() && b.value == 1) return a;
  if ((a.is_static() && a.value == 0) || (b.is_static() && b.value == 0)) return Dim::fixed(0);
  return Dim{};
}

}  // namespace aruntime::shape_inference
