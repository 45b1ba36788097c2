// Tests of the float8 element types: the float <-> float8 conversions of aruntime/float8.h, their
// TensorProto storage, and Cast / CastLike / QuantizeLinear / DequantizeLinear with them.
//
// Reference values come from onnx 1.18's own float8 helpers in the project venv:
//  - decode tables: onnx.numpy_helper.float8e4m3_to_float32 (uz=False/True) and
//    float8e5m2_to_float32 (fn=uz=False / fn=uz=True) over all 256 bit patterns, printed as
//    float32 bit patterns;
//  - encode cases: onnx.helper._float32_to_float8e4m3 / _float32_to_float8e5m2 with the same
//    fn/uz flags and saturate=True/False on np.float32(x);
//  - operator cases: onnx.reference.ReferenceEvaluator on single-node models at the given opset.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "aruntime/float8.h"
#include "graph/tensor_proto.h"
#include "tests/unit/op_test_util.h"
#include "tools/aruntime/compare.h"

namespace aruntime::testing {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct EncodeCase {
  float value;
  // E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, each with saturate=true then saturate=false.
  uint8_t bits[8];
};

// float8 E4M3FN bit pattern i -> float32 bit pattern.
constexpr uint32_t kE4M3FnDecoded[256] = {
    0x00000000, 0x3b000000, 0x3b800000, 0x3bc00000, 0x3c000000, 0x3c200000, 0x3c400000, 0x3c600000,
    0x3c800000, 0x3c900000, 0x3ca00000, 0x3cb00000, 0x3cc00000, 0x3cd00000, 0x3ce00000, 0x3cf00000,
    0x3d000000, 0x3d100000, 0x3d200000, 0x3d300000, 0x3d400000, 0x3d500000, 0x3d600000, 0x3d700000,
    0x3d800000, 0x3d900000, 0x3da00000, 0x3db00000, 0x3dc00000, 0x3dd00000, 0x3de00000, 0x3df00000,
    0x3e000000, 0x3e100000, 0x3e200000, 0x3e300000, 0x3e400000, 0x3e500000, 0x3e600000, 0x3e700000,
    0x3e800000, 0x3e900000, 0x3ea00000, 0x3eb00000, 0x3ec00000, 0x3ed00000, 0x3ee00000, 0x3ef00000,
    0x3f000000, 0x3f100000, 0x3f200000, 0x3f300000, 0x3f400000, 0x3f500000, 0x3f600000, 0x3f700000,
    0x3f800000, 0x3f900000, 0x3fa00000, 0x3fb00000, 0x3fc00000, 0x3fd00000, 0x3fe00000, 0x3ff00000,
    0x40000000, 0x40100000, 0x40200000, 0x40300000, 0x40400000, 0x40500000, 0x40600000, 0x40700000,
    0x40800000, 0x40900000, 0x40a00000, 0x40b00000, 0x40c00000, 0x40d00000, 0x40e00000, 0x40f00000,
    0x41000000, 0x41100000, 0x41200000, 0x41300000, 0x41400000, 0x41500000, 0x41600000, 0x41700000,
    0x41800000, 0x41900000, 0x41a00000, 0x41b00000, 0x41c00000, 0x41d00000, 0x41e00000, 0x41f00000,
    0x42000000, 0x42100000, 0x42200000, 0x42300000, 0x42400000, 0x42500000, 0x42600000, 0x42700000,
    0x42800000, 0x42900000, 0x42a00000, 0x42b00000, 0x42c00000, 0x42d00000, 0x42e00000, 0x42f00000,
    0x43000000, 0x43100000, 0x43200000, 0x43300000, 0x43400000, 0x43500000, 0x43600000, 0x43700000,
    0x43800000, 0x43900000, 0x43a00000, 0x43b00000, 0x43c00000, 0x43d00000, 0x43e00000, 0x7fc00000,
    0x80000000, 0xbb000000, 0xbb800000, 0xbbc00000, 0xbc000000, 0xbc200000, 0xbc400000, 0xbc600000,
    0xbc800000, 0xbc900000, 0xbca00000, 0xbcb00000, 0xbcc00000, 0xbcd00000, 0xbce00000, 0xbcf00000,
    0xbd000000, 0xbd100000, 0xbd200000, 0xbd300000, 0xbd400000, 0xbd500000, 0xbd600000, 0xbd700000,
    0xbd800000, 0xbd900000, 0xbda00000, 0xbdb00000, 0xbdc00000, 0xbdd00000, 0xbde00000, 0xbdf00000,
    0xbe000000, 0xbe100000, 0xbe200000, 0xbe300000, 0xbe400000, 0xbe500000, 0xbe600000, 0xbe700000,
    0xbe800000, 0xbe900000, 0xbea00000, 0xbeb00000, 0xbec00000, 0xbed00000, 0xbee00000, 0xbef00000,
    0xbf000000, 0xbf100000, 0xbf200000, 0xbf300000, 0xbf400000, 0xbf500000, 0xbf600000, 0xbf700000,
    0xbf800000, 0xbf900000, 0xbfa00000, 0xbfb00000, 0xbfc00000, 0xbfd00000, 0xbfe00000, 0xbff00000,
    0xc0000000, 0xc0100000, 0xc0200000, 0xc0300000, 0xc0400000, 0xc0500000, 0xc0600000, 0xc0700000,
    0xc0800000, 0xc0900000, 0xc0a00000, 0xc0b00000, 0xc0c00000, 0xc0d00000, 0xc0e00000, 0xc0f00000,
    0xc1000000, 0xc1100000, 0xc1200000, 0xc1300000, 0xc1400000, 0xc1500000, 0xc1600000, 0xc1700000,
    0xc1800000, 0xc1900000, 0xc1a00000, 0xc1b00000, 0xc1c00000, 0xc1d00000, 0xc1e00000, 0xc1f00000,
    0xc2000000, 0xc2100000, 0xc2200000, 0xc2300000, 0xc2400000, 0xc2500000, 0xc2600000, 0xc2700000,
    0xc2800000, 0xc2900000, 0xc2a00000, 0xc2b00000, 0xc2c00000, 0xc2d00000, 0xc2e00000, 0xc2f00000,
    0xc3000000, 0xc3100000, 0xc3200000, 0xc3300000, 0xc3400000, 0xc3500000, 0xc3600000, 0xc3700000,
    0xc3800000, 0xc3900000, 0xc3a00000, 0xc3b00000, 0xc3c00000, 0xc3d00000, 0xc3e00000, 0xffc00000,
};

// float8 E4M3FNUZ bit pattern i -> float32 bit pattern.
constexpr uint32_t kE4M3FnuzDecoded[256] = {
    0x00000000, 0x3a800000, 0x3b000000, 0x3b400000, 0x3b800000, 0x3ba00000, 0x3bc00000, 0x3be00000,
    0x3c000000, 0x3c100000, 0x3c200000, 0x3c300000, 0x3c400000, 0x3c500000, 0x3c600000, 0x3c700000,
    0x3c800000, 0x3c900000, 0x3ca00000, 0x3cb00000, 0x3cc00000, 0x3cd00000, 0x3ce00000, 0x3cf00000,
    0x3d000000, 0x3d100000, 0x3d200000, 0x3d300000, 0x3d400000, 0x3d500000, 0x3d600000, 0x3d700000,
    0x3d800000, 0x3d900000, 0x3da00000, 0x3db00000, 0x3dc00000, 0x3dd00000, 0x3de00000, 0x3df00000,
    0x3e000000, 0x3e100000, 0x3e200000, 0x3e300000, 0x3e400000, 0x3e500000, 0x3e600000, 0x3e700000,
    0x3e800000, 0x3e900000, 0x3ea00000, 0x3eb00000, 0x3ec00000, 0x3ed00000, 0x3ee00000, 0x3ef00000,
    0x3f000000, 0x3f100000, 0x3f200000, 0x3f300000, 0x3f400000, 0x3f500000, 0x3f600000, 0x3f700000,
    0x3f800000, 0x3f900000, 0x3fa00000, 0x3fb00000, 0x3fc00000, 0x3fd00000, 0x3fe00000, 0x3ff00000,
    0x40000000, 0x40100000, 0x40200000, 0x40300000, 0x40400000, 0x40500000, 0x40600000, 0x40700000,
    0x40800000, 0x40900000, 0x40a00000, 0x40b00000, 0x40c00000, 0x40d00000, 0x40e00000, 0x40f00000,
    0x41000000, 0x41100000, 0x41200000, 0x41300000, 0x41400000, 0x41500000, 0x41600000, 0x41700000,
    0x41800000, 0x41900000, 0x41a00000, 0x41b00000, 0x41c00000, 0x41d00000, 0x41e00000, 0x41f00000,
    0x42000000, 0x42100000, 0x42200000, 0x42300000, 0x42400000, 0x42500000, 0x42600000, 0x42700000,
    0x42800000, 0x42900000, 0x42a00000, 0x42b00000, 0x42c00000, 0x42d00000, 0x42e00000, 0x42f00000,
    0x43000000, 0x43100000, 0x43200000, 0x43300000, 0x43400000, 0x43500000, 0x43600000, 0x43700000,
    0x7fc00000, 0xba800000, 0xbb000000, 0xbb400000, 0xbb800000, 0xbba00000, 0xbbc00000, 0xbbe00000,
    0xbc000000, 0xbc100000, 0xbc200000, 0xbc300000, 0xbc400000, 0xbc500000, 0xbc600000, 0xbc700000,
    0xbc800000, 0xbc900000, 0xbca00000, 0xbcb00000, 0xbcc00000, 0xbcd00000, 0xbce00000, 0xbcf00000,
    0xbd000000, 0xbd100000, 0xbd200000, 0xbd300000, 0xbd400000, 0xbd500000, 0xbd600000, 0xbd700000,
    0xbd800000, 0xbd900000, 0xbda00000, 0xbdb00000, 0xbdc00000, 0xbdd00000, 0xbde00000, 0xbdf00000,
    0xbe000000, 0xbe100000, 0xbe200000, 0xbe300000, 0xbe400000, 0xbe500000, 0xbe600000, 0xbe700000,
    0xbe800000, 0xbe900000, 0xbea00000, 0xbeb00000, 0xbec00000, 0xbed00000, 0xbee00000, 0xbef00000,
    0xbf000000, 0xbf100000, 0xbf200000, 0xbf300000, 0xbf400000, 0xbf500000, 0xbf600000, 0xbf700000,
    0xbf800000, 0xbf900000, 0xbfa00000, 0xbfb00000, 0xbfc00000, 0xbfd00000, 0xbfe00000, 0xbff00000,
    0xc0000000, 0xc0100000, 0xc0200000, 0xc0300000, 0xc0400000, 0xc0500000, 0xc0600000, 0xc0700000,
    0xc0800000, 0xc0900000, 0xc0a00000, 0xc0b00000, 0xc0c00000, 0xc0d00000, 0xc0e00000, 0xc0f00000,
    0xc1000000, 0xc1100000, 0xc1200000, 0xc1300000, 0xc1400000, 0xc1500000, 0xc1600000, 0xc1700000,
    0xc1800000, 0xc1900000, 0xc1a00000, 0xc1b00000, 0xc1c00000, 0xc1d00000, 0xc1e00000, 0xc1f00000,
    0xc2000000, 0xc2100000, 0xc2200000, 0xc2300000, 0xc2400000, 0xc2500000, 0xc2600000, 0xc2700000,
    0xc2800000, 0xc2900000, 0xc2a00000, 0xc2b00000, 0xc2c00000, 0xc2d00000, 0xc2e00000, 0xc2f00000,
    0xc3000000, 0xc3100000, 0xc3200000, 0xc3300000, 0xc3400000, 0xc3500000, 0xc3600000, 0xc3700000,
};

// float8 E5M2 bit pattern i -> float32 bit pattern.
constexpr uint32_t kE5M2Decoded[256] = {
    0x00000000, 0x37800000, 0x38000000, 0x38400000, 0x38800000, 0x38a00000, 0x38c00000, 0x38e00000,
    0x39000000, 0x39200000, 0x39400000, 0x39600000, 0x39800000, 0x39a00000, 0x39c00000, 0x39e00000,
    0x3a000000, 0x3a200000, 0x3a400000, 0x3a600000, 0x3a800000, 0x3aa00000, 0x3ac00000, 0x3ae00000,
    0x3b000000, 0x3b200000, 0x3b400000, 0x3b600000, 0x3b800000, 0x3ba00000, 0x3bc00000, 0x3be00000,
    0x3c000000, 0x3c200000, 0x3c400000, 0x3c600000, 0x3c800000, 0x3ca00000, 0x3cc00000, 0x3ce00000,
    0x3d000000, 0x3d200000, 0x3d400000, 0x3d600000, 0x3d800000, 0x3da00000, 0x3dc00000, 0x3de00000,
    0x3e000000, 0x3e200000, 0x3e400000, 0x3e600000, 0x3e800000, 0x3ea00000, 0x3ec00000, 0x3ee00000,
    0x3f000000, 0x3f200000, 0x3f400000, 0x3f600000, 0x3f800000, 0x3fa00000, 0x3fc00000, 0x3fe00000,
    0x40000000, 0x40200000, 0x40400000, 0x40600000, 0x40800000, 0x40a00000, 0x40c00000, 0x40e00000,
    0x41000000, 0x41200000, 0x41400000, 0x41600000, 0x41800000, 0x41a00000, 0x41c00000, 0x41e00000,
    0x42000000, 0x42200000, 0x42400000, 0x42600000, 0x42800000, 0x42a00000, 0x42c00000, 0x42e00000,
    0x43000000, 0x43200000, 0x43400000, 0x43600000, 0x43800000, 0x43a00000, 0x43c00000, 0x43e00000,
    0x44000000, 0x44200000, 0x44400000, 0x44600000, 0x44800000, 0x44a00000, 0x44c00000, 0x44e00000,
    0x45000000, 0x45200000, 0x45400000, 0x45600000, 0x45800000, 0x45a00000, 0x45c00000, 0x45e00000,
    0x46000000, 0x46200000, 0x46400000, 0x46600000, 0x46800000, 0x46a00000, 0x46c00000, 0x46e00000,
    0x47000000, 0x47200000, 0x47400000, 0x47600000, 0x7f800000, 0x7fc00000, 0x7fc00000, 0x7fc00000,
    0x80000000, 0xb7800000, 0xb8000000, 0xb8400000, 0xb8800000, 0xb8a00000, 0xb8c00000, 0xb8e00000,
    0xb9000000, 0xb9200000, 0xb9400000, 0xb9600000, 0xb9800000, 0xb9a00000, 0xb9c00000, 0xb9e00000,
    0xba000000, 0xba200000, 0xba400000, 0xba600000, 0xba800000, 0xbaa00000, 0xbac00000, 0xbae00000,
    0xbb000000, 0xbb200000, 0xbb400000, 0xbb600000, 0xbb800000, 0xbba00000, 0xbbc00000, 0xbbe00000,
    0xbc000000, 0xbc200000, 0xbc400000, 0xbc600000, 0xbc800000, 0xbca00000, 0xbcc00000, 0xbce00000,
    0xbd000000, 0xbd200000, 0xbd400000, 0xbd600000, 0xbd800000, 0xbda00000, 0xbdc00000, 0xbde00000,
    0xbe000000, 0xbe200000, 0xbe400000, 0xbe600000, 0xbe800000, 0xbea00000, 0xbec00000, 0xbee00000,
    0xbf000000, 0xbf200000, 0xbf400000, 0xbf600000, 0xbf800000, 0xbfa00000, 0xbfc00000, 0xbfe00000,
    0xc0000000, 0xc0200000, 0xc0400000, 0xc0600000, 0xc0800000, 0xc0a00000, 0xc0c00000, 0xc0e00000,
    0xc1000000, 0xc1200000, 0xc1400000, 0xc1600000, 0xc1800000, 0xc1a00000, 0xc1c00000, 0xc1e00000,
    0xc2000000, 0xc2200000, 0xc2400000, 0xc2600000, 0xc2800000, 0xc2a00000, 0xc2c00000, 0xc2e00000,
    0xc3000000, 0xc3200000, 0xc3400000, 0xc3600000, 0xc3800000, 0xc3a00000, 0xc3c00000, 0xc3e00000,
    0xc4000000, 0xc4200000, 0xc4400000, 0xc4600000, 0xc4800000, 0xc4a00000, 0xc4c00000, 0xc4e00000,
    0xc5000000, 0xc5200000, 0xc5400000, 0xc5600000, 0xc5800000, 0xc5a00000, 0xc5c00000, 0xc5e00000,
    0xc6000000, 0xc6200000, 0xc6400000, 0xc6600000, 0xc6800000, 0xc6a00000, 0xc6c00000, 0xc6e00000,
    0xc7000000, 0xc7200000, 0xc7400000, 0xc7600000, 0xff800000, 0xffc00000, 0xffc00000, 0xffc00000,
};

// float8 E5M2FNUZ bit pattern i -> float32 bit pattern.
constexpr uint32_t kE5M2FnuzDecoded[256] = {
    0x00000000, 0x37000000, 0x37800000, 0x37c00000, 0x38000000, 0x38200000, 0x38400000, 0x38600000,
    0x38800000, 0x38a00000, 0x38c00000, 0x38e00000, 0x39000000, 0x39200000, 0x39400000, 0x39600000,
    0x39800000, 0x39a00000, 0x39c00000, 0x39e00000, 0x3a000000, 0x3a200000, 0x3a400000, 0x3a600000,
    0x3a800000, 0x3aa00000, 0x3ac00000, 0x3ae00000, 0x3b000000, 0x3b200000, 0x3b400000, 0x3b600000,
    0x3b800000, 0x3ba00000, 0x3bc00000, 0x3be00000, 0x3c000000, 0x3c200000, 0x3c400000, 0x3c600000,
    0x3c800000, 0x3ca00000, 0x3cc00000, 0x3ce00000, 0x3d000000, 0x3d200000, 0x3d400000, 0x3d600000,
    0x3d800000, 0x3da00000, 0x3dc00000, 0x3de00000, 0x3e000000, 0x3e200000, 0x3e400000, 0x3e600000,
    0x3e800000, 0x3ea00000, 0x3ec00000, 0x3ee00000, 0x3f000000, 0x3f200000, 0x3f400000, 0x3f600000,
    0x3f800000, 0x3fa00000, 0x3fc00000, 0x3fe00000, 0x40000000, 0x40200000, 0x40400000, 0x40600000,
    0x40800000, 0x40a00000, 0x40c00000, 0x40e00000, 0x41000000, 0x41200000, 0x41400000, 0x41600000,
    0x41800000, 0x41a00000, 0x41c00000, 0x41e00000, 0x42000000, 0x42200000, 0x42400000, 0x42600000,
    0x42800000, 0x42a00000, 0x42c00000, 0x42e00000, 0x43000000, 0x43200000, 0x43400000, 0x43600000,
    0x43800000, 0x43a00000, 0x43c00000, 0x43e00000, 0x44000000, 0x44200000, 0x44400000, 0x44600000,
    0x44800000, 0x44a00000, 0x44c00000, 0x44e00000, 0x45000000, 0x45200000, 0x45400000, 0x45600000,
    0x45800000, 0x45a00000, 0x45c00000, 0x45e00000, 0x46000000, 0x46200000, 0x46400000, 0x46600000,
    0x46800000, 0x46a00000, 0x46c00000, 0x46e00000, 0x47000000, 0x47200000, 0x47400000, 0x47600000,
    0x7fc00000, 0xb7000000, 0xb7800000, 0xb7c00000, 0xb8000000, 0xb8200000, 0xb8400000, 0xb8600000,
    0xb8800000, 0xb8a00000, 0xb8c00000, 0xb8e00000, 0xb9000000, 0xb9200000, 0xb9400000, 0xb9600000,
    0xb9800000, 0xb9a00000, 0xb9c00000, 0xb9e00000, 0xba000000, 0xba200000, 0xba400000, 0xba600000,
    0xba800000, 0xbaa00000, 0xbac00000, 0xbae00000, 0xbb000000, 0xbb200000, 0xbb400000, 0xbb600000,
    0xbb800000, 0xbba00000, 0xbbc00000, 0xbbe00000, 0xbc000000, 0xbc200000, 0xbc400000, 0xbc600000,
    0xbc800000, 0xbca00000, 0xbcc00000, 0xbce00000, 0xbd000000, 0xbd200000, 0xbd400000, 0xbd600000,
    0xbd800000, 0xbda00000, 0xbdc00000, 0xbde00000, 0xbe000000, 0xbe200000, 0xbe400000, 0xbe600000,
    0xbe800000, 0xbea00000, 0xbec00000, 0xbee00000, 0xbf000000, 0xbf200000, 0xbf400000, 0xbf600000,
    0xbf800000, 0xbfa00000, 0xbfc00000, 0xbfe00000, 0xc0000000, 0xc0200000, 0xc0400000, 0xc0600000,
    0xc0800000, 0xc0a00000, 0xc0c00000, 0xc0e00000, 0xc1000000, 0xc1200000, 0xc1400000, 0xc1600000,
    0xc1800000, 0xc1a00000, 0xc1c00000, 0xc1e00000, 0xc2000000, 0xc2200000, 0xc2400000, 0xc2600000,
    0xc2800000, 0xc2a00000, 0xc2c00000, 0xc2e00000, 0xc3000000, 0xc3200000, 0xc3400000, 0xc3600000,
    0xc3800000, 0xc3a00000, 0xc3c00000, 0xc3e00000, 0xc4000000, 0xc4200000, 0xc4400000, 0xc4600000,
    0xc4800000, 0xc4a00000, 0xc4c00000, 0xc4e00000, 0xc5000000, 0xc5200000, 0xc5400000, 0xc5600000,
    0xc5800000, 0xc5a00000, 0xc5c00000, 0xc5e00000, 0xc6000000, 0xc6200000, 0xc6400000, 0xc6600000,
    0xc6800000, 0xc6a00000, 0xc6c00000, 0xc6e00000, 0xc7000000, 0xc7200000, 0xc7400000, 0xc7600000,
};

// Out-of-range values: with saturate they clamp to the largest finite value; without it E5M2
// gives infinity and the others NaN (Cast-19 spec tables). Two E5M2 saturate=false entries
// (61440 and 65504, which round up past 57344) are 0x7c here where onnx's helper returns 0x7f
// (NaN): the helper ORs 0x7c into the already-set 0x7b, contradicting the spec's "[x] > FLT_MAX ->
// Inf" rule, which the larger inputs (1e6, 3e38) show it means to follow.
const EncodeCase kEncodeCases[] = {
    {0.0f, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {-0.0f, {0x80, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x00}},
    {1.0f, {0x38, 0x38, 0x40, 0x40, 0x3c, 0x3c, 0x40, 0x40}},
    {-1.0f, {0xb8, 0xb8, 0xc0, 0xc0, 0xbc, 0xbc, 0xc0, 0xc0}},
    {0.10000000149011612f, {0x1d, 0x1d, 0x25, 0x25, 0x2e, 0x2e, 0x32, 0x32}},
    {-0.10000000149011612f, {0x9d, 0x9d, 0xa5, 0xa5, 0xae, 0xae, 0xb2, 0xb2}},
    {0.30000001192092896f, {0x2a, 0x2a, 0x32, 0x32, 0x35, 0x35, 0x39, 0x39}},
    {1.0625f, {0x38, 0x38, 0x40, 0x40, 0x3c, 0x3c, 0x40, 0x40}},
    {1.125f, {0x39, 0x39, 0x41, 0x41, 0x3c, 0x3c, 0x40, 0x40}},
    {1.1875f, {0x3a, 0x3a, 0x42, 0x42, 0x3d, 0x3d, 0x41, 0x41}},
    {3.141590118408203f, {0x45, 0x45, 0x4d, 0x4d, 0x42, 0x42, 0x46, 0x46}},
    {-2.718280076980591f, {0xc3, 0xc3, 0xcb, 0xcb, 0xc1, 0xc1, 0xc5, 0xc5}},
    {0.0009765625f, {0x00, 0x00, 0x01, 0x01, 0x14, 0x14, 0x18, 0x18}},
    {0.001953125f, {0x01, 0x01, 0x02, 0x02, 0x18, 0x18, 0x1c, 0x1c}},
    {0.0029296875f, {0x02, 0x02, 0x03, 0x03, 0x1a, 0x1a, 0x1e, 0x1e}},
    {0.00048828125f, {0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x14, 0x14}},
    {0.0005000000237487257f, {0x00, 0x00, 0x01, 0x01, 0x10, 0x10, 0x14, 0x14}},
    {0.00390625f, {0x02, 0x02, 0x04, 0x04, 0x1c, 0x1c, 0x20, 0x20}},
    {0.0068359375f, {0x04, 0x04, 0x07, 0x07, 0x1f, 0x1f, 0x23, 0x23}},
    {1.52587890625e-05f, {0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02}},
    {2.288818359375e-05f, {0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x03, 0x03}},
    {7.62939453125e-06f, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01}},
    {1.0000000116860974e-07f, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {-1.0000000116860974e-07f, {0x80, 0x80, 0x00, 0x00, 0x80, 0x80, 0x00, 0x00}},
    {1.0000000031710769e-30f, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {9.99994610111476e-41f, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {224.0f, {0x76, 0x76, 0x7e, 0x7e, 0x5b, 0x5b, 0x5f, 0x5f}},
    {232.0f, {0x76, 0x76, 0x7e, 0x7e, 0x5b, 0x5b, 0x5f, 0x5f}},
    {240.0f, {0x77, 0x77, 0x7f, 0x7f, 0x5c, 0x5c, 0x60, 0x60}},
    {248.0f, {0x78, 0x78, 0x7f, 0x80, 0x5c, 0x5c, 0x60, 0x60}},
    {256.0f, {0x78, 0x78, 0x7f, 0x80, 0x5c, 0x5c, 0x60, 0x60}},
    {416.0f, {0x7d, 0x7d, 0x7f, 0x80, 0x5e, 0x5e, 0x62, 0x62}},
    {432.0f, {0x7e, 0x7e, 0x7f, 0x80, 0x5f, 0x5f, 0x63, 0x63}},
    {448.0f, {0x7e, 0x7e, 0x7f, 0x80, 0x5f, 0x5f, 0x63, 0x63}},
    {464.0f, {0x7e, 0x7e, 0x7f, 0x80, 0x5f, 0x5f, 0x63, 0x63}},
    {465.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x5f, 0x5f, 0x63, 0x63}},
    {500.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x60, 0x60, 0x64, 0x64}},
    {600.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x61, 0x61, 0x65, 0x65}},
    {-449.0f, {0xfe, 0xfe, 0xff, 0x80, 0xdf, 0xdf, 0xe3, 0xe3}},
    {-470.0f, {0xfe, 0xff, 0xff, 0x80, 0xdf, 0xdf, 0xe3, 0xe3}},
    {1000.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x64, 0x64, 0x68, 0x68}},
    {49152.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7a, 0x7a, 0x7e, 0x7e}},
    {53248.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7a, 0x7a, 0x7e, 0x7e}},
    {57344.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7b, 0x7f, 0x7f}},
    {61439.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7b, 0x7f, 0x7f}},
    {61440.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7c, 0x7f, 0x80}},
    {65504.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7c, 0x7f, 0x80}},
    {1000000.0f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7c, 0x7f, 0x80}},
    {-1000000.0f, {0xfe, 0xff, 0xff, 0x80, 0xfb, 0xfc, 0xff, 0x80}},
    {3.0000000054977558e+38f, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7c, 0x7f, 0x80}},
    {kInf, {0x7e, 0x7f, 0x7f, 0x80, 0x7b, 0x7c, 0x7f, 0x80}},
    {-kInf, {0xfe, 0xff, 0xff, 0x80, 0xfb, 0xfc, 0xff, 0x80}},
    {kNaN, {0x7f, 0x7f, 0x80, 0x80, 0x7f, 0x7f, 0x80, 0x80}},
};

