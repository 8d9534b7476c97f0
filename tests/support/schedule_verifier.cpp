// The independent verifier. Written plainly, from the constraint definitions in problem.hpp and
// ../shared/planning-problem.md, with no shared code with the planner: each check is a direct
// reading of one rule, quadratic where that is simplest, so that it is easy to trust.
#include "schedule_verifier.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

namespace foundry::testing {

namespace {

using planner::Assignment;
using planner::Device;
using planner::kNoDevice;
using planner::LagFrom;
using planner::Problem;
using planner::Schedule;
using planner::Step;
using planner::Time;

std::string quoted(const std::string& id) { return "'" + id + "'"; }

std::string interval(Time start, Time end) {
  return "[" + std::to_string(start) + ", " + std::to_string(end) + ")";
}

// A (device, amount) a step holds during its assignment.
struct Hold {
  std::size_t step;
  std::size_t device;
  int amount;
  int unit;  // -1 when the step holds interchangeable units (demands)
  Time start, end;
};

class Verifier {
 public:
  Verifier(const Problem& problem, const Schedule& schedule) : p_(problem), s_(schedule) {}

  std::vector<std::string> run() {
    if (!check_assignment_list()) return out_;
    for (std::size_t i = 0; i < p_.steps.size(); ++i) check_step(i);
    check_units();
    check_capacity();
    check_lags();
    check_makespan();
    return out_;
  }

 private:
  // One assignment per step, assignments[i].step == i. Without that nothing else can be read.
  bool check_assignment_list() {
    if (s_.assignments.size() != p_.steps.size()) {
      report("the schedule has " + std::to_string(s_.assignments.size()) + " assignments for " +
             std::to_string(p_.steps.size()) + " steps");
    }
    std::vector<int> count(p_.steps.size(), 0);
    for (std::size_t k = 0; k < s_.assignments.size(); ++k) {
      std::size_t step = s_.assignments[k].step;
      if (step >= p_.steps.size()) {
        report("assignment " + std::to_string(k) + " names step index " + std::to_string(step) +
               ", which does not exist");
        continue;
      }
      if (step != k)
        report("assignment " + std::to_string(k) + " is for step " + quoted(p_.steps[step].id) +
               " (assignments must be in step order)");
      ++count[step];
    }
    for (std::size_t i = 0; i < count.size(); ++i) {
      if (count[i] == 0) report("step " + quoted(p_.steps[i].id) + " has no assignment");
      if (count[i] > 1) report("step " + quoted(p_.steps[i].id) + " is assigned " + std::to_string(count[i]) + " times");
    }
    return out_.empty();
  }

  void check_step(std::size_t i) {
    const Step& step = p_.steps[i];
    const Assignment& a = s_.assignments[i];
    const std::string who = "step " + quoted(step.id);
    Time duration = step.duration;

    if (!step.demands.empty()) {
      if (a.device != step.demands.front().device)
        report(who + " holds several resources; its device must be the first of them, " +
               device_name(step.demands.front().device) + ", not " + device_name(a.device));
      for (const auto& d : step.demands) {
        if (d.device >= p_.devices.size()) {
          report(who + " demands device index " + std::to_string(d.device) + ", which does not exist");
          continue;
        }
        holds_.push_back({i, d.device, d.amount, -1, a.start, a.end});
      }
    } else if (!step.alternatives.empty()) {
      auto it = std::find_if(step.alternatives.begin(), step.alternatives.end(),
                             [&](const planner::Alternative& alt) { return alt.device == a.device; });
      if (it == step.alternatives.end()) {
        report(who + " runs on " + device_name(a.device) + ", which is not one of its alternatives");
        return;
      }
      duration = it->duration;
      hold_one_unit(i, a, who);
    } else if (!step.type.empty()) {
      if (a.device < p_.devices.size() && p_.devices[a.device].type != step.type)
        report(who + " needs a device of type " + quoted(step.type) + " but runs on " +
               device_name(a.device) + " of type " + quoted(p_.devices[a.device].type));
      hold_one_unit(i, a, who);
    } else if (a.device != kNoDevice) {
      report(who + " holds no resource but is assigned to " + device_name(a.device));
    }

    if (a.end - a.start != duration)
      report(who + " lasts " + std::to_string(a.end - a.start) + " s " + interval(a.start, a.end) +
             " but its duration is " + std::to_string(duration) + " s");
    if (a.start < 0) report(who + " starts at " + std::to_string(a.start) + ", before time 0");
    if (step.job < p_.jobs.size() && a.start < p_.jobs[step.job].release)
      report(who + " starts at " + std::to_string(a.start) + ", before the release of job " +
             quoted(p_.jobs[step.job].id) + " at " + std::to_string(p_.jobs[step.job].release));
    if (!step.frozen && a.start < step.release)
      report(who + " starts at " + std::to_string(a.start) + ", before its own release at " +
             std::to_string(step.release));
    if (step.frozen) {
      if (a.start != step.frozen->start)
        report(who + " is frozen at start " + std::to_string(step.frozen->start) + " but starts at " +
               std::to_string(a.start));
      if (step.frozen->device != kNoDevice &&
          (a.device != step.frozen->device || a.unit != step.frozen->unit))
        report(who + " is frozen on " + device_name(step.frozen->device) + " unit " +
               std::to_string(step.frozen->unit) + " but runs on " + device_name(a.device) +
               " unit " + std::to_string(a.unit));
    }
  }

