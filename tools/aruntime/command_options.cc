#include "tools/aruntime/command_options.h"

#include <limits>

#include "tools/aruntime/cli_args.h"
#include "tools/aruntime/cli_error.h"

namespace aruntime::cli {
namespace {

constexpr int64_t kMaxThreads = 4096;
constexpr int64_t kMaxWarmup = 1'000'000;
constexpr int64_t kMaxIterations = 10'000'000;

const OptionSpec kVerbose{"--verbose", "", "show the runtime's log on stderr (twice: debug detail)",
                          true, "-v"};
const OptionSpec kProviders{"--providers", "LIST",
                            "execution providers in order of preference, comma-separated "
                            "(e.g. cpu); cpu is appended as the fallback"};
const OptionSpec kThreads{"--threads", "N",
                          "the session's thread budget, shared by kernels' parallel loops and "
                          "parallel branches (default 0: one per core)"};
const OptionSpec kInterOpThreads{"--inter-op-threads", "N",
                                 "nodes that may run at once: 1 = sequential executor (default), "
                                 "more = parallel executor running independent branches within "
                                 "the thread budget, 0 = as many as the budget"};
const OptionSpec kMaxActivationBytes{"--max-activation-bytes", "BYTES",
                                     "fail when the planned intermediate-value memory exceeds "
                                     "BYTES (suffixes K, M, G: KiB, MiB, GiB; default: no cap)"};
const OptionSpec kNoMemoryPlan{"--no-memory-plan", "",
                               "allocate every intermediate value from the arena as the run needs "
                               "it instead of laying them out in a planned block (docs/memory.md)"};
const OptionSpec kProfile{"--profile", "FILE",
                          "write a Chrome trace JSON of session phases and every node of every "
                          "run to FILE (chrome://tracing, Perfetto)"};
const OptionSpec kDim{"--dim", "NAME=VALUE",
                      "value of a symbolic input dimension (unset symbolic or unknown dims are 1)",
                      true};
const OptionSpec kInput{"--input", "NAME=FILE",
                        "feed input NAME from a TensorProto .pb or a numpy .npy file; inputs "
                        "not given get seeded random data",
                        true};
const OptionSpec kSeed{"--seed", "S", "seed of the random input data (default 0)"};
const OptionSpec kAssign{"--assign", "NODE_OR_OP=EP",
                         "pin a node (by name) or every node of an op type to a provider, which "
                         "must take it",
                         true};
const OptionSpec kNoFallback{"--no-fallback", "",
                             "do not append cpu as the fallback: fail listing every node the "
                             "given providers do not take"};
const OptionSpec kProviderOption{"--provider-option", "EP:KEY=VALUE",
                                 "a provider setting, e.g. npu:precision=int8 (see providers/npu/README.md)",
                                 true};
const OptionSpec kMinDeviceGroup{"--min-device-group", "N",
                                 "device claims of fewer connected nodes stay on the host (default 1)"};
const OptionSpec kMinFlopsPerByte{"--min-flops-per-byte", "X",
                                  "device claims doing fewer estimated FLOPs per byte copied across "
                                  "their boundary stay on the host (default 4; 0: off)"};

const OptionSpec kOptLevel{"--opt-level", "N",
                           "graph optimizer level: 0 off, 1 basic, 2 extended, 3 provider-aware (default 3; "
                           "docs/optimizer.md)"};
const OptionSpec kDisablePass{"--disable-pass", "NAME", "skip the optimizer pass NAME", true};

// Options of every command that creates a session, after its own.
std::vector<OptionSpec> with_session_options(std::vector<OptionSpec> specs) {
  for (const OptionSpec* spec : {&kProviders, &kThreads, &kInterOpThreads, &kMaxActivationBytes,
                                 &kNoMemoryPlan, &kAssign, &kNoFallback, &kProviderOption,
                                 &kMinDeviceGroup, &kMinFlopsPerByte, &kOptLevel, &kDisablePass}) {
    bool present = false;
    for (const OptionSpec& s : specs) present = present || s.name == spec->name;
    if (!present) specs.push_back(*spec);
  }
  specs.push_back(kVerbose);
  return specs;
}

const std::vector<OptionSpec>& run_specs() {
  static const std::vector<OptionSpec> specs = with_session_options(
      {kInput,
       {"--output-dir", "DIR", "write each output to DIR/output_K.pb (and output_K.npy)"},
       kDim,
       kSeed,
       kProfile});
  return specs;
}

const std::vector<OptionSpec>& test_specs() {
  static const std::vector<OptionSpec> specs = with_session_options({
      {"--rtol", "R", "relative tolerance for floating-point outputs (default 1e-3)"},
      {"--atol", "A", "absolute tolerance for floating-point outputs (default 1e-7)"}});
  return specs;
}

const std::vector<OptionSpec>& bench_specs() {
  static const std::vector<OptionSpec> specs = with_session_options(
      {kInput,
       kDim,
       kSeed,
       {"--warmup", "N", "untimed runs after the first run (default 5)"},
       {"--iterations", "N", "timed runs (default 50)"},
       {"--json", "", "print one JSON object instead of text"},
       {"--per-op", "",
        "profile the runs and list the 15 op types (per provider) taking the most time"},
       kProfile});
  return specs;
}

const std::vector<OptionSpec>& inspect_specs() {
  static const std::vector<OptionSpec> specs = with_session_options(
      {kDim,
       {"--memory", "",
        "show the memory plan instead: per device memory the planned activation peak, weights, "
        "the no-reuse total and the values alive at the peak"}});
  return specs;
}

const std::vector<OptionSpec>& explain_specs() {
  static const std::vector<OptionSpec> specs = with_session_options(
      {kDim,
       {"--json", "", "print one JSON object instead of text"},
       {"--dot", "", "print a Graphviz graph with nodes coloured by provider"}});
  return specs;
}

const std::vector<OptionSpec>& compare_specs() {
  static const std::vector<OptionSpec> specs = with_session_options(
      {kInput,
       kDim,
       kSeed,
       {"--against", "LIST", "providers of the reference placement (default cpu)"},
       {"--rtol", "R", "relative tolerance (default 1e-3)"},
       {"--atol", "A", "absolute tolerance (default 1e-4)"},
       {"--json", "", "print one JSON object instead of text"}});
  return specs;
}

const std::vector<OptionSpec>& providers_specs() {
  static const std::vector<OptionSpec> specs = {kVerbose};
  return specs;
}

const std::vector<OptionSpec>& optimize_specs() {
  static const std::vector<OptionSpec> specs = {
      {"--opt-level", "N",
       "optimizer level: 0 off, 1 basic, 2 extended, 3 provider-aware (default 3; level 3 "
       "runs after partitioning in a session, so the file gets levels 1-2)"},
      kDisablePass,
      {"--external-data", "",
       "store large initializers in OUT.data next to OUT instead of inside it"},
      {"--external-threshold", "BYTES",
       "with --external-data: initializers of at least BYTES go to the data file (default 1024)"},
      kVerbose};
  return specs;
}

// "4096", "64K", "1.5M", "2GiB": a byte count, the suffixes binary (K = 1024).
uint64_t parse_byte_count(std::string_view text, std::string_view option) {
  static const std::pair<std::string_view, uint64_t> kSuffixes[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
      {"K", 1ull << 10},   {"M", 1ull << 20},   {"G", 1ull << 30}};
  for (const auto& [suffix, scale] : kSuffixes) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      const std::string_view number = text.substr(0, text.size() - suffix.size());
      const double value = parse_double(number, option, 0);
      const double bytes = value * static_cast<double>(scale);
      if (bytes >= 18446744073709551615.0) {
        throw UsageError("option " + std::string(option) + ": " + std::string(text) +
                         " is too large");
      }
      return static_cast<uint64_t>(bytes);
    }
  }
  return parse_uint64(text, option);
}

