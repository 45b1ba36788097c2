// String kernels (string_ops.cc) against reference values computed with Python 3.11 string methods
// in /tmp/venvtest: str.lower/str.upper, re.fullmatch (which agrees with RE2 on the syntax subset
// used here) and str.split; the Python expression is quoted next to each test.
#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

Tensor strings(Shape shape, std::vector<std::string> values) {
  return Tensor::from_vector<std::string>(std::move(shape), values);
}

void expect_strings(const Tensor& actual, Shape shape, const std::vector<std::string>& expected) {
  ASSERT_EQ(actual.dtype(), DataType::kString);
  ASSERT_EQ(actual.shape(), shape);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual.data<std::string>()[i], expected[i]) << "element " << i;
  }
}

void expect_error(OpTest& test, ErrorCode code, const std::string& text) {
  try {
    test.run();
    ADD_FAILURE() << "expected an error containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// OpTest has no string-list attributes, which StringNormalizer's stopwords are; this runs the
// registered kernel on a hand-built node instead.
class ListContext final : public KernelContext {
 public:
  ListContext(const Node& node, std::vector<Tensor> inputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(1) {}
  const Node& node() const override { return node_; }
  size_t num_inputs() const override { return inputs_.size(); }
  const Tensor* input(size_t i) const override {
    return i < inputs_.size() ? &inputs_[i] : nullptr;
  }
  const Value* input_value(size_t) const override { return nullptr; }
  size_t num_outputs() const override { return outputs_.size(); }
  bool output_requested(size_t i) const override { return i < outputs_.size(); }
  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    outputs_.at(i) = Tensor(dtype, shape);
    return outputs_[i];
  }
  void set_output(size_t i, Tensor t) override { outputs_.at(i) = std::move(t); }
  void set_output_value(size_t i, Value v) override { outputs_.at(i) = v.tensor(); }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override { return Tensor(dtype, shape); }
  Tensor& output() { return outputs_[0]; }

 private:
  const Node& node_;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
};

struct NormalizerCase {
  std::string case_change_action = "NONE";
  int64_t is_case_sensitive = 0;
  std::vector<std::string> stopwords;
};

Tensor run_normalizer(const NormalizerCase& c, const Tensor& x) {
  static const CpuExecutionProvider provider;
  Node node;
  node.name = "test_StringNormalizer";
  node.op_type = "StringNormalizer";
  node.inputs = {"x"};
  node.outputs = {"y"};
  Attribute action, sensitive, stopwords;
  action.name = "case_change_action";
  action.type = Attribute::Type::kString;
  action.s = c.case_change_action;
  sensitive.name = "is_case_sensitive";
  sensitive.type = Attribute::Type::kInt;
  sensitive.i = c.is_case_sensitive;
  stopwords.name = "stopwords";
  stopwords.type = Attribute::Type::kStrings;
  stopwords.strings = c.stopwords;
  node.attributes = {action, sensitive, stopwords};
  Graph graph;
  const std::vector<DataType> types = {DataType::kString};
  KernelMatch match = provider.registry().find(node, 10, types, types);
  if (!match) throw_error(ErrorCode::kNotImplemented, match.reason);
  KernelInfo info(node, graph, 10, types, types, *cpu_heap_allocator());
  auto kernel = match.def->factory(info);
  ListContext ctx(node, {x});
  kernel->compute(ctx);
  return ctx.output();
}

// ---- StringNormalizer ------------------------------------------------------------------------

TEST(CpuStringTest, StringNormalizerLowerWithCaseInsensitiveStopwords) {
  // [w.lower() for w in words if w.lower() not in {"the", "monday"}]
  const Tensor out =
      run_normalizer({"LOWER", 0, {"THE", "monday"}},
                     strings({6}, {"Monday", "ÄPFEL", "the", "Straße", "Привет", "ΌΛΑ"}));
  expect_strings(out, {4}, {"äpfel", "straße", "привет", "όλα"});
}

TEST(CpuStringTest, StringNormalizerUpperCaseSensitive) {
  // Case-sensitive: only the exact "the" goes. [w.upper() for w in words if w != "the"]
  const Tensor out = run_normalizer({"UPPER", 1, {"the"}},
                                    strings({1, 5}, {"The", "the", "ёлка", "όλες", "tuesday"}));
  expect_strings(out, {1, 4}, {"THE", "ЁЛКА", "ΌΛΕΣ", "TUESDAY"});
}

TEST(CpuStringTest, StringNormalizerAllRemovedGivesOneEmptyString) {
  // Spec: when every element is dropped the output is [""] with shape [1, 1] for a [1, C] input.
  const Tensor out = run_normalizer({"NONE", 0, {"a", "b"}}, strings({1, 2}, {"A", "b"}));
  expect_strings(out, {1, 1}, {""});
  // No stopwords and no case change: the input unchanged.
  const Tensor same = run_normalizer({}, strings({2}, {"A", "b"}));
  expect_strings(same, {2}, {"A", "b"});
  OpTest bad_rank("StringNormalizer", 10);
  bad_rank.input(strings({2, 1}, {"a", "b"}));
  expect_error(bad_rank, ErrorCode::kRuntimeError, "[C] or [1, C]");
  OpTest bad_action("StringNormalizer", 10);
  bad_action.attr("case_change_action", std::string("TITLE")).input(strings({1}, {"a"}));
  expect_error(bad_action, ErrorCode::kInvalidModel, "TITLE");
}

// ---- RegexFullMatch --------------------------------------------------------------------------

TEST(CpuStringTest, RegexFullMatchCaseInsensitive) {
  // [bool(re.fullmatch(r"(?i)[a-z]+\d{2,3}(\.txt)?", s)) for s in x]
  auto out = OpTest("RegexFullMatch", 20)
                 .attr("pattern", std::string(R"((?i)[a-z]+\d{2,3}(\.txt)?)"))
                 .input(strings({5}, {"Report12.TXT", "report1", "ABC123", "abc1234", "x99.txt"}))
                 .outputs({DataType::kBool})
                 .run();
  ASSERT_EQ(out[0].shape(), Shape({5}));
  const bool* got = out[0].data<bool>();
  const bool expected[] = {true, false, true, false, true};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i], expected[i]) << i;
}

