// The ONNX test layout: a case folder holds model.onnx and test_data_set_N/ folders of
// input_K.pb and output_K.pb files.
#pragma once

#include <string>
#include <vector>

namespace aruntime::cli {

struct TestDataSet {
  std::string dir;
  std::vector<std::string> inputs;   // input_0.pb, input_1.pb, ... in K order
  std::vector<std::string> outputs;  // output_0.pb, ...
};

struct TestCase {
  std::string name;  // the case folder's name
  std::string dir;
  std::string model_path;
};

// The cases under `dir`: `dir` itself when it holds model.onnx, else its sub-folders that do
// (one level down, sorted by name). Throws Error(kIoError) if `dir` is not a folder and
// Error(kInvalidArgument) if it holds no case at all.
std::vector<TestCase> discover_test_cases(const std::string& dir);

// The test_data_set_N folders of a case in N order. Throws Error(kInvalidArgument) when a data set
// skips a number (input_0.pb, input_2.pb) or has a stray file name with a non-numeric K.
std::vector<TestDataSet> list_data_sets(const TestCase& test_case);

}  // namespace aruntime::cli
