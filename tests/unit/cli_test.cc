// Unit tests of the aruntime CLI's own logic: argument parsing, .npy reading and writing, random
// input generation, the tolerance comparison of `aruntime test`, latency statistics and the
// ONNX test-layout discovery. End-to-end behaviour is covered by tests/cli/test_cli.py.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <unistd.h>

#include "tools/aruntime/cli_args.h"
#include "tools/aruntime/cli_error.h"
#include "tools/aruntime/command_options.h"
#include "tools/aruntime/compare.h"
#include "tools/aruntime/json_text.h"
#include "tools/aruntime/latency_stats.h"
#include "tools/aruntime/npy.h"
#include "tools/aruntime/random_inputs.h"
#include "tools/aruntime/tensor_text.h"
#include "tools/aruntime/session_setup.h"
#include "tools/aruntime/test_layout.h"

namespace aruntime::cli {
namespace {

using Words = std::vector<std::string>;

// Expects `fn` to throw UsageError whose message contains `fragment`.
template <typename Fn>
void expect_usage_error(Fn&& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "expected a UsageError mentioning '" << fragment << "'";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// Expects `fn` to throw aruntime::Error with `code` whose message contains every fragment.
template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected an aruntime::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "'" << fragment << "' not in: " << e.what();
    }
  }
}

// ---- argument parsing ------------------------------------------------------------------------

TEST(CliArgs, RunParsesEveryOption) {
  const RunArgs run =
      parse_run_args({"m.onnx", "--input", "x=a.npy", "--input=y=b.pb", "--output-dir", "out",
                      "--providers", " cpu , gpu ", "--threads", "3", "--dim", "batch=4",
                      "--dim=seq=0", "--seed", "18446744073709551615", "-v", "--verbose"});
  EXPECT_FALSE(run.help);
  EXPECT_EQ(run.model, "m.onnx");
  ASSERT_EQ(run.inputs.size(), 2u);
  EXPECT_EQ(run.inputs[0].name, "x");
  EXPECT_EQ(run.inputs[0].path, "a.npy");
  EXPECT_EQ(run.inputs[1].name, "y");
  EXPECT_EQ(run.inputs[1].path, "b.pb");
  EXPECT_EQ(run.output_dir, "out");
  EXPECT_EQ(run.session.providers, (Words{"cpu", "gpu"}));
  EXPECT_EQ(run.session.threads, 3);
  EXPECT_EQ(run.session.dims, (std::map<std::string, int64_t>{{"batch", 4}, {"seq", 0}}));
  EXPECT_EQ(run.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(run.verbosity, 2);
}

TEST(CliArgs, DefaultsMatchTheDocumentation) {
  const RunArgs run = parse_run_args({"m.onnx"});
  EXPECT_TRUE(run.session.providers.empty());
  EXPECT_EQ(run.session.threads, 0);
  EXPECT_EQ(run.seed, 0u);
  EXPECT_EQ(run.verbosity, 0);

  // ONNX's backend test cases use rtol=1e-3, atol=1e-7 (onnx/backend/test/case/node/__init__.py).
  const TestArgs test = parse_test_args({"cases"});
  EXPECT_EQ(test.rtol, 1e-3);
  EXPECT_EQ(test.atol, 1e-7);

  const BenchArgs bench = parse_bench_args({"m.onnx"});
  EXPECT_EQ(bench.warmup, 5);
  EXPECT_EQ(bench.iterations, 50);
  EXPECT_FALSE(bench.json);
}

TEST(CliArgs, HelpSkipsRequiredArguments) {
  EXPECT_TRUE(parse_run_args({"--help"}).help);
  EXPECT_TRUE(parse_test_args({"-h"}).help);
  EXPECT_TRUE(parse_bench_args({"--help"}).help);
  EXPECT_TRUE(parse_inspect_args({"--help"}).help);
  EXPECT_TRUE(parse_providers_args({"--help"}).help);
  EXPECT_NE(run_help().find("--input NAME=FILE"), std::string::npos);
  EXPECT_NE(test_help().find("--rtol R"), std::string::npos);
  EXPECT_NE(bench_help().find("--json"), std::string::npos);
}

TEST(CliArgs, RejectsUnknownOptionsNamingThem) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--inputs", "x=a"}); }, "'--inputs'");
  expect_usage_error([] { parse_inspect_args({"m.onnx", "--warmup", "2"}); }, "'--warmup'");
  expect_usage_error([] { parse_providers_args({"-x"}); }, "'-x'");
}