void read_common(const ParsedArgs& parsed, CommonArgs& common) {
  common.help = parsed.has("--help");
  common.verbosity = static_cast<int>(parsed.count(kVerbose.name));
}

void read_session(const ParsedArgs& parsed, SessionArgs& session) {
  if (parsed.has(kProviders.name)) {
    session.providers = parse_list(parsed.value_or(kProviders.name, ""), kProviders.name);
  }
  if (parsed.has(kThreads.name)) {
    session.threads = static_cast<int>(
        parse_int(parsed.value_or(kThreads.name, ""), kThreads.name, 0, kMaxThreads));
  }
  for (const std::string& text : parsed.values(kAssign.name)) {
    auto [key, provider] = split_name_value(text, kAssign.name, kAssign.value_name);
    if (!session.assignments.emplace(key, provider).second) {
      throw UsageError("option --assign: '" + key + "' is assigned more than once");
    }
  }
  session.no_fallback = parsed.has(kNoFallback.name);
  for (const std::string& text : parsed.values(kProviderOption.name)) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw UsageError("option --provider-option: expected EP:KEY=VALUE, got '" + text + "'");
    }
    auto [key, value] = split_name_value(text.substr(colon + 1), kProviderOption.name, "KEY=VALUE");
    if (!session.provider_options[text.substr(0, colon)].emplace(key, value).second) {
      throw UsageError("option --provider-option: '" + text.substr(0, colon) + ":" + key + "' is given more than once");
    }
  }
  if (parsed.has(kMinDeviceGroup.name)) {
    session.min_device_group = static_cast<int>(
        parse_int(parsed.value_or(kMinDeviceGroup.name, ""), kMinDeviceGroup.name, 1, 1 << 30));
  }
  if (parsed.has(kMinFlopsPerByte.name)) {
    session.min_flops_per_byte = parse_double(parsed.value_or(kMinFlopsPerByte.name, ""), kMinFlopsPerByte.name, 0);
  }
  if (parsed.has(kOptLevel.name)) {
    session.opt_level = static_cast<int>(parse_int(parsed.value_or(kOptLevel.name, ""), kOptLevel.name, 0, 3));
  }
  session.disabled_passes = parsed.values(kDisablePass.name);
  if (parsed.has(kInterOpThreads.name)) {
    session.inter_op_threads = static_cast<int>(
        parse_int(parsed.value_or(kInterOpThreads.name, ""), kInterOpThreads.name, 0, kMaxThreads));
  }
  if (parsed.has(kMaxActivationBytes.name)) {
    session.max_activation_bytes =
        parse_byte_count(parsed.value_or(kMaxActivationBytes.name, ""), kMaxActivationBytes.name);
  }
  session.no_memory_plan = parsed.has(kNoMemoryPlan.name);
  if (parsed.has(kProfile.name)) {
    session.profile_file = parsed.value_or(kProfile.name, "");
    if (session.profile_file.empty()) throw UsageError("option --profile: the file name is empty");
  }
  for (const std::string& text : parsed.values(kDim.name)) {
    auto [name, value] = split_name_value(text, kDim.name, kDim.value_name);
    const int64_t dim =
        parse_int(value, kDim.name + " " + name, 0, std::numeric_limits<int64_t>::max());
    if (!session.dims.emplace(name, dim).second) {
      throw UsageError("option --dim: dimension '" + name + "' is given more than once");
    }
  }
}

