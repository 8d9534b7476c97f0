#include "protocol/protocol_expansion.hpp"

#include "protocol/dependency_graph.hpp"
#include "protocol/lag_feasibility.hpp"
#include "protocol/parameter_values.hpp"
#include "protocol/protocol_reader.hpp"
#include "protocol/step_timeout_json.hpp"
#include "protocol/substitution.hpp"

#include <cmath>
#include <set>

namespace foundry::protocol_detail {

namespace {

// Thrown to stop expanding once the run would be too large.
struct TooLarge {};

class Expander {
 public:
  Expander(const Protocol::Impl& protocol, DiagnosticSink& sink, RunSpec& run)
      : protocol_(protocol), sink_(sink), run_(run) {}

  void expand(const std::map<std::string, Json>& values) {
    for (const auto& [name, value] : values) bindings_.push(name, &value);
    try {
      expand_members(0);
    } catch (const TooLarge&) {
      return;
    }
    if (!sink_.empty()) return;
    check_duplicate_ids();
    link_dependencies();
  }

  const std::vector<std::vector<std::string>>& dependency_pointers() const { return dependency_pointers_; }

 private:
  // One expanded step: which declared step, in which iteration of each enclosing group.
  struct Instance {
    std::size_t decl = 0;
    std::vector<std::size_t> iteration;
    struct Lags {
      std::int64_t min = 0;
      std::optional<std::int64_t> max;
    };
    std::vector<Lags> lags;  // per declared dependency, evaluated in this iteration
  };

  void report(const std::string& pointer, const std::string& reason) {
    sink_.add(pointer, context_.empty() ? reason : reason + " (in " + context_ + ")");
  }

  void expand_members(std::size_t group) {
    for (const ItemRef& member : protocol_.groups[group].members) {
      if (member.is_group) expand_group(member.index);
      else instantiate(member.index);
    }
  }

  void expand_group(std::size_t g) {
    const GroupDecl& group = protocol_.groups[g];
    try {
      switch (group.repetition) {
        case Repetition::kOnce:
          enter(g, 0, nullptr);
          break;
        case Repetition::kForEach: {
          std::string at = pointer_append(pointer_append(group.pointer, "for_each"), "in");
          Json list = substitute(group.items, bindings_, at);
          if (!list.is_array()) {
            report(at, "'in' must give an array to repeat over, not " + describe_json_type(list));
            return;
          }
          for (std::size_t i = 0; i < list.size(); ++i) enter(g, i, &list[i]);
          break;
        }
        case Repetition::kRange: {
          std::string at = pointer_append(group.pointer, "repeat");
          auto from = integer(group.from, pointer_append(at, "from"));
          auto to = integer(group.to, pointer_append(at, "to"));
          if (!from || !to) return;
          if (*to >= *from && static_cast<std::uint64_t>(*to - *from) >= kMaxStepsPerRun) {
            report(at, "repeats " + std::to_string(*from) + ".." + std::to_string(*to) + ", more than " +
                           std::to_string(kMaxStepsPerRun) + " times");
            throw TooLarge{};
          }
          for (std::int64_t i = *from; i <= *to; ++i) {
            Json value = i;
            enter(g, static_cast<std::size_t>(i - *from), &value);
          }
          break;
        }
      }
    } catch (const SubstitutionError& e) {
      report(e.pointer(), e.what());
    }
  }

  // Expands one iteration of group `g`, with its loop variable bound to `value`.
  void enter(std::size_t g, std::size_t iteration, const Json* value) {
    const GroupDecl& group = protocol_.groups[g];
    if (value) bindings_.push(group.variable, value);
    std::string at = pointer_append(group.pointer, "group");
    std::string segment;
    bool failed = false;
    try {
      Json id = substitute(group.id, bindings_, at);
      if (id.is_string()) segment = id.get<std::string>();
      else if (id.is_number_integer()) segment = id.dump();
      else {
        report(at, "group id must be text or a whole number, not " + describe_json_type(id));
        failed = true;
      }
    } catch (const SubstitutionError& e) {
      report(e.pointer(), e.what());
      failed = true;
    }
    if (!failed && segment.empty()) {
      report(at, "group id is empty");
    } else if (segment.find('/') != std::string::npos) {
      report(at, "group id '" + segment + "' must not contain '/' (it separates group and step ids)");
      segment.clear();
    }
    if (!segment.empty()) {
      std::string outer = context_;
      context_ = context_.empty() ? segment : context_ + "/" + segment;
      iteration_.push_back(iteration);
      expand_members(g);
      iteration_.pop_back();
      context_ = outer;
    }
    if (value) bindings_.pop();
  }