TEST(CliArgs, RejectsMissingAndSurplusPositionals) {
  expect_usage_error([] { parse_run_args({}); }, "needs a MODEL");
  expect_usage_error([] { parse_bench_args({"--json"}); }, "needs a MODEL");
  expect_usage_error([] { parse_run_args({"a.onnx", "b.onnx"}); }, "unexpected argument 'b.onnx'");
  expect_usage_error([] { parse_test_args({"--rtol", "0.1"}); }, "at least one DIR");
  expect_usage_error([] { parse_providers_args({"cpu"}); }, "unexpected argument 'cpu'");
}

TEST(CliArgs, RejectsMissingValuesAndValuesOnFlags) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--input"}); }, "needs a value NAME=FILE");
  expect_usage_error([] { parse_bench_args({"m.onnx", "--json=yes"}); }, "takes no value");
  expect_usage_error(
      [] {
        parse_run_args({"m.onnx", "--seed", "1", "--seed", "2"});
      },
      "more than once");
}

TEST(CliArgs, RejectsMalformedNumbers) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--threads", "two"}); }, "not an integer");
  expect_usage_error([] { parse_run_args({"m.onnx", "--threads", "4x"}); }, "not an integer");
  expect_usage_error([] { parse_run_args({"m.onnx", "--threads", "-1"}); }, "out of range");
  expect_usage_error([] { parse_run_args({"m.onnx", "--threads", "99999"}); }, "out of range");
  expect_usage_error([] { parse_run_args({"m.onnx", "--seed", "-3"}); }, "not an integer");
  expect_usage_error([] { parse_bench_args({"m.onnx", "--iterations", "0"}); }, "out of range");
  expect_usage_error([] { parse_test_args({"d", "--rtol", "-0.1"}); }, "out of range");
  expect_usage_error([] { parse_test_args({"d", "--atol", "nan"}); }, "out of range");
  expect_usage_error([] { parse_test_args({"d", "--atol", "1e-3x"}); }, "not a number");
  EXPECT_EQ(parse_test_args({"d", "--atol", "2.5e-4"}).atol, 2.5e-4);
}

TEST(CliArgs, RejectsMalformedNameValuePairs) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--dim", "batch"}); }, "expected NAME=VALUE");
  expect_usage_error([] { parse_run_args({"m.onnx", "--dim", "=3"}); }, "expected NAME=VALUE");
  expect_usage_error([] { parse_run_args({"m.onnx", "--dim", "batch="}); }, "expected NAME=VALUE");
  expect_usage_error([] { parse_run_args({"m.onnx", "--dim", "batch=-2"}); }, "out of range");
  expect_usage_error(
      [] {
        parse_run_args({"m.onnx", "--dim", "b=1", "--dim", "b=2"});
      },
      "'b' is given more than once");
  expect_usage_error(
      [] {
        parse_run_args({"m.onnx", "--input", "x=a", "--input", "x=b"});
      },
      "'x' is given more than once");
  expect_usage_error([] { parse_run_args({"m.onnx", "--input", "a.npy"}); }, "expected NAME=FILE");
  // The file part may itself contain '=': only the first one splits.
  EXPECT_EQ(parse_run_args({"m.onnx", "--input", "x=dir/a=b.pb"}).inputs[0].path, "dir/a=b.pb");
}

TEST(CliArgs, RejectsEmptyProviderListItems) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--providers", "cpu,,gpu"}); }, "empty item");
  expect_usage_error([] { parse_run_args({"m.onnx", "--providers", ""}); }, "empty item");
}

TEST(CliArgs, DoubleDashEndsOptions) {
  EXPECT_EQ(parse_run_args({"--", "-model.onnx"}).model, "-model.onnx");
  // A lone "-" is a positional (conventionally stdin), not an option.
  EXPECT_EQ(parse_run_args({"-"}).model, "-");
}

TEST(CliError, FoldsMessagesOntoOneLine) {
  EXPECT_EQ(error_line("bad model"), "aruntime: error: bad model");
  EXPECT_EQ(error_line("first\nsecond\r\n  third\n"), "aruntime: error: first second   third");
}

// ---- .npy ------------------------------------------------------------------------------------

