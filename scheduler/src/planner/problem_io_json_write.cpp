// A Problem as neutral planning-problem JSON (see problem_io_json.cpp for the extensions).
#include <foundry/planner/problem_io.hpp>

#include <nlohmann/json.hpp>

namespace foundry::planner {

std::string write_problem_json(const Problem& problem) {
  using json = nlohmann::ordered_json;  // keys in a meaningful order
  json doc = json::object();
  doc["name"] = problem.name;
  json devices = json::array();
  for (const Device& d : problem.devices) {
    json device = {{"id", d.id}, {"type", d.type}, {"capacity", d.capacity}};
    if (!d.downtimes.empty()) {
      json downtimes = json::array();
      for (const Downtime& t : d.downtimes)
        downtimes.push_back({{"from", t.from}, {"to", t.to >= kForever ? json(nullptr) : json(t.to)}});
      device["downtimes"] = std::move(downtimes);
    }
    devices.push_back(std::move(device));
  }
  doc["devices"] = std::move(devices);

  json jobs = json::array();
  for (const Job& job : problem.jobs) {
    json j = {{"id", job.id}, {"priority", job.priority}, {"release", job.release}};
    j["deadline"] = job.deadline ? json(*job.deadline) : json(nullptr);
    json steps = json::array();
    for (std::size_t index : job.steps) {
      const Step& step = problem.steps.at(index);
      json s = {{"id", step.id}};
      if (step.release != 0) s["release"] = step.release;
      if (!step.demands.empty() || (step.type.empty() && step.alternatives.empty())) {
        json demands = json::array();
        for (const Demand& d : step.demands)
          demands.push_back({{"device", problem.devices.at(d.device).id}, {"amount", d.amount}});
        s["demands"] = std::move(demands);
        s["duration"] = step.duration;
      } else if (!step.alternatives.empty()) {
        if (!step.type.empty()) s["type"] = step.type;
        json alternatives = json::array();
        for (const Alternative& a : step.alternatives)
          alternatives.push_back({{"device", problem.devices.at(a.device).id}, {"duration", a.duration}});
        s["alternatives"] = std::move(alternatives);
      } else {
        s["type"] = step.type;
        s["duration"] = step.duration;
      }
      json after = json::array();
      for (const Lag& lag : step.after) {
        json a = {{"step", problem.steps.at(lag.pred).id},
                  {"from", lag.from == LagFrom::kEnd ? "end" : "start"},
                  {"min_lag", lag.min_lag}};
        a["max_lag"] = lag.max_lag ? json(*lag.max_lag) : json(nullptr);
        after.push_back(std::move(a));
      }
      s["after"] = std::move(after);
      if (step.frozen) {
        json frozen = {{"start", step.frozen->start}};
        if (step.frozen->device != kNoDevice) {
          frozen["device"] = problem.devices.at(step.frozen->device).id;
          frozen["unit"] = step.frozen->unit;
        }
        s["frozen"] = std::move(frozen);
      }
      steps.push_back(std::move(s));
    }
    j["steps"] = std::move(steps);
    jobs.push_back(std::move(j));
  }
  doc["jobs"] = std::move(jobs);
  return doc.dump(1) + "\n";
}

}  // namespace foundry::planner
