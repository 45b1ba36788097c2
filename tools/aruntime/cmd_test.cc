// aruntime test: runs ONNX-layout test cases and checks outputs against the expected ones.
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

#include "graph/tensor_proto.h"
#include "tools/aruntime/cli_error.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/compare.h"
#include "tools/aruntime/session_setup.h"
#include "tools/aruntime/test_layout.h"

namespace aruntime::cli {
namespace {

enum class Verdict { kPass, kFail, kError, kSkip };

struct CaseResult {
  Verdict verdict = Verdict::kPass;
  std::string message;
};

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// Which of `values` file number `k` feeds: the one its proto name names, else the k-th.
// `taken` marks values already matched, so two files never land on the same value.
size_t match_value(const std::vector<ValueMetadata>& values, const std::string& proto_name,
                   size_t k, std::vector<bool>& taken, const std::string& path,
                   const std::string& kind) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!proto_name.empty() && values[i].name == proto_name) {
      if (taken[i]) {
        throw_error(ErrorCode::kInvalidArgument, file_name(path) + " feeds " + kind + " '" +
                                                     proto_name + "', which an earlier file feeds");
      }
      taken[i] = true;
      return i;
    }
  }
  if (k >= values.size() || taken[k]) {
    std::string names;
    for (const ValueMetadata& v : values) names += (names.empty() ? "" : ", ") + v.name;
    throw_error(ErrorCode::kInvalidArgument,
                file_name(path) + (proto_name.empty() ? "" : " ('" + proto_name + "')") +
                    " matches no model " + kind + " by name or position (model " + kind +
                    "s: " + (names.empty() ? "none" : names) + ")");
  }
  taken[k] = true;
  return k;
}

// The ONNX test data stores bfloat16 tensors as UINT16 (same bits); read them as the model's type.
Tensor as_declared_type(Tensor tensor, DataType declared) {
  if (declared != DataType::kBFloat16 || tensor.dtype() != DataType::kUInt16) return tensor;
  Tensor converted(DataType::kBFloat16, tensor.shape());
  std::memcpy(converted.raw_data(), tensor.raw_data(), tensor.byte_size());
  return converted;
}

Value read_declared(const std::string& path, const ValueMetadata& declared, std::string* proto_name) {
  Value v = read_value_file(path, declared.kind, declared.dtype, proto_name);
  if (v.is_tensor()) return Value(as_declared_type(std::move(v.tensor()), declared.dtype));
  return v;
}

std::string key_text(const Tensor& keys, int64_t i) {
  return keys.dtype() == DataType::kString ? "\"" + keys.data<std::string>()[i] + "\""
                                           : std::to_string(keys.data<int64_t>()[i]);
}

// "" when two maps hold the same keys (in any order) with values within tolerance, else why not.
std::string compare_maps(const std::string& name, const Value& expected, const Value& actual,
                         const Tolerance& tolerance) {
  const Tensor& expected_keys = expected.map_keys();
  const Tensor& actual_keys = actual.map_keys();
  if (expected.key_type() != actual.key_type() ||
      expected.element_type() != actual.element_type() ||
      expected_keys.num_elements() != actual_keys.num_elements()) {
    return "output '" + name + "' is a " + actual.type_string() + ", expected a " +
           expected.type_string();
  }
  std::map<std::string, int64_t> actual_index;
  for (int64_t i = 0; i < actual_keys.num_elements(); ++i)
    actual_index[key_text(actual_keys, i)] = i;
  // The actual values in the order of the expected keys, so the values compare as tensors.
  const Tensor& actual_values = actual.map_values();
  Tensor aligned(actual_values.dtype(), Shape{actual_values.num_elements()});
  const size_t esize = element_size(actual_values.dtype());
  for (int64_t k = 0; k < expected_keys.num_elements(); ++k) {
    auto it = actual_index.find(key_text(expected_keys, k));
    if (it == actual_index.end()) {
      return "output '" + name + "' lacks key " + key_text(expected_keys, k) + " (it is a " +
             actual.type_string() + ")";
    }
    if (actual_values.dtype() == DataType::kString) {
      aligned.data<std::string>()[k] = actual_values.data<std::string>()[it->second];
    } else {
      std::memcpy(static_cast<char*>(aligned.raw_data()) + k * esize,
                  static_cast<const char*>(actual_values.raw_data()) + it->second * esize, esize);
    }
  }
  Comparison c = compare_tensors(name, expected.map_values(), aligned, tolerance);
  if (c.ok()) return "";
  if (c.worst_index.size() == 1)
    c.message += " (index " + std::to_string(c.worst_index[0]) + " is key " +
                 key_text(expected_keys, c.worst_index[0]) + ")";
  return c.message;
}