// A version 1.0 .npy image: magic, version, header length, header padded with spaces to a
// 64-byte boundary and ended by '\n' (as numpy.save writes them), then the payload.
std::string npy_image(const std::string& header, const std::string& payload) {
  const size_t padded = (10 + header.size() + 1 + 63) / 64 * 64 - 10;
  std::string text = header + std::string(padded - header.size() - 1, ' ') + "\n";
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(text.size() & 0xff);
  bytes += static_cast<char>(text.size() >> 8);
  return bytes + text + payload;
}

TEST(CliNpy, SerializesByteForByteLikeNumpy) {
  // numpy 2.x: np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1) wrote these 152
  // bytes: a 118-byte header (59 characters, 58 spaces, '\n') and six little-endian floats
  // -1, -0.5, 0, 0.5, 1, 1.5.
  const std::string numpy_bytes =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + std::string(58, ' ') + "\n" +
      std::string(
          "\x00\x00\x80\xbf\x00\x00\x00\xbf\x00\x00\x00\x00\x00\x00\x00\x3f\x00\x00\x80\x3f"
          "\x00\x00\xc0\x3f",
          24);
  ASSERT_EQ(numpy_bytes.size(), 152u);
  const Tensor t = Tensor::from_vector<float>({2, 3}, {-1, -0.5f, 0, 0.5f, 1, 1.5f});
  EXPECT_EQ(serialize_npy(t), numpy_bytes);

  const Tensor back = parse_npy(numpy_bytes, "a.npy");
  EXPECT_EQ(back.dtype(), DataType::kFloat32);
  EXPECT_EQ(back.shape(), (Shape{2, 3}));
  EXPECT_EQ(std::vector<float>(back.data<float>(), back.data<float>() + 6),
            (std::vector<float>{-1, -0.5f, 0, 0.5f, 1, 1.5f}));
}

TEST(CliNpy, ByteSwapsBigEndianArrays) {
  // np.array([1, -2, 300], dtype='>i2'): big-endian 0x0001, 0xfffe, 0x012c.
  const Tensor t = parse_npy(npy_image("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }",
                                       std::string("\x00\x01\xff\xfe\x01\x2c", 6)),
                             "be.npy");
  ASSERT_EQ(t.dtype(), DataType::kInt16);
  EXPECT_EQ(t.shape(), (Shape{3}));
  EXPECT_EQ(t.data<int16_t>()[0], 1);
  EXPECT_EQ(t.data<int16_t>()[1], -2);
  EXPECT_EQ(t.data<int16_t>()[2], 300);
}

TEST(CliNpy, TransposesFortranOrderIntoCOrder) {
  // np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)) stores columns: 0 3 1 4 2 5.
  std::string payload;
  for (int32_t v : {0, 3, 1, 4, 2, 5}) payload.append(reinterpret_cast<const char*>(&v), 4);
  const Tensor t = parse_npy(
      npy_image("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", payload), "f.npy");
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + 6),
            (std::vector<int32_t>{0, 1, 2, 3, 4, 5}));
}

TEST(CliNpy, ReadsScalarsHalfsBoolsAndEmptyArrays) {
  const Tensor scalar = parse_npy(
      npy_image("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", std::string("\x01", 1)),
      "s.npy");
  EXPECT_EQ(scalar.dtype(), DataType::kBool);
  EXPECT_EQ(scalar.rank(), 0u);
  EXPECT_TRUE(scalar.data<bool>()[0]);

  // np.array([0.5, -2.0], dtype='<f2'): half bits 0x3800 and 0xc000.
  const Tensor half =
      parse_npy(npy_image("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
                          std::string("\x00\x38\x00\xc0", 4)),
                "h.npy");
  EXPECT_EQ(half.dtype(), DataType::kFloat16);
  EXPECT_EQ(half.data<Float16>()[0].to_float(), 0.5f);
  EXPECT_EQ(half.data<Float16>()[1].to_float(), -2.0f);

  const Tensor empty = parse_npy(
      npy_image("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4), }", ""), "e.npy");
  EXPECT_EQ(empty.dtype(), DataType::kUInt8);
  EXPECT_EQ(empty.shape(), (Shape{0, 4}));
}

