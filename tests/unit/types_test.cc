#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "aruntime/tensor.h"

namespace aruntime {
namespace {

TEST(DataTypes, MatchOnnxNumberingAndNames) {
  EXPECT_EQ(data_type_from_onnx(1), DataType::kFloat32);
  EXPECT_EQ(data_type_from_onnx(16), DataType::kBFloat16);
  EXPECT_EQ(data_type_from_onnx(14), DataType::kUndefined);  // complex64 is not supported
  EXPECT_EQ(data_type_from_onnx(21), DataType::kUInt4);
  EXPECT_EQ(data_type_from_onnx(24), DataType::kUndefined);  // float8e8m0 is not supported
  EXPECT_EQ(data_type_from_onnx(17), DataType::kFloat8E4M3FN);
  EXPECT_EQ(data_type_name(DataType::kFloat16), "float16");
  EXPECT_EQ(data_type_from_name("float"), DataType::kFloat32);
  EXPECT_EQ(data_type_from_name("int64"), DataType::kInt64);
  EXPECT_EQ(element_size(DataType::kBFloat16), 2u);
  EXPECT_TRUE(is_floating_point(DataType::kBFloat16));
  EXPECT_FALSE(is_integer(DataType::kBool));
}

// Expected bit patterns are IEEE 754 binary16 encodings (numpy: np.float16(v).view(np.uint16)).
TEST(Float16, ConvertsWithRoundToNearestEven) {
  EXPECT_EQ(Float16(1.0f).bits, 0x3c00);
  EXPECT_EQ(Float16(-2.0f).bits, 0xc000);
  EXPECT_EQ(Float16(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Float16(65520.0f).bits, 0x7c00);           // rounds up to infinity
  EXPECT_EQ(Float16(5.960464477539063e-08f).bits, 0x0001);  // smallest subnormal
  EXPECT_EQ(Float16(2.980232238769531e-08f).bits, 0x0000);  // half of it: ties to even (zero)
  EXPECT_EQ(Float16(1.0009765625f).bits, 0x3c01);
  EXPECT_EQ(Float16(1.00048828125f).bits, 0x3c00);     // tie between 0x3c00 and 0x3c01 -> even
  EXPECT_EQ(Float16(0.1f).bits, 0x2e66);
  EXPECT_TRUE(std::isnan(Float16(std::numeric_limits<float>::quiet_NaN()).to_float()));
  EXPECT_FLOAT_EQ(Float16::from_bits(0x3555).to_float(), 0.333251953125f);
  EXPECT_FLOAT_EQ(Float16::from_bits(0x0200).to_float(), 3.0517578125e-05f);  // subnormal
}

// Expected: torch.tensor(v).bfloat16().view(torch.int16) patterns.
TEST(BFloat16, ConvertsWithRoundToNearestEven) {
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(3.140625f).bits, 0x4049);
  EXPECT_EQ(BFloat16(1.00390625f).bits, 0x3f80);  // tie -> even
  EXPECT_FLOAT_EQ(BFloat16::from_bits(0xc040).to_float(), -3.0f);
}

TEST(Shape, CountsElementsAndRefusesOverflow) {
  EXPECT_EQ(Shape({2, 3, 4}).num_elements(), 24);
  EXPECT_EQ(Shape({}).num_elements(), 1);
  EXPECT_EQ(Shape({5, 0, 7}).num_elements(), 0);
  EXPECT_EQ(Shape({2, 3}).to_string(), "[2,3]");
  try {
    Shape({int64_t{1} << 40, int64_t{1} << 40}).num_elements();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
  }
  EXPECT_THROW(Shape({2, -1}).num_elements(), Error);
  EXPECT_EQ(normalize_axis(-1, 4), 3);
  EXPECT_THROW(normalize_axis(4, 4), Error);
}

TEST(Tensor, OwnsViewsAndChecksAccessType) {
  Tensor t = Tensor::from_vector<float>(Shape{2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(t.byte_size(), 16u);
  Tensor v = t.reshaped(Shape{4});
  EXPECT_EQ(v.raw_data(), t.raw_data());
  EXPECT_THROW(t.reshaped(Shape{3}), Error);
  EXPECT_THROW(t.data<int32_t>(), Error);
  Tensor c = t.clone();
  EXPECT_NE(c.raw_data(), t.raw_data());
  EXPECT_EQ(c.data<float>()[3], 4.0f);
  float buf[3] = {7, 8, 9};
  Tensor w = Tensor::wrap(DataType::kFloat32, Shape{3}, buf);
  EXPECT_EQ(w.data<float>(), buf);
  EXPECT_EQ(w.allocator(), nullptr);
  EXPECT_EQ(t.summary(), "float32[2,2] {1, 2, 3, 4}");
}

TEST(Tensor, HoldsStrings) {
  Tensor s = Tensor::from_vector<std::string>(Shape{2}, {"a", "bc"});
  Tensor c = s.clone();
  EXPECT_EQ(c.data<std::string>()[1], "bc");
  EXPECT_EQ(Tensor::from_vector<int32_t>(Shape{3}, {1, -2, 3}).to_int64_vector(), (std::vector<int64_t>{1, -2, 3}));
}

}  // namespace
}  // namespace aruntime
