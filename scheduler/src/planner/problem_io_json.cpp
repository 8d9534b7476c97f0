// The neutral planning-problem JSON (../shared/planning-problem.md) into a Problem. Every problem
// found is collected, each with its JSON pointer, so a user fixes the file in one pass.
//
// Extensions beyond planning-problem.md (all optional; a plain file never needs them):
//   step "alternatives": [{"device": "m1", "duration": 12}, ...]
//       the step runs on exactly one of these devices, with that device's duration; "type" and
//       "duration" may then be left out (flexible job shop).
//   step "demands": [{"device": "arm", "amount": 1}, {"device": "nest", "amount": 2}, ...]
//       the step holds all of these at once for "duration" (>= 0 here); "type" must be left out.
//       An empty list means the step holds nothing (a milestone or a pure delay).
//   device "downtimes": [{"from": 0, "to": 3600}, {"from": 90000, "to": null}]
//       periods [from, to) in which no step may hold the device; "to": null = for good.
//   step "frozen": {"start": 600, "device": "lh1", "unit": 0}
//       the step has started (or is done): the planner keeps it there. "device" and "unit" are
//       optional (left out for steps with "demands" or holding nothing).
// Unknown keys are ignored, as planning-problem.md says.
#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem_io.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <limits>
#include <map>
#include <set>

namespace foundry::planner {

namespace {

using nlohmann::json;

constexpr Time kMaxTime = Time{1} << 40;  // refuse absurd values: sums must not overflow
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();

// An `after` entry as written, resolved once every step id is known.
struct PendingLag {
  std::size_t step = 0;
  std::string pred_id;
  std::string at;  // JSON pointer of the entry
  Lag lag;
};

class NeutralJsonReader {
 public:
  explicit NeutralJsonReader(std::string origin) : origin_(std::move(origin)) {}

  Problem read(const json& doc) {
    Problem problem;
    problem.name = std::filesystem::path(origin_).stem().string();
    if (!doc.is_object()) {
      fail("", "a planning problem must be a JSON object");
      throw InputError(diagnostics_);
    }
    if (auto it = doc.find("name"); it != doc.end()) {
      if (it->is_string()) problem.name = it->get<std::string>();
      else fail("/name", "must be a string");
    }
    read_devices(doc, problem);
    read_jobs(doc, problem);
    resolve_lags(problem);
    if (!diagnostics_.empty()) throw InputError(diagnostics_);
    return problem;
  }

 private:
  void read_devices(const json& doc, Problem& problem) {
    auto devices = doc.find("devices");
    if (devices == doc.end() || !devices->is_array()) {
      fail("/devices", "must be an array of devices");
      return;
    }
    for (std::size_t i = 0; i < devices->size(); ++i) {
      const json& d = (*devices)[i];
      std::string at = "/devices/" + std::to_string(i);
      if (!d.is_object()) {
        fail(at, "a device must be a JSON object");
        continue;
      }
      Device device;
      device.id = required_string(d, at, "id");
      device.type = required_string(d, at, "type");
      device.capacity = static_cast<int>(optional_int(d, at, "capacity", 1, 1, kMaxInt));
      if (auto it = d.find("downtimes"); it != d.end()) device.downtimes = read_downtimes(*it, at + "/downtimes");
      if (!device.id.empty() && !device_index_.emplace(device.id, problem.devices.size()).second)
        fail(at + "/id", "duplicate device id '" + device.id + "'");
      if (!device.type.empty()) types_.insert(device.type);
      devices_capacity_.push_back(device.capacity);
      problem.devices.push_back(std::move(device));
    }
  }