  std::optional<std::int64_t> integer(const Json& raw, const std::string& at) {
    Json value = substitute(raw, bindings_, at);
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float() && std::nearbyint(value.get<double>()) == value.get<double>() &&
        std::fabs(value.get<double>()) < 1e15)
      return static_cast<std::int64_t>(value.get<double>());
    report(at, "must give a whole number, not " + (value.is_number() ? value.dump() : describe_json_type(value)));
    return std::nullopt;
  }

  // A duration or lag in whole seconds (decimals are rounded to the nearest second).
  std::optional<std::int64_t> seconds(const SecondsValue& value) {
    Json evaluated = substitute(value.raw, bindings_, value.pointer);
    if (evaluated.is_number_integer()) return evaluated.get<std::int64_t>();
    if (evaluated.is_number_float() && std::fabs(evaluated.get<double>()) < 1e15)
      return static_cast<std::int64_t>(std::llround(evaluated.get<double>()));
    report(value.pointer, "must give a number of seconds, not " +
                              (evaluated.is_number() ? evaluated.dump() : describe_json_type(evaluated)));
    return std::nullopt;
  }

  void instantiate(std::size_t s) {
    const StepDecl& decl = protocol_.steps[s];
    if (run_.steps.size() >= kMaxStepsPerRun) {
      report(decl.pointer, "the run would have more than " + std::to_string(kMaxStepsPerRun) + " steps");
      throw TooLarge{};
    }
    StepSpec step;
    Instance instance;
    instance.decl = s;
    instance.iteration = iteration_;
    step.id = context_.empty() ? decl.id : context_ + "/" + decl.id;
    step.operation = decl.operation;
    step.device_type = decl.device_type;
    step.on_error = decl.on_error.value_or(protocol_.default_on_error);
    std::size_t problems = sink_.size();
    try {
      if (Template::contains_expression(decl.device_type)) {
        Json type = substitute(Json(decl.device_type), bindings_, pointer_append(decl.pointer, "device_type"));
        if (!type.is_string()) report(pointer_append(decl.pointer, "device_type"), "must give text, not " + describe_json_type(type));
        else step.device_type = type.get<std::string>();
        if (type.is_string() && protocol_.capabilities) {
          bool type_missing = false;
          if (auto problem = capability_problem(*protocol_.capabilities, step.device_type, step.operation, &type_missing))
            report(pointer_append(decl.pointer, type_missing ? "device_type" : "operation"), *problem);
        }
      }
      step.parameters_json = substitute(decl.parameters, bindings_, pointer_append(decl.pointer, "parameters")).dump();
      if (auto duration = seconds(decl.duration)) {
        step.duration_s = *duration;
        if (auto problem = duration_problem(*duration)) report(decl.duration.pointer, *problem);
        // Fixed here, so a stored run keeps the timeout its protocol gave it.
        step.timeout_s = decl.timeout_s.value_or(protocol_.default_timeout.for_duration(*duration));
        // A literal duration was compared at load; one from an expression is known only now.
        if (decl.timeout_s && !decl.duration.raw.is_number())
          if (auto problem = timeout_problem(*decl.timeout_s, *duration))
            report(pointer_append(decl.pointer, "timeout_s"), *problem);
      }
      for (const DependencyDecl& dep : decl.after) {
        Instance::Lags lags;
        if (auto min = seconds(dep.min_lag)) {
          lags.min = *min;
          if (auto problem = lag_problem("min_lag", *min)) report(dep.min_lag.pointer, *problem);
        }
        if (dep.max_lag) {
          if (auto max = seconds(*dep.max_lag)) {
            lags.max = *max;
            if (auto problem = lag_problem("max_lag", *max)) report(dep.max_lag->pointer, *problem);
            else if (auto order = lag_order_problem(lags.min, *max)) report(dep.max_lag->pointer, *order);
          }
        }
        instance.lags.push_back(lags);
      }
    } catch (const SubstitutionError& e) {
      report(e.pointer(), e.what());
    }
    if (sink_.size() != problems) return;
    run_.steps.push_back(std::move(step));
    instances_.push_back(std::move(instance));
  }

