// The conformance kit's checks. Each check adds one line to the report; a check that cannot run
// because an earlier one failed is "skipped" with the reason, so one fault is reported once.
#include <foundry/engine/conformance.hpp>

#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_session.hpp>
#include <foundry/engine/plugin_library.hpp>

#include "engine/conformance_command.hpp"
#include "engine/conformance_parameters.hpp"
#include "engine/conformance_schema.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace foundry::engine {
namespace {

using conformance::CommandLimits;
using conformance::CommandRun;
using nlohmann::json;

// A fixed virtual start time keeps reports (and seeded simulations) reproducible.
constexpr double kVirtualStart = 1'700'000'000.0;
// The cancel check asks to cancel this far into the command (by its earlier, uncancelled run).
constexpr double kCancelFraction = 0.3;
// A finish this soon after the cancel request counts as "too late to cancel", not "ignored".
double cancel_grace_s(double duration_s) { return std::max(1.0, 0.1 * duration_s); }
// Commands without a usable duration model may take this long before they count as hung.
constexpr double kUndeclaredLimit = 7 * 86400.0;

// 123.5, 8.5, 0.25, 6.0: milliseconds for small values, one decimal for large ones, no noise.
std::string number(double value) {
  std::ostringstream out;
  out.precision(std::fabs(value) < 10 ? 3 : 1);
  out << std::fixed << value;
  std::string text = out.str();
  while (text.size() > 2 && text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
  return text;
}

std::string seconds(double value) { return number(value) + " s"; }

std::string clip(const std::string& text, std::size_t limit = 160) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

std::string kind_name(int kind) {
  switch (kind) {
    case FOUNDRY_ERROR_VALIDATION: return "validation";
    case FOUNDRY_ERROR_EXECUTION: return "execution";
    case FOUNDRY_ERROR_UNEXPECTED: return "unexpected";
    case FOUNDRY_ERROR_CONNECTION: return "connection";
    default: return "kind " + std::to_string(kind) + " (not a foundry_error_kind)";
  }
}

std::string failure_text(const CommandOutcome& outcome) {
  return kind_name(outcome.error_kind) + " error: " + (outcome.message.empty() ? "(no message)" : outcome.message);
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

bool contains_word(const std::string& text, const std::string& word) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(word) != std::string::npos;
}

// Routes the engine's log (where DriverSession sends what drivers log) into the report while the
// kit runs, so a vendor sees it next to the checks and --json output stays one JSON document.
class DriverLogCapture {
 public:
  explicit DriverLogCapture(std::vector<std::string>& lines)
      : lines_(lines), previous_(spdlog::default_logger()),
        sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kKeep)) {
    sink_->set_pattern("%l: %v");
    auto logger = std::make_shared<spdlog::logger>("conformance", sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~DriverLogCapture() {
    for (auto& line : sink_->last_formatted()) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      lines_.push_back(std::move(line));
    }
    spdlog::set_default_logger(previous_);
  }
  DriverLogCapture(const DriverLogCapture&) = delete;
  DriverLogCapture& operator=(const DriverLogCapture&) = delete;

 private:
  static constexpr std::size_t kKeep = 200;
  std::vector<std::string>& lines_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

struct DurationModel {
  double nominal = 0, min = 0, max = 0;
};

// What the kit learned about one operation, from its description and from running it.
struct Operation {
  std::string name;
  json parameters_schema;  // null when unusable
  json result_schema;      // null when unusable
  std::optional<DurationModel> duration;
  conformance::ExampleParameters example;
  std::set<std::string> declared_errors;  // ids of the operation's "errors"
  std::string command_id;
  CommandRun run;
  bool completed() const { return run.outcome && run.outcome->ok; }
};

class ModelChecker {
 public:
  ModelChecker(ConformanceReport& report, std::shared_ptr<PluginLibrary> library, const json& model,
               const ConformanceOptions& options)
      : report_(report), library_(std::move(library)), model_(model), options_(options),
        name_(model.value("model", std::string())) {}

  void run() {
    check_model_description();
    for (const auto& op : model_["operations"]) operations_.push_back(check_operation_description(op));
    clock_ = make_virtual_clock(kVirtualStart);
    try {
      if (options_.isolated) {
        DriverHostOptions host = options_.driver_host;
        host.plugin = report_.file;
        session_ = std::make_unique<DriverSession>(host, name_, report_.settings_json, *clock_);
      } else {
        session_ = std::make_unique<DriverSession>(library_, name_, report_.settings_json, *clock_);
      }
    } catch (const PluginError& e) {
      add("", "create", CheckStatus::failed, e.reason());
      return;  // nothing else can run without an instance
    }
    add("", "create", CheckStatus::passed, "settings " + report_.settings_json);
    for (auto& op : operations_) run_operation(op);
    check_state_finished();
    check_state_unknown();
    check_validation_error();
    check_cancel();
    session_.reset();  // destroy the instance while the clock it uses is still alive
  }

 private:
  void add(const std::string& operation, const std::string& check, CheckStatus status, std::string detail) {
    report_.checks.push_back({name_, operation, check, status, std::move(detail)});
  }

  void check_model_description() {
    std::vector<std::string> problems;
    auto text = [&](const char* key) {
      auto it = model_.find(key);
      if (it == model_.end() || !it->is_string() || it->get<std::string>().empty())
        problems.push_back(std::string("\"") + key + "\" must be a non-empty string");
    };
    text("model");
    text("device_type");
    if (auto it = model_.find("units"); it == model_.end() || !it->is_number_integer() || it->get<long long>() < 1)
      problems.push_back("\"units\" must be an integer >= 1 (how many vessels, slots... the device runs at once)");
    std::set<std::string> names;
    if (model_["operations"].empty()) problems.push_back("\"operations\" is empty");
    for (const auto& op : model_["operations"]) {
      const std::string name = op.value("name", std::string());
      if (!names.insert(name).second) problems.push_back("operation '" + name + "' is described twice");
    }
    if (problems.empty())
      add("", "description", CheckStatus::passed,
          model_["device_type"].get<std::string>() + ", " + std::to_string(model_["units"].get<long long>()) +
              " unit(s), " + std::to_string(names.size()) + " operation(s)");
    else
      add("", "description", CheckStatus::failed, join(problems, "; "));
  }

  Operation check_operation_description(const json& op) {
    Operation result;
    result.name = op.value("name", std::string());
    result.command_id = "conformance-" + name_ + "-" + result.name;
    std::vector<std::string> problems;
    std::set<std::string> unverified;

    if (!op.contains("idempotent") || !op["idempotent"].is_boolean())
      problems.push_back("\"idempotent\" must be true or false (is re-running it with the same key safe?)");

    auto schema = [&](const char* key) -> json {
      auto it = op.find(key);
      if (it == op.end()) {
        problems.push_back(std::string("\"") + key + "\" (a JSON Schema) is missing");
        return nullptr;
      }
      auto found = conformance::schema_problems(*it, key);
      if (!it->is_object() || it->value("type", json()) != json("object"))
        found.push_back(std::string(key) + ": must be an object schema (\"type\": \"object\")");
      if (!found.empty()) {
        problems.insert(problems.end(), found.begin(), found.end());
        return nullptr;
      }
      auto more = conformance::unverified_keywords(*it);
      unverified.insert(more.begin(), more.end());
      return *it;
    };
    result.parameters_schema = schema("parameters");
    result.result_schema = schema("result");

    auto duration = op.find("duration_s");
    if (duration == op.end() || !duration->is_object()) {
      problems.push_back("\"duration_s\" must be an object {\"nominal\", \"min\", \"max\"} in seconds");
    } else {
      auto field = [&](const char* key) -> std::optional<double> {
        auto it = duration->find(key);
        if (it == duration->end() || !it->is_number()) {
          problems.push_back(std::string("duration_s.") + key + ": must be a number of seconds");
          return std::nullopt;
        }
        return it->get<double>();
      };
      auto nominal = field("nominal"), min = field("min"), max = field("max");
      if (nominal && min && max) {
        if (!(*min >= 0 && *min <= *nominal && *nominal <= *max))
          problems.push_back("duration_s: needs 0 <= min <= nominal <= max (is " + number(*min) + ", " + number(*nominal) +
                             ", " + number(*max) + ")");
        else
          result.duration = DurationModel{*nominal, *min, *max};
      }
    }

    check_declared_errors(op, problems, result);

    result.example = conformance::example_parameters(op);
    if (!result.example.generated && result.parameters_schema.is_object()) {
      if (auto v = conformance::schema_violation(result.parameters_schema, result.example.value))
        problems.push_back(result.example.source + " breaks the parameter schema: " + conformance::describe(*v, "parameter"));
    }

    if (!problems.empty()) {
      add(result.name, "description", CheckStatus::failed, join(problems, "; "));
    } else {
      std::string detail = "parameters: " + result.example.source;
      if (!unverified.empty())
        detail += "; keywords not verified by the kit: " + join(std::vector<std::string>(unverified.begin(), unverified.end()), ", ");
      add(result.name, "description", CheckStatus::passed, detail);
    }
    return result;
  }

  // "errors": the operation's defined execution errors (SiLA 2), [{"id", "description"}...].
  // Optional (absent means none); when present every entry needs an identifier-like id, unique in
  // the operation, and a description an operator can act on.
  static void check_declared_errors(const json& op, std::vector<std::string>& problems, Operation& result) {
    auto it = op.find("errors");
    if (it == op.end()) return;
    if (!it->is_array()) {
      problems.push_back("\"errors\" must be an array of {\"id\", \"description\"}");
      return;
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string where = "errors[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        problems.push_back(where + ": must be an object {\"id\", \"description\"}");
        continue;
      }
      const std::string id = e.value("id", json()).is_string() ? e["id"].get<std::string>() : "";
      const bool identifier = !id.empty() && std::isalpha(static_cast<unsigned char>(id[0])) &&
                              std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
      if (!identifier) {
        problems.push_back(where + ".id: must be an identifier (a letter, then letters, digits or _), e.g. \"film_empty\"");
      } else if (!ids.insert(id).second) {
        problems.push_back(where + ".id: '" + id + "' is declared twice");
      }
      if (!e.value("description", json()).is_string() || e["description"].get<std::string>().empty())
        problems.push_back(where + ".description: must be a non-empty string (what happened, what to do)");
    }
    result.declared_errors = std::move(ids);
  }

  // An execution error's message names its declared error: "<id>: details" ("cancelled" aside).
  static std::string declared_error_note(const Operation& op, const CommandOutcome& outcome) {
    if (outcome.error_kind != FOUNDRY_ERROR_EXECUTION) return "";
    const std::string id = outcome.message.substr(0, outcome.message.find(':'));
    if (op.declared_errors.count(id) != 0) return " (declared error '" + id + "')";
    return " (not one of the operation's declared errors: start the message with a declared id, 'id: ...')";
  }

  CommandLimits limits_for(const std::optional<DurationModel>& duration) const {
    return {duration ? 2 * duration->max + 60 : kUndeclaredLimit, options_.wall_grace_s};
  }

  CommandRun execute(const std::string& id, const std::string& operation, const std::string& parameters,
                     const CommandLimits& limits, std::optional<conformance::MidCommandAction> during = std::nullopt) {
    CommandRequest request{id, "conformance/" + id + "/1", operation, parameters, -1};
    return conformance::run_command(*session_, *clock_, request, limits, std::move(during));
  }

  static std::string no_outcome(const CommandLimits& limits) {
    return "no outcome: the driver reported neither finished nor failed within " + seconds(limits.virtual_s) +
           " of virtual time (twice the declared maximum duration + 60 s) and " + seconds(limits.wall_grace_s) +
           " of real time";
  }

  void run_operation(Operation& op) {
    const CommandLimits limits = limits_for(op.duration);
    op.run = execute(op.command_id, op.name, op.example.value.dump(), limits);
    const std::string parameters = "parameters " + clip(op.example.value.dump()) + " (" + op.example.source + ")";
    // A guess from the schema may be valid JSON and still mean nothing to the instrument.
    const std::string hint = op.example.generated ? "; give the operation an \"example\" the instrument accepts" : "";
    const std::string not_run = "the operation did not complete";

    if (!op.run.outcome) {
      add(op.name, "completes", CheckStatus::failed, no_outcome(limits) + "; " + parameters);
    } else if (!op.run.outcome->ok) {
      add(op.name, "completes", CheckStatus::failed,
          "failed with " + failure_text(*op.run.outcome) + declared_error_note(op, *op.run.outcome) + "; " + parameters + hint);
    } else {
      add(op.name, "completes", CheckStatus::passed, "in " + seconds(op.run.elapsed_s()) + " with " + parameters);
    }
    if (!op.completed()) {
      for (const char* check : {"result-schema", "progress", "duration"}) add(op.name, check, CheckStatus::skipped, not_run);
      return;
    }
    check_result(op);
    check_progress(op);
    check_duration(op);
  }

  void check_result(const Operation& op) {
    json result;
    try {
      result = json::parse(op.run.outcome->result_json);
    } catch (const json::exception&) {
      add(op.name, "result-schema", CheckStatus::failed, "the result is not JSON: " + clip(op.run.outcome->result_json));
      return;
    }
    if (!result.is_object()) {
      add(op.name, "result-schema", CheckStatus::failed, "the result must be a JSON object, is " + clip(result.dump()));
      return;
    }
    if (op.result_schema.is_null()) {
      add(op.name, "result-schema", CheckStatus::skipped, "the description has no usable result schema");
      return;
    }
    if (auto v = conformance::schema_violation(op.result_schema, result))
      add(op.name, "result-schema", CheckStatus::failed, conformance::describe(*v, "result") + "; result " + clip(result.dump()));
    else
      add(op.name, "result-schema", CheckStatus::passed, "result " + clip(result.dump(), 100));
  }

  void check_progress(const Operation& op) {
    const auto& events = op.run.progress;
    if (events.empty()) {
      add(op.name, "progress", CheckStatus::failed,
          "no progress reported in " + seconds(op.run.elapsed_s()) + " (report at least once, e.g. at completion)");
      return;
    }
    double last = 0;
    for (const auto& e : events) {
      if (!(e.fraction >= 0 && e.fraction <= 1)) {
        add(op.name, "progress", CheckStatus::failed, "fraction " + number(e.fraction) + " is outside [0, 1]");
        return;
      }
      if (e.fraction < last) {
        add(op.name, "progress", CheckStatus::failed, "fraction went back from " + number(last) + " to " + number(e.fraction));
        return;
      }
      last = e.fraction;
    }
    add(op.name, "progress", CheckStatus::passed,
        std::to_string(events.size()) + " report(s), the last at fraction " + number(last));
  }

  void check_duration(const Operation& op) {
    if (!op.duration) {
      add(op.name, "duration", CheckStatus::skipped, "the description has no usable duration model");
      return;
    }
    const double took = op.run.elapsed_s();
    const auto& d = *op.duration;
    const double tolerance = 1e-6 * std::max(1.0, d.max);  // float noise of the virtual clock only
    const std::string declared = "declared [" + number(d.min) + ", " + number(d.max) + "] s, nominal " + number(d.nominal);
    if (took < d.min - tolerance || took > d.max + tolerance)
      add(op.name, "duration", CheckStatus::failed, "took " + seconds(took) + ", outside the " + declared);
    else
      add(op.name, "duration", CheckStatus::passed, seconds(took) + ", " + declared);
  }

  const Operation* first_completed() const {
    for (const auto& op : operations_)
      if (op.completed()) return &op;
    return nullptr;
  }

  // The "state" of a command_state answer, or a description of what is wrong with the answer.
  static std::optional<std::string> state_of(const std::string& answer) {
    try {
      auto doc = json::parse(answer);
      if (doc.is_object() && doc.contains("state") && doc["state"].is_string()) return doc["state"].get<std::string>();
    } catch (const json::exception&) {
    }
    return std::nullopt;
  }

  void check_state(const std::string& check, const std::string& id, const std::string& expected, const std::string& when) {
    const std::string answer = session_->command_state(id);
    auto state = state_of(answer);
    if (!state)
      add("", check, CheckStatus::failed, "command_state('" + id + "') must answer {\"state\": ...}, answered " + clip(answer));
    else if (*state != expected)
      add("", check, CheckStatus::failed,
          "command_state('" + id + "') " + when + " answered \"" + *state + "\", expected \"" + expected + "\"");
    else
      add("", check, CheckStatus::passed, "command_state('" + id + "') " + when + ": " + clip(answer, 100));
  }

  void check_state_finished() {
    const Operation* op = first_completed();
    if (!op) {
      add("", "state-finished", CheckStatus::skipped, "no operation completed");
      return;
    }
    check_state("state-finished", op->command_id, "finished", "for a finished command");
  }

  void check_state_unknown() { check_state("state-unknown", "conformance-never-sent", "unknown", "for an id never sent"); }

  void check_validation_error() {
    const Operation* chosen = nullptr;
    std::optional<conformance::InvalidParameters> invalid;
    for (const auto& op : operations_) {
      if (op.parameters_schema.is_null()) continue;
      invalid = conformance::invalid_parameters(op.parameters_schema, op.example.value);
      if (invalid) {
        chosen = &op;
        break;
      }
    }
    if (!chosen) {
      add("", "validation-error", CheckStatus::skipped, "no operation declares a parameter that can be made invalid");
      return;
    }
    const CommandLimits limits = limits_for(chosen->duration);
    CommandRun run = execute("conformance-invalid-" + chosen->name, chosen->name, invalid->value.dump(), limits);
    const std::string sent = "operation '" + chosen->name + "' with " + invalid->change;
    if (!run.outcome) {
      add("", "validation-error", CheckStatus::failed, no_outcome(limits) + "; sent " + sent);
    } else if (run.outcome->ok) {
      add("", "validation-error", CheckStatus::failed, "accepted and finished " + sent + "; it must be refused with a validation error");
    } else if (run.outcome->error_kind != FOUNDRY_ERROR_VALIDATION) {
      add("", "validation-error", CheckStatus::failed,
          "answered " + sent + " with " + failure_text(*run.outcome) + "; expected a validation error");
    } else if (!invalid->parameter.empty() && run.outcome->message.find(invalid->parameter) == std::string::npos) {
      add("", "validation-error", CheckStatus::failed,
          "the validation error must name the parameter '" + invalid->parameter + "': " + run.outcome->message);
    } else {
      add("", "validation-error", CheckStatus::passed, sent + " refused: " + clip(run.outcome->message, 120));
    }
  }

  void check_cancel() {
    const Operation* longest = nullptr;
    for (const auto& op : operations_)
      if (op.completed() && op.run.elapsed_s() > 0 && (!longest || op.run.elapsed_s() > longest->run.elapsed_s())) longest = &op;
    if (!longest) {
      const std::string why = "no operation completed in more than 0 s, so there is nothing to cancel";
      add("", "state-running", CheckStatus::skipped, why);
      add("", "cancel", CheckStatus::skipped, why);
      return;
    }
    const double duration = longest->run.elapsed_s();
    const std::string id = "conformance-cancel-" + longest->name;
    struct Observed {
      bool requested = false;
      bool accepted = false;
      double at = 0;
      std::string state_answer;
    };
    auto observed = std::make_shared<Observed>();
    DriverSession* session = session_.get();
    Clock* clock = clock_.get();
    conformance::MidCommandAction cancel{kCancelFraction * duration, [observed, session, clock, id] {
                                           observed->state_answer = session->command_state(id);
                                           observed->at = clock->now();
                                           observed->accepted = session->cancel(id);
                                           observed->requested = true;
                                         }};
    const CommandLimits limits{2 * duration + 60, options_.wall_grace_s};
    CommandRun run = execute(id, longest->name, longest->example.value.dump(), limits, cancel);

    if (!observed->requested) {
      const std::string why = "'" + longest->name + "' ended " + seconds(run.outcome ? run.elapsed_s() : 0) +
                              " in, before cancel was due (" + seconds(kCancelFraction * duration) + ")";
      add("", "state-running", CheckStatus::skipped, why);
      add("", "cancel", CheckStatus::skipped, why);
      return;
    }
    auto state = state_of(observed->state_answer);
    if (state == std::optional<std::string>("running"))
      add("", "state-running", CheckStatus::passed, "command_state('" + id + "') while running: " + clip(observed->state_answer, 100));
    else
      add("", "state-running", CheckStatus::failed,
          "command_state('" + id + "') while the command was running answered " + clip(observed->state_answer) +
              ", expected \"running\"");

    const double into = observed->at - run.started_at;
    const std::string context = "cancel requested " + seconds(into) + " into '" + longest->name + "' (which took " +
                                seconds(duration) + " uncancelled)";
    if (!observed->accepted) {
      add("", "cancel", CheckStatus::failed, "cancel() reported the running command's id as unknown; " + context);
    } else if (!run.outcome) {
      add("", "cancel", CheckStatus::failed, no_outcome(limits) + " after cancel; " + context);
    } else if (!run.outcome->ok) {
      const double after = run.ended_at - observed->at;
      if (run.outcome->error_kind == FOUNDRY_ERROR_EXECUTION && contains_word(run.outcome->message, "cancel"))
        add("", "cancel", CheckStatus::passed, "failed with execution error '" + run.outcome->message + "' " + seconds(after) +
                                                   " after the request; " + context);
      else
        add("", "cancel", CheckStatus::failed,
            "failed with " + failure_text(*run.outcome) + ", expected an execution error \"cancelled\"; " + context);
    } else {
      const double after = run.ended_at - observed->at;
      if (after <= cancel_grace_s(duration))
        add("", "cancel", CheckStatus::passed, "finished " + seconds(after) + " after the request (too late to cancel); " + context);
      else
        add("", "cancel", CheckStatus::failed,
            "cancel ignored: the command finished normally " + seconds(after) + " after the request; " + context);
    }
  }

  ConformanceReport& report_;
  std::shared_ptr<PluginLibrary> library_;
  const json& model_;
  const ConformanceOptions& options_;
  std::string name_;
  std::vector<Operation> operations_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<DriverSession> session_;
};

void check_plugin_description(ConformanceReport& report, const PluginLibrary& library, const json& description) {
  std::vector<std::string> problems;
  if (library.name().empty()) problems.push_back("the plugin has no name (use a reverse-DNS name, e.g. com.acme.sealer)");
  auto text = [&](const char* key, std::string& into) {
    auto it = description.find(key);
    if (it == description.end() || !it->is_string() || it->get<std::string>().empty())
      problems.push_back(std::string("\"") + key + "\" must be a non-empty string");
    else
      into = it->get<std::string>();
  };
  text("vendor", report.vendor);
  text("version", report.version);
  if (problems.empty())
    report.checks.push_back({"", "", "description", CheckStatus::passed,
                             report.vendor + ", version " + report.version + ", " +
                                 std::to_string(description["models"].size()) + " model(s)"});
  else
    report.checks.push_back({"", "", "description", CheckStatus::failed, join(problems, "; ")});
}

}  // namespace

