// The API's request types, one function each; docs/api.md documents every field and error.
#include <foundry/service/request_handler.hpp>

#include "service/json_codec.hpp"

#include <foundry/protocol/protocol.hpp>
#include <foundry/service/device_activity.hpp>
#include <foundry/version.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace foundry::service {

namespace {

constexpr std::size_t kMaxRequestIdLength = 128;

bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// The request types that change something: refused while the database cannot be written.
const std::set<std::string, std::less<>> kChanges = {"submit", "cancel", "hold", "resume", "ack", "device"};

engine::OperatorChoice parse_choice(const std::string& choice) {
  if (choice == "retry") return engine::OperatorChoice::kRetry;
  if (choice == "skip") return engine::OperatorChoice::kSkip;
  if (choice == "abort") return engine::OperatorChoice::kAbortRun;
  throw ApiError("bad_field", "field 'choice' must be \"retry\", \"skip\" or \"abort\", not \"" + choice + "\"");
}

}  // namespace

struct RequestHandler::Impl {
  Backend& backend;
  const Workcell& workcell;
  HandlerOptions options;
  using Handler = json (Impl::*)(const json&, const Caller&, const std::string& request_id);
  std::map<std::string, Handler, std::less<>> handlers{
      {"hello", &Impl::hello},       {"submit", &Impl::submit},   {"validate", &Impl::validate},
      {"preview", &Impl::preview},   {"status", &Impl::status},   {"list", &Impl::list},
      {"cancel", &Impl::cancel},     {"hold", &Impl::hold},       {"resume", &Impl::resume},
      {"ack", &Impl::ack},           {"results", &Impl::results}, {"events", &Impl::events},
      {"devices", &Impl::devices},   {"device", &Impl::device},   {"prompts", &Impl::prompts},
  };

  Impl(Backend& b, const Workcell& w, HandlerOptions o) : backend(b), workcell(w), options(std::move(o)) {}

  // --- building a run from a request ---------------------------------------------------------

  Protocol protocol_of(const json& request) const {
    const json& ref = required(request, "protocol");
    try {
      if (ref.is_object()) return parse_protocol(dump(ref), "request:/protocol", &workcell);
      if (!ref.is_string()) throw ApiError("bad_field", "field 'protocol' must be a protocol name or a protocol document");
      auto name = ref.get<std::string>();
      if (!is_plain_name(name))
        throw ApiError("bad_field", "field 'protocol' must be a plain name (letters, digits, '.', '-', '_')");
      auto file = options.protocols_dir / (name + ".json");
      if (options.protocols_dir.empty() || !std::filesystem::is_regular_file(file))
        throw ApiError("not_found", "no protocol named '" + name + "' on this server");
      return load_protocol(file, &workcell);
    } catch (const InputError& e) {
      throw ApiError("invalid_input", "the protocol is invalid", e.diagnostics());
    }
  }

  std::map<std::string, std::string> parameters_of(const json& request) const {
    std::map<std::string, std::string> values;
    if (auto it = request.find("parameters"); it != request.end() && !it->is_null()) {
      if (!it->is_object()) throw ApiError("bad_field", "field 'parameters' must be an object of name: value");
      for (const auto& [name, value] : it->items()) values[name] = dump(value);
    }
    if (auto it = request.find("designs"); it != request.end() && !it->is_null()) {
      if (!it->is_array()) throw ApiError("bad_field", "field 'designs' must be an array of strain designs");
      if (values.count("designs")) throw ApiError("bad_field", "give 'designs' or 'parameters.designs', not both");
      values["designs"] = dump(*it);
    }
    return values;
  }

  std::string next_run_id(const std::string& protocol_name) const {
    std::set<std::string> taken;
    for (const auto& run : backend.runs()) taken.insert(run.run_id);
    for (std::size_t n = taken.size() + 1;; ++n) {
      auto id = protocol_name + "-" + std::to_string(n);
      if (!taken.count(id)) return id;
    }
  }