TEST(CliNpy, RoundTripsEveryNumpyType) {
  const Tensor i64 = Tensor::from_vector<int64_t>({3}, {-5, 0, INT64_MAX});
  const Tensor back = parse_npy(serialize_npy(i64), "r.npy");
  EXPECT_EQ(back.to_int64_vector(), i64.to_int64_vector());
  const Tensor b = Tensor::from_vector<bool>({1, 2}, {true, false});
  const Tensor b_back = parse_npy(serialize_npy(b), "r.npy");
  EXPECT_EQ(b_back.shape(), (Shape{1, 2}));
  EXPECT_TRUE(b_back.data<bool>()[0]);
  EXPECT_FALSE(b_back.data<bool>()[1]);
  EXPECT_FALSE(npy_supports(DataType::kBFloat16));
  EXPECT_FALSE(npy_supports(DataType::kString));
  expect_error([] { serialize_npy(Tensor::from_vector<std::string>({1}, {"a"})); },
               ErrorCode::kInvalidArgument, {"string"});
}

TEST(CliNpy, RefusesMalformedFiles) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  expect_error([] { parse_npy("NUMPY?", "x.npy"); }, ErrorCode::kInvalidArgument,
               {"x.npy", "magic"});
  // Four bytes where shape (2,) of float32 needs eight.
  expect_error([&] { parse_npy(npy_image(f4, std::string(4, '\0')), "t.npy"); },
               ErrorCode::kInvalidArgument, {"t.npy", "needs 8 data bytes, the file has 4"});
  expect_error([&] { parse_npy(npy_image(f4, std::string(12, '\0')), "t.npy"); },
               ErrorCode::kInvalidArgument, {"needs 8 data bytes, the file has 12"});
  // A header length pointing past the end of the file.
  std::string truncated = npy_image(f4, std::string(8, '\0')).substr(0, 40);
  expect_error([&] { parse_npy(truncated, "t.npy"); }, ErrorCode::kInvalidArgument,
               {"truncated header"});
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }",
                            std::string(16, '\0')),
                  "u.npy");
      },
      ErrorCode::kInvalidArgument, {"'<U2' is not supported"});
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                            std::string(8, '\0')),
                  "c.npy");
      },
      ErrorCode::kInvalidArgument, {"'<c8'"});
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                            std::string(4, '\0')),
                  "s.npy");
      },
      ErrorCode::kInvalidArgument, {"structured"});
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': '<f4', 'shape': (1,), }", std::string(4, '\0')), "k.npy");
      },
      ErrorCode::kInvalidArgument, {"lacks"});
  // Element count overflowing int64 must be refused before any allocation.
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': "
                            "(4294967296, 4294967296), }",
                            ""),
                  "o.npy");
      },
      ErrorCode::kInvalidArgument, {"o.npy"});
  expect_error(
      [] {
        parse_npy(npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': "
                            "(99999999999999999999,), }",
                            ""),
                  "o.npy");
      },
      ErrorCode::kInvalidArgument, {"overflows"});
}

// ---- random inputs ---------------------------------------------------------------------------

ValueMetadata metadata(const std::string& name, DataType dtype, std::vector<int64_t> dims,
                       std::vector<std::string> symbols) {
  ValueMetadata m;
  m.name = name;
  m.dtype = dtype;
  m.has_shape = true;
  m.dims = std::move(dims);
  m.dim_symbols = std::move(symbols);
  return m;
}

TEST(CliRandomInputs, ResolvesSymbolicAndUnknownDims) {
  const ValueMetadata x =
      metadata("x", DataType::kFloat32, {-1, 3, -1, -1}, {"batch", "", "seq", ""});
  EXPECT_EQ(resolve_input_shape(x, {}), (Shape{1, 3, 1, 1}));
  EXPECT_EQ(resolve_input_shape(x, {{"batch", 8}, {"seq", 0}}), (Shape{8, 3, 0, 1}));
  ValueMetadata shapeless;
  shapeless.name = "mystery";
  shapeless.dtype = DataType::kFloat32;
  expect_error([&] { resolve_input_shape(shapeless, {}); }, ErrorCode::kInvalidArgument,
               {"'mystery'", "--input mystery=FILE"});
}

TEST(CliRandomInputs, RefusesSizesThatOverflowOrExceedMemory) {
  EXPECT_EQ(checked_input_bytes("x", DataType::kFloat32, Shape{2, 3}, 1000), 24u);
  EXPECT_EQ(checked_input_bytes("x", DataType::kFloat32, Shape{0, int64_t{1} << 62}, 0), 0u);
  // 2^31 * 2^31 * 4 bytes = 2^64: one past the largest uint64.
  expect_error(
      [] {
        checked_input_bytes("big", DataType::kFloat32, Shape{int64_t{1} << 31, int64_t{1} << 31},
                            UINT64_MAX);
      },
      ErrorCode::kOutOfMemory, {"'big'", "float32[2147483648,2147483648]", "overflows"});
  expect_error(
      [] {
        checked_input_bytes("x", DataType::kFloat64, Shape{1000, 1000}, 7999999);
      },
      ErrorCode::kOutOfMemory, {"'x'", "float64[1000,1000]", "8000000 bytes", "7999999"});
}

