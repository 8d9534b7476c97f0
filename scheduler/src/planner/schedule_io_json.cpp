// Schedules as JSON (see schedule_io.hpp for the shape).
#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/schedule_io.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace foundry::planner {

namespace {
using nlohmann::json;
}  // namespace

std::string write_schedule_json(const Problem& problem, const Schedule& schedule) {
  // Written by hand around compact entries: one assignment per line keeps a schedule of
  // thousands of steps readable and diffable; keys keep a fixed, meaningful order.
  using ordered = nlohmann::ordered_json;
  std::string text = "{\"problem\": " + ordered(problem.name).dump() +
                     ",\n \"makespan\": " + std::to_string(schedule.makespan) +
                     ",\n \"objective\": " + ordered(schedule.objective).dump() +
                     ",\n \"objective_value\": " + ordered(schedule.objective_value).dump() +
                     ",\n \"assignments\": [";
  for (std::size_t k = 0; k < schedule.assignments.size(); ++k) {
    const Assignment& a = schedule.assignments[k];
    const Step& step = problem.steps.at(a.step);
    ordered entry = {{"step", step.id}};
    if (a.device == kNoDevice) entry["device"] = nullptr;
    else entry["device"] = problem.devices.at(a.device).id;
    entry["unit"] = a.unit;
    entry["start"] = a.start;
    entry["end"] = a.end;
    if (!step.demands.empty()) {
      ordered devices = ordered::array(), amounts = ordered::array();
      for (const Demand& d : step.demands) {
        devices.push_back(problem.devices.at(d.device).id);
        amounts.push_back(d.amount);
      }
      entry["devices"] = std::move(devices);
      entry["amounts"] = std::move(amounts);
    }
    text += (k == 0 ? "\n  " : ",\n  ") + entry.dump();
  }
  text += "\n]}\n";
  return text;
}

Schedule read_schedule_json(const Problem& problem, std::string_view text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw InputError({{origin, std::string("JSON syntax error: ") + e.what()}});
  }
  std::vector<Diagnostic> diagnostics;
  auto fail = [&](const std::string& pointer, std::string reason) {
    diagnostics.push_back({origin + ":" + pointer, std::move(reason)});
  };
  auto time_at = [&](const json& object, const std::string& at, const char* key) -> Time {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) {
      fail(at + "/" + key, "must be an integer (seconds)");
      return 0;
    }
    return it->get<Time>();
  };

  Schedule schedule;
  if (!doc.is_object()) throw InputError({{origin + ":", "a schedule must be a JSON object"}});
  schedule.makespan = time_at(doc, "", "makespan");
  if (auto it = doc.find("objective"); it != doc.end() && it->is_string()) schedule.objective = it->get<std::string>();
  if (auto it = doc.find("objective_value"); it != doc.end() && it->is_number()) schedule.objective_value = it->get<double>();

  std::map<std::string, std::size_t> step_index, device_index;
  for (std::size_t i = 0; i < problem.steps.size(); ++i) step_index.emplace(problem.steps[i].id, i);
  for (std::size_t i = 0; i < problem.devices.size(); ++i) device_index.emplace(problem.devices[i].id, i);

  schedule.assignments.resize(problem.steps.size());
  std::vector<bool> seen(problem.steps.size(), false);
  auto list = doc.find("assignments");
  if (list == doc.end() || !list->is_array()) {
    fail("/assignments", "must be an array of assignments");
    throw InputError(diagnostics);
  }
  for (std::size_t k = 0; k < list->size(); ++k) {
    const json& entry = (*list)[k];
    std::string at = "/assignments/" + std::to_string(k);
    if (!entry.is_object()) {
      fail(at, "an assignment must be a JSON object");
      continue;
    }
    auto step_it = entry.find("step");
    auto index = step_it != entry.end() && step_it->is_string()
                     ? step_index.find(step_it->get<std::string>())
                     : step_index.end();
    if (index == step_index.end()) {
      fail(at + "/step", "must name a step of the problem");
      continue;
    }
    if (seen[index->second]) {
      fail(at + "/step", "step '" + index->first + "' is assigned twice");
      continue;
    }
    seen[index->second] = true;
    Assignment& a = schedule.assignments[index->second];
    a.step = index->second;
    auto device = entry.find("device");
    if (device == entry.end() || device->is_null()) {
      a.device = kNoDevice;
    } else if (auto d = device->is_string() ? device_index.find(device->get<std::string>()) : device_index.end();
               d != device_index.end()) {
      a.device = d->second;
    } else {
      fail(at + "/device", "must name a device of the problem (or be null)");
    }
    if (auto unit = entry.find("unit"); unit != entry.end()) {
      if (unit->is_number_integer()) a.unit = unit->get<int>();
      else fail(at + "/unit", "must be an integer");
    }
    a.start = time_at(entry, at, "start");
    a.end = time_at(entry, at, "end");
  }
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) fail("/assignments", "step '" + problem.steps[i].id + "' has no assignment");
  if (!diagnostics.empty()) throw InputError(diagnostics);
  return schedule;
}

}  // namespace foundry::planner