  void hold_one_unit(std::size_t i, const Assignment& a, const std::string& who) {
    if (a.device >= p_.devices.size()) {
      report(who + " runs on device index " + std::to_string(a.device) + ", which does not exist");
      return;
    }
    const Device& device = p_.devices[a.device];
    if (a.unit < 0 || a.unit >= device.capacity) {
      report(who + " uses unit " + std::to_string(a.unit) + " of " + quoted(device.id) + ", which has units 0.." +
             std::to_string(device.capacity - 1));
    }
    holds_.push_back({i, a.device, 1, a.unit, a.start, a.end});
  }

  // No two steps on the same unit of a device at the same time; none during a downtime.
  void check_units() {
    std::map<std::pair<std::size_t, int>, std::vector<const Hold*>> by_unit;
    for (const Hold& h : holds_)
      if (h.unit >= 0 && h.end > h.start) by_unit[{h.device, h.unit}].push_back(&h);
    for (auto& [key, list] : by_unit) {
      std::sort(list.begin(), list.end(), [](const Hold* x, const Hold* y) { return x->start < y->start; });
      for (std::size_t k = 1; k < list.size(); ++k) {
        // Compare with every earlier hold still running, not just the previous one.
        for (std::size_t e = 0; e < k; ++e) {
          if (list[e]->end > list[k]->start)
            report("steps " + quoted(p_.steps[list[e]->step].id) + " " + interval(list[e]->start, list[e]->end) +
                   " and " + quoted(p_.steps[list[k]->step].id) + " " + interval(list[k]->start, list[k]->end) +
                   " overlap on " + quoted(p_.devices[key.first].id) + " unit " + std::to_string(key.second));
        }
      }
    }
    for (const Hold& h : holds_) {
      if (h.end <= h.start) continue;
      for (const auto& down : p_.devices[h.device].downtimes)
        if (h.start < down.to && down.from < h.end)
          report("step " + quoted(p_.steps[h.step].id) + " " + interval(h.start, h.end) + " holds " +
                 quoted(p_.devices[h.device].id) + " during its downtime " + interval(down.from, down.to));
    }
  }

  // The sum of units held on a device at any moment is at most its capacity. Usage only rises at
  // a start, so checking at every start is enough.
  void check_capacity() {
    for (std::size_t d = 0; d < p_.devices.size(); ++d) {
      std::vector<const Hold*> on_device;
      for (const Hold& h : holds_)
        if (h.device == d && h.end > h.start) on_device.push_back(&h);
      for (const Hold* at : on_device) {
        long long used = 0;
        std::vector<std::string> who;
        for (const Hold* h : on_device)
          if (h->start <= at->start && at->start < h->end) {
            used += h->amount;
            who.push_back(quoted(p_.steps[h->step].id));
          }
        if (used > p_.devices[d].capacity) {
          std::string names;
          for (const auto& w : who) names += (names.empty() ? "" : ", ") + w;
          report("device " + quoted(p_.devices[d].id) + " holds " + std::to_string(used) + " units at time " +
                 std::to_string(at->start) + " but has capacity " + std::to_string(p_.devices[d].capacity) +
                 " (" + names + ")");
          break;  // one report per device is enough to see the fault
        }
      }
    }
  }

  void check_lags() {
    for (std::size_t i = 0; i < p_.steps.size(); ++i) {
      const Step& step = p_.steps[i];
      for (const auto& lag : step.after) {
        if (lag.pred >= p_.steps.size()) {
          report("step " + quoted(step.id) + " comes after step index " + std::to_string(lag.pred) + ", which does not exist");
          continue;
        }
        const Assignment& pred = s_.assignments[lag.pred];
        bool from_end = lag.from == LagFrom::kEnd;
        Time ref = from_end ? pred.end : pred.start;
        Time gap = s_.assignments[i].start - ref;
        std::string what = "step " + quoted(step.id) + " starts " + std::to_string(gap) + " s after the " +
                           (from_end ? "end" : "start") + " of " + quoted(p_.steps[lag.pred].id);
        if (gap < lag.min_lag) report(what + ", less than the min lag " + std::to_string(lag.min_lag) + " s");
        if (lag.max_lag && gap > *lag.max_lag)
          report(what + ", more than the max lag " + std::to_string(*lag.max_lag) + " s");
      }
    }
  }

  void check_makespan() {
    Time latest = 0;
    for (const Assignment& a : s_.assignments) latest = std::max(latest, a.end);
    if (latest != s_.makespan)
      report("the reported makespan is " + std::to_string(s_.makespan) + " but the last step ends at " +
             std::to_string(latest));
  }

  std::string device_name(std::size_t device) const {
    if (device == kNoDevice) return "no device";
    if (device >= p_.devices.size()) return "device index " + std::to_string(device);
    return quoted(p_.devices[device].id);
  }

  void report(std::string violation) { out_.push_back(std::move(violation)); }

  const Problem& p_;
  const Schedule& s_;
  std::vector<Hold> holds_;
  std::vector<std::string> out_;
};

}  // namespace

std::vector<std::string> verify_schedule(const planner::Problem& problem, const planner::Schedule& schedule) {
  return Verifier(problem, schedule).run();
}

std::string describe_violations(const std::vector<std::string>& violations) {
  std::ostringstream text;
  for (const auto& v : violations) text << "  - " << v << "\n";
  return text.str();
}

}  // namespace foundry::testing