TEST(CliRandomInputs, FloatsAreSeededAndInRange) {
  const Tensor a = random_tensor(DataType::kFloat32, Shape{1000}, 42);
  const Tensor b = random_tensor(DataType::kFloat32, Shape{1000}, 42);
  const Tensor c = random_tensor(DataType::kFloat32, Shape{1000}, 43);
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()), 0);
  EXPECT_NE(std::memcmp(a.raw_data(), c.raw_data(), a.byte_size()), 0);
  double sum = 0;
  std::set<float> distinct;
  for (int i = 0; i < 1000; ++i) {
    const float v = a.data<float>()[i];
    EXPECT_GE(v, -1.0f);
    EXPECT_LE(v, 1.0f);
    sum += v;
    distinct.insert(v);
  }
  EXPECT_GT(distinct.size(), 990u);
  // Mean of 1000 uniform(-1, 1) samples: standard error 0.018, so |mean| < 0.1 is > 5 sigma.
  EXPECT_LT(std::fabs(sum / 1000), 0.1);
}

TEST(CliRandomInputs, EveryElementTypeGetsValidValues) {
  for (DataType dtype : {DataType::kFloat64, DataType::kFloat16, DataType::kBFloat16}) {
    const Tensor t = random_tensor(dtype, Shape{64}, 1);
    const auto stats = numeric_stats(t);
    ASSERT_TRUE(stats.has_value());
    EXPECT_GE(stats->min, -1.0) << data_type_name(dtype);
    EXPECT_LE(stats->max, 1.0) << data_type_name(dtype);
    EXPECT_LT(stats->min, stats->max) << data_type_name(dtype);
  }
  for (DataType dtype :
       {DataType::kInt8, DataType::kInt16, DataType::kInt32, DataType::kInt64, DataType::kUInt8,
        DataType::kUInt16, DataType::kUInt32, DataType::kUInt64}) {
    const Tensor t = random_tensor(dtype, Shape{4, 50}, 7);
    EXPECT_EQ(t.dtype(), dtype);
    std::set<int64_t> seen;
    for (int64_t v : t.to_int64_vector()) {
      EXPECT_GE(v, 0);
      EXPECT_LT(v, 10);
      seen.insert(v);
    }
    EXPECT_EQ(seen.size(), 10u) << data_type_name(dtype);  // 200 draws hit all 10 values
  }
  const Tensor flags = random_tensor(DataType::kBool, Shape{100}, 3);
  int trues = 0;
  for (int i = 0; i < 100; ++i) trues += flags.data<bool>()[i] ? 1 : 0;
  EXPECT_GT(trues, 20);
  EXPECT_LT(trues, 80);
  const Tensor words = random_tensor(DataType::kString, Shape{50}, 3);
  for (int i = 0; i < 50; ++i) {
    const std::string& w = words.data<std::string>()[i];
    EXPECT_GE(w.size(), 1u);
    EXPECT_LE(w.size(), 8u);
    for (char ch : w) EXPECT_TRUE(ch >= 'a' && ch <= 'z');
  }
  EXPECT_EQ(random_tensor(DataType::kFloat32, Shape{0, 3}, 1).num_elements(), 0);
}

TEST(CliRandomInputs, EachInputHasItsOwnStream) {
  EXPECT_NE(input_seed(0, "a"), input_seed(0, "b"));
  EXPECT_NE(input_seed(0, "a"), input_seed(1, "a"));
  EXPECT_EQ(input_seed(5, "input"), input_seed(5, "input"));
}

// ---- comparison ------------------------------------------------------------------------------

const Tolerance kOnnxTolerance{1e-3, 1e-7};

TEST(CliCompare, AcceptsValuesWithinTolerance) {
  const Tensor expected = Tensor::from_vector<float>({3}, {1.0f, -100.0f, 0.0f});
  // 1.0009 is within 1e-7 + 1e-3 * 1; -100.09 within 1e-7 + 0.1.
  const Tensor actual = Tensor::from_vector<float>({3}, {1.0009f, -100.09f, 5e-8f});
  EXPECT_TRUE(compare_tensors("y", expected, actual, kOnnxTolerance).ok());
}

