// TensorProto <-> Tensor conversion: every encoding ONNX allows (raw_data, each typed field,
// external data is covered in loader_test.cc), size validation, sparse densification and the
// test-layout file helpers. Expected values follow the TensorProto field comments of onnx.proto
// (e.g. int8 travels sign-extended in int32_data, float16 as its bit pattern).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "graph/tensor_proto.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;

struct Failure {
  ErrorCode code = ErrorCode::kOk;
  std::string message;
};

template <typename F>
Failure failure_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no error was thrown";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

onnx::TensorProto make_proto(int32_t type, std::vector<int64_t> dims) {
  onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(type);
  for (int64_t d : dims) p.add_dims(d);
  return p;
}

Tensor convert(const onnx::TensorProto& p) {
  return tensor_from_proto(p, "", "ctx: tensor 't'");
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  const T* data = t.data<T>();
  return std::vector<T>(data, data + t.num_elements());
}

TEST(TensorProtoTyped, FloatDoubleInt64AndUint64Fields) {
  auto f = make_proto(onnx::TensorProto::FLOAT, {2, 2});
  for (float v : {1.5f, -2.0f, 0.0f, 3.25f}) f.add_float_data(v);
  Tensor tf = convert(f);
  EXPECT_EQ(tf.dtype(), DataType::kFloat32);
  EXPECT_EQ(tf.shape(), Shape({2, 2}));
  EXPECT_EQ(values_of<float>(tf), (std::vector<float>{1.5f, -2.0f, 0.0f, 3.25f}));

  auto d = make_proto(onnx::TensorProto::DOUBLE, {2});
  d.add_double_data(1e300);
  d.add_double_data(-0.5);
  EXPECT_EQ(values_of<double>(convert(d)), (std::vector<double>{1e300, -0.5}));

  auto i64 = make_proto(onnx::TensorProto::INT64, {3});
  for (int64_t v : {INT64_MIN, int64_t{0}, INT64_MAX}) i64.add_int64_data(v);
  EXPECT_EQ(values_of<int64_t>(convert(i64)), (std::vector<int64_t>{INT64_MIN, 0, INT64_MAX}));

  auto u64 = make_proto(onnx::TensorProto::UINT64, {2});
  u64.add_uint64_data(UINT64_MAX);
  u64.add_uint64_data(7);
  EXPECT_EQ(values_of<uint64_t>(convert(u64)), (std::vector<uint64_t>{UINT64_MAX, 7}));

  // uint32 travels in uint64_data.
  auto u32 = make_proto(onnx::TensorProto::UINT32, {2});
  u32.add_uint64_data(4000000000u);
  u32.add_uint64_data(1);
  EXPECT_EQ(values_of<uint32_t>(convert(u32)), (std::vector<uint32_t>{4000000000u, 1}));
}

