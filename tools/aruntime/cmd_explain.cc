// aruntime explain: where each node would run with the given providers, and why — placement,
// every earlier provider's reason for declining, copies per device boundary, and per-provider
// shares of the estimated work. Creates the session (partitioning and planning) but never runs it.
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "graph/loader.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/json_text.h"
#include "tools/aruntime/session_setup.h"

namespace aruntime::cli {
namespace {

struct Boundary {
  int copies = 0;
  int64_t bytes = 0;
  bool bytes_unknown = false;
};

struct ProviderSummary {
  int nodes = 0;
  std::set<std::string> groups;
  double flops = 0;
};

struct Explanation {
  std::vector<std::string> providers;
  std::vector<NodePlacement> nodes;
  std::vector<CopyPlacement> copies;
  std::map<std::pair<std::string, std::string>, Boundary> boundaries;
  std::map<std::string, ProviderSummary> summary;
  double total_flops = 0;
  int nodes_without_estimate = 0;
};

Explanation explain(const Session& session) {
  Explanation e;
  e.providers = session.providers();
  e.nodes = session.placement();
  e.copies = session.copies();
  for (const CopyPlacement& c : e.copies) {
    Boundary& b = e.boundaries[{c.from, c.to}];
    ++b.copies;
    if (c.bytes < 0) {
      b.bytes_unknown = true;
    } else {
      b.bytes += c.bytes;
    }
  }
  for (const std::string& p : e.providers) e.summary[p];
  for (const NodePlacement& n : e.nodes) {
    ProviderSummary& s = e.summary[n.provider];
    ++s.nodes;
    if (!n.fused_group.empty()) s.groups.insert(n.fused_group);
    if (n.estimated_flops >= 0) {
      s.flops += n.estimated_flops;
      e.total_flops += n.estimated_flops;
    } else {
      ++e.nodes_without_estimate;
    }
  }
  return e;
}

std::string bytes_text(int64_t bytes, bool unknown) {
  char buf[48];
  if (bytes >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= (1 << 10)) {
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / (1 << 10));
  } else {
    std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  }
  return std::string(buf) + (unknown ? " + dynamic" : "");
}

std::string share_text(double part, double total) {
  if (total <= 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * part / total);
  return buf;
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

void print_text(const std::string& model, const Explanation& e) {
  std::cout << "model: " << model << "\n";
  std::cout << "providers: " << join_names(e.providers) << "\n\n";
  size_t name_width = 4, op_width = 2;
  for (const NodePlacement& n : e.nodes) {
    name_width = std::max(name_width, n.node_name.size());
    op_width = std::max(op_width, n.op_type.size());
  }
  name_width = std::min<size_t>(name_width, 48);
  std::cout << padded("NODE", name_width + 1) << padded("OP", op_width + 1) << padded("PROVIDER", 10)
            << "WHY NOT EARLIER PROVIDERS\n";
  for (const NodePlacement& n : e.nodes) {
    std::string where = n.provider + (n.fused_group.empty() ? "" : " [" + n.fused_group + "]");
    std::string why;
    for (const auto& [provider, reason] : n.declined) why += (why.empty() ? "" : "; ") + provider + ": " + reason;
    std::cout << padded(n.node_name, name_width + 1) << padded(n.op_type, op_width + 1) << padded(where, 10)
              << why << "\n";
  }
  std::cout << "\ncopies per run:";
  if (e.boundaries.empty()) std::cout << " none";
  std::cout << "\n";
  for (const auto& [edge, b] : e.boundaries) {
    std::cout << "  " << padded(edge.first + " -> " + edge.second, 20) << b.copies << (b.copies == 1 ? " copy, " : " copies, ")
              << bytes_text(b.bytes, b.bytes_unknown) << "\n";
  }
  std::cout << "\nper provider:\n";
  for (const std::string& p : e.providers) {
    const ProviderSummary& s = e.summary.at(p);
    std::cout << "  " << padded(p, 8) << s.nodes << " node(s)";
    if (!s.groups.empty()) std::cout << " in " << s.groups.size() << " fused group(s)";
    std::cout << ", " << share_text(s.flops, e.total_flops) << " of estimated FLOPs\n";
  }
  if (e.nodes_without_estimate > 0) {
    std::cout << "  (" << e.nodes_without_estimate << " node(s) have no FLOP estimate: shapes not static)\n";
  }
}

void print_json(const std::string& model, const Explanation& e) {
  std::string out = "{\"model\":" + json_string(model) + ",\"providers\":" + json_string_array(e.providers);
  out += ",\"nodes\":[";
  for (size_t i = 0; i < e.nodes.size(); ++i) {
    const NodePlacement& n = e.nodes[i];
    out += std::string(i ? "," : "") + "{\"name\":" + json_string(n.node_name) + ",\"op_type\":" + json_string(n.op_type) +
           ",\"domain\":" + json_string(n.domain) + ",\"provider\":" + json_string(n.provider) +
           ",\"fused_group\":" + (n.fused_group.empty() ? "null" : json_string(n.fused_group)) +
           ",\"estimated_flops\":" + (n.estimated_flops < 0 ? "null" : json_number(n.estimated_flops)) + ",\"declined\":[";
    for (size_t k = 0; k < n.declined.size(); ++k) {
      out += std::string(k ? "," : "") + "{\"provider\":" + json_string(n.declined[k].first) +
             ",\"reason\":" + json_string(n.declined[k].second) + "}";
    }
    out += "]}";
  }
  out += "],\"copies\":[";
  for (size_t i = 0; i < e.copies.size(); ++i) {
    const CopyPlacement& c = e.copies[i];
    out += std::string(i ? "," : "") + "{\"value\":" + json_string(c.value) + ",\"from\":" + json_string(c.from) +
           ",\"to\":" + json_string(c.to) + ",\"bytes\":" + (c.bytes < 0 ? "null" : json_number(static_cast<double>(c.bytes))) + "}";
  }
  out += "],\"boundaries\":[";
  bool first = true;
  for (const auto& [edge, b] : e.boundaries) {
    out += std::string(first ? "" : ",") + "{\"from\":" + json_string(edge.first) + ",\"to\":" + json_string(edge.second) +
           ",\"copies\":" + std::to_string(b.copies) + ",\"bytes\":" + std::to_string(b.bytes) +
           ",\"bytes_complete\":" + (b.bytes_unknown ? "false" : "true") + "}";
    first = false;
  }
  out += "],\"summary\":[";
  for (size_t i = 0; i < e.providers.size(); ++i) {
    const ProviderSummary& s = e.summary.at(e.providers[i]);
    out += std::string(i ? "," : "") + "{\"provider\":" + json_string(e.providers[i]) + ",\"nodes\":" +
           std::to_string(s.nodes) + ",\"fused_groups\":" + std::to_string(s.groups.size()) + ",\"estimated_flops\":" +
           json_number(s.flops) + ",\"flops_share\":" +
           (e.total_flops > 0 ? json_number(s.flops / e.total_flops) : std::string("null")) + "}";
  }
  out += "]}";
  std::cout << out << "\n";
}

std::string dot_id(const std::string& text) {
  std::string id = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') id += '\\';
    id += c;
  }
  return id + "\"";
}

void print_dot(const std::string& model_path, const Explanation& e) {
  static const char* kColours[] = {"#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69"};
  std::map<std::string, std::string> colour;
  for (size_t i = 0; i < e.providers.size(); ++i) colour[e.providers[i]] = kColours[i % 6];
  // The graph's edges come from the model itself: producer -> consumer per value.
  const Model model = load_model(model_path);
  std::map<std::string, std::string> producer;
  for (const Node& n : model.graph->nodes) {
    for (const auto& o : n.outputs) producer[o] = n.name;
  }
  std::cout << "digraph placement {\n  rankdir=TB;\n  node [shape=box, style=filled];\n";
  for (const NodePlacement& n : e.nodes) {
    std::cout << "  " << dot_id(n.node_name) << " [label=" << dot_id(n.op_type + "\\n" + n.node_name) << ", fillcolor=\""
              << colour[n.provider] << "\", tooltip=" << dot_id(n.provider) << "];\n";
  }
  // Nodes the placement has that the file lacks (expanded function bodies) keep their colour
  // but get no edges; every model node has its producer edges.
  for (const Node& n : model.graph->nodes) {
    for (const auto& in : n.inputs) {
      auto it = producer.find(in);
      if (!in.empty() && it != producer.end()) std::cout << "  " << dot_id(it->second) << " -> " << dot_id(n.name) << ";\n";
    }
  }
  std::cout << "  subgraph cluster_legend {\n    label=\"providers\";\n";
  for (const std::string& p : e.providers) {
    std::cout << "    " << dot_id("legend_" + p) << " [label=" << dot_id(p) << ", fillcolor=\"" << colour[p] << "\"];\n";
  }
  std::cout << "  }\n}\n";
}

}  // namespace

int explain_command(const std::vector<std::string>& args) {
  const ExplainArgs explain_args = parse_explain_args(args);
  if (explain_args.help) {
    std::cout << explain_help();
    return 0;
  }
  const Environment env = make_environment(explain_args.verbosity);
  const Session session(env, explain_args.model, make_session_options(explain_args.session));
  const Explanation e = explain(session);
  if (explain_args.json) {
    print_json(explain_args.model, e);
  } else if (explain_args.dot) {
    print_dot(explain_args.model, e);
  } else {
    print_text(explain_args.model, e);
  }
  return 0;
}

}  // namespace aruntime::cli