TEST(CliCompare, ReportsTheWorstMismatchWithItsIndex) {
  const Tensor expected = Tensor::from_vector<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  const Tensor actual = Tensor::from_vector<float>({2, 3}, {0, 1.5f, 2, 3, 4.25f, 5});
  const Comparison c = compare_tensors("y", expected, actual, kOnnxTolerance);
  EXPECT_EQ(c.outcome, Comparison::Outcome::kValueMismatch);
  EXPECT_EQ(c.mismatches, 2);
  EXPECT_EQ(c.worst_index, (std::vector<int64_t>{0, 1}));
  EXPECT_DOUBLE_EQ(c.max_abs_error, 0.5);
  EXPECT_EQ(c.message,
            "output 'y' max abs err 0.5 at index [0,1] (rtol 0.001, atol 1e-07): expected 1, got "
            "1.5; 2 of 6 elements differ");
}

TEST(CliCompare, TreatsNanAsEqualToNanOnly) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor expected = Tensor::from_vector<float>({3}, {nan, inf, -inf});
  EXPECT_TRUE(compare_tensors("y", expected, Tensor::from_vector<float>({3}, {nan, inf, -inf}),
                              kOnnxTolerance)
                  .ok());
  const Comparison nan_vs_number = compare_tensors(
      "y", expected, Tensor::from_vector<float>({3}, {0.0f, inf, -inf}), {1e9, 1e9});
  EXPECT_FALSE(nan_vs_number.ok());
  EXPECT_EQ(nan_vs_number.worst_index, (std::vector<int64_t>{0}));
  EXPECT_NE(nan_vs_number.message.find("expected nan, got 0"), std::string::npos);
  const Comparison wrong_infinity = compare_tensors(
      "y", expected, Tensor::from_vector<float>({3}, {nan, -inf, -inf}), {1e9, 1e9});
  EXPECT_FALSE(wrong_infinity.ok());
  EXPECT_EQ(wrong_infinity.worst_index, (std::vector<int64_t>{1}));
}

TEST(CliCompare, ComparesIntegersBoolsAndStringsExactly) {
  const Tensor expected = Tensor::from_vector<int64_t>({4}, {1, 2, INT64_MIN, 4});
  // A huge tolerance must not hide an off-by-one integer.
  const Comparison ints = compare_tensors(
      "idx", expected, Tensor::from_vector<int64_t>({4}, {1, 2, INT64_MIN, 5}), {1.0, 1.0});
  EXPECT_FALSE(ints.ok());
  EXPECT_EQ(ints.worst_index, (std::vector<int64_t>{3}));
  EXPECT_EQ(ints.max_abs_error, 1.0);
  EXPECT_NE(ints.message.find("exact match required for int64"), std::string::npos);
  // INT64_MIN vs INT64_MAX: the distance is computed without overflow (2^64 - 1).
  const Comparison extreme = compare_tensors(
      "idx", expected, Tensor::from_vector<int64_t>({4}, {1, 2, INT64_MAX, 4}), kOnnxTolerance);
  EXPECT_DOUBLE_EQ(extreme.max_abs_error, 18446744073709551615.0);
  EXPECT_TRUE(compare_tensors("idx", expected, expected, kOnnxTolerance).ok());

  const Comparison bools =
      compare_tensors("b", Tensor::from_vector<bool>({2}, {true, false}),
                      Tensor::from_vector<bool>({2}, {true, true}), kOnnxTolerance);
  EXPECT_FALSE(bools.ok());
  EXPECT_EQ(bools.message,
            "output 'b' differs at index [1] (exact match required for bool): expected false, got "
            "true; 1 of 2 elements differ");
  const Comparison strings =
      compare_tensors("s", Tensor::from_vector<std::string>({1}, {"ab"}),
                      Tensor::from_vector<std::string>({1}, {"abc"}), kOnnxTolerance);
  EXPECT_FALSE(strings.ok());
  EXPECT_NE(strings.message.find("expected \"ab\", got \"abc\""), std::string::npos);
}