// "" when `actual` matches `expected`, else why not. Sequences compare element by element,
// optionals by presence and then content, maps key by key.
std::string compare_values(const std::string& name, const Value& expected, const Value& actual,
                           const Tolerance& tolerance) {
  // onnx.numpy_helper.from_list writes an empty list as an empty sequence of tensors, whatever the
  // model's sequence holds: two empty sequences match.
  auto empty_sequence = [](const Value& v) {
    return v.kind() == ValueKind::kSequence &&
           (v.element_kind() == ValueKind::kMap ? v.maps().empty() : v.elements().empty());
  };
  if (empty_sequence(expected) && empty_sequence(actual)) return "";
  if (expected.kind() != actual.kind() || (expected.kind() == ValueKind::kSequence &&
                                           expected.element_kind() != actual.element_kind())) {
    return "output '" + name + "' is a " + actual.type_string() + ", expected a " + expected.type_string();
  }
  switch (expected.kind()) {
    case ValueKind::kTensor: {
      Comparison c = compare_tensors(name, expected.tensor(), actual.tensor(), tolerance);
      return c.ok() ? "" : c.message;
    }
    case ValueKind::kMap:
      return compare_maps(name, expected, actual, tolerance);
    case ValueKind::kSequence: {
      if (expected.element_kind() == ValueKind::kMap) {
        if (expected.maps().size() != actual.maps().size()) {
          return "output '" + name + "' has " + std::to_string(actual.maps().size()) +
                 " maps, expected " + std::to_string(expected.maps().size());
        }
        for (size_t i = 0; i < expected.maps().size(); ++i) {
          std::string m = compare_maps(name + "[" + std::to_string(i) + "]", expected.maps()[i],
                                       actual.maps()[i], tolerance);
          if (!m.empty()) return m;
        }
        return "";
      }
      if (expected.elements().size() != actual.elements().size()) {
        return "output '" + name + "' has " + std::to_string(actual.elements().size()) + " elements, expected " +
               std::to_string(expected.elements().size());
      }
      for (size_t i = 0; i < expected.elements().size(); ++i) {
        Comparison c = compare_tensors(name + "[" + std::to_string(i) + "]", expected.elements()[i],
                                       actual.elements()[i], tolerance);
        if (!c.ok()) return c.message;
      }
      return "";
    }
    case ValueKind::kOptional:
      if (expected.has_element() != actual.has_element()) {
        return "output '" + name + "' is " + actual.type_string() + ", expected " + expected.type_string();
      }
      return expected.has_element() ? compare_values(name, expected.element(), actual.element(), tolerance) : "";
    default:
      return "output '" + name + "': cannot compare " + std::string(value_kind_name(expected.kind())) + " values";
  }
}

// What a data file is read as when it matches no declared value by position.
const ValueMetadata kPlainTensor{};