constexpr Float8Format kFormats[] = {Float8Format::kE4M3FN, Float8Format::kE4M3FNUZ,
                                     Float8Format::kE5M2, Float8Format::kE5M2FNUZ};

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

void expect_decodes_like(Float8Format format, const uint32_t (&table)[256]) {
  for (int code = 0; code < 256; ++code) {
    const float got = float8_bits_to_float(static_cast<uint8_t>(code), format);
    const float want = float_of(table[code]);
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "code " << code << " got " << got;
    } else {
      EXPECT_EQ(bits_of(got), table[code]) << "code " << code << " got " << got << " want " << want;
    }
  }
}

TEST(Float8Conversion, DecodesEveryBitPatternLikeOnnx) {
  expect_decodes_like(Float8Format::kE4M3FN, kE4M3FnDecoded);
  expect_decodes_like(Float8Format::kE4M3FNUZ, kE4M3FnuzDecoded);
  expect_decodes_like(Float8Format::kE5M2, kE5M2Decoded);
  expect_decodes_like(Float8Format::kE5M2FNUZ, kE5M2FnuzDecoded);
}

TEST(Float8Conversion, EncodesWithRoundingAndSaturationLikeOnnx) {
  for (const EncodeCase& c : kEncodeCases) {
    for (int f = 0; f < 4; ++f) {
      for (int saturate = 1; saturate >= 0; --saturate) {
        const uint8_t want = c.bits[f * 2 + (saturate ? 0 : 1)];
        EXPECT_EQ(static_cast<int>(float_to_float8_bits(c.value, kFormats[f], saturate == 1)),
                  static_cast<int>(want))
            << "value " << c.value << " format " << f << " saturate " << saturate;
      }
    }
  }
}