TEST(CliCompare, TypeAndShapeMismatchesAreFailures) {
  const Tensor f = Tensor::from_vector<float>({2}, {1, 2});
  const Comparison dtype =
      compare_tensors("y", f, Tensor::from_vector<double>({2}, {1, 2}), kOnnxTolerance);
  EXPECT_EQ(dtype.outcome, Comparison::Outcome::kDtypeMismatch);
  EXPECT_EQ(dtype.message, "output 'y' has element type float64, expected float32");
  const Comparison shape =
      compare_tensors("y", f, Tensor::from_vector<float>({1, 2}, {1, 2}), kOnnxTolerance);
  EXPECT_EQ(shape.outcome, Comparison::Outcome::kShapeMismatch);
  EXPECT_EQ(shape.message, "output 'y' has shape [1,2], expected [2]");
}

TEST(CliCompare, HalfPrecisionIsComparedInFloat) {
  const Tensor expected = Tensor::from_vector<Float16>({2}, {Float16(1.0f), Float16(2.0f)});
  const Tensor close = Tensor::from_vector<Float16>({2}, {Float16(1.0f), Float16(2.0f)});
  EXPECT_TRUE(compare_tensors("h", expected, close, kOnnxTolerance).ok());
  // 2.0 vs 2.00390625 (the next half): error 0.0039 > 1e-7 + 1e-3 * 2.
  const Tensor off = Tensor::from_vector<Float16>({2}, {Float16(1.0f), Float16(2.00390625f)});
  const Comparison c = compare_tensors("h", expected, off, kOnnxTolerance);
  EXPECT_FALSE(c.ok());
  EXPECT_DOUBLE_EQ(c.max_abs_error, 0.00390625);
}

// ---- text, statistics, JSON ------------------------------------------------------------------

TEST(CliText, DescribesTypesValuesAndIndices) {
  EXPECT_EQ(declared_type_text(metadata("x", DataType::kFloat32, {-1, 3, -1}, {"batch", "", ""})),
            "float32[batch,3,?]");
  EXPECT_EQ(unravel_index(5, Shape{2, 3}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(unravel_index(0, Shape{}), (std::vector<int64_t>{}));
  const Tensor t = Tensor::from_vector<float>({2, 2}, {1, -2, 3.5f, std::nanf("")});
  EXPECT_EQ(output_summary("y", t),
            "y: float32[2,2] [1, -2, 3.5, nan] min -2 max 3.5 mean 0.833333 nan-count 1");
  const Tensor many = Tensor::from_vector<int32_t>({8}, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(values_preview(many, 3), "[0, 1, 2, ...]");
}

TEST(CliLatency, PercentilesInterpolateLikeNumpy) {
  // numpy.percentile(range(1, 11), [50, 90, 99]) = [5.5, 9.1, 9.91].
  const LatencySummary s = summarize_latencies({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_NEAR(s.p90, 9.1, 1e-12);
  EXPECT_NEAR(s.p99, 9.91, 1e-12);
  const LatencySummary one = summarize_latencies({2.5});
  EXPECT_DOUBLE_EQ(one.p99, 2.5);
  expect_error([] { summarize_latencies({}); }, ErrorCode::kInvalidArgument, {"no latency"});
}

TEST(CliJson, EscapesStringsAndNonFiniteNumbers) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(json_number(1.5), "1.5");
  EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json_string_array({"cpu", "x"}), "[\"cpu\", \"x\"]");
}

// ---- ONNX test layout ------------------------------------------------------------------------

class CliTestLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("aruntime_cli_layout_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void touch(const std::filesystem::path& relative) {
    std::filesystem::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << "x";
  }

  std::filesystem::path root_;
};

TEST_F(CliTestLayout, FindsCasesOneLevelDownSortedByName) {
  touch("b_case/model.onnx");
  touch("a_case/model.onnx");
  touch("not_a_case/readme.txt");
  const std::vector<TestCase> cases = discover_test_cases(root_.string());
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name, "a_case");
  EXPECT_EQ(cases[1].name, "b_case");
  EXPECT_EQ(cases[1].model_path, (root_ / "b_case" / "model.onnx").string());
  // A case folder given directly (with a trailing slash) is one case named after the folder.
  const std::vector<TestCase> direct = discover_test_cases((root_ / "a_case").string() + "/");
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct[0].name, "a_case");
}

