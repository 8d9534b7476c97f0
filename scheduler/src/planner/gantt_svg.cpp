// Gantt chart as SVG. Steps holding several units (Step::demands) have no unit assigned by the
// planner; for drawing only, they are laid onto free lanes in order of start time.
#include <foundry/planner/gantt_svg.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace foundry::planner {

namespace {

constexpr int kLabelWidth = 150;
constexpr int kChartWidth = 1100;
constexpr int kLaneHeight = 14;
constexpr int kDeviceGap = 6;
constexpr int kAxisHeight = 24;
constexpr int kMaxLanesPerDevice = 64;  // larger devices are drawn with their busiest lanes only

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A distinct, readable colour per job (golden-angle hues).
std::string job_colour(std::size_t job) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "hsl(%d,60%%,62%%)", static_cast<int>((job * 137) % 360));
  return buffer;
}

// A round tick spacing giving about ten ticks over `span`.
Time tick_spacing(Time span) {
  Time step = 1;
  while (span / step > 10) {
    if (span / (step * 2) <= 10) return step * 2;
    if (span / (step * 5) <= 10) return step * 5;
    step *= 10;
  }
  return step;
}

struct Box {
  std::size_t step;
  int lane;  // within its device
  Time start, end;
};

}  // namespace

std::string write_gantt_svg(const Problem& problem, const Schedule& schedule) {
  // Boxes per device: unit steps on their unit, demand steps greedily on free lanes.
  std::vector<std::vector<Box>> boxes(problem.devices.size());
  std::vector<const Assignment*> by_start;
  for (const Assignment& a : schedule.assignments) by_start.push_back(&a);
  std::sort(by_start.begin(), by_start.end(), [](const Assignment* x, const Assignment* y) {
    return x->start != y->start ? x->start < y->start : x->step < y->step;
  });
  std::vector<std::vector<Time>> lane_free(problem.devices.size());  // demand-step lanes
  for (const Assignment* a : by_start) {
    if (a->step >= problem.steps.size()) continue;
    const Step& step = problem.steps[a->step];
    if (step.demands.empty()) {
      if (a->device < problem.devices.size())
        boxes[a->device].push_back({a->step, std::max(0, a->unit), a->start, a->end});
      continue;
    }
    for (const Demand& d : step.demands) {
      if (d.device >= problem.devices.size()) continue;
      auto& free = lane_free[d.device];
      const int wanted = std::min(d.amount, kMaxLanesPerDevice);  // drawing only
      for (int taken = 0, lane = 0; taken < wanted; ++lane) {
        if (static_cast<std::size_t>(lane) == free.size()) free.push_back(a->start);
        if (free[static_cast<std::size_t>(lane)] <= a->start) {
          free[static_cast<std::size_t>(lane)] = a->end;
          boxes[d.device].push_back({a->step, lane, a->start, a->end});
          ++taken;
        }
      }
    }
  }

  Time horizon = std::max<Time>(schedule.makespan, 1);
  for (const Assignment& a : schedule.assignments) horizon = std::max(horizon, a.end);
  auto x_of = [&](Time t) {
    return kLabelWidth + static_cast<double>(t) * kChartWidth / static_cast<double>(horizon);
  };

  std::vector<int> lanes(problem.devices.size(), 1);
  for (std::size_t d = 0; d < problem.devices.size(); ++d) {
    for (const Box& b : boxes[d]) lanes[d] = std::max(lanes[d], b.lane + 1);
    lanes[d] = std::min(lanes[d], kMaxLanesPerDevice);
  }
  int height = kAxisHeight;
  for (int n : lanes) height += n * kLaneHeight + kDeviceGap;

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLabelWidth + kChartWidth + 20
      << "\" height=\"" << height + 10 << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<title>" << escape(problem.name) << ": makespan " << schedule.makespan << "</title>\n";

  std::vector<int> top(problem.devices.size());
  int y = kAxisHeight;
  for (std::size_t d = 0; d < problem.devices.size(); ++d) {
    top[d] = y;
    y += lanes[d] * kLaneHeight + kDeviceGap;
  }

  // Device bands and names first, then the time grid over them, then the boxes on top.
  for (std::size_t d = 0; d < problem.devices.size(); ++d) {
    const Device& device = problem.devices[d];
    std::string detail = device.type == device.id ? "" : device.type;
    if (device.capacity > 1) detail += (detail.empty() ? "" : ", ") + std::to_string(device.capacity) + " units";
    svg << "<rect x=\"0\" y=\"" << top[d] << "\" width=\"" << kLabelWidth + kChartWidth << "\" height=\""
        << lanes[d] * kLaneHeight << "\" fill=\"" << (d % 2 ? "#f7f7f7" : "#ececec") << "\"/><text x=\"4\" y=\""
        << top[d] + 11 << "\">" << escape(device.id) << (detail.empty() ? "" : " (" + escape(detail) + ")")
        << "</text>\n";
  }
  // Long lab schedules are read in hours, short benchmark ones in their own units.
  const bool in_hours = horizon >= 3 * 3600;
  const Time tick = in_hours ? tick_spacing((horizon + 3599) / 3600) * 3600 : tick_spacing(horizon);
  for (Time t = 0; t <= horizon; t += tick) {
    double x = x_of(t);
    svg << "<line x1=\"" << x << "\" y1=\"" << kAxisHeight - 4 << "\" x2=\"" << x << "\" y2=\"" << height
        << "\" stroke=\"#bbb\" stroke-width=\"0.5\"/><text x=\"" << x << "\" y=\"" << kAxisHeight - 8
        << "\" text-anchor=\"middle\">" << (in_hours ? std::to_string(t / 3600) + " h" : std::to_string(t))
        << "</text>\n";
  }
  for (std::size_t d = 0; d < problem.devices.size(); ++d) {
    const Device& device = problem.devices[d];
    svg << "<g class=\"device\" id=\"" << escape(device.id) << "\">\n";
    for (const Box& b : boxes[d]) {
      if (b.lane >= kMaxLanesPerDevice) continue;
      const Step& step = problem.steps[b.step];
      double x0 = x_of(b.start), x1 = x_of(b.end);
      svg << "<rect x=\"" << x0 << "\" y=\"" << top[d] + b.lane * kLaneHeight + 1 << "\" width=\""
          << std::max(x1 - x0, 1.0) << "\" height=\"" << kLaneHeight - 2 << "\" fill=\"" << job_colour(step.job)
          << "\" stroke=\"#333\" stroke-width=\"0.5\"><title>" << escape(step.id);
      if (step.job < problem.jobs.size()) svg << " (job " << escape(problem.jobs[step.job].id) << ")";
      svg << " on " << escape(device.id);
      if (step.demands.empty() && device.capacity > 1) svg << " unit " << b.lane;
      svg << ": " << b.start << "-" << b.end << "</title></rect>\n";
    }
    svg << "</g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace foundry::planner
