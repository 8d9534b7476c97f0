// The store's record of runs as a Timeline. Everything comes through store::Store's public
// reads; what older databases lack (a run's spec, so its lags) the caller may supply through
// TimelineSources.
#include <foundry/report/store_timeline.hpp>

#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/run_spec_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

namespace foundry::report {

namespace {

// A run leaves a hold on its next run-level state change (running, cancelled, done, failed).
bool is_hold_start(const store::Event& e) { return e.kind == "run_held" || e.kind == "hold" || e.kind == "step_held"; }
bool ends_hold(const store::Event& e) {
  return e.step_id.empty() && e.kind.rfind("run_", 0) == 0 && !is_hold_start(e) && e.kind != "run_created";
}

std::string detail_text(const std::string& detail_json) {
  auto detail = nlohmann::json::parse(detail_json, nullptr, false);
  if (detail.is_discarded() || (detail.is_object() && detail.empty())) return {};
  if (detail.is_object()) {
    for (const char* key : {"message", "reason", "error"})
      if (detail.contains(key) && detail[key].is_string()) return detail[key].get<std::string>();
  }
  return detail.dump();
}

}  // namespace

std::map<std::string, std::vector<Dependency>> dependencies_of(const RunSpec& run) {
  std::map<std::string, std::vector<Dependency>> out;
  for (const auto& step : run.steps)
    for (const auto& dep : step.after)
      if (dep.max_lag_s) out[step.id].push_back(dep);
  return out;
}

Timeline timeline_from_store(const store::Store& store, const std::vector<std::string>& run_ids,
                             const TimelineSources& sources) {
  Timeline timeline;
  auto all = store.runs();
  std::vector<store::RunRow> runs;
  if (run_ids.empty()) {
    runs = all;
  } else {
    for (const auto& id : run_ids) {
      auto it = std::find_if(all.begin(), all.end(), [&](const store::RunRow& r) { return r.run_id == id; });
      if (it == all.end()) {
        std::string known;
        for (const auto& r : all) known += (known.empty() ? "" : ", ") + r.run_id;
        throw std::invalid_argument("no run '" + id + "' in " + store.file().string() +
                                    (known.empty() ? " (it has no runs)" : " (runs: " + known + ")"));
      }
      runs.push_back(*it);
    }
  }
  timeline.title = store.file().filename().string();

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  auto extend = [&](std::optional<double> t) {
    if (!t) return;
    lo = std::min(lo, *t);
    hi = std::max(hi, *t);
  };
  std::map<std::string, int> units_seen;  // device -> highest unit + 1
  std::vector<std::string> device_order;
  for (const auto& run : runs) {
    timeline.runs.push_back(run.run_id);
    extend(run.created_at);
    extend(run.finished_at);
    std::map<std::string, const Bar*> by_step;
    std::size_t first = timeline.bars.size();
    for (const auto& s : store.steps(run.run_id)) {
      if (s.device_id.empty()) continue;  // never planned: nothing to place on a lane
      Bar bar{s.run_id, s.step_id, s.operation, s.device_id, std::max(0, s.unit), s.state, s.attempt,
              s.planned_start, s.planned_end, s.started_at, s.finished_at};
      extend(bar.planned_start);
      extend(bar.planned_end);
      extend(bar.started);
      extend(bar.finished);
      if (!units_seen.count(bar.device_id)) device_order.push_back(bar.device_id);
      units_seen[bar.device_id] = std::max(units_seen[bar.device_id], bar.unit + 1);
      timeline.bars.push_back(std::move(bar));
    }
    for (std::size_t i = first; i < timeline.bars.size(); ++i) by_step[timeline.bars[i].step_id] = &timeline.bars[i];

    // Windows: from the predecessor's actual start/end when it ran, else its planned one. The
    // lags come from the run as recorded; a spec that does not parse only costs the windows.
    std::map<std::string, std::vector<Dependency>> recorded;
    if (auto spec = store.run_spec_json(run.run_id)) {
      try {
        recorded = dependencies_of(run_spec_from_json(*spec, run.run_id));
      } catch (const std::exception&) {
        recorded.clear();
      }
    }
    const auto& lags = recorded.empty() ? sources.dependencies : recorded;
    for (std::size_t i = first; i < timeline.bars.size(); ++i) {
      const Bar& bar = timeline.bars[i];
      auto deps = lags.find(bar.step_id);
      if (deps == lags.end()) continue;
      for (const auto& dep : deps->second) {
        auto pred = by_step.find(dep.step);
        if (pred == by_step.end() || !dep.max_lag_s) continue;
        const Bar& p = *pred->second;
        std::optional<double> ref = dep.from == Anchor::kStart ? (p.started ? p.started : p.planned_start)
                                                               : (p.finished ? p.finished : p.planned_end);
        if (!ref) continue;
        timeline.windows.push_back({bar.run_id, bar.step_id, dep.step, bar.device_id, bar.unit,
                                    *ref + static_cast<double>(dep.min_lag_s),
                                    *ref + static_cast<double>(*dep.max_lag_s)});
      }
    }

    // Holds: a run held until its next run-level state change; a step held (waiting for an
    // operator) until its next event.
    std::optional<std::size_t> run_hold;
    std::map<std::string, std::size_t> step_holds;
    for (const auto& e : store.events(run.run_id)) {
      const Bar* bar = nullptr;
      if (!e.step_id.empty()) {
        auto it = by_step.find(e.step_id);
        if (it != by_step.end()) bar = it->second;
      }
      if (!e.step_id.empty() && !is_hold_start(e)) {
        auto held = step_holds.find(e.step_id);
        if (held != step_holds.end()) {
          timeline.marks[held->second].until = e.t;
          step_holds.erase(held);
        }
      }
      if (run_hold && ends_hold(e)) {
        timeline.marks[*run_hold].until = e.t;
        run_hold.reset();
      }
      if (e.kind == "step_failed" || e.kind == "step_attempt_failed" || e.kind == "constraint_violated") {
        Mark mark;
        mark.kind = e.kind == "constraint_violated" ? MarkKind::kViolation : MarkKind::kFault;
        mark.t = e.t;
        mark.run_id = e.run_id;
        mark.step_id = e.step_id;
        if (bar) {
          mark.device_id = bar->device_id;
          mark.unit = bar->unit;
        }
        std::string detail = detail_text(e.detail_json);
        mark.text = (mark.kind == MarkKind::kFault ? "failed: " : "started outside its window: ") + e.step_id +
                    (detail.empty() ? "" : " (" + detail + ")");
        if (mark.kind == MarkKind::kViolation) {
          auto d = nlohmann::json::parse(e.detail_json, nullptr, false);
          if (d.is_object() && d.contains("late_by_s") && d["late_by_s"].is_number() && d.contains("predecessor") &&
              d["predecessor"].is_string())
            mark.text = e.step_id + " started " + std::to_string(static_cast<long long>(d["late_by_s"].get<double>())) +
                        " s after its window after '" + d["predecessor"].get<std::string>() + "' closed";
        }
        timeline.marks.push_back(std::move(mark));
      } else if (is_hold_start(e)) {
        const bool step_level = !e.step_id.empty();
        if (step_level ? step_holds.count(e.step_id) > 0 : run_hold.has_value()) continue;
        Mark mark;
        mark.kind = MarkKind::kHold;
        mark.t = e.t;
        mark.run_id = e.run_id;
        mark.step_id = e.step_id;
        if (bar) {
          mark.device_id = bar->device_id;
          mark.unit = bar->unit;
        }
        std::string detail = detail_text(e.detail_json);
        mark.text = (step_level ? e.step_id + " of " + e.run_id + " held for an operator" : "run " + e.run_id + " held") +
                    (detail.empty() ? "" : ": " + detail);
        (step_level ? step_holds[e.step_id] : run_hold.emplace()) = timeline.marks.size();
        timeline.marks.push_back(std::move(mark));
      }
      extend(e.t);
    }
  }

  // Devices out of service: run-less events in the whole log.
  std::map<std::string, std::size_t> out_of_service;
  for (std::int64_t after = 0;;) {
    auto batch = store.events_since(after, 5000);
    for (const auto& e : batch) {
      if (e.kind != "device_out_of_service" && e.kind != "device_in_service") continue;
      auto detail = nlohmann::json::parse(e.detail_json, nullptr, false);
      if (!detail.is_object() || !detail.contains("device") || !detail["device"].is_string()) continue;
      std::string device = detail["device"];
      auto open = out_of_service.find(device);
      if (e.kind == "device_in_service") {
        if (open != out_of_service.end()) {
          timeline.marks[open->second].until = e.t;
          out_of_service.erase(open);
        }
      } else if (open == out_of_service.end()) {
        Mark mark;
        mark.kind = MarkKind::kOutOfService;
        mark.t = e.t;
        mark.device_id = device;
        std::string reason = detail.contains("reason") && detail["reason"].is_string() ? detail["reason"].get<std::string>() : "";
        mark.text = device + " out of service" + (reason.empty() ? "" : ": " + reason);
        out_of_service[device] = timeline.marks.size();
        timeline.marks.push_back(std::move(mark));
      }
    }
    if (batch.size() < 5000) break;
    after = batch.back().seq;
  }
  // Only periods that overlap what is drawn.
  std::erase_if(timeline.marks, [&](const Mark& m) {
    return m.kind == MarkKind::kOutOfService && (m.t > hi || (m.until && *m.until < lo));
  });

  if (sources.workcell) {
    for (const auto& d : sources.workcell->devices) timeline.devices.push_back({d.id, d.type, d.capacity});
  }
  for (const auto& id : device_order) {
    auto known = std::find_if(timeline.devices.begin(), timeline.devices.end(),
                              [&](const TimelineDevice& d) { return d.id == id; });
    if (known == timeline.devices.end()) {
      std::string type;
      for (const auto& run : runs)
        for (const auto& s : store.steps(run.run_id))
          if (s.device_id == id && type.empty()) type = s.device_type;
      timeline.devices.push_back({id, type, units_seen[id]});
    } else {
      known->capacity = std::max(known->capacity, units_seen[id]);
    }
  }
  if (lo > hi) lo = hi = 0;
  timeline.origin = lo;
  timeline.end = std::max(hi, lo + 1);
  return timeline;
}

}  // namespace foundry::report