TEST(TensorProtoTyped, NarrowTypesTravelInInt32Data) {
  auto i32 = make_proto(onnx::TensorProto::INT32, {2});
  i32.add_int32_data(INT32_MIN);
  i32.add_int32_data(42);
  EXPECT_EQ(values_of<int32_t>(convert(i32)), (std::vector<int32_t>{INT32_MIN, 42}));

  auto i8 = make_proto(onnx::TensorProto::INT8, {3});
  for (int v : {-128, -5, 127}) i8.add_int32_data(v);
  EXPECT_EQ(values_of<int8_t>(convert(i8)), (std::vector<int8_t>{-128, -5, 127}));

  auto u8 = make_proto(onnx::TensorProto::UINT8, {2});
  for (int v : {0, 255}) u8.add_int32_data(v);
  EXPECT_EQ(values_of<uint8_t>(convert(u8)), (std::vector<uint8_t>{0, 255}));

  auto i16 = make_proto(onnx::TensorProto::INT16, {2});
  for (int v : {-32768, 1234}) i16.add_int32_data(v);
  EXPECT_EQ(values_of<int16_t>(convert(i16)), (std::vector<int16_t>{-32768, 1234}));

  auto u16 = make_proto(onnx::TensorProto::UINT16, {2});
  for (int v : {65535, 3}) u16.add_int32_data(v);
  EXPECT_EQ(values_of<uint16_t>(convert(u16)), (std::vector<uint16_t>{65535, 3}));

  auto b = make_proto(onnx::TensorProto::BOOL, {3});
  for (int v : {1, 0, 1}) b.add_int32_data(v);
  EXPECT_EQ(values_of<bool>(convert(b)), (std::vector<bool>{true, false, true}));

  // float16 1.0 = 0x3C00, -2.0 = 0xC000; bfloat16 1.0 = 0x3F80, 0.5 = 0x3F00 (IEEE bit layouts).
  auto h = make_proto(onnx::TensorProto::FLOAT16, {2});
  h.add_int32_data(0x3C00);
  h.add_int32_data(0xC000);
  Tensor th = convert(h);
  EXPECT_EQ(th.data<Float16>()[0].bits, 0x3C00);
  EXPECT_EQ(th.data<Float16>()[1].to_float(), -2.0f);
  auto bf = make_proto(onnx::TensorProto::BFLOAT16, {2});
  bf.add_int32_data(0x3F80);
  bf.add_int32_data(0x3F00);
  Tensor tbf = convert(bf);
  EXPECT_EQ(tbf.data<BFloat16>()[0].to_float(), 1.0f);
  EXPECT_EQ(tbf.data<BFloat16>()[1].to_float(), 0.5f);
}

TEST(TensorProtoTyped, StringsScalarsAndEmptyTensors) {
  auto s = make_proto(onnx::TensorProto::STRING, {2});
  s.add_string_data("hello");
  s.add_string_data(std::string("a\0b", 3));
  EXPECT_EQ(values_of<std::string>(convert(s)),
            (std::vector<std::string>{"hello", std::string("a\0b", 3)}));

  auto scalar = make_proto(onnx::TensorProto::INT64, {});
  scalar.add_int64_data(9);
  Tensor ts = convert(scalar);
  EXPECT_EQ(ts.rank(), 0u);
  EXPECT_EQ(ts.data<int64_t>()[0], 9);

  Tensor empty = convert(make_proto(onnx::TensorProto::FLOAT, {0, 3}));
  EXPECT_EQ(empty.shape(), Shape({0, 3}));
  EXPECT_EQ(empty.num_elements(), 0);
}

TEST(TensorProtoRaw, RoundTripsEveryDataType) {
  // Each tensor goes Tensor -> TensorProto (raw_data / string_data) -> Tensor and must come back
  // byte for byte.
  std::vector<Tensor> tensors = {
      Tensor::from_vector<float>({2}, {1.0f, -3.5f}),
      Tensor::from_vector<double>({2}, {2.0, 1e-300}),
      Tensor::from_vector<int8_t>({2}, {-1, 100}),
      Tensor::from_vector<int16_t>({2}, {-300, 300}),
      Tensor::from_vector<int32_t>({2}, {-70000, 70000}),
      Tensor::from_vector<int64_t>({1, 2}, {-(int64_t{1} << 40), 5}),
      Tensor::from_vector<uint8_t>({2}, {0, 200}),
      Tensor::from_vector<uint16_t>({2}, {1, 60000}),
      Tensor::from_vector<uint32_t>({2}, {3, 4000000000u}),
      Tensor::from_vector<uint64_t>({2}, {5, UINT64_MAX}),
      Tensor::from_vector<bool>({3}, {true, false, true}),
      Tensor::from_vector<Float16>({2}, {Float16(1.5f), Float16(-0.25f)}),
      Tensor::from_vector<BFloat16>({2}, {BFloat16(2.0f), BFloat16(-8.0f)}),
      Tensor::from_vector<std::string>({2}, {"x", ""}),
  };
  for (const Tensor& original : tensors) {
    SCOPED_TRACE(std::string(data_type_name(original.dtype())));
    onnx::TensorProto proto;
    tensor_to_proto(original, "w", proto);
    EXPECT_EQ(proto.name(), "w");
    EXPECT_EQ(proto.data_type(), static_cast<int32_t>(original.dtype()));
    EXPECT_EQ(proto.has_raw_data(), original.dtype() != DataType::kString);
    Tensor back = tensor_from_proto(proto, "", "ctx");
    ASSERT_EQ(back.dtype(), original.dtype());
    ASSERT_EQ(back.shape(), original.shape());
    if (original.dtype() == DataType::kString) {
      EXPECT_EQ(values_of<std::string>(back), values_of<std::string>(original));
    } else {
      EXPECT_EQ(std::memcmp(back.raw_data(), original.raw_data(), original.byte_size()), 0);
    }
  }
}