TEST_F(CliTestLayout, ListsDataSetsAndFilesInNumericOrder) {
  touch("c/model.onnx");
  for (int n : {0, 2, 10}) {
    const std::string set = "c/test_data_set_" + std::to_string(n) + "/";
    touch(set + "input_0.pb");
    touch(set + "input_1.pb");
    touch(set + "output_0.pb");
  }
  touch("c/test_data_set_10/input_10.pb");  // makes set 10's inputs skip 2..9
  touch("c/test_data_set_x/input_0.pb");    // not a numbered data set: ignored
  const TestCase c = discover_test_cases((root_ / "c").string())[0];
  expect_error([&] { list_data_sets(c); }, ErrorCode::kInvalidArgument,
               {"input_2.pb is missing", "input_10.pb"});
  std::filesystem::remove(root_ / "c/test_data_set_10/input_10.pb");
  const std::vector<TestDataSet> sets = list_data_sets(c);
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(std::filesystem::path(sets[0].dir).filename(), "test_data_set_0");
  EXPECT_EQ(std::filesystem::path(sets[1].dir).filename(), "test_data_set_2");
  EXPECT_EQ(std::filesystem::path(sets[2].dir).filename(), "test_data_set_10");
  ASSERT_EQ(sets[2].inputs.size(), 2u);
  EXPECT_EQ(std::filesystem::path(sets[2].inputs[1]).filename(), "input_1.pb");
  EXPECT_EQ(sets[2].outputs.size(), 1u);
}

TEST_F(CliTestLayout, RefusesFoldersWithoutCases) {
  expect_error([&] { discover_test_cases((root_ / "missing").string()); }, ErrorCode::kIoError,
               {"no such directory"});
  touch("empty/readme.txt");
  expect_error([&] { discover_test_cases((root_ / "empty").string()); },
               ErrorCode::kInvalidArgument, {"no test case"});
}

}  // namespace
}  // namespace aruntime::cli

namespace aruntime::cli {
namespace {

TEST(CliArgs, PlacementOptionsReachTheSessionOptions) {
  const ExplainArgs e = parse_explain_args({"m.onnx", "--providers", "npu,cpu", "--assign", "conv1=npu", "--assign",
                                            "Softmax=cpu", "--provider-option", "npu:precision=int8",
                                            "--provider-option", "npu:memory_budget_bytes=1024", "--no-fallback",
                                            "--min-device-group", "3", "--min-flops-per-byte", "0", "--json"});
  EXPECT_TRUE(e.json);
  const SessionOptions o = make_session_options(e.session);
  EXPECT_EQ(o.providers, (std::vector<std::string>{"npu", "cpu"}));
  EXPECT_FALSE(o.allow_cpu_fallback);
  EXPECT_EQ(o.placement.assignments.at("conv1"), "npu");
  EXPECT_EQ(o.placement.assignments.at("Softmax"), "cpu");
  EXPECT_EQ(o.provider_options.at("npu").at("precision"), "int8");
  EXPECT_EQ(o.provider_options.at("npu").at("memory_budget_bytes"), "1024");
  EXPECT_EQ(o.placement.min_device_group_nodes, 3);
  EXPECT_EQ(o.placement.min_flops_per_copied_byte, 0.0);

  // Defaults stay the library's.
  const SessionOptions d = make_session_options(parse_run_args({"m.onnx"}).session);
  EXPECT_TRUE(d.allow_cpu_fallback);
  EXPECT_EQ(d.placement.min_device_group_nodes, PlacementOptions{}.min_device_group_nodes);
  EXPECT_EQ(d.placement.min_flops_per_copied_byte, PlacementOptions{}.min_flops_per_copied_byte);
}

TEST(CliArgs, PlacementOptionErrorsAreUsageErrors) {
  expect_usage_error([] { parse_run_args({"m.onnx", "--assign", "conv1"}); }, "--assign");
  expect_usage_error([] { parse_run_args({"m.onnx", "--assign", "a=npu", "--assign", "a=cpu"}); },
                     "'a' is assigned more than once");
  expect_usage_error([] { parse_run_args({"m.onnx", "--provider-option", "precision=int8"}); }, "EP:KEY=VALUE");
  expect_usage_error([] { parse_run_args({"m.onnx", "--min-device-group", "0"}); }, "--min-device-group");
  expect_usage_error([] { parse_explain_args({"m.onnx", "--json", "--dot"}); }, "exclude each other");
  const CompareArgs c = parse_compare_args({"m.onnx", "--providers", "npu", "--against", "cpu", "--rtol", "0.01"});
  EXPECT_EQ(c.against, std::vector<std::string>{"cpu"});
  EXPECT_DOUBLE_EQ(c.rtol, 0.01);
  EXPECT_DOUBLE_EQ(c.atol, 1e-4);
}

}  // namespace
}  // namespace aruntime::cli
