#include "tools/aruntime/test_layout.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "aruntime/status.h"

namespace aruntime::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModelFile = "model.onnx";

// N of "<prefix>N<suffix>" for a decimal N, or nullopt.
std::optional<long long> numbered(const std::string& name, const std::string& prefix,
                                  const std::string& suffix) {
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

// Files dir/<prefix>K.pb for K = 0, 1, ... ; a gap in K is an error.
std::vector<std::string> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::map<long long, std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (auto k = numbered(name, prefix, ".pb")) found[*k] = entry.path().string();
  }
  std::vector<std::string> files;
  for (const auto& [k, path] : found) {
    if (k != static_cast<long long>(files.size())) {
      throw_error(ErrorCode::kInvalidArgument,
                  dir.string() + ": " + prefix + std::to_string(files.size()) +
                      ".pb is missing (found " + prefix + std::to_string(k) + ".pb)");
    }
    files.push_back(path);
  }
  return files;
}

bool is_case_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kModelFile, ec);
}

// The folder's own name, also for "cases/", "." or "cases/..".
std::string folder_name(const fs::path& dir) {
  std::error_code ec;
  fs::path full = fs::absolute(dir, ec).lexically_normal();
  if (!full.has_filename()) full = full.parent_path();
  return full.filename().string();
}

TestCase make_case(const fs::path& dir) {
  return {folder_name(dir), dir.string(), (dir / kModelFile).string()};
}

}  // namespace

std::vector<TestCase> discover_test_cases(const std::string& dir) {
  std::error_code ec;
  const fs::path root(dir);
  if (!fs::is_directory(root, ec)) throw_error(ErrorCode::kIoError, dir + ": no such directory");
  if (is_case_dir(root)) return {make_case(root)};
  std::vector<fs::path> subdirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory(ec) && is_case_dir(entry.path())) subdirs.push_back(entry.path());
  }
  if (ec) throw_error(ErrorCode::kIoError, dir + ": cannot list directory (" + ec.message() + ")");
  if (subdirs.empty()) {
    throw_error(ErrorCode::kInvalidArgument,
                dir + ": no test case here (expected model.onnx in it or in its sub-folders)");
  }
  std::sort(subdirs.begin(), subdirs.end());
  std::vector<TestCase> cases;
  for (const fs::path& sub : subdirs) cases.push_back(make_case(sub));
  return cases;
}

std::vector<TestDataSet> list_data_sets(const TestCase& test_case) {
  std::map<long long, fs::path> sets;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(test_case.dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (auto n = numbered(entry.path().filename().string(), "test_data_set_", "")) {
      sets[*n] = entry.path();
    }
  }
  std::vector<TestDataSet> data_sets;
  for (const auto& [n, path] : sets) {
    data_sets.push_back(
        {path.string(), numbered_files(path, "input_"), numbered_files(path, "output_")});
  }
  return data_sets;
}

}  // namespace aruntime::cli
