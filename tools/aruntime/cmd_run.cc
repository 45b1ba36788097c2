// aruntime run: one run on given or generated inputs, outputs summarised (and optionally saved).
#include <chrono>
#include <iostream>

#include "tools/aruntime/commands.h"
#include "tools/aruntime/feeds.h"
#include "tools/aruntime/session_reports.h"
#include "tools/aruntime/session_setup.h"
#include "tools/aruntime/tensor_files.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime::cli {

int run_command(const std::vector<std::string>& args) {
  const RunArgs run = parse_run_args(args);
  if (run.help) {
    std::cout << run_help();
    return 0;
  }
  const Environment env = make_environment(run.verbosity);
  Session session(env, run.model, make_session_options(run.session));
  check_dim_names(session, run.session.dims);
  const PreparedFeeds feeds = prepare_feeds(session, run.inputs, run.session.dims, run.seed);

  const auto start = std::chrono::steady_clock::now();
  const std::vector<Value> outputs = session.run_values(feeds.values);
  const double run_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::string> names;
  for (const ValueMetadata& output : session.outputs()) names.push_back(output.name);
  std::cout << "model: " << run.model << "\n";
  std::cout << "providers: " << join_names(session.providers()) << "\n";
  std::cout << "inputs:\n";
  for (const std::string& line : feeds.descriptions) std::cout << "  " << line << "\n";
  std::cout << "outputs:\n";
  for (size_t k = 0; k < outputs.size(); ++k) {
    std::cout << "  " << value_summary(k < names.size() ? names[k] : "#" + std::to_string(k), outputs[k])
              << "\n";
  }
  std::cout << "run time: " << number_text(run_ms) << " ms\n";
  if (!run.output_dir.empty()) {
    std::vector<Tensor> tensors;
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (!outputs[k].is_tensor()) {
        throw_error(ErrorCode::kNotImplemented, "--output-dir: output '" + names[k] + "' is a " +
                                                    outputs[k].type_string() + "; only tensor outputs can be written");
      }
      tensors.push_back(outputs[k].tensor());
    }
    for (const std::string& path : write_output_files(run.output_dir, names, tensors)) {
      std::cout << "wrote " << path << "\n";
    }
  }
  finish_profiling(session);
  return 0;
}

}  // namespace aruntime::cli