  RunSpec run_of(const json& request, const std::string& run_id) const {
    Protocol protocol = protocol_of(request);
    RunSpec run;
    try {
      run = protocol.expand(parameters_of(request), run_id.empty() ? next_run_id(protocol.name()) : run_id);
    } catch (const InputError& e) {
      throw ApiError("invalid_input", "the parameters do not expand the protocol", e.diagnostics());
    }
    if (auto priority = optional_integer(request, "priority", 0, 1000)) run.priority = static_cast<int>(*priority);
    if (auto deadline_h = optional_number(request, "deadline_h")) {
      if (!(*deadline_h > 0 && *deadline_h < 1e6)) throw ApiError("bad_field", "field 'deadline_h' must be > 0 hours");
      run.deadline_s = static_cast<std::int64_t>(*deadline_h * 3600.0);
    }
    return run;
  }

  // "storage": "ok" or "full", and while full since when (wall-clock epoch seconds) and why.
  void add_storage(json& reply) const {
    auto status = backend.storage();
    reply["storage"] = status.full ? "full" : "ok";
    if (!status.full) return;
    reply["storage_full_since"] = status.since;
    reply["storage_message"] = status.message;
  }

  static ApiError storage_full(const std::string& message) {
    return ApiError("storage_full", message +
                                        ". foundryd has paused execution and refuses changes until it can write: free "
                                        "space on the disk holding the database (or raise the file size limit); it "
                                        "resumes by itself within seconds, then send this again");
  }

  void require_run(const std::string& run_id) const {
    for (const auto& run : backend.runs())
      if (run.run_id == run_id) return;
    throw ApiError("not_found", "no run '" + run_id + "'");
  }

  // --- request types -----------------------------------------------------------------------

  json hello(const json&, const Caller& caller, const std::string&) {
    json reply = {{"server", "foundryd"},
            {"version", std::to_string(FOUNDRY_VERSION_MAJOR) + "." + std::to_string(FOUNDRY_VERSION_MINOR) + "." +
                            std::to_string(FOUNDRY_VERSION_PATCH)},
            {"api_version", kApiVersion},
            {"workcell", workcell.name},
            {"caller", {{"name", caller.name}, {"role", role_name(caller.role)}}},
            {"now", backend.now()}};
    add_storage(reply);
    return reply;
  }

  json submit(const json& request, const Caller& caller, const std::string& request_id) {
    RunSpec run = run_of(request, "");
    // Request ids are per client: two learners may both count from 1.
    auto submitted = backend.submit(std::move(run), request_id.empty() ? "" : caller.name + "/" + request_id);
    return {{"run_id", submitted.run_id}, {"created", submitted.created}};
  }

  json validate(const json& request, const Caller&, const std::string&) {
    try {
      RunSpec run = run_of(request, "validate");
      return {{"valid", true}, {"protocol", run.protocol}, {"steps", run.steps.size()}};
    } catch (const ApiError& e) {
      if (e.code() != "invalid_input") throw;
      json diagnostics = json::array();
      for (const auto& d : e.diagnostics()) diagnostics.push_back({{"path", d.path}, {"reason", d.reason}});
      return {{"valid", false}, {"message", e.what()}, {"diagnostics", diagnostics}};
    }
  }

  json preview(const json& request, const Caller&, const std::string&) {
    RunSpec run = run_of(request, "");
    auto plan = backend.preview(run);
    json plan_steps = json::array();
    for (const auto& st : plan.steps)
      plan_steps.push_back({{"step_id", st.step_id},
                            {"device_id", st.device_id},
                            {"unit", st.unit},
                            {"planned_start", st.planned_start},
                            {"planned_end", st.planned_end}});
    return {{"planned_start", plan.planned_start},
            {"planned_end", plan.planned_end},
            {"makespan_s", plan.planned_end - plan.planned_start},
            {"now", plan.now},
            {"steps", run.steps.size()},
            {"plan", plan_steps}};
  }

  json status(const json& request, const Caller&, const std::string&) {
    auto run_id = required_string(request, "run_id");
    for (const auto& run : backend.runs()) {
      if (run.run_id != run_id) continue;
      json steps = json::array();
      std::map<std::string, int> counts;
      for (const auto& step : backend.steps(run_id)) {
        counts[step.state] += 1;
        steps.push_back(step_to_json(step));
      }
      json prompts = json::array();
      for (const auto& p : backend.prompts())
        if (p.run_id == run_id) prompts.push_back(prompt_to_json(p));
      json result = run_to_json(run);
      result["step_counts"] = counts;
      if (optional_bool(request, "steps").value_or(true)) result["steps"] = steps;
      result["prompts"] = prompts;
      add_storage(result);
      return result;
    }
    throw ApiError("not_found", "no run '" + run_id + "'");
  }