TEST(Float8Conversion, EveryFiniteValueRoundTrips) {
  for (Float8Format format : kFormats) {
    for (int code = 0; code < 256; ++code) {
      const float value = float8_bits_to_float(static_cast<uint8_t>(code), format);
      if (std::isnan(value)) continue;
      EXPECT_EQ(static_cast<int>(float_to_float8_bits(value, format, false)), code)
          << "format " << static_cast<int>(format) << " value " << value;
    }
  }
}

TEST(Float8DataType, TraitsAndOnnxCodes) {
  EXPECT_EQ(data_type_from_onnx(17), DataType::kFloat8E4M3FN);
  EXPECT_EQ(data_type_from_onnx(18), DataType::kFloat8E4M3FNUZ);
  EXPECT_EQ(data_type_from_onnx(19), DataType::kFloat8E5M2);
  EXPECT_EQ(data_type_from_onnx(20), DataType::kFloat8E5M2FNUZ);
  EXPECT_EQ(data_type_from_onnx(21), DataType::kUInt4);
  EXPECT_EQ(data_type_from_onnx(24), DataType::kUndefined);  // float8e8m0 stays unsupported
  for (DataType t : {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2,
                     DataType::kFloat8E5M2FNUZ}) {
    EXPECT_EQ(element_size(t), 1u);
    EXPECT_TRUE(is_floating_point(t));
    EXPECT_TRUE(is_float8(t));
    EXPECT_FALSE(is_integer(t));
    EXPECT_EQ(data_type_from_name(data_type_name(t)), t);
  }
  EXPECT_EQ(data_type_name(DataType::kFloat8E5M2FNUZ), "float8e5m2fnuz");
  EXPECT_FALSE(is_float8(DataType::kUInt8));
  EXPECT_THROW(float8_format(DataType::kUInt8), Error);
}