  std::vector<Downtime> read_downtimes(const json& list, const std::string& at) {
    std::vector<Downtime> downtimes;
    if (!list.is_array()) {
      fail(at, "must be an array of {\"from\", \"to\"} periods");
      return downtimes;
    }
    for (std::size_t k = 0; k < list.size(); ++k) {
      std::string item_at = at + "/" + std::to_string(k);
      if (!list[k].is_object()) {
        fail(item_at, "a downtime must be a JSON object {\"from\", \"to\"}");
        continue;
      }
      Downtime downtime;
      downtime.from = required_int(list[k], item_at, "from", 0, kMaxTime);
      if (auto to = list[k].find("to"); to != list[k].end() && !to->is_null()) {
        downtime.to = optional_int(list[k], item_at, "to", kForever, 0, kMaxTime);
        if (downtime.to <= downtime.from)
          fail(item_at + "/to", "must be after \"from\" (" + std::to_string(downtime.from) + ")");
      }
      downtimes.push_back(downtime);
    }
    return downtimes;
  }

  void read_jobs(const json& doc, Problem& problem) {
    auto jobs = doc.find("jobs");
    if (jobs == doc.end() || !jobs->is_array()) {
      fail("/jobs", "must be an array of jobs");
      return;
    }
    std::set<std::string> job_ids;
    for (std::size_t j = 0; j < jobs->size(); ++j) {
      const json& entry = (*jobs)[j];
      std::string at = "/jobs/" + std::to_string(j);
      if (!entry.is_object()) {
        fail(at, "a job must be a JSON object");
        continue;
      }
      Job job;
      job.id = required_string(entry, at, "id");
      if (!job.id.empty() && !job_ids.insert(job.id).second)
        fail(at + "/id", "duplicate job id '" + job.id + "'");
      job.priority = static_cast<int>(optional_int(entry, at, "priority", 1, 0, kMaxInt));
      job.release = optional_int(entry, at, "release", 0, 0, kMaxTime);
      if (auto it = entry.find("deadline"); it != entry.end() && !it->is_null())
        job.deadline = optional_int(entry, at, "deadline", 0, 0, kMaxTime);
      std::size_t job_index = problem.jobs.size();
      auto steps = entry.find("steps");
      if (steps == entry.end() || !steps->is_array() || steps->empty()) {
        fail(at + "/steps", "must be a non-empty array of steps");
      } else {
        for (std::size_t s = 0; s < steps->size(); ++s) {
          std::string step_at = at + "/steps/" + std::to_string(s);
          if (!(*steps)[s].is_object()) {
            fail(step_at, "a step must be a JSON object");
            continue;
          }
          job.steps.push_back(problem.steps.size());
          problem.steps.push_back(read_step((*steps)[s], step_at, job_index, problem));
        }
      }
      problem.jobs.push_back(std::move(job));
    }
  }

  Step read_step(const json& s, const std::string& at, std::size_t job, const Problem& problem) {
    Step step;
    step.job = job;
    step.id = required_string(s, at, "id");
    step.release = optional_int(s, at, "release", 0, 0, kMaxTime);
    std::size_t index = problem.steps.size();
    if (!step.id.empty() && !step_index_.emplace(step.id, index).second)
      fail(at + "/id", "duplicate step id '" + step.id + "' (step ids are unique over the problem)");

    bool has_alternatives = s.contains("alternatives");
    bool has_demands = s.contains("demands");
    if (has_alternatives && has_demands)
      fail(at, "a step has either \"alternatives\" or \"demands\", not both");
    if (has_alternatives) step.alternatives = read_alternatives(s["alternatives"], at + "/alternatives", problem);
    if (has_demands) step.demands = read_demands(s["demands"], at + "/demands", problem);

    if (has_demands) {
      if (s.contains("type")) fail(at + "/type", "a step with \"demands\" names its devices there, not a type");
      step.duration = required_int(s, at, "duration", 0, kMaxTime);
    } else if (has_alternatives) {
      if (auto it = s.find("type"); it != s.end() && !it->is_string()) fail(at + "/type", "must be a string");
      else if (it != s.end()) step.type = it->get<std::string>();
      step.duration = 0;  // unused with alternatives; the shortest one, for information
      for (const auto& a : step.alternatives)
        if (step.duration == 0 || a.duration < step.duration) step.duration = a.duration;
    } else {
      step.type = required_string(s, at, "type");
      if (!step.type.empty() && !types_.count(step.type))
        fail(at + "/type", "no device has type '" + step.type + "'");
      step.duration = required_int(s, at, "duration", 1, kMaxTime);
    }

    if (auto frozen = s.find("frozen"); frozen != s.end() && !frozen->is_null())
      step.frozen = read_frozen(*frozen, at + "/frozen", step);

    if (auto after = s.find("after"); after != s.end()) {
      if (!after->is_array()) {
        fail(at + "/after", "must be an array of predecessors");
      } else {
        for (std::size_t k = 0; k < after->size(); ++k)
          read_after((*after)[k], at + "/after/" + std::to_string(k), index);
      }
    }
    return step;
  }