std::vector<InputFileArg> read_inputs(const ParsedArgs& parsed) {
  std::vector<InputFileArg> inputs;
  for (const std::string& text : parsed.values(kInput.name)) {
    auto [name, path] = split_name_value(text, kInput.name, kInput.value_name);
    for (const InputFileArg& earlier : inputs) {
      if (earlier.name == name) {
        throw UsageError("option --input: input '" + name + "' is given more than once");
      }
    }
    inputs.push_back({name, path});
  }
  return inputs;
}

uint64_t read_seed(const ParsedArgs& parsed) {
  return parsed.has(kSeed.name) ? parse_uint64(parsed.value_or(kSeed.name, ""), kSeed.name) : 0;
}

// Requires exactly one positional argument, named `what` in the error.
std::string single_positional(const ParsedArgs& parsed, std::string_view command,
                              std::string_view what) {
  if (parsed.positionals.empty()) {
    throw UsageError("'aruntime " + std::string(command) + "' needs a " + std::string(what) +
                     " argument (see 'aruntime " + std::string(command) + " --help')");
  }
  if (parsed.positionals.size() > 1) {
    throw UsageError("unexpected argument '" + parsed.positionals[1] + "' for 'aruntime " +
                     std::string(command) + "' (see 'aruntime " + std::string(command) +
                     " --help')");
  }
  return parsed.positionals[0];
}