TEST(Float8Tensor, SummaryPrintsValuesAndToInt64Refuses) {
  const Tensor t = Tensor::from_vector<Float8E4M3FN>(
      Shape{3}, {Float8E4M3FN(1.5f), Float8E4M3FN(-448.0f), Float8E4M3FN::from_bits(0x7F)});
  EXPECT_EQ(t.summary(), "float8e4m3fn[3] {1.5, -448, nan}");
  EXPECT_THROW(t.to_int64_vector(), Error);
}

// The project's onnx.proto predates the FLOAT8* enumerators, so ONNX codes 17..20 are spelled
// as numbers.
onnx::TensorProto float8_proto(int32_t onnx_type) {
  onnx::TensorProto proto;
  proto.set_name("x");
  proto.set_data_type(onnx_type);
  proto.add_dims(3);
  return proto;
}

TEST(Float8TensorProto, ReadsInt32DataAndRawDataAndWritesRawData) {
  onnx::TensorProto typed = float8_proto(19);
  for (int v : {0x3c, 0xfb, 0x7c}) typed.add_int32_data(v);
  const Tensor a = tensor_from_proto(typed, "", "typed");
  ASSERT_EQ(a.dtype(), DataType::kFloat8E5M2);
  const auto* a_bits = a.data<Float8E5M2>();
  EXPECT_EQ(a_bits[0].to_float(), 1.0f);
  EXPECT_EQ(a_bits[1].to_float(), -57344.0f);
  EXPECT_EQ(a_bits[2].to_float(), kInf);

  onnx::TensorProto raw = float8_proto(18);
  raw.set_raw_data(std::string("\x40\x80\x01", 3));
  const Tensor b = tensor_from_proto(raw, "", "raw");
  ASSERT_EQ(b.dtype(), DataType::kFloat8E4M3FNUZ);
  EXPECT_EQ(b.data<Float8E4M3FNUZ>()[0].to_float(), 1.0f);
  EXPECT_TRUE(std::isnan(b.data<Float8E4M3FNUZ>()[1].to_float()));
  EXPECT_EQ(b.data<Float8E4M3FNUZ>()[2].to_float(), 0.0009765625f);  // 2^-10

  onnx::TensorProto back;
  tensor_to_proto(b, "b", back);
  EXPECT_EQ(back.data_type(), 18);
  EXPECT_EQ(back.raw_data(), std::string("\x40\x80\x01", 3));

  onnx::TensorProto short_raw = float8_proto(17);
  short_raw.set_raw_data(std::string("\x40", 1));
  EXPECT_THROW(tensor_from_proto(short_raw, "", "short"), Error);
}