// Runs one data set; returns "" when every output matches, else the failure message.
std::string check_data_set(const Session& session, const TestDataSet& data_set,
                           const Tolerance& tolerance) {
  std::map<std::string, Value> feeds;
  std::vector<bool> input_taken(session.inputs().size(), false);
  for (size_t k = 0; k < data_set.inputs.size(); ++k) {
    // The file's kind follows the model input it feeds: match by position first to pick the
    // reader, then by the proto's name.
    const ValueMetadata& guess = k < session.inputs().size() ? session.inputs()[k] : kPlainTensor;
    std::string proto_name;
    Value value = read_declared(data_set.inputs[k], guess, &proto_name);
    const size_t i =
        match_value(session.inputs(), proto_name, k, input_taken, data_set.inputs[k], "input");
    if (i != k && session.inputs()[i].kind != guess.kind) {
      value = read_declared(data_set.inputs[k], session.inputs()[i], &proto_name);
    }
    feeds[session.inputs()[i].name] = std::move(value);
  }

  std::vector<std::string> output_names;
  std::vector<Value> expected;
  std::vector<bool> output_taken(session.outputs().size(), false);
  for (size_t k = 0; k < data_set.outputs.size(); ++k) {
    const ValueMetadata& guess = k < session.outputs().size() ? session.outputs()[k] : kPlainTensor;
    std::string proto_name;
    Value value = read_declared(data_set.outputs[k], guess, &proto_name);
    const size_t i =
        match_value(session.outputs(), proto_name, k, output_taken, data_set.outputs[k], "output");
    if (i != k && session.outputs()[i].kind != guess.kind) {
      value = read_declared(data_set.outputs[k], session.outputs()[i], &proto_name);
    }
    expected.push_back(std::move(value));
    output_names.push_back(session.outputs()[i].name);
  }
  if (expected.empty()) {
    throw_error(ErrorCode::kInvalidArgument, data_set.dir + " has no output_0.pb");
  }

  const std::vector<Value> actual = session.run_values(feeds, output_names);
  std::string first_failure;
  size_t failures = 0;
  for (size_t k = 0; k < expected.size(); ++k) {
    std::string message = compare_values(output_names[k], expected[k], actual[k], tolerance);
    if (message.empty()) continue;
    if (failures++ == 0) first_failure = message;
  }
  if (failures > 1) first_failure += " (and " + std::to_string(failures - 1) + " more outputs)";
  return first_failure;
}

CaseResult run_case(const Environment& env, const TestCase& test_case, const TestArgs& args) {
  try {
    const std::vector<TestDataSet> data_sets = list_data_sets(test_case);
    if (data_sets.empty()) return {Verdict::kSkip, "no test_data_set_* folder"};
    const Session session(env, test_case.model_path, make_session_options(args.session));
    for (const TestDataSet& data_set : data_sets) {
      std::string failure = check_data_set(session, data_set, {args.rtol, args.atol});
      if (failure.empty()) continue;
      if (data_sets.size() > 1) failure += " [" + file_name(data_set.dir) + "]";
      return {Verdict::kFail, failure};
    }
    return {Verdict::kPass, ""};
  } catch (const std::bad_alloc&) {
    return {Verdict::kError, "out of memory"};
  } catch (const std::exception& e) {
    return {Verdict::kError, e.what()};
  }
}

// A message on one line, so each case stays one line of output.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

int test_command(const std::vector<std::string>& args) {
  const TestArgs test = parse_test_args(args);
  if (test.help) {
    std::cout << test_help();
    return 0;
  }
  const Environment env = make_environment(test.verbosity);
  std::vector<TestCase> cases;
  for (const std::string& dir : test.dirs) {
    for (TestCase& c : discover_test_cases(dir)) cases.push_back(std::move(c));
  }
  int passed = 0, failed = 0, skipped = 0;
  for (const TestCase& test_case : cases) {
    const CaseResult result = run_case(env, test_case, test);
    switch (result.verdict) {
      case Verdict::kPass:
        ++passed;
        std::cout << "PASS " << test_case.name << std::endl;
        break;
      case Verdict::kFail:
        ++failed;
        std::cout << "FAIL " << test_case.name << ": " << one_line(result.message) << std::endl;
        break;
      case Verdict::kError:
        ++failed;
        std::cout << "ERROR " << test_case.name << ": " << one_line(result.message) << std::endl;
        break;
      case Verdict::kSkip:
        ++skipped;
        std::cout << "SKIP " << test_case.name << ": " << one_line(result.message) << std::endl;
        break;
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (skipped > 0) std::cout << ", " << skipped << " skipped";
  std::cout << std::endl;
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace aruntime::cli
