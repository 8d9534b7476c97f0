// A protocol: a reusable recipe of steps, loaded from JSON (format: protocols/protocol.schema.json).
#pragma once

#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/run_spec.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace foundry {

struct Workcell;

struct ParameterSpec {
  std::string name;
  std::string type;  // "string", "integer", "number", "boolean", "array", "object"
  std::optional<std::string> default_json;  // JSON text; none: the parameter is required
  std::string description;
};

class Protocol {
 public:
  const std::string& name() const;
  const std::string& version() const;
  const std::string& description() const;
  const std::vector<ParameterSpec>& parameters() const;
  const std::string& origin() const;  // file name used in diagnostics

  // Expands the protocol with parameter values (JSON text per name, e.g. "3", "\"A\"", "[...]").
  // Throws InputError (path + reason) for a missing, unknown or ill-typed parameter, and for time
  // lags that no schedule can satisfy once the durations are known. Also reported: expressions
  // that fail for these values (e.g. a design without an `id`), durations < 1 s, negative or
  // contradictory lags, and step ids that collide across iterations.
  // Step ids join the ids of the enclosing group iterations and the step: "d01/t3/sample".
  // RunSpec::priority, release_s and deadline_s are left at their defaults for the caller to set.
  RunSpec expand(const std::map<std::string, std::string>& values, const std::string& run_id) const;

  struct Impl;
  explicit Protocol(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;
};

// Loads and checks a protocol. Throws InputError listing every problem with its JSON path.
// With a workcell, every step's device type and operation must exist in it.
Protocol load_protocol(const std::filesystem::path& file, const Workcell* workcell = nullptr);
Protocol parse_protocol(const std::string& json_text, const std::string& origin,
                        const Workcell* workcell = nullptr);

}  // namespace foundry