  void check_duplicate_ids() {
    std::map<std::string, std::size_t> first;
    std::set<std::string> reported;
    for (std::size_t i = 0; i < run_.steps.size(); ++i) {
      auto [it, inserted] = first.emplace(run_.steps[i].id, i);
      if (inserted || !reported.insert(run_.steps[i].id).second) continue;
      const StepDecl& decl = protocol_.steps[instances_[i].decl];
      sink_.add(pointer_append(decl.pointer, "id"),
                "duplicate step id '" + run_.steps[i].id +
                    "' after expansion: two iterations give the same id (make each group id differ per iteration, "
                    "e.g. \"${design.id}\", and each design id unique)");
    }
  }

  // Turns each declared dependency into dependencies on the matching expanded steps: those in the
  // same iteration of the groups the two steps share (all iterations of the predecessor's deeper
  // groups: a fan-in).
  void link_dependencies() {
    std::map<std::pair<std::size_t, std::vector<std::size_t>>, std::vector<std::size_t>> by_iteration;
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      const auto& iteration = instances_[i].iteration;
      for (std::size_t depth = 0; depth <= iteration.size(); ++depth)
        by_iteration[{instances_[i].decl, {iteration.begin(), iteration.begin() + static_cast<std::ptrdiff_t>(depth)}}]
            .push_back(i);
    }
    dependency_pointers_.resize(run_.steps.size());
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      const Instance& instance = instances_[i];
      const StepDecl& decl = protocol_.steps[instance.decl];
      for (std::size_t d = 0; d < decl.after.size(); ++d) {
        const DependencyDecl& dep = decl.after[d];
        std::vector<std::size_t> shared(instance.iteration.begin(),
                                        instance.iteration.begin() + static_cast<std::ptrdiff_t>(dep.shared_depth));
        auto found = by_iteration.find({dep.target, shared});
        if (found == by_iteration.end()) continue;  // the predecessor's group repeats zero times here
        for (std::size_t pred : found->second) {
          run_.steps[i].after.push_back({run_.steps[pred].id, dep.from, instance.lags[d].min, instance.lags[d].max});
          dependency_pointers_[i].push_back(dep.pointer);
        }
      }
    }
  }

  const Protocol::Impl& protocol_;
  DiagnosticSink& sink_;
  RunSpec& run_;
  Bindings bindings_;
  std::string context_;  // ids of the enclosing group iterations, e.g. "d01/t3"
  std::vector<std::size_t> iteration_;
  std::vector<Instance> instances_;  // parallel to run_.steps
  std::vector<std::vector<std::string>> dependency_pointers_;
};

}  // namespace

RunSpec expand_protocol(const Protocol::Impl& protocol, const std::map<std::string, std::string>& values,
                        const std::string& run_id) {
  DiagnosticSink sink(protocol.origin);
  RunSpec run;
  run.run_id = run_id;
  run.protocol = protocol.name;
  std::map<std::string, Json> effective = resolve_parameter_values(protocol, values, sink);
  sink.throw_if_any();
  for (const auto& [name, value] : effective) run.parameters[name] = value.dump();

  Expander expander(protocol, sink, run);
  expander.expand(effective);
  sink.throw_if_any();
  check_lag_feasibility(run, expander.dependency_pointers(), sink);
  sink.throw_if_any();
  return run;
}

}  // namespace foundry::protocol_detail