  json list(const json& request, const Caller&, const std::string&) {
    auto state = optional_string(request, "state");
    json runs = json::array();
    for (const auto& run : backend.runs())
      if (!state || run.state == *state) runs.push_back(run_to_json(run));
    json reply = {{"runs", runs}};
    add_storage(reply);
    return reply;
  }

  std::string reason_of(const json& request, const Caller& caller, const char* verb) const {
    auto reason = optional_string(request, "reason");
    return reason && !reason->empty() ? *reason : std::string(verb) + " by " + caller.name;
  }

  json cancel(const json& request, const Caller& caller, const std::string&) {
    auto run_id = required_string(request, "run_id");
    require_run(run_id);
    backend.cancel(run_id, reason_of(request, caller, "cancelled"));
    return {{"run_id", run_id}};
  }

  json hold(const json& request, const Caller& caller, const std::string&) {
    auto run_id = required_string(request, "run_id");
    require_run(run_id);
    backend.hold(run_id, reason_of(request, caller, "held"));
    return {{"run_id", run_id}};
  }

  json resume(const json& request, const Caller&, const std::string&) {
    auto run_id = required_string(request, "run_id");
    require_run(run_id);
    backend.resume(run_id);
    return {{"run_id", run_id}};
  }

  json ack(const json& request, const Caller&, const std::string&) {
    auto run_id = required_string(request, "run_id");
    auto step_id = required_string(request, "step_id");
    auto choice = parse_choice(required_string(request, "choice"));
    require_run(run_id);
    backend.acknowledge(run_id, step_id, choice);
    return {{"run_id", run_id}, {"step_id", step_id}};
  }