TEST(CpuStringTest, RegexFullMatchLongInputDoesNotExhaustTheStack) {
  // A backtracking matcher recursing per character crashes here; Python's re.fullmatch agrees on
  // the expected values: "a" * 200000 matches (a|b)*, the same with a trailing "c" does not.
  std::string long_text(200000, 'a');
  auto out = OpTest("RegexFullMatch", 20)
                 .attr("pattern", std::string("(a|b)*"))
                 .input(strings({2}, {long_text, long_text + "c"}))
                 .outputs({DataType::kBool})
                 .run();
  EXPECT_TRUE(out[0].data<bool>()[0]);
  EXPECT_FALSE(out[0].data<bool>()[1]);
}

TEST(CpuStringTest, RegexFullMatchRefusesUnsharedOrInvalidSyntax) {
  // RE2 has no backreferences or lookahead; std::regex would run them with another meaning.
  for (const char* pattern : {R"((a)\1)", "a(?=b)", R"(\Aabc)", "(?P<x>a)"}) {
    OpTest test("RegexFullMatch", 20);
    test.attr("pattern", std::string(pattern)).input(strings({1}, {"a"}));
    expect_error(test, ErrorCode::kNotImplemented, "cannot be run");
  }
  OpTest unbalanced("RegexFullMatch", 20);
  unbalanced.attr("pattern", std::string("ab(c")).input(strings({1}, {"a"}));
  expect_error(unbalanced, ErrorCode::kInvalidModel, "not a valid regex");
}

// ---- StringSplit -----------------------------------------------------------------------------

TEST(CpuStringTest, StringSplitWhitespaceWithMaxsplit) {
  // "  a  b\tc  d  ".split(None, 2) == ['a', 'b', 'c  d  ']; "   ".split(None, 2) == [];
  // "x".split(None, 2) == ['x']
  auto out = OpTest("StringSplit", 20)
                 .attr("maxsplit", int64_t{2})
                 .input(strings({3}, {"  a  b\tc  d  ", "   ", "x"}))
                 .outputs({DataType::kString, DataType::kInt64})
                 .run();
  expect_strings(out[0], {3, 3}, {"a", "b", "c  d  ", "", "", "", "x", "", ""});
  expect_near(out[1], Tensor::from_vector<int64_t>({3}, {3, 0, 1}));
}

TEST(CpuStringTest, StringSplitDelimiterKeepsEmptyParts) {
  // "a--b----c--".split("--") == ['a', 'b', '', 'c', '']; "".split("--") == ['']
  auto out = OpTest("StringSplit", 20)
                 .attr("delimiter", std::string("--"))
                 .input(strings({2, 1}, {"a--b----c--", ""}))
                 .outputs({DataType::kString, DataType::kInt64})
                 .run();
  expect_strings(out[0], {2, 1, 5}, {"a", "b", "", "c", "", "", "", "", "", ""});
  expect_near(out[1], Tensor::from_vector<int64_t>({2, 1}, {5, 1}));
  // "a--b----c--".split("--", 1) == ['a', 'b----c--']
  auto limited = OpTest("StringSplit", 20)
                     .attr("delimiter", std::string("--"))
                     .attr("maxsplit", int64_t{1})
                     .input(strings({1}, {"a--b----c--"}))
                     .outputs({DataType::kString, DataType::kInt64})
                     .run();
  expect_strings(limited[0], {1, 2}, {"a", "b----c--"});
}

// ---- StringConcat ----------------------------------------------------------------------------

TEST(CpuStringTest, StringConcatBroadcasts) {
  // np.char.add([["a"],["bc"]], ["1","ü","3"])
  auto out = OpTest("StringConcat", 20)
                 .input(strings({2, 1}, {"a", "bc"}))
                 .input(strings({3}, {"1", "ü", ""}))
                 .run();
  expect_strings(out[0], {2, 3}, {"a1", "aü", "a", "bc1", "bcü", "bc"});
  OpTest mismatch("StringConcat", 20);
  mismatch.input(strings({2}, {"a", "b"})).input(strings({3}, {"a", "b", "c"}));
  expect_error(mismatch, ErrorCode::kRuntimeError, "do not broadcast");
}

}  // namespace
}  // namespace aruntime::testing
