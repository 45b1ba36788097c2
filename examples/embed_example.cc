// Embedding aruntime in an application: load a model, read its input/output metadata, feed
// buffers the application owns through Tensor::wrap (no copy), run, and read the outputs.
//
//   embed_example MODEL.onnx
//
// Dynamic dimensions are set to 1; inputs are filled with a small ramp of values.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aruntime/aruntime.h"

namespace {

std::string describe(const aruntime::ValueMetadata& value) {
  std::string text = value.name + ": " + std::string(aruntime::data_type_name(value.dtype));
  if (!value.has_shape) return text + " (shape unknown)";
  text += "[";
  for (size_t i = 0; i < value.dims.size(); ++i) {
    if (i) text += ",";
    if (value.dims[i] >= 0) {
      text += std::to_string(value.dims[i]);
    } else {
      const bool named = i < value.dim_symbols.size() && !value.dim_symbols[i].empty();
      text += named ? value.dim_symbols[i] : "?";
    }
  }
  return text + "]";
}

// Writes a repeating ramp 0..9 (times `step`), started at `offset` so that inputs differ.
template <typename T>
void fill_ramp(void* data, int64_t count, int64_t offset, double step) {
  T* values = static_cast<T*>(data);
  for (int64_t i = 0; i < count; ++i) {
    values[i] = static_cast<T>(static_cast<double>((i + offset) % 10) * step);
  }
}

void fill_input(aruntime::DataType dtype, void* data, int64_t count, int64_t offset) {
  using aruntime::DataType;
  switch (dtype) {
    case DataType::kFloat32:
      return fill_ramp<float>(data, count, offset, 0.1);
    case DataType::kFloat64:
      return fill_ramp<double>(data, count, offset, 0.1);
    case DataType::kInt32:
      return fill_ramp<int32_t>(data, count, offset, 1);
    case DataType::kInt64:
      return fill_ramp<int64_t>(data, count, offset, 1);
    case DataType::kUInt8:
      return fill_ramp<uint8_t>(data, count, offset, 1);
    case DataType::kInt8:
      return fill_ramp<int8_t>(data, count, offset, 1);
    case DataType::kBool: {
      bool* values = static_cast<bool*>(data);
      for (int64_t i = 0; i < count; ++i) values[i] = (i + offset) % 2 == 0;
      return;
    }
    case DataType::kFloat16: {
      auto* values = static_cast<aruntime::Float16*>(data);
      for (int64_t i = 0; i < count; ++i)
        values[i] = aruntime::Float16(static_cast<float>((i + offset) % 10) * 0.1f);
      return;
    }
    default:
      aruntime::throw_error(aruntime::ErrorCode::kNotImplemented,
                            "this example does not fill inputs of type " +
                                std::string(aruntime::data_type_name(dtype)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: embed_example MODEL.onnx\n";
    return 2;
  }
  try {
    const aruntime::Environment env(aruntime::LogLevel::kWarning);
    aruntime::SessionOptions options;
    options.intra_op_threads = 1;
    const aruntime::Session session(env, argv[1], options);

    std::cout << "inputs:\n";
    for (const auto& input : session.inputs()) std::cout << "  " << describe(input) << "\n";
    std::cout << "outputs:\n";
    for (const auto& output : session.outputs()) std::cout << "  " << describe(output) << "\n";

    // The application owns these buffers; the wrapped tensors only point at them, so they must
    // outlive the run. operator new[] aligns for every element type the example fills.
    std::vector<std::unique_ptr<std::byte[]>> buffers;
    std::map<std::string, aruntime::Tensor> feeds;
    for (const auto& input : session.inputs()) {
      std::vector<int64_t> dims = input.dims;
      for (int64_t& d : dims) d = d < 0 ? 1 : d;
      const aruntime::Shape shape(dims);
      const int64_t count = shape.num_elements();
      buffers.push_back(std::make_unique<std::byte[]>(
          static_cast<size_t>(count) * aruntime::element_size(input.dtype) + 1));
      fill_input(input.dtype, buffers.back().get(), count, static_cast<int64_t>(feeds.size()) * 3);
      feeds.emplace(input.name, aruntime::Tensor::wrap(input.dtype, shape, buffers.back().get()));
    }

    const std::vector<aruntime::Tensor> outputs = session.run(feeds);
    std::cout << "results:\n";
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::cout << "  " << session.outputs()[i].name << " = " << outputs[i].summary() << "\n";
    }
    return 0;
  } catch (const aruntime::Error& e) {
    std::cerr << "embed_example: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "embed_example: " << e.what() << "\n";
    return 1;
  }
}
