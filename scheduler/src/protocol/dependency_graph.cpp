#include "protocol/dependency_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace foundry::protocol_detail {

namespace {
std::string step_label(const Protocol::Impl& protocol, std::size_t step) {
  return "'" + protocol.steps[step].id + "' (" + protocol.steps[step].pointer + ")";
}
}  // namespace

void resolve_dependencies(Protocol::Impl& protocol, DiagnosticSink& sink) {
  // For each group, the steps in it or in groups nested in it, by id.
  std::vector<std::multimap<std::string, std::size_t>> reachable(protocol.groups.size());
  for (std::size_t s = 0; s < protocol.steps.size(); ++s)
    for (std::size_t g = protocol.steps[s].group; g != kNone; g = protocol.groups[g].parent)
      reachable[g].emplace(protocol.steps[s].id, s);

  for (auto& step : protocol.steps) {
    for (auto& dep : step.after) {
      if (dep.step.empty()) continue;
      bool ambiguous = false;
      for (std::size_t g = step.group; g != kNone && dep.target == kNone && !ambiguous; g = protocol.groups[g].parent) {
        auto [first, last] = reachable[g].equal_range(dep.step);
        if (first == last) continue;
        if (std::next(first) == last) {
          dep.target = first->second;
          dep.shared_depth = protocol.groups[g].depth;
          continue;
        }
        ambiguous = true;
        std::string where;
        for (auto it = first; it != last; ++it) where += (where.empty() ? "" : " and ") + protocol.steps[it->second].pointer;
        sink.add(dep.step_pointer,
                 "step '" + dep.step + "' is ambiguous here: it matches the steps at " + where + " (give them different ids)");
      }
      if (dep.target == kNone && !ambiguous)
        sink.add(dep.step_pointer,
                 "unknown step '" + dep.step + "': no step with this id in this group or any enclosing group");
    }
  }
}

void check_dependency_cycles(const Protocol::Impl& protocol, DiagnosticSink& sink) {
  // Depth-first search over "step -> its predecessors"; a predecessor still on the stack closes a
  // cycle. Iterative, so a long chain cannot exhaust the call stack.
  enum class Mark { kNew, kOnStack, kDone };
  std::vector<Mark> mark(protocol.steps.size(), Mark::kNew);
  std::set<std::set<std::size_t>> reported;
  struct Frame {
    std::size_t step;
    std::size_t next_dep;
  };
  for (std::size_t root = 0; root < protocol.steps.size(); ++root) {
    if (mark[root] != Mark::kNew) continue;
    std::vector<Frame> stack{{root, 0}};
    mark[root] = Mark::kOnStack;
    while (!stack.empty()) {
      Frame& frame = stack.back();
      const auto& deps = protocol.steps[frame.step].after;
      if (frame.next_dep == deps.size()) {
        mark[frame.step] = Mark::kDone;
        stack.pop_back();
        continue;
      }
      const DependencyDecl& dep = deps[frame.next_dep++];
      if (dep.target == kNone) continue;
      if (mark[dep.target] == Mark::kNew) {
        mark[dep.target] = Mark::kOnStack;
        stack.push_back({dep.target, 0});
        continue;
      }
      if (mark[dep.target] != Mark::kOnStack) continue;
      // The stack from dep.target to here is the cycle, each step waiting for the next one;
      // print it in the order the steps would have to run (predecessor first).
      auto begin = std::find_if(stack.begin(), stack.end(), [&](const Frame& f) { return f.step == dep.target; });
      std::set<std::size_t> members;
      std::vector<std::size_t> order;
      for (auto it = begin; it != stack.end(); ++it) {
        members.insert(it->step);
        order.push_back(it->step);
      }
      if (!reported.insert(members).second) continue;
      std::string text;
      for (auto it = order.rbegin(); it != order.rend(); ++it) text += "'" + protocol.steps[*it].id + "' -> ";
      text += "'" + protocol.steps[order.back()].id + "'";
      sink.add(dep.step_pointer,
               order.size() == 1 ? "step " + step_label(protocol, dep.target) + " depends on itself"
                                 : "dependency cycle: " + text + " (each step waits for the one before it)");
    }
  }
}

std::optional<std::string> capability_problem(const Capabilities& capabilities, const std::string& type,
                                              const std::string& operation, bool* type_missing) {
  auto it = capabilities.find(type);
  if (type_missing) *type_missing = it == capabilities.end();
  if (it == capabilities.end()) {
    std::string types;
    for (const auto& [t, ops] : capabilities) types += (types.empty() ? "" : ", ") + t;
    return "unknown device type '" + type + "': the workcell has no such device (it has: " + types + ")";
  }
  if (!it->second.count(operation)) {
    std::string ops;
    for (const auto& op : it->second) ops += (ops.empty() ? "" : ", ") + op;
    return "no " + type + " in the workcell offers operation '" + operation + "' (they offer: " + ops + ")";
  }
  return std::nullopt;
}

void check_capabilities(const Protocol::Impl& protocol, const Capabilities& capabilities, DiagnosticSink& sink) {
  for (const auto& step : protocol.steps) {
    if (step.device_type.empty() || step.operation.empty() || Template::contains_expression(step.device_type)) continue;
    bool type_missing = false;
    if (auto problem = capability_problem(capabilities, step.device_type, step.operation, &type_missing))
      sink.add(pointer_append(step.pointer, type_missing ? "device_type" : "operation"), *problem);
  }
}

}  // namespace foundry::protocol_detail
