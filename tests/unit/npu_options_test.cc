// The NPU provider's settings (SessionOptions::provider_options["npu"]): defaults, every key, and
// the one-line errors for unknown keys and bad values, directly and through Session creation.
#include <gtest/gtest.h>

#include "providers/npu/npu_options.h"
#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu::parse_npu_options;
using npu::Precision;

TEST(NpuOptions, DefaultsAreFp16A256MiBBudgetGroupsOfOneAndFusion) {
  const npu::NpuOptions o = parse_npu_options({});
  EXPECT_EQ(o.precision, Precision::kFp16);
  EXPECT_EQ(o.memory_budget_bytes, 268435456u);
  EXPECT_EQ(o.min_group_size, 1);
  EXPECT_TRUE(o.fusion);
}

TEST(NpuOptions, EveryKeyIsRead) {
  const npu::NpuOptions o = parse_npu_options({{"precision", "int8"},
                                               {"memory_budget_bytes", "1048576"},
                                               {"min_group_size", "3"},
                                               {"fusion", "off"}});
  EXPECT_EQ(o.precision, Precision::kInt8);
  EXPECT_EQ(o.memory_budget_bytes, 1048576u);
  EXPECT_EQ(o.min_group_size, 3);
  EXPECT_FALSE(o.fusion);
  EXPECT_EQ(parse_npu_options({{"precision", "fp32"}}).precision, Precision::kFp32);
  EXPECT_EQ(npu::precision_name(Precision::kFp16), "fp16");
}

TEST(NpuOptions, UnknownKeysAndBadValuesAreInvalidArgumentsListingWhatIsValid) {
  const std::string valid =
      "valid keys: precision=fp16|fp32|int8, memory_budget_bytes=N (N >= 1), "
      "min_group_size=N (N >= 1), fusion=on|off";
  testing::expect_error(
      [] {
        parse_npu_options({{"precison", "fp16"}});
      },
      ErrorCode::kInvalidArgument, {"npu provider option 'precison' is not known", valid});
  testing::expect_error(
      [] {
        parse_npu_options({{"precision", "bf16"}});
      },
      ErrorCode::kInvalidArgument, {"precision='bf16' is not fp16, fp32 or int8", valid});
  for (const char* bad : {"0", "-5", "12ab", "", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    testing::expect_error(
        [&] {
          parse_npu_options({{"memory_budget_bytes", bad}});
        },
        ErrorCode::kInvalidArgument,
        {"memory_budget_bytes='" + std::string(bad) + "' is not an integer in [1, ", valid});
  }
  testing::expect_error(
      [] {
        parse_npu_options({{"min_group_size", "0"}});
      },
      ErrorCode::kInvalidArgument, {"min_group_size='0'"});
  testing::expect_error(
      [] {
        parse_npu_options({{"fusion", "yes"}});
      },
      ErrorCode::kInvalidArgument, {"fusion='yes' is not on or off"});
}

TEST(NpuOptions, SessionCreationFailsOnABadSetting) {
  npu_test::ModelBuilder b;
  b.input("x", {2}).output("y", {2});
  b.node("Relu", {"x"}, {"y"});
  testing::expect_error(
      [&] {
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", "fp64"}}));
      },
      ErrorCode::kInvalidArgument, {"precision='fp64'", "valid keys"});
  // A valid setting is accepted.
  EXPECT_NO_THROW(
      npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", "int8"}})));
}

}  // namespace
}  // namespace aruntime