std::string help_text(std::string_view usage, std::string_view description,
                      const std::vector<OptionSpec>& specs) {
  return "Usage: " + std::string(usage) + "\n\n" + std::string(description) + "\n\n" +
         format_options(specs);
}

}  // namespace

RunArgs parse_run_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, run_specs(), "run");
  RunArgs run;
  read_common(parsed, run);
  if (run.help) return run;
  run.model = single_positional(parsed, "run", "MODEL");
  run.inputs = read_inputs(parsed);
  run.output_dir = parsed.value_or("--output-dir", "");
  run.seed = read_seed(parsed);
  read_session(parsed, run.session);
  return run;
}

TestArgs parse_test_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, test_specs(), "test");
  TestArgs test;
  read_common(parsed, test);
  if (test.help) return test;
  if (parsed.positionals.empty()) {
    throw UsageError(
        "'aruntime test' needs at least one DIR argument (see 'aruntime test --help')");
  }
  test.dirs = parsed.positionals;
  if (parsed.has("--rtol")) test.rtol = parse_double(parsed.value_or("--rtol", ""), "--rtol", 0);
  if (parsed.has("--atol")) test.atol = parse_double(parsed.value_or("--atol", ""), "--atol", 0);
  read_session(parsed, test.session);
  return test;
}

BenchArgs parse_bench_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, bench_specs(), "bench");
  BenchArgs bench;
  read_common(parsed, bench);
  if (bench.help) return bench;
  bench.model = single_positional(parsed, "bench", "MODEL");
  bench.inputs = read_inputs(parsed);
  bench.seed = read_seed(parsed);
  if (parsed.has("--warmup")) {
    bench.warmup =
        static_cast<int>(parse_int(parsed.value_or("--warmup", ""), "--warmup", 0, kMaxWarmup));
  }
  if (parsed.has("--iterations")) {
    bench.iterations = static_cast<int>(
        parse_int(parsed.value_or("--iterations", ""), "--iterations", 1, kMaxIterations));
  }
  bench.json = parsed.has("--json");
  bench.per_op = parsed.has("--per-op");
  read_session(parsed, bench.session);
  return bench;
}

InspectArgs parse_inspect_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, inspect_specs(), "inspect");
  InspectArgs inspect;
  read_common(parsed, inspect);
  if (inspect.help) return inspect;
  inspect.model = single_positional(parsed, "inspect", "MODEL");
  inspect.memory = parsed.has("--memory");
  read_session(parsed, inspect.session);
  return inspect;
}

ExplainArgs parse_explain_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, explain_specs(), "explain");
  ExplainArgs explain;
  read_common(parsed, explain);
  if (explain.help) return explain;
  explain.model = single_positional(parsed, "explain", "MODEL");
  explain.json = parsed.has("--json");
  explain.dot = parsed.has("--dot");
  if (explain.json && explain.dot) throw UsageError("options --json and --dot exclude each other");
  read_session(parsed, explain.session);
  return explain;
}