std::vector<uint8_t> bits_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return std::vector<uint8_t>(p, p + t.num_elements());
}

template <typename F8>
Tensor float8_tensor(const std::vector<uint8_t>& bits) {
  std::vector<F8> values;
  for (uint8_t b : bits) values.push_back(F8::from_bits(b));
  return Tensor::from_vector<F8>(Shape{static_cast<int64_t>(bits.size())}, values);
}

Tensor floats(const std::vector<float>& v) {
  return Tensor::from_vector<float>(Shape{static_cast<int64_t>(v.size())}, v);
}

// Expected bits from the encode table above (0.3, 500, -1e6, inf, nan).
TEST(Float8Cast, FloatToE4M3FNHonoursSaturate) {
  const Tensor x = floats({0.3f, 500.0f, -1e6f, kInf, kNaN});
  auto saturated =
      OpTest("Cast", 19).attr("to", int64_t{17}).input(x).outputs({DataType::kFloat8E4M3FN}).run();
  ASSERT_EQ(saturated[0].dtype(), DataType::kFloat8E4M3FN);
  EXPECT_EQ(bits_of(saturated[0]), (std::vector<uint8_t>{0x2a, 0x7e, 0xfe, 0x7e, 0x7f}));
  auto unsaturated = OpTest("Cast", 19)
                         .attr("to", int64_t{17})
                         .attr("saturate", int64_t{0})
                         .input(x)
                         .outputs({DataType::kFloat8E4M3FN})
                         .run();
  EXPECT_EQ(bits_of(unsaturated[0]), (std::vector<uint8_t>{0x2a, 0x7f, 0xff, 0x7f, 0x7f}));
}

