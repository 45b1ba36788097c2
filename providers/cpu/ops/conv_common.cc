#include "providers/cpu/ops/conv_common.h"

namespace aruntime::cpu {

ConvSetup::ConvSetup(const KernelInfo& info)
    : attrs_(read_window_attributes(info.node(), false)), group_(read_conv_group(info.node())) {
  const Node& node = info.node();
  // W [M, C/group, k...] is already the row-major [M, C/group * prod(k)] matrix the GEMM reads,
  // so a constant weight needs no repacking; it is validated here, once.
  if (const Tensor* w = info.constant_input(1))
    check_conv_weight(node, attrs_, group_, w->shape(), -1);
}

ConvCall ConvSetup::prepare(KernelContext& ctx) const {
  const Node& node = ctx.node();
  ConvCall call;
  call.x = &ctx.required_input(0);
  call.w = &ctx.required_input(1);
  call.bias = ctx.input(2);
  const Tensor& x = *call.x;
  const Tensor& w = *call.w;
  for (const Tensor* t : {call.w, call.bias}) {
    if (t != nullptr && t->dtype() != x.dtype()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": inputs mix element types " +
                                                   std::string(data_type_name(x.dtype())) +
                                                   " and " +
                                                   std::string(data_type_name(t->dtype())));
    }
  }
  if (x.dtype() != DataType::kFloat32 && x.dtype() != DataType::kFloat64) {
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                std::string(data_type_name(x.dtype())) +
                                                " is not supported");
  }
  if (x.rank() < 3 || x.rank() != w.rank()) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input X has shape " + x.shape().to_string() +
                    " and weight W " + w.shape().to_string() +
                    "; expected [N, C, D1, ...] and a weight of the same rank");
  }
  check_conv_weight(node, attrs_, group_, w.shape(), x.shape()[1]);
  const int64_t out_channels = w.shape()[0];
  if (call.bias != nullptr && (call.bias->rank() != 1 || call.bias->shape()[0] != out_channels)) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": bias B has shape " +
                                                 call.bias->shape().to_string() + ", expected [" +
                                                 std::to_string(out_channels) + "]");
  }

  const auto& xd = x.shape().dims();
  kernels::ConvGeometry& g = call.geometry;
  g.batch = xd[0];
  g.in_channels = xd[1];
  g.out_channels = out_channels;
  g.group = group_;
  g.input_spatial.assign(xd.begin() + 2, xd.end());
  const Dims kernel(w.shape().dims().begin() + 2, w.shape().dims().end());
  const WindowGeometry window = resolve_window(node, attrs_, g.input_spatial, kernel, false);
  g.output_spatial = window.output;
  g.kernel = window.kernel;
  g.strides = window.strides;
  g.dilations = window.dilations;
  g.pads_begin = window.pads_begin;

  Dims out_dims = {g.batch, out_channels};
  out_dims.insert(out_dims.end(), g.output_spatial.begin(), g.output_spatial.end());
  call.y = &ctx.allocate_output(0, Shape(out_dims), x.dtype());
  if (call.empty()) return call;
  call.plan = kernels::plan_conv(g);
  call.scratch = ctx.allocate_temp(Shape{call.plan.scratch_elements}, x.dtype());
  return call;
}

}  // namespace aruntime::cpu