CompareArgs parse_compare_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, compare_specs(), "compare");
  CompareArgs compare;
  read_common(parsed, compare);
  if (compare.help) return compare;
  compare.model = single_positional(parsed, "compare", "MODEL");
  compare.inputs = read_inputs(parsed);
  compare.seed = read_seed(parsed);
  if (parsed.has("--against")) compare.against = parse_list(parsed.value_or("--against", ""), "--against");
  if (parsed.has("--rtol")) compare.rtol = parse_double(parsed.value_or("--rtol", ""), "--rtol", 0);
  if (parsed.has("--atol")) compare.atol = parse_double(parsed.value_or("--atol", ""), "--atol", 0);
  compare.json = parsed.has("--json");
  read_session(parsed, compare.session);
  return compare;
}

ProvidersArgs parse_providers_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, providers_specs(), "providers");
  ProvidersArgs providers;
  read_common(parsed, providers);
  if (!providers.help && !parsed.positionals.empty()) {
    throw UsageError("unexpected argument '" + parsed.positionals[0] +
                     "' for 'aruntime providers' (it takes none)");
  }
  return providers;
}

OptimizeArgs parse_optimize_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, optimize_specs(), "optimize");
  OptimizeArgs optimize;
  read_common(parsed, optimize);
  if (optimize.help) return optimize;
  if (parsed.positionals.size() < 2) {
    throw UsageError("'aruntime optimize' needs IN and OUT arguments (see 'aruntime optimize --help')");
  }
  if (parsed.positionals.size() > 2) {
    throw UsageError("unexpected argument '" + parsed.positionals[2] +
                     "' for 'aruntime optimize' (see 'aruntime optimize --help')");
  }
  optimize.model = parsed.positionals[0];
  optimize.output = parsed.positionals[1];
  if (parsed.has(kOptLevel.name)) {
    optimize.opt_level =
        static_cast<int>(parse_int(parsed.value_or(kOptLevel.name, ""), kOptLevel.name, 0, 3));
  }
  optimize.disabled_passes = parsed.values(kDisablePass.name);
  optimize.external_data = parsed.has("--external-data");
  if (parsed.has("--external-threshold")) {
    if (!optimize.external_data) {
      throw UsageError("option --external-threshold needs --external-data");
    }
    optimize.external_threshold =
        parse_uint64(parsed.value_or("--external-threshold", ""), "--external-threshold");
  }
  return optimize;
}

std::string run_help() {
  return help_text(
      "aruntime run MODEL [options]",
      "Runs MODEL once and prints each output's name, element type, shape, first values and\n"
      "min/max/mean. Inputs not given with --input are filled with random data of the declared\n"
      "type and shape (seeded, so runs repeat): floats uniform in [-1, 1], integers in [0, 10),\n"
      "bools and short strings at random. Symbolic or unknown dimensions are 1 unless --dim\n"
      "sets them. --profile writes a Chrome trace of the session and the run.",
      run_specs());
}

std::string test_help() {
  return help_text(
      "aruntime test DIR... [options]",
      "Runs test cases in the ONNX test layout: a case folder holds model.onnx and\n"
      "test_data_set_N/ folders with input_K.pb and output_K.pb. Each DIR is a case folder or a\n"
      "folder of case folders. Prints 'PASS name', 'FAIL name: ...' or 'ERROR name: ...' per case\n"
      "and ends with 'N passed, N failed'. Floating-point outputs match when\n"
      "|actual - expected| <= atol + rtol * |expected| (NaN matches NaN); integer, bool and\n"
      "string outputs must match exactly. Exits 0 only when every case passed.",
      test_specs());
}

