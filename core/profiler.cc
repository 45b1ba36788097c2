#include "core/profiler.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "aruntime/status.h"
#include "aruntime/value.h"
#include "core/json_escape.h"
#include "graph/ir.h"

namespace aruntime {
namespace {

using Clock = std::chrono::steady_clock;

// Session phases get a track of their own in the trace, apart from every thread that ran steps.
constexpr int64_t kPhaseThread = 0;

// Trace viewers show one row per tid; numbering threads 1, 2, ... in the order they first record
// keeps those rows few and readable (a std::thread::id hash is neither). Process-wide, so a thread
// keeps its number across sessions.
int64_t current_thread_number() {
  static std::atomic<int64_t> next{kPhaseThread + 1};
  thread_local const int64_t number = next.fetch_add(1);
  return number;
}

// Microseconds from `origin`, rounded to the nearest: truncating would turn every sub-microsecond
// step into 0 and bias sums of many short steps downwards.
double microseconds_between(Clock::time_point origin, Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(t - origin).count();
}

// "float32[1,3,224,224]" for a tensor, the value's type string for other kinds, "" for an input
// or output the node omits (index-aligned with the node's inputs/outputs).
std::string slot_type(const RunFrame& frame, int slot) {
  if (slot < 0) return "";
  const Value& value = frame.value(slot);
  if (!value.defined()) return "";
  return value.type_string();
}

std::string qualified_op_type(const Node& node) {
  return node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
}

void append_json_string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
}

// Microseconds with nanosecond resolution, as Chrome traces accept.
std::string format_us(double us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", us);
  return text;
}

// `shift_us` moves every event so that the earliest starts at 0 or later: the load phase begins
// before the profiler exists, and some viewers drop events at negative times.
void append_complete_event(std::string& out, const ProfileEvent& e, double shift_us) {
  out += "{\"ph\":\"X\",\"name\":";
  append_json_string(out, e.name);
  out += ",\"cat\":";
  append_json_string(out, e.category);
  out += ",\"ts\":" + format_us(e.start_us + shift_us) + ",\"dur\":" + format_us(e.duration_us) +
         ",\"pid\":1,\"tid\":" + std::to_string(e.thread) + ",\"args\":{";
  if (e.category == "node") {
    out += "\"op_type\":";
    append_json_string(out, e.op_type);
    out += ",\"provider\":";
    append_json_string(out, e.provider);
    out += ",\"input_shapes\":";
    append_json_string_array(out, e.input_shapes);
    out += ",\"output_shapes\":";
    append_json_string_array(out, e.output_shapes);
    out += ",\"run\":" + std::to_string(e.run);
  }
  out += "}}";
}

void append_thread_name(std::string& out, int64_t thread, const std::string& name) {
  out += "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":" + std::to_string(thread) +
         ",\"args\":{\"name\":";
  append_json_string(out, name);
  out += "}}";
}

}  // namespace

SessionProfiler::SessionProfiler(std::vector<std::string> provider_names)
    : provider_names_(std::move(provider_names)), origin_(Clock::now()) {}

void SessionProfiler::add_phase(const std::string& name, Clock::time_point start,
                                Clock::time_point end) {
  ProfileEvent e;
  e.name = name;
  e.category = "session";
  e.start_us = microseconds_between(origin_, start);
  e.duration_us = std::max(0.0, microseconds_between(start, end));
  e.thread = kPhaseThread;
  const std::lock_guard<std::mutex> lock(mutex_);
  events_.push_back(std::move(e));
}

int64_t SessionProfiler::begin_run() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return runs_++;
}

void SessionProfiler::record(const ExecutionStep& step, const RunFrame& frame,
                             Clock::time_point start, Clock::time_point end) {
  // Everything but the append happens outside the lock: steps of a parallel run record at once.
  ProfileEvent e;
  e.category = "node";
  if (step.node != nullptr) {
    e.name = step.node->name;
    e.op_type = qualified_op_type(*step.node);
  }
  if (step.provider >= 0 && static_cast<size_t>(step.provider) < provider_names_.size()) {
    e.provider = provider_names_[static_cast<size_t>(step.provider)];
  } else {
    e.provider = "copy";  // steps the plan inserts to move a value between device memories
  }
  e.input_shapes.reserve(step.inputs.size());
  for (const int slot : step.inputs) e.input_shapes.push_back(slot_type(frame, slot));
  e.output_shapes.reserve(step.outputs.size());
  for (const int slot : step.outputs) e.output_shapes.push_back(slot_type(frame, slot));
  e.start_us = microseconds_between(origin_, start);
  e.duration_us = std::max(0.0, microseconds_between(start, end));
  e.thread = current_thread_number();
  const std::lock_guard<std::mutex> lock(mutex_);
  // A run that did not say which it is (RunControl::profile_run) belongs to the latest one begun.
  e.run = frame.control().profile_run >= 0 ? frame.control().profile_run : std::max<int64_t>(0, runs_ - 1);
  events_.push_back(std::move(e));
}

std::vector<ProfileEvent> SessionProfiler::events() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

std::vector<OpTimeSummary> SessionProfiler::op_summary() const {
  std::map<std::pair<std::string, std::string>, OpTimeSummary> by_op;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const ProfileEvent& e : events_) {
      if (e.category != "node") continue;
      OpTimeSummary& s = by_op[{e.op_type, e.provider}];
      s.op_type = e.op_type;
      s.provider = e.provider;
      ++s.calls;
      s.total_us += static_cast<double>(e.duration_us);
    }
  }
  std::vector<OpTimeSummary> summary;
  summary.reserve(by_op.size());
  for (auto& [key, s] : by_op) summary.push_back(std::move(s));
  // Stable on the map's (op, provider) order, so equal totals list in a fixed order.
  std::stable_sort(
      summary.begin(), summary.end(),
      [](const OpTimeSummary& a, const OpTimeSummary& b) { return a.total_us > b.total_us; });
  return summary;
}

void SessionProfiler::write_chrome_trace(const std::string& path) const {
  const std::vector<ProfileEvent> all = events();
  std::string json = "{\"traceEvents\":[\n";
  bool first = true;
  auto separate = [&] {
    if (!first) json += ",\n";
    first = false;
  };
  std::set<int64_t> threads;
  double earliest_us = 0;
  for (const ProfileEvent& e : all) {
    threads.insert(e.thread);
    earliest_us = std::min(earliest_us, e.start_us);
  }
  threads.insert(kPhaseThread);
  separate();
  json +=
      "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"aruntime "
      "session\"}}";
  for (const int64_t thread : threads) {
    separate();
    append_thread_name(json, thread,
                       thread == kPhaseThread ? "session" : "thread " + std::to_string(thread));
  }
  for (const ProfileEvent& e : all) {
    separate();
    append_complete_event(json, e, -earliest_us);
  }
  json += "\n],\"displayTimeUnit\":\"ms\"}\n";

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw_error(ErrorCode::kIoError,
                "cannot open profile file '" + path + "' for writing: " + std::strerror(errno));
  }
  file.write(json.data(), static_cast<std::streamsize>(json.size()));
  file.close();
  if (!file) throw_error(ErrorCode::kIoError, "cannot write profile file '" + path + "'");
}

}  // namespace aruntime
