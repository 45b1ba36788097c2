// aruntime optimize: runs type and shape inference and the graph optimizer the way a session does,
// and saves the result, so the rewrites are done once instead of at every load and other runtimes
// (level 1 output is plain ONNX) can run the optimized graph.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "core/constant_evaluator.h"
#include "graph/loader.h"
#include "graph/model_writer.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tools/aruntime/cli_error.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/operator_counts.h"
#include "tools/aruntime/session_setup.h"

namespace aruntime::cli {
namespace {

namespace fs = std::filesystem;

// Overwriting the input while it is the only copy of the model would lose it if anything failed
// halfway; the same file may also hide behind another spelling or a link.
void refuse_same_file(const std::string& in, const std::string& out) {
  std::error_code ec;
  const bool same_spelling =
      fs::absolute(in, ec).lexically_normal() == fs::absolute(out, ec).lexically_normal();
  if (same_spelling || fs::equivalent(in, out, ec)) {
    throw UsageError("OUT '" + out +
                     "' is the input model IN; write the optimized model to another file");
  }
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string right_aligned(int64_t value, size_t width) {
  const std::string text = std::to_string(value);
  return text.size() >= width ? " " + text : std::string(width - text.size(), ' ') + text;
}

void print_report(const OptimizeArgs& args, const optimizer::OptimizerOptions& options,
                  const optimizer::OptimizationReport& report, const OperatorCounts& before,
                  const OperatorCounts& after, const ModelWriteResult& written) {
  std::cout << "model: " << args.model << "\n";
  std::cout << "optimizer level " << args.opt_level;
  if (args.opt_level == 0) std::cout << " (off)";
  if (args.opt_level == 3)
    std::cout << " (layout passes run at session time; the file gets levels 1-2)";
  std::cout << "\n";
  std::cout << "nodes: " << report.nodes_before << " -> " << report.nodes_after;
  if (before.in_subgraphs > 0 || after.in_subgraphs > 0) {
    std::cout << " (+" << before.in_subgraphs << " -> " << after.in_subgraphs << " in subgraphs)";
  }
  std::cout << "\n";

  size_t pass_width = 4;
  for (const auto& pass : optimizer::builtin_passes())
    pass_width = std::max(pass_width, pass->name().size());
  std::cout << "passes:" << (args.opt_level == 0 ? " none\n" : "\n");
  for (const auto& pass : optimizer::builtin_passes()) {
    if (static_cast<int>(pass->level()) > args.opt_level) continue;
    std::cout << "  " << padded(pass->name(), pass_width + 1) << "level "
              << static_cast<int>(pass->level()) << "  ";
    if (options.disabled.count(pass->name())) {
      std::cout << "disabled\n";
      continue;
    }
    const auto ran =
        std::find_if(report.passes.begin(), report.passes.end(),
                     [&](const optimizer::PassCount& p) { return p.pass == pass->name(); });
    // A pass the manager did not run (a level it runs only in sessions) has no count.
    if (ran == report.passes.end() || pass->level() > optimizer::Level::kExtended) {
      std::cout << "runs at session time\n";
    } else {
      std::cout << ran->rewrites << " rewrite(s)\n";
    }
  }

  std::set<std::string> ops;
  size_t op_width = 2;
  for (const auto* counts : {&before, &after}) {
    for (const auto& [op, n] : counts->by_op) {
      ops.insert(op);
      op_width = std::max(op_width, op.size());
    }
  }
  std::cout << "operators:\n  " << padded("op", op_width + 1) << "before  after\n";
  for (const std::string& op : ops) {
    const auto count = [&](const OperatorCounts& c) {
      auto it = c.by_op.find(op);
      return it == c.by_op.end() ? int64_t{0} : it->second;
    };
    std::cout << "  " << padded(op, op_width + 1) << right_aligned(count(before), 6)
              << right_aligned(count(after), 7) << "\n";
  }

  std::cout << "wrote " << args.output << " (" << written.model_bytes << " bytes)";
  if (!written.external_path.empty()) {
    std::cout << " and " << written.external_path << " (" << written.external_bytes << " bytes, "
              << written.external_tensors << " initializer(s))";
  } else if (args.external_data) {
    std::cout << "; no initializer has " << args.external_threshold
              << " bytes or more, so there is no external data file";
  }
  std::cout << "\n";
}

}  // namespace

int optimize_command(const std::vector<std::string>& args) {
  const OptimizeArgs optimize_args = parse_optimize_args(args);
  if (optimize_args.help) {
    std::cout << optimize_help();
    return 0;
  }
  refuse_same_file(optimize_args.model, optimize_args.output);
  make_environment(optimize_args.verbosity);  // log level and protobuf's messages; no session here
  Model model = load_model(optimize_args.model);
  // The same preparation as a session's, so the passes see the types and shapes they rely on.
  infer_types(*model.graph);
  try {
    infer_shapes(*model.graph);
  } catch (const Error& e) {
    throw Error(e.code(), model.origin + ": " + e.what());
  }
  const OperatorCounts before = count_operators(*model.graph);
  optimizer::OptimizerOptions options;
  options.level = static_cast<optimizer::Level>(optimize_args.opt_level);
  options.disabled.insert(optimize_args.disabled_passes.begin(),
                          optimize_args.disabled_passes.end());
  // Constant folding runs nodes through the CPU kernels, as a default session's does: the file
  // is not tied to a provider, and every session falls back to the CPU provider anyway.
  const CpuExecutionProvider cpu;
  const ProviderNodeEvaluator evaluator({&cpu});
  options.evaluator = &evaluator;
  const optimizer::OptimizationReport report = optimizer::optimize(model, options);
  const OperatorCounts after = count_operators(*model.graph);

  ModelWriteOptions write_options;
  write_options.external_data = optimize_args.external_data;
  write_options.external_threshold_bytes = optimize_args.external_threshold;
  const ModelWriteResult written = write_model(model, optimize_args.output, write_options);
  print_report(optimize_args, options, report, before, after, written);
  return 0;
}

}  // namespace aruntime::cli