TEST(Float8Cast, E5M2ToFloatAndToE4M3FN) {
  // 0x3c = 1, 0xc5 = -5, 0x7c = inf, 0x7b = 57344, 0x01 = 2^-16 (decode table).
  const Tensor x = float8_tensor<Float8E5M2>({0x3c, 0xc5, 0x7c, 0x7b, 0x01});
  auto wide =
      OpTest("Cast", 19).attr("to", int64_t{1}).input(x).outputs({DataType::kFloat32}).run();
  expect_near(wide[0], floats({1.0f, -5.0f, kInf, 57344.0f, 1.52587890625e-05f}), 0, 0);
  // E4M3FN: 1 -> 0x38, -5 -> 0xca; inf and 57344 -> 448 (0x7e) saturated, NaN (0x7f) not;
  // 2^-16 is below half of E4M3FN's smallest subnormal (2^-9), so 0.
  auto narrow =
      OpTest("Cast", 19).attr("to", int64_t{17}).input(x).outputs({DataType::kFloat8E4M3FN}).run();
  EXPECT_EQ(bits_of(narrow[0]), (std::vector<uint8_t>{0x38, 0xca, 0x7e, 0x7e, 0x00}));
  auto unsaturated = OpTest("Cast", 19)
                         .attr("to", int64_t{17})
                         .attr("saturate", int64_t{0})
                         .input(x)
                         .outputs({DataType::kFloat8E4M3FN})
                         .run();
  EXPECT_EQ(bits_of(unsaturated[0]), (std::vector<uint8_t>{0x38, 0xca, 0x7f, 0x7f, 0x00}));
}