ConformanceReport check_driver_conformance(const std::filesystem::path& plugin, const ConformanceOptions& options) {
  json settings;
  try {
    settings = json::parse(options.settings_json);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("driver settings are not valid JSON: ") + e.what());
  }
  if (!settings.is_object()) throw std::invalid_argument("driver settings must be a JSON object");

  ConformanceReport report;
  report.file = plugin;
  report.settings_json = settings.dump();
  report.isolated = options.isolated;
  DriverLogCapture capture(report.driver_log);

  std::shared_ptr<PluginLibrary> library;
  try {
    library = PluginLibrary::load(plugin);
  } catch (const PluginError& e) {
    report.checks.push_back({"", "", "loads", CheckStatus::failed, e.reason()});
    return report;
  }
  report.plugin_name = library->name();
  report.checks.push_back({"", "", "loads", CheckStatus::passed,
                           "ABI " + std::to_string(library->abi_major()) + "." + std::to_string(library->abi_minor()) +
                               " (host " + std::to_string(FOUNDRY_DRIVER_ABI_MAJOR) + "." +
                               std::to_string(FOUNDRY_DRIVER_ABI_MINOR) + ")"});
  // The loader already checked this is JSON with a non-empty "models" array of named models.
  const json description = json::parse(library->description_json());
  check_plugin_description(report, *library, description);

  std::vector<std::string> offered;
  for (const auto& model : description["models"]) offered.push_back(model["model"].get<std::string>());
  if (!options.model.empty() && std::find(offered.begin(), offered.end(), options.model) == offered.end())
    throw std::invalid_argument("plugin " + plugin.string() + " has no model '" + options.model + "' (it offers " +
                                join(offered, ", ") + ")");

  for (const auto& model : description["models"]) {
    if (!options.model.empty() && model["model"] != options.model) continue;
    ModelChecker(report, library, model, options).run();
  }
  return report;
}

}  // namespace foundry::engine
