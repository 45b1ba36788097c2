#include "kernels/einsum.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "aruntime/status.h"
#include "aruntime/tensor.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"
#include "kernels/transpose.h"

namespace aruntime::kernels {
namespace {

[[noreturn]] void fail(const std::string& context, const std::string& message) {
  throw_error(ErrorCode::kInvalidArgument, context + ": " + message);
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// One term of the equation: letters, and where the ellipsis sits (-1 when absent).
struct Term {
  std::vector<int> letters;
  int ellipsis_at = -1;
};

Term parse_term(const std::string& text, const std::string& context) {
  Term term;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "...") == 0) {
      if (term.ellipsis_at >= 0) fail(context, "term '" + text + "' has more than one ellipsis");
      term.ellipsis_at = static_cast<int>(term.letters.size());
      i += 3;
    } else if (is_letter(text[i])) {
      term.letters.push_back(static_cast<unsigned char>(text[i]));
      ++i;
    } else {
      fail(context, "unexpected character '" + std::string(1, text[i]) + "' in equation term '" +
                        text + "'");
    }
  }
  return term;
}

// Labels of a term whose ellipsis covers `ellipsis_rank` dims of the widest `max_ellipsis`.
std::vector<int> expand_term(const Term& term, size_t ellipsis_rank, size_t max_ellipsis) {
  std::vector<int> labels;
  for (size_t i = 0; i <= term.letters.size(); ++i) {
    if (static_cast<int>(i) == term.ellipsis_at) {
      for (size_t j = max_ellipsis - ellipsis_rank; j < max_ellipsis; ++j)
        labels.push_back(kEinsumEllipsisBase + static_cast<int>(j));
    }
    if (i < term.letters.size()) labels.push_back(term.letters[i]);
  }
  return labels;
}

// A partial result: values with one distinct label per axis.
template <typename T>
struct Operand {
  std::vector<T> data;
  std::vector<int> labels;
  std::vector<int64_t> dims;
};

int64_t product(const std::vector<int64_t>& dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

// Gathers `in` (labels may repeat: diagonal) into an operand with distinct labels, dropping axes
// of size 1 whose label is larger elsewhere (they broadcast, so the label is simply absent here).
template <typename T>
Operand<T> make_operand(const T* in, const std::vector<int>& labels,
                        const std::vector<int64_t>& dims, const std::map<int, int64_t>& sizes) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  Operand<T> op;
  std::vector<int64_t> op_strides;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (dims[i] == 1 && sizes.at(labels[i]) != 1) continue;
    auto it = std::find(op.labels.begin(), op.labels.end(), labels[i]);
    if (it == op.labels.end()) {
      op.labels.push_back(labels[i]);
      op.dims.push_back(dims[i]);
      op_strides.push_back(strides[i]);
    } else {
      op_strides[it - op.labels.begin()] += strides[i];
    }
  }
  const int64_t count = product(op.dims);
  op.data.resize(static_cast<size_t>(count));
  std::vector<int64_t> index(op.dims.size(), 0);
  int64_t offset = 0;
  for (int64_t n = 0; n < count; ++n) {
    op.data[static_cast<size_t>(n)] = in[offset];
    for (size_t d = op.dims.size(); d-- > 0;) {
      offset += op_strides[d];
      if (++index[d] < op.dims[d]) break;
      offset -= op_strides[d] * op.dims[d];
      index[d] = 0;
    }
  }
  return op;
}

// Sums out the axes whose label `needed` rejects.
template <typename T, typename Pred>
void sum_out(Operand<T>& op, Pred needed) {
  std::vector<bool> reduced(op.labels.size());
  bool any = false;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    reduced[i] = !needed(op.labels[i]);
    any = any || reduced[i];
  }
  if (!any) return;
  Operand<T> out;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    if (reduced[i]) continue;
    out.labels.push_back(op.labels[i]);
    out.dims.push_back(op.dims[i]);
  }
  out.data.resize(static_cast<size_t>(product(out.dims)));
  reduce<T>(ReduceOp::kSum, op.data.data(), op.dims, reduced, out.data.data());
  op = std::move(out);
}

// Reorders the axes of `op` to `labels` (a permutation of op.labels).
template <typename T>
void permute(Operand<T>& op, const std::vector<int>& labels) {
  if (labels == op.labels) return;
  std::vector<int64_t> perm, dims;
  for (int label : labels) {
    const size_t axis = std::find(op.labels.begin(), op.labels.end(), label) - op.labels.begin();
    perm.push_back(static_cast<int64_t>(axis));
    dims.push_back(op.dims[axis]);
  }
  if (!transpose_is_reshape(op.dims, perm)) {
    std::vector<T> data(op.data.size());
    transpose(DataTypeOf<T>::value, op.data.data(), op.dims, perm, data.data());
    op.data = std::move(data);
  }
  op.labels = labels;
  op.dims = std::move(dims);
}