TEST(TensorProtoRaw, RawBoolBytesAreNormalised) {
  auto p = make_proto(onnx::TensorProto::BOOL, {3});
  p.set_raw_data(std::string("\x00\x02\xff", 3));
  Tensor t = convert(p);
  const auto* bytes = static_cast<const uint8_t*>(t.raw_data());
  EXPECT_EQ(bytes[0], 0);
  EXPECT_EQ(bytes[1], 1);
  EXPECT_EQ(bytes[2], 1);
}

TEST(TensorProtoRaw, LargeRawDataBecomesTheTensorsStorageWhenTheProtoIsGivenUp) {
  // 32768 floats (128 KiB, above the size below which weights are copied), then bools as bytes.
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(256);
  p.add_dims(128);
  std::vector<float> values(256 * 128);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 7.0f;
  p.set_raw_data(values.data(), values.size() * sizeof(float));
  const void* bytes = p.raw_data().data();
  Tensor t = tensor_from_proto_taking_bytes(p, "", "m.onnx: initializer 'w'");
  EXPECT_EQ(t.raw_data(), bytes);  // taken, not copied
  EXPECT_TRUE(p.raw_data().empty());
  ASSERT_EQ(t.shape(), Shape({256, 128}));
  EXPECT_EQ(std::memcmp(t.raw_data(), values.data(), t.byte_size()), 0);
  Tensor copy = t;  // the storage lives while any copy does
  t = Tensor();
  EXPECT_EQ(copy.data<float>()[32767], 32767 * 0.5f - 7.0f);

  onnx::TensorProto b;
  b.set_data_type(onnx::TensorProto::BOOL);
  b.add_dims(70000);
  std::string raw(70000, '\0');
  raw[3] = 7;  // a stray byte: normalised to true
  b.set_raw_data(raw);
  Tensor flags = tensor_from_proto_taking_bytes(b, "", "m.onnx: initializer 'b'");
  EXPECT_TRUE(flags.data<bool>()[3]);
  EXPECT_FALSE(flags.data<bool>()[4]);
  EXPECT_EQ(static_cast<const uint8_t*>(flags.raw_data())[3], 1);

  // A mismatched size is reported exactly as without taking.
  onnx::TensorProto bad;
  bad.set_data_type(onnx::TensorProto::FLOAT);
  bad.add_dims(100000);
  bad.set_raw_data(std::string(80000, '\0'));
  EXPECT_THROW(tensor_from_proto_taking_bytes(bad, "", "m.onnx: initializer 'bad'"), Error);
}