TEST(Float8Cast, CastLikeTakesTheTargetFromInput1) {
  const Tensor like = float8_tensor<Float8E5M2FNUZ>({0x00});
  // E5M2FNUZ: 1 -> 0x40, -0 -> 0 (no negative zero), 1e6 -> 0x7f saturated / 0x80 (NaN) not.
  const Tensor x = floats({1.0f, -0.0f, 1e6f});
  auto saturated =
      OpTest("CastLike", 19).input(x).input(like).outputs({DataType::kFloat8E5M2FNUZ}).run();
  EXPECT_EQ(bits_of(saturated[0]), (std::vector<uint8_t>{0x40, 0x00, 0x7f}));
  auto unsaturated = OpTest("CastLike", 19)
                         .attr("saturate", int64_t{0})
                         .input(x)
                         .input(like)
                         .outputs({DataType::kFloat8E5M2FNUZ})
                         .run();
  EXPECT_EQ(bits_of(unsaturated[0]), (std::vector<uint8_t>{0x40, 0x00, 0x80}));
}

TEST(Float8Cast, RefusedBeforeOpset19AndBadSaturate) {
  const Tensor x = floats({1.0f});
  EXPECT_THROW(
      OpTest("Cast", 18).attr("to", int64_t{17}).input(x).outputs({DataType::kFloat8E4M3FN}).run(),
      Error);
  EXPECT_THROW(OpTest("Cast", 19)
                   .attr("to", int64_t{17})
                   .attr("saturate", int64_t{2})
                   .input(x)
                   .outputs({DataType::kFloat8E4M3FN})
                   .run(),
               Error);
}