bool contains(const std::vector<int>& labels, int label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

}  // namespace

EinsumSpec parse_einsum(const std::string& equation, const std::vector<size_t>& input_ranks,
                        const std::string& context) {
  std::string text;
  for (char c : equation)
    if (c != ' ') text.push_back(c);
  const size_t arrow = text.find("->");
  const std::string lhs = text.substr(0, arrow);
  std::vector<Term> terms;
  for (size_t begin = 0;;) {
    const size_t comma = lhs.find(',', begin);
    terms.push_back(parse_term(lhs.substr(begin, comma - begin), context));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  if (terms.size() != input_ranks.size()) {
    fail(context, "equation '" + equation + "' has " + std::to_string(terms.size()) +
                      " input terms but the node has " + std::to_string(input_ranks.size()) +
                      " inputs");
  }
  size_t max_ellipsis = 0;
  std::vector<size_t> ellipsis_ranks(terms.size(), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    const size_t letters = terms[i].letters.size();
    const bool has_ellipsis = terms[i].ellipsis_at >= 0;
    if (input_ranks[i] < letters || (!has_ellipsis && input_ranks[i] != letters)) {
      fail(context, "input " + std::to_string(i) + " has rank " + std::to_string(input_ranks[i]) +
                        " but its equation term has " + std::to_string(letters) + " labels" +
                        (has_ellipsis ? " and an ellipsis" : ""));
    }
    ellipsis_ranks[i] = input_ranks[i] - letters;
    max_ellipsis = std::max(max_ellipsis, ellipsis_ranks[i]);
  }
  EinsumSpec spec;
  std::map<int, int> letter_count;
  bool any_ellipsis = false;
  for (size_t i = 0; i < terms.size(); ++i) {
    spec.input_labels.push_back(expand_term(terms[i], ellipsis_ranks[i], max_ellipsis));
    for (int letter : terms[i].letters) ++letter_count[letter];
    any_ellipsis = any_ellipsis || terms[i].ellipsis_at >= 0;
  }
  if (arrow != std::string::npos) {
    const Term out = parse_term(text.substr(arrow + 2), context);
    if (out.ellipsis_at >= 0 && !any_ellipsis)
      fail(context, "the output of '" + equation + "' has an ellipsis that no input has");
    for (size_t i = 0; i < out.letters.size(); ++i) {
      const int letter = out.letters[i];
      if (letter_count.count(letter) == 0) {
        fail(context, "output label '" + std::string(1, static_cast<char>(letter)) + "' of '" +
                          equation + "' appears in no input");
      }
      if (std::count(out.letters.begin(), out.letters.end(), letter) > 1) {
        fail(context, "output label '" + std::string(1, static_cast<char>(letter)) + "' of '" +
                          equation + "' is repeated");
      }
    }
    spec.output_labels = expand_term(out, out.ellipsis_at >= 0 ? max_ellipsis : 0, max_ellipsis);
  } else {
    for (size_t j = 0; j < max_ellipsis; ++j)
      spec.output_labels.push_back(kEinsumEllipsisBase + static_cast<int>(j));
    for (const auto& [letter, count] : letter_count)  // std::map iterates in ASCII order
      if (count == 1) spec.output_labels.push_back(letter);
  }
  return spec;
}

namespace {

std::map<int, int64_t> label_sizes(const EinsumSpec& spec,
                                   const std::vector<std::vector<int64_t>>& input_dims,
                                   const std::string& context) {
  std::map<int, int64_t> sizes;
  for (size_t i = 0; i < spec.input_labels.size(); ++i) {
    const auto& labels = spec.input_labels[i];
    if (labels.size() != input_dims[i].size())
      fail(context, "input " + std::to_string(i) + " rank does not match its equation term");
    for (size_t a = 0; a < labels.size(); ++a) {
      const int64_t dim = input_dims[i][a];
      auto [it, inserted] = sizes.emplace(labels[a], dim);
      if (inserted || it->second == dim) continue;
      const bool broadcasts = labels[a] >= kEinsumEllipsisBase && (it->second == 1 || dim == 1);
      if (!broadcasts) {
        const std::string name =
            labels[a] >= kEinsumEllipsisBase
                ? "ellipsis dim " + std::to_string(labels[a] - kEinsumEllipsisBase)
                : "label '" + std::string(1, static_cast<char>(labels[a])) + "'";
        fail(context, name + " has size " + std::to_string(dim) + " in input " + std::to_string(i) +
                          " but " + std::to_string(it->second) + " elsewhere");
      }
      if (it->second == 1) it->second = dim;
    }
  }
  return sizes;
}

}  // namespace

std::vector<int64_t> einsum_output_dims(const EinsumSpec& spec,
                                        const std::vector<std::vector<int64_t>>& input_dims,
                                        const std::string& context) {
  const auto sizes = label_sizes(spec, input_dims, context);
  std::vector<int64_t> dims;
  for (int label : spec.output_labels) dims.push_back(sizes.at(label));
  return dims;
}

template <typename T>
void einsum(const EinsumSpec& spec, const std::vector<const T*>& inputs,
            const std::vector<std::vector<int64_t>>& input_dims, T* out,
            const std::string& context) {
  const auto sizes = label_sizes(spec, input_dims, context);
  std::vector<Operand<T>> operands;
  for (size_t i = 0; i < inputs.size(); ++i)
    operands.push_back(make_operand(inputs[i], spec.input_labels[i], input_dims[i], sizes));
  const std::vector<int>& output = spec.output_labels;
  // Whether `label` is used by the output or by an operand other than those in [skip, skip_end).
  auto needed_beyond = [&](int label, size_t skip, size_t skip_end) {
    if (contains(output, label)) return true;
    for (size_t k = 0; k < operands.size(); ++k)
      if ((k < skip || k >= skip_end) && contains(operands[k].labels, label)) return true;
    return false;
  };
  for (size_t i = 0; i < operands.size(); ++i)
    sum_out(operands[i], [&](int label) { return needed_beyond(label, i, i + 1); });

  while (operands.size() > 1) {
    Operand<T>& a = operands[0];
    Operand<T>& b = operands[1];
    std::vector<int> batch, contracted, a_only, b_only;
    for (int label : a.labels) {
      if (!contains(b.labels, label)) {
        a_only.push_back(label);
      } else if (needed_beyond(label, 0, 2)) {
        batch.push_back(label);
      } else {
        contracted.push_back(label);
      }
    }
    for (int label : b.labels)
      if (!contains(a.labels, label)) b_only.push_back(label);
    auto concat = [](std::vector<int> x, const std::vector<int>& y, const std::vector<int>& z) {
      x.insert(x.end(), y.begin(), y.end());
      x.insert(x.end(), z.begin(), z.end());
      return x;
    };
    permute(a, concat(batch, a_only, contracted));
    permute(b, concat(batch, contracted, b_only));
    auto size_of = [&](const std::vector<int>& labels) {
      int64_t n = 1;
      for (int label : labels) n *= sizes.at(label);
      return n;
    };
    const int64_t batches = size_of(batch), m = size_of(a_only), k = size_of(contracted),
                  n = size_of(b_only);
    Operand<T> result;
    result.labels = concat(batch, a_only, b_only);
    for (int label : result.labels) result.dims.push_back(sizes.at(label));
    result.data.assign(static_cast<size_t>(batches * m * n), T(0));
    if (k > 0 && m > 0 && n > 0) {
      for (int64_t i = 0; i < batches; ++i) {
        gemm_parallel<T>(false, false, m, n, k, T(1), a.data.data() + i * m * k, k,
                         b.data.data() + i * k * n, n, T(0), result.data.data() + i * m * n, n);
      }
    }
    operands.erase(operands.begin(), operands.begin() + 2);
    operands.insert(operands.begin(), std::move(result));
  }
  Operand<T>& last = operands[0];
  sum_out(last, [&](int label) { return contains(output, label); });
  permute(last, output);
  std::copy(last.data.begin(), last.data.end(), out);
}

template void einsum<float>(const EinsumSpec&, const std::vector<const float*>&,
                            const std::vector<std::vector<int64_t>>&, float*, const std::string&);
template void einsum<double>(const EinsumSpec&, const std::vector<const double*>&,
                             const std::vector<std::vector<int64_t>>&, double*, const std::string&);
template void einsum<int32_t>(const EinsumSpec&, const std::vector<const int32_t*>&,
                              const std::vector<std::vector<int64_t>>&, int32_t*,
                              const std::string&);
template void einsum<int64_t>(const EinsumSpec&, const std::vector<const int64_t*>&,
                              const std::vector<std::vector<int64_t>>&, int64_t*,
                              const std::string&);

}  // namespace aruntime::kernels