TEST(TensorProtoErrors, RawDataSizeMismatch) {
  auto p = make_proto(onnx::TensorProto::FLOAT, {2, 3});
  p.set_raw_data(std::string(20, '\0'));
  Failure f = failure_of([&] { convert(p); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "ctx: tensor 't' has 20 bytes of raw_data, but float32[2,3] needs 24 bytes");
}

TEST(TensorProtoErrors, TypedFieldCountMismatch) {
  auto p = make_proto(onnx::TensorProto::INT64, {4});
  p.add_int64_data(1);
  Failure f = failure_of([&] { convert(p); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "ctx: tensor 't' has 1 values in int64_data, but int64[4] needs 4");

  // Data in the wrong field counts as missing.
  auto wrong = make_proto(onnx::TensorProto::FLOAT, {1});
  wrong.add_int32_data(1);
  EXPECT_CONTAINS(failure_of([&] { convert(wrong); }).message, "has 0 values in float_data");
}

TEST(TensorProtoErrors, HugeShapesAreRefusedWithoutAllocating) {
  // 2^40 * 2^40 elements overflow int64; the check must not multiply blindly.
  auto p = make_proto(onnx::TensorProto::FLOAT, {int64_t{1} << 40, int64_t{1} << 40});
  p.set_raw_data(std::string(4, '\0'));
  Failure f = failure_of([&] { convert(p); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(f.message, "more elements than can be addressed");

  // Representable element count, but far more bytes than present: refused before allocation.
  auto big = make_proto(onnx::TensorProto::DOUBLE, {int64_t{1} << 40});
  big.set_raw_data(std::string(8, '\0'));
  EXPECT_CONTAINS(failure_of([&] { convert(big); }).message,
                  "has 8 bytes of raw_data, but float64[1099511627776] needs 8796093022208 bytes");

  auto neg = make_proto(onnx::TensorProto::FLOAT, {2, -1});
  EXPECT_CONTAINS(failure_of([&] { convert(neg); }).message,
                  "negative dimension -1 in shape [2,-1]");
}

TEST(TensorProtoErrors, UnsupportedAndMissingTypes) {
  Failure complex = failure_of([&] { convert(make_proto(onnx::TensorProto::COMPLEX64, {1})); });
  EXPECT_EQ(complex.code, ErrorCode::kNotImplemented);
  EXPECT_EQ(complex.message,
            "ctx: tensor 't' has element type COMPLEX64 (14), which aruntime does not support");
  // FLOAT8E8M0 (24) is newer than this build's ONNX proto; only the number arrives.
  EXPECT_CONTAINS(failure_of([&] { convert(make_proto(24, {1})); }).message, "FLOAT8E8M0 (24)");
  EXPECT_CONTAINS(failure_of([&] { convert(make_proto(999, {1})); }).message, "unknown (999)");
  Failure none = failure_of([&] { convert(make_proto(0, {1})); });
  EXPECT_EQ(none.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(none.message, "has no element type");
}

TEST(TensorProtoErrors, StringsInRawDataAndSegmentsAreRefused) {
  auto s = make_proto(onnx::TensorProto::STRING, {1});
  s.set_raw_data("abc");
  EXPECT_CONTAINS(failure_of([&] { convert(s); }).message, "string tensor stored in raw_data");

  auto seg = make_proto(onnx::TensorProto::FLOAT, {1});
  seg.add_float_data(1.0f);
  seg.mutable_segment()->set_begin(0);
  EXPECT_EQ(failure_of([&] { convert(seg); }).code, ErrorCode::kNotImplemented);
}

TEST(TensorProtoErrors, ExternalDataWithoutBaseDirIsRefused) {
  auto p = make_proto(onnx::TensorProto::FLOAT, {1});
  p.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = p.add_external_data();
  e->set_key("location");
  e->set_value("w.bin");
  Failure f = failure_of([&] { convert(p); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(f.message, "without a base directory, so external data is refused");
}

TEST(TensorProtoSparse, DensifiesLinearAndCoordinateIndices) {
  onnx::SparseTensorProto sp;
  sp.add_dims(2);
  sp.add_dims(3);
  *sp.mutable_values() = make_proto(onnx::TensorProto::FLOAT, {2});
  sp.mutable_values()->add_float_data(5.0f);
  sp.mutable_values()->add_float_data(7.0f);
  *sp.mutable_indices() = make_proto(onnx::TensorProto::INT64, {2});
  sp.mutable_indices()->add_int64_data(1);  // (0,1)
  sp.mutable_indices()->add_int64_data(5);  // (1,2)
  Tensor linear = tensor_from_sparse_proto(sp, "", "ctx", 1 << 20);
  EXPECT_EQ(linear.shape(), Shape({2, 3}));
  EXPECT_EQ(values_of<float>(linear), (std::vector<float>{0, 5, 0, 0, 0, 7}));

  *sp.mutable_indices() = make_proto(onnx::TensorProto::INT64, {2, 2});
  for (int64_t v : {1, 0, 0, 2}) sp.mutable_indices()->add_int64_data(v);  // (1,0), (0,2)
  Tensor coords = tensor_from_sparse_proto(sp, "", "ctx", 1 << 20);
  EXPECT_EQ(values_of<float>(coords), (std::vector<float>{0, 0, 7, 5, 0, 0}));

  sp.mutable_indices()->set_int64_data(0, 2);  // row 2 of a 2-row tensor
  EXPECT_CONTAINS(failure_of([&] { tensor_from_sparse_proto(sp, "", "ctx", 1 << 20); }).message,
                  "sparse index #0 outside the shape [2,3]");
}

TEST(TensorProtoSparse, RefusesHugeDenseForms) {
  onnx::SparseTensorProto sp;
  sp.add_dims(int64_t{1} << 30);
  sp.add_dims(int64_t{1} << 20);
  *sp.mutable_values() = make_proto(onnx::TensorProto::FLOAT, {1});
  sp.mutable_values()->add_float_data(1.0f);
  *sp.mutable_indices() = make_proto(onnx::TensorProto::INT64, {1});
  sp.mutable_indices()->add_int64_data(0);
  Failure f = failure_of([&] { tensor_from_sparse_proto(sp, "", "ctx", uint64_t{1} << 32); });
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(
      f.message,
      "whose dense form needs 4503599627370496 bytes, above the limit of 4294967296 bytes");
}

TEST(TensorProtoNames, NamesOnnxTypes) {
  EXPECT_EQ(onnx_data_type_name(1), "FLOAT");
  EXPECT_EQ(onnx_data_type_name(15), "COMPLEX128");
  EXPECT_EQ(onnx_data_type_name(23), "FLOAT4E2M1");
  EXPECT_EQ(onnx_data_type_name(-1), "unknown");
}

class TensorProtoFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aruntime_tensor_proto_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TensorProtoFiles, WritesAndReadsTheTestLayout) {
  const std::string path = (dir_ / "input_0.pb").string();
  write_tensor_file(Tensor::from_vector<int32_t>({3}, {4, -5, 6}), "x", path);
  std::string name;
  Tensor t = read_tensor_file(path, &name);
  EXPECT_EQ(name, "x");
  EXPECT_EQ(values_of<int32_t>(t), (std::vector<int32_t>{4, -5, 6}));
}

TEST_F(TensorProtoFiles, ReportsMissingAndGarbageFiles) {
  Failure missing = failure_of([&] { read_tensor_file((dir_ / "nope.pb").string()); });
  EXPECT_EQ(missing.code, ErrorCode::kIoError);
  EXPECT_CONTAINS(missing.message, "nope.pb: no such file");

  const std::string garbage = (dir_ / "garbage.pb").string();
  std::ofstream(garbage, std::ios::binary) << "\xff\xff\xff\xff";
  Failure bad = failure_of([&] { read_tensor_file(garbage); });
  EXPECT_EQ(bad.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(bad.message, "not a valid TensorProto (protobuf parse failed)");

  Failure unwritable = failure_of([&] {
    write_tensor_file(Tensor::scalar<float>(1.0f), "x", (dir_ / "no_dir" / "x.pb").string());
  });
  EXPECT_EQ(unwritable.code, ErrorCode::kIoError);
}

TEST(TensorProtoToProto, RefusesUndefinedTensors) {
  onnx::TensorProto p;
  EXPECT_EQ(failure_of([&] { tensor_to_proto(Tensor(), "x", p); }).code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aruntime
