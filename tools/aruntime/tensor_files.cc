#include "tools/aruntime/tensor_files.h"

#include <filesystem>
#include <fstream>

#include "graph/tensor_proto.h"
#include "tools/aruntime/npy.h"

namespace aruntime::cli {

Tensor read_tensor_any(const std::string& path, std::string* proto_name) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw_error(ErrorCode::kIoError, path + ": no such file");
  }
  char magic[6] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_error(ErrorCode::kIoError, path + ": cannot open file");
    in.read(magic, sizeof(magic));
  }
  if (std::string_view(magic, sizeof(magic)) == "\x93NUMPY") {
    if (proto_name != nullptr) proto_name->clear();
    return read_npy_file(path);
  }
  return read_tensor_file(path, proto_name);
}

std::vector<std::string> write_output_files(const std::string& dir,
                                            const std::vector<std::string>& names,
                                            const std::vector<Tensor>& outputs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw_error(ErrorCode::kIoError, dir + ": cannot create the output directory" +
                                         (ec ? " (" + ec.message() + ")" : std::string()));
  }
  std::vector<std::string> written;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string stem =
        (std::filesystem::path(dir) / ("output_" + std::to_string(k))).string();
    write_tensor_file(outputs[k], k < names.size() ? names[k] : std::string(), stem + ".pb");
    written.push_back(stem + ".pb");
    if (npy_supports(outputs[k].dtype())) {
      write_npy_file(outputs[k], stem + ".npy");
      written.push_back(stem + ".npy");
    }
  }
  return written;
}

}  // namespace aruntime::cli