  std::optional<Frozen> read_frozen(const json& f, const std::string& at, const Step& step) {
    if (!f.is_object()) {
      fail(at, "must be an object {\"start\", \"device\", \"unit\"}");
      return std::nullopt;
    }
    Frozen frozen;
    frozen.start = required_int(f, at, "start", 0, kMaxTime);
    if (f.contains("device")) {
      if (!step.demands.empty()) {
        fail(at + "/device", "a step with \"demands\" holds all of them: name no device here");
      } else if (auto device = device_ref(f, at)) {
        frozen.device = *device;
      }
    }
    frozen.unit = static_cast<int>(optional_int(f, at, "unit", 0, 0, kMaxInt));
    if (frozen.device != kNoDevice && frozen.unit >= devices_capacity_[frozen.device])
      fail(at + "/unit", "must be below the device's capacity (" +
                             std::to_string(devices_capacity_[frozen.device]) + ")");
    return frozen;
  }

  std::vector<Alternative> read_alternatives(const json& list, const std::string& at,
                                             const Problem& problem) {
    std::vector<Alternative> alternatives;
    if (!list.is_array() || list.empty()) {
      fail(at, "must be a non-empty array of {\"device\", \"duration\"}");
      return alternatives;
    }
    for (std::size_t k = 0; k < list.size(); ++k) {
      std::string item_at = at + "/" + std::to_string(k);
      if (!list[k].is_object()) {
        fail(item_at, "an alternative must be a JSON object");
        continue;
      }
      Alternative alternative;
      auto device = device_ref(list[k], item_at);
      alternative.duration = required_int(list[k], item_at, "duration", 1, kMaxTime);
      if (!device) continue;
      alternative.device = *device;
      for (const auto& other : alternatives)
        if (other.device == *device)
          fail(item_at + "/device", "device '" + problem.devices[*device].id + "' is listed twice");
      alternatives.push_back(alternative);
    }
    return alternatives;
  }

  std::vector<Demand> read_demands(const json& list, const std::string& at, const Problem& problem) {
    std::vector<Demand> demands;
    if (!list.is_array()) {
      fail(at, "must be an array of {\"device\", \"amount\"}");
      return demands;
    }
    for (std::size_t k = 0; k < list.size(); ++k) {
      std::string item_at = at + "/" + std::to_string(k);
      if (!list[k].is_object()) {
        fail(item_at, "a demand must be a JSON object");
        continue;
      }
      auto device = device_ref(list[k], item_at);
      auto amount = optional_int(list[k], item_at, "amount", 1, 1, kMaxInt);
      if (!device) continue;
      const Device& d = problem.devices[*device];
      if (amount > d.capacity)
        fail(item_at + "/amount", "needs " + std::to_string(amount) + " units of '" + d.id +
                                      "', which has only " + std::to_string(d.capacity));
      for (const auto& other : demands)
        if (other.device == *device)
          fail(item_at + "/device", "device '" + d.id + "' is listed twice");
      demands.push_back({*device, static_cast<int>(amount)});
    }
    return demands;
  }

  std::optional<std::size_t> device_ref(const json& entry, const std::string& at) {
    std::string id = required_string(entry, at, "device");
    if (id.empty()) return std::nullopt;
    auto it = device_index_.find(id);
    if (it == device_index_.end()) {
      fail(at + "/device", "no device has id '" + id + "'");
      return std::nullopt;
    }
    return it->second;
  }