std::string bench_help() {
  return help_text(
      "aruntime bench MODEL [options]",
      "Measures session creation (load), the first run, then --iterations timed runs after\n"
      "--warmup untimed ones, and prints min/median/mean/p90/p99/max latency in milliseconds,\n"
      "then the executor, the planned activation peak and weights (see 'aruntime inspect\n"
      "--memory'), the process's peak resident memory and how runs used the plan and the arena.\n"
      "--per-op profiles the runs and lists the op types that took the most time. Inputs are\n"
      "filled as in 'aruntime run'.",
      bench_specs());
}

std::string inspect_help() {
  return help_text(
      "aruntime inspect MODEL [options]",
      "Prints the model's IR version, producer, opsets, inputs and outputs (symbolic dimensions\n"
      "by name), an operator histogram, its initializers, and which provider runs each node\n"
      "(with the reasons earlier providers declined it). With --memory it prints the memory plan\n"
      "instead: per device memory the planned activation peak, the weights, what every value in\n"
      "its own buffer would take, the node at the peak and the largest values alive there. Sizes\n"
      "that depend on the inputs are planned at run time; --dim fixes them up front.",
      inspect_specs());
}

std::string explain_help() {
  return help_text(
      "aruntime explain MODEL [options]",
      "Shows where each node would run with the given providers, without running the model:\n"
      "for every node the provider that took it (and its fused group), and for each provider\n"
      "ahead of it in the list the reason it declined (op or type not supported, dynamic shape,\n"
      "attribute value, group too small, copy cost, memory budget, pinned elsewhere...); the\n"
      "copies per run at each device boundary with their bytes; and per provider its nodes and\n"
      "share of the estimated FLOPs. --json prints the same as one object, --dot as a Graphviz\n"
      "graph coloured by provider.",
      explain_specs());
}

std::string compare_help() {
  return help_text(
      "aruntime compare MODEL --providers LIST [options]",
      "Runs MODEL on the placement --providers gives and on the reference placement (--against,\n"
      "default cpu) with the same inputs, compares every intermediate value both produce, and\n"
      "prints per node the max absolute and relative error in execution order, flagging the\n"
      "first node out of tolerance (|a - r| > atol + rtol * |r|). Values inside a provider's\n"
      "fused group are not produced separately and are compared at the group's outputs. Exits 1\n"
      "when any graph output is out of tolerance.",
      compare_specs());
}

std::string providers_help() {
  return help_text("aruntime providers",
                   "Lists the execution providers built into this binary and whether each one's "
                   "device is present.",
                   providers_specs());
}

std::string optimize_help() {
  return help_text(
      "aruntime optimize IN OUT [options]",
      "Loads IN, infers types and shapes and runs the graph optimizer as a session would, then\n"
      "writes the result to OUT (another file than IN), with the inferred types of intermediate\n"
      "values as value_info. Level 1 rewrites give a model any ONNX runtime loads. Prints the\n"
      "node count before and after, each pass's rewrite count and the operator histogram\n"
      "before and after (subgraph nodes included).",
      optimize_specs());
}

std::string main_help() {
  return "Usage: aruntime COMMAND [options]\n"
         "\n"
         "Commands:\n"
         "  run        run a model once on given or random inputs and print its outputs\n"
         "  test       check models against expected outputs in the ONNX test layout\n"
         "  bench      measure load time and run latency\n"
         "  inspect    show a model's structure and where each node runs\n"
         "  explain    show where each node runs with given providers, and why\n"
         "  compare    find the first node whose values differ between two placements\n"
         "  providers  list the execution providers in this build\n"
         "  optimize   save a model rewritten by the graph optimizer\n"
         "\n"
         "'aruntime COMMAND --help' (or 'aruntime help COMMAND') describes a command.\n"
         "Errors are one line on stderr starting with 'aruntime: error: '; the exit status is 1\n"
         "when a model, file or run fails and 2 when the command line is wrong.\n";
}

}  // namespace aruntime::cli
