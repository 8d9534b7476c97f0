// The loaded form of a protocol (Protocol::Impl): the document checked and organised as a tree of
// groups and steps, with templates parsed and dependencies resolved, ready to expand.
#pragma once

#include <foundry/protocol/protocol.hpp>

#include "protocol/expression.hpp"
#include "protocol/json_document.hpp"
#include "protocol/step_timeout_json.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace foundry::protocol_detail {

inline constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// A parameter with what the JSON Schema knows about it beyond ParameterSpec.
struct ParameterDecl {
  ParameterSpec spec;
  std::optional<Json> default_value;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::string pointer;  // "/parameters/<name>"
};

// A number of seconds as written: an integer, or a string with "${...}" ("${i*3600 - 900}").
struct SecondsValue {
  Json raw;
  std::string pointer;
};

struct DependencyDecl {
  std::string step;  // id as written
  Anchor from = Anchor::kEnd;
  SecondsValue min_lag;                 // literal 0 when absent
  std::optional<SecondsValue> max_lag;  // absent: unbounded
  std::string pointer;                  // "/steps/0/steps/3/after/1"
  std::string step_pointer;             // where the predecessor's id is written
  // Set by resolution: the predecessor step, and how many enclosing groups it shares with the
  // dependent step (their iterations must match there; deeper groups of the predecessor fan in).
  std::size_t target = kNone;
  std::size_t shared_depth = 0;
};

struct StepDecl {
  std::string id;
  std::string operation;
  std::string device_type;  // may hold "${...}": then checked against the workcell at expansion
  Json parameters = Json::object();
  SecondsValue duration;
  std::vector<DependencyDecl> after;
  std::optional<ErrorPolicy> on_error;  // absent: the protocol's default
  std::optional<double> timeout_s;      // absent: the protocol's TimeoutDefaults
  std::string pointer;
  std::size_t group = 0;  // enclosing group (0: the protocol itself)
};

// One entry of a `steps` array: a step or a nested group.
struct ItemRef {
  bool is_group = false;
  std::size_t index = 0;
};

enum class Repetition { kOnce, kForEach, kRange };

struct GroupDecl {
  // Values as written; strings may hold "${...}" and are substituted per iteration.
  Json id;  // the iteration's id segment (a string); null only for the root
  Repetition repetition = Repetition::kOnce;
  std::string variable;  // loop variable (kForEach, kRange)
  Json items;            // kForEach: an array, or a string evaluating to one
  Json from, to;         // kRange: inclusive integer bounds
  std::vector<ItemRef> members;
  std::size_t parent = kNone;
  std::size_t depth = 0;  // groups above it, root = 0
  std::string pointer;
};

// device type -> operations offered, copied from the workcell given at load.
using Capabilities = std::map<std::string, std::set<std::string>>;

}  // namespace foundry::protocol_detail

namespace foundry {

struct Protocol::Impl {
  std::string origin;
  std::string name;
  std::string version;
  std::string description;
  std::vector<ParameterSpec> parameter_specs;
  std::vector<protocol_detail::ParameterDecl> parameters;
  std::vector<protocol_detail::GroupDecl> groups;  // [0] is the protocol's own `steps`
  std::vector<protocol_detail::StepDecl> steps;
  ErrorPolicy default_on_error;  // "defaults": {"on_error": ...}; built in: hold
  protocol_detail::TimeoutDefaults default_timeout;  // "defaults": {"timeout_factor", "timeout_margin_s"}
  std::optional<protocol_detail::Capabilities> capabilities;
};

}  // namespace foundry