// ReferenceEvaluator, QuantizeLinear-19: x / 2 to float8e4m3fn with a zero zero point.
TEST(Float8Quantize, QuantizeLinearToE4M3FN) {
  const Tensor x = floats({0.0f, 1.0f, 300.0f, -1000.0f, 0.1f});
  const Tensor scale = Tensor::scalar<float>(2.0f);
  const Tensor zero_point = Tensor::scalar<Float8E4M3FN>(Float8E4M3FN::from_bits(0));
  auto saturated = OpTest("QuantizeLinear", 19)
                       .input(x)
                       .input(scale)
                       .input(zero_point)
                       .outputs({DataType::kFloat8E4M3FN})
                       .run();
  ASSERT_EQ(saturated[0].dtype(), DataType::kFloat8E4M3FN);
  EXPECT_EQ(bits_of(saturated[0]), (std::vector<uint8_t>{0x00, 0x30, 0x71, 0xfe, 0x15}));
  auto unsaturated = OpTest("QuantizeLinear", 19)
                         .attr("saturate", int64_t{0})
                         .input(x)
                         .input(scale)
                         .input(zero_point)
                         .outputs({DataType::kFloat8E4M3FN})
                         .run();
  EXPECT_EQ(bits_of(unsaturated[0]), (std::vector<uint8_t>{0x00, 0x30, 0x71, 0xff, 0x15}));
}

TEST(Float8Quantize, OutputDtypeWithoutZeroPoint) {
  // opset 21 output_dtype = FLOAT8E5M2 (19): 3 / 0.5 = 6 -> 0x46 (encode rules, E5M2 6 = 1.5*4).
  auto y = OpTest("QuantizeLinear", 21)
               .attr("output_dtype", int64_t{19})
               .input(floats({3.0f}))
               .input(Tensor::scalar<float>(0.5f))
               .outputs({DataType::kFloat8E5M2})
               .run();
  ASSERT_EQ(y[0].dtype(), DataType::kFloat8E5M2);
  EXPECT_EQ(bits_of(y[0]), (std::vector<uint8_t>{0x46}));
}

// ReferenceEvaluator, DequantizeLinear-21: float8e5m2 {1, -2.5, inf, 57344} * 0.5.
TEST(Float8Quantize, DequantizeLinearFromE5M2) {
  auto y = OpTest("DequantizeLinear", 21)
               .input(float8_tensor<Float8E5M2>({0x3c, 0xc1, 0x7c, 0x7b}))
               .input(Tensor::scalar<float>(0.5f))
               .input(Tensor::scalar<Float8E5M2>(Float8E5M2::from_bits(0)))
               .outputs({DataType::kFloat32})
               .run();
  expect_near(y[0], floats({0.5f, -1.25f, kInf, 28672.0f}), 0, 0);
}

TEST(Float8Quantize, DequantizeLinearRejectsMismatchedZeroPointType) {
  EXPECT_THROW(OpTest("DequantizeLinear", 21)
                   .input(float8_tensor<Float8E5M2>({0x3c}))
                   .input(Tensor::scalar<float>(0.5f))
                   .input(Tensor::scalar<Float8E4M3FN>(Float8E4M3FN::from_bits(0)))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

TEST(Float8Compare, ComparesTheFloatValues) {
  // E4M3FN 0x38 = 1, 0x39 = 1.125, 0x7f = NaN (decode table).
  const Tensor expected = float8_tensor<Float8E4M3FN>({0x38, 0x7f, 0x39});
  const cli::Tolerance tolerance{1e-3, 1e-7};
  EXPECT_TRUE(cli::compare_tensors("y", expected, expected, tolerance).ok());
  const cli::Comparison off_by_one = cli::compare_tensors(
      "y", expected, float8_tensor<Float8E4M3FN>({0x38, 0x7f, 0x38}), tolerance);
  EXPECT_EQ(off_by_one.outcome, cli::Comparison::Outcome::kValueMismatch);
  EXPECT_EQ(off_by_one.mismatches, 1);
  EXPECT_NE(off_by_one.message.find("expected 1.125, got 1"), std::string::npos)
      << off_by_one.message;
  const cli::Comparison saturated_for_nan = cli::compare_tensors(
      "y", expected, float8_tensor<Float8E4M3FN>({0x38, 0x7e, 0x39}), tolerance);
  EXPECT_EQ(saturated_for_nan.mismatches, 1);
  EXPECT_EQ(
      cli::compare_tensors("y", expected, float8_tensor<Float8E5M2>({0x3c, 0x7f, 0x3c}), tolerance)
          .outcome,
      cli::Comparison::Outcome::kDtypeMismatch);
}

}  // namespace
}  // namespace aruntime::testing