  std::pair<std::int64_t, int> page_of(const json& request) const {
    auto after = optional_integer(request, "after", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
    auto limit = optional_integer(request, "limit", 1, options.max_page).value_or(options.max_page);
    return {after, static_cast<int>(limit)};
  }

  json results(const json& request, const Caller&, const std::string&) {
    auto [after, limit] = page_of(request);
    auto found = backend.results_after(after, limit);
    json items = json::array();
    std::int64_t previous = after;
    for (const auto& r : found) {
      json item = result_to_json(r);
      item["previous_result_seq"] = previous;
      previous = r.event.seq;
      items.push_back(std::move(item));
    }
    // `previous_result_seq` of the first item is `after` itself: the page starts where asked.
    return {{"results", items}, {"last_seq", previous}, {"more", static_cast<int>(found.size()) == limit}};
  }

  json events(const json& request, const Caller&, const std::string&) {
    auto [after, limit] = page_of(request);
    auto found = backend.events_after(after, limit);
    json items = json::array();
    for (const auto& e : found) items.push_back(event_to_json(e));
    return {{"events", items},
            {"last_seq", found.empty() ? after : found.back().seq},
            {"more", static_cast<int>(found.size()) == limit}};
  }

  json devices(const json&, const Caller&, const std::string&) {
    auto statuses = backend.devices();
    double now = backend.now();
    std::map<std::string, int> capacity;
    for (const auto& d : statuses) capacity[d.id] = d.capacity;
    std::vector<store::StepRow> steps;  // of the runs that can touch the last 24 h or the future
    std::set<std::string> held;
    for (const auto& run : backend.runs()) {
      if (!run_may_matter(run, now)) continue;
      if (run.state == "held") held.insert(run.run_id);
      for (auto& s : backend.steps(run.run_id)) steps.push_back(std::move(s));
    }
    auto activity = device_activity(steps, capacity, now, held);
    auto step_json = [](const StepOnDevice& s) { return json{{"run_id", s.run_id}, {"step_id", s.step_id}, {"at", s.at}}; };
    json items = json::array();
    for (const auto& d : statuses) {
      const DeviceActivity& a = activity.at(d.id);
      json running = json::array();
      for (const auto& s : a.running) running.push_back(step_json(s));
      items.push_back({{"id", d.id},
                       {"type", d.type},
                       {"operations", d.operations},
                       {"capacity", d.capacity},
                       {"in_service", d.in_service},
                       {"reason", d.reason},
                       {"busy_units", a.busy_units},
                       {"running", running},
                       {"utilisation_24h", a.utilisation_24h},
                       {"next_planned", a.next_planned ? step_json(*a.next_planned) : json(nullptr)}});
    }
    return {{"devices", items}, {"now", now}};
  }

  json device(const json& request, const Caller& caller, const std::string&) {
    auto device_id = required_string(request, "device_id");
    auto in_service = optional_bool(request, "in_service");
    if (!in_service) throw ApiError("missing_field", "missing field 'in_service' (true or false)");
    if (!workcell.find_device(device_id)) throw ApiError("not_found", "no device '" + device_id + "'");
    backend.set_device_in_service(device_id, *in_service,
                                  reason_of(request, caller, *in_service ? "back in service" : "out of service"));
    return {{"device_id", device_id}, {"in_service", *in_service}};
  }

  json prompts(const json&, const Caller&, const std::string&) {
    json items = json::array();
    for (const auto& p : backend.prompts()) items.push_back(prompt_to_json(p));
    return {{"prompts", items}};
  }

  // --- the envelope --------------------------------------------------------------------------

  std::string handle(std::string_view text, const Caller& caller) {
    json reply = {{"v", kApiVersion}, {"ok", false}};
    try {
      if (text.size() > options.max_request_bytes)
        throw ApiError("too_large", "request of " + std::to_string(text.size()) + " bytes; the limit is " +
                                        std::to_string(options.max_request_bytes));
      json request = parse_request_object(text);
      // Echo the id first, so even a refused request can be matched to its reply.
      std::string request_id;
      if (auto it = request.find("id"); it != request.end() && !it->is_null()) {
        if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxRequestIdLength)
          throw ApiError("bad_field", "field 'id' must be a string of at most " + std::to_string(kMaxRequestIdLength) +
                                          " characters");
        request_id = it->get<std::string>();
        reply["id"] = request_id;
      }
      auto version = request.find("v");
      if (version == request.end()) throw ApiError("missing_field", "missing field 'v' (the API version, 1)");
      if (!version->is_number_integer() || version->get<std::int64_t>() != kApiVersion)
        throw ApiError("unsupported_version", "API version " + dump(*version) + " is not supported; this server speaks 1");
      auto type = required_string(request, "type");
      reply["type"] = type;
      auto handler = handlers.find(type);
      if (handler == handlers.end()) throw ApiError("unknown_type", "unknown request type '" + type + "'");
      if (!role_permits(caller.role, type))
        throw ApiError("unauthorised", "a " + std::string(role_name(caller.role)) + " may not send '" + type + "'");
      if (kChanges.count(type))
        if (auto storage = backend.storage(); storage.full) throw storage_full(storage.message);
      reply["result"] = (this->*(handler->second))(request, caller, request_id);
      reply["ok"] = true;
    } catch (const ApiError& e) {
      json error = {{"code", e.code()}, {"message", e.what()}};
      if (!e.diagnostics().empty()) {
        json diagnostics = json::array();
        for (const auto& d : e.diagnostics()) diagnostics.push_back({{"path", d.path}, {"reason", d.reason}});
        error["diagnostics"] = diagnostics;
      }
      reply["error"] = error;
    } catch (const store::StorageFull& e) {
      // The disk filled during this very change. A submit may have recorded its run before
      // that: sent again with the same request id, it returns that run.
      ApiError refused = storage_full(e.what());
      reply["error"] = {{"code", refused.code()}, {"message", refused.what()}};
    } catch (const engine::InfeasibleRun& e) {
      reply["error"] = {{"code", "infeasible"}, {"message", e.what()}};
    } catch (const engine::EngineError& e) {
      reply["error"] = {{"code", "rejected"}, {"message", e.what()}};
    } catch (const InputError& e) {
      reply["error"] = {{"code", "invalid_input"}, {"message", format_diagnostics(e.diagnostics())}};
    } catch (const std::exception& e) {
      reply["error"] = {{"code", "internal"}, {"message", e.what()}};
    }
    return dump(reply);
  }
};

RequestHandler::RequestHandler(Backend& backend, const Workcell& workcell, HandlerOptions options)
    : impl_(std::make_unique<Impl>(backend, workcell, std::move(options))) {}
RequestHandler::~RequestHandler() = default;

std::string RequestHandler::handle(std::string_view request, const Caller& caller) {
  return impl_->handle(request, caller);
}

}  // namespace foundry::service