  void read_after(const json& a, const std::string& at, std::size_t step) {
    if (!a.is_object()) {
      fail(at, "a predecessor must be a JSON object {\"step\", \"from\", \"min_lag\", \"max_lag\"}");
      return;
    }
    PendingLag pending{step, required_string(a, at, "step"), at, {}};
    if (auto it = a.find("from"); it != a.end()) {
      if (*it == "end") pending.lag.from = LagFrom::kEnd;
      else if (*it == "start") pending.lag.from = LagFrom::kStart;
      else fail(at + "/from", "must be \"end\" or \"start\"");
    }
    pending.lag.min_lag = optional_int(a, at, "min_lag", 0, 0, kMaxTime, "a negative lag");
    if (auto it = a.find("max_lag"); it != a.end() && !it->is_null()) {
      Time max_lag = optional_int(a, at, "max_lag", 0, 0, kMaxTime, "a negative lag");
      if (max_lag < pending.lag.min_lag)
        fail(at + "/max_lag", "max_lag " + std::to_string(max_lag) + " is less than min_lag " +
                                  std::to_string(pending.lag.min_lag));
      pending.lag.max_lag = max_lag;
    }
    if (!pending.pred_id.empty()) pending_.push_back(std::move(pending));
  }

  void resolve_lags(Problem& problem) {
    for (auto& pending : pending_) {
      auto it = step_index_.find(pending.pred_id);
      if (it == step_index_.end()) {
        fail(pending.at + "/step", "no step has id '" + pending.pred_id + "'");
        continue;
      }
      if (it->second == pending.step) {
        fail(pending.at + "/step", "a step cannot come after itself");
        continue;
      }
      pending.lag.pred = it->second;
      problem.steps[pending.step].after.push_back(pending.lag);
    }
  }

  std::string required_string(const json& object, const std::string& at, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) {
      fail(at + "/" + key, "is required");
      return {};
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      fail(at + "/" + key, "must be a non-empty string");
      return {};
    }
    return it->get<std::string>();
  }

  Time required_int(const json& object, const std::string& at, const char* key, Time min, Time max) {
    if (!object.contains(key)) {
      fail(at + "/" + key, "is required");
      return min;
    }
    return optional_int(object, at, key, min, min, max);
  }

  // The integer at `key`, or `fallback` when absent. `below_min` names a value under `min`.
  Time optional_int(const json& object, const std::string& at, const char* key, Time fallback,
                    Time min, Time max, const char* below_min = nullptr) {
    auto it = object.find(key);
    if (it == object.end()) return fallback;
    std::string where = at + "/" + key;
    if (!it->is_number_integer()) {
      fail(where, "must be an integer");
      return fallback;
    }
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      fail(where, "must be at most " + std::to_string(max));
      return fallback;
    }
    auto value = it->get<std::int64_t>();
    if (value < min) {
      fail(where, (below_min ? std::string(below_min) + " is not allowed: " : std::string()) +
                      "must be at least " + std::to_string(min) + ", found " + std::to_string(value));
      return fallback;
    }
    if (value > max) {
      fail(where, "must be at most " + std::to_string(max));
      return fallback;
    }
    return value;
  }

  void fail(const std::string& pointer, std::string reason) {
    diagnostics_.push_back({origin_ + ":" + pointer, std::move(reason)});
  }

  std::string origin_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, std::size_t> device_index_;
  std::map<std::string, std::size_t> step_index_;
  std::set<std::string> types_;
  std::vector<int> devices_capacity_;  // by device index, for checks made while reading steps
  std::vector<PendingLag> pending_;
};

// "line:column" of a byte offset, for syntax errors.
std::string line_and_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

Problem read_neutral_json(std::string_view text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    throw InputError({{origin + ":" + line_and_column(text, at), std::string("JSON syntax error: ") + e.what()}});
  }
  return NeutralJsonReader(origin).read(doc);
}

}  // namespace foundry::planner
