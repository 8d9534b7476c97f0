// Gantt chart of a Timeline. Layout, top to bottom: legend, time axis, then per device a lane
// (an array: a header row, then one lane per vessel that was used, so 24-vessel arrays stay
// readable). On a lane the plan in force is a thin outline above a solid bar of what ran; a
// max-lag window is a shaded band behind them. Every shape carries a <title> for hover text.
#include <foundry/report/gantt.hpp>

#include "report/svg_text.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace foundry::report {

namespace {

using detail::escape;
using detail::num;

constexpr double kLabelWidth = 210;
constexpr double kChartWidth = 1080;
constexpr double kRightMargin = 20;
constexpr double kLaneHeight = 22;
constexpr double kHeaderHeight = 18;
constexpr double kDeviceGap = 4;
constexpr double kLegendHeight = 46;
constexpr double kAxisHeight = 26;
constexpr std::size_t kMaxLegendRuns = 10;

constexpr const char* kFaultColour = "#d32f2f";
constexpr const char* kHoldColour = "#f57c00";
constexpr const char* kWindowColour = "#00897b";  // teal: apart from holds (orange) and faults (red)

struct Lane {
  std::string device_id;
  int unit = -1;  // -1: the device's header row (arrays) holds no bars
  std::string label;
  double y = 0;
  double height = kLaneHeight;
  bool of_array = false;  // a vessel or slot under its array's header row: labelled by unit
};

struct Layout {
  std::vector<Lane> lanes;
  std::map<std::pair<std::string, int>, std::size_t> lane_of;  // (device, unit) -> lane
  double chart_top = kLegendHeight + kAxisHeight;
  double bottom = 0;
};

Layout lay_out(const Timeline& timeline) {
  Layout layout;
  std::map<std::string, std::set<int>> used;
  for (const auto& b : timeline.bars) used[b.device_id].insert(b.unit);
  double y = layout.chart_top;
  for (const auto& device : timeline.devices) {
    const auto& units = used[device.id];
    std::string name = device.id + (device.type.empty() || device.type == device.id ? "" : " · " + device.type);
    if (device.capacity <= 1) {
      layout.lane_of[{device.id, 0}] = layout.lanes.size();
      layout.lanes.push_back({device.id, 0, name, y, kLaneHeight});
      y += kLaneHeight + kDeviceGap;
      continue;
    }
    // Units are vessels in a bioreactor array, slots elsewhere (incubators, hotels); numbered from
    // 0 as in the database and `foundry history`.
    const bool vessels = device.type.find("bioreactor") != std::string::npos;
    const std::string unit_word = vessels ? "vessel" : "slot";
    std::string header = name + " · " + std::to_string(units.size()) + "/" + std::to_string(device.capacity) + " " +
                         unit_word + "s used";
    layout.lanes.push_back({device.id, -1, header, y, kHeaderHeight});
    y += kHeaderHeight;
    for (int unit : units) {
      layout.lane_of[{device.id, unit}] = layout.lanes.size();
      layout.lanes.push_back({device.id, unit, unit_word + " " + std::to_string(unit), y, kLaneHeight, true});
      y += kLaneHeight;
    }
    if (units.empty()) {  // an idle array still gets a lane, so idleness is visible
      layout.lanes.push_back({device.id, 0, "(idle)", y, kLaneHeight, true});
      y += kLaneHeight;
    }
    y += kDeviceGap;
  }
  layout.bottom = y;
  return layout;
}

void legend(std::ostringstream& svg, const Timeline& timeline) {
  double x = 8, y = 16;
  svg << "<g class=\"legend\" font-size=\"11\">\n";
  std::size_t shown = std::min(timeline.runs.size(), kMaxLegendRuns);
  for (std::size_t i = 0; i < shown; ++i) {
    svg << "<rect x=\"" << num(x) << "\" y=\"" << num(y - 9) << "\" width=\"12\" height=\"10\" fill=\""
        << detail::series_colour(i) << "\"/><text x=\"" << num(x + 16) << "\" y=\"" << num(y) << "\">"
        << escape(timeline.runs[i]) << "</text>\n";
    x += 24 + 6.5 * static_cast<double>(timeline.runs[i].size());
    if (x > kLabelWidth + kChartWidth - 160) {
      x = 8;
      y += 14;
    }
  }
  if (timeline.runs.size() > shown)
    svg << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\">+" << timeline.runs.size() - shown
        << " more runs</text>\n";
  // The key to the marks, on its own row.
  y = kLegendHeight - 8;
  x = 8;
  auto item = [&](const std::string& shape, const std::string& text) {
    svg << "<g transform=\"translate(" << num(x) << "," << num(y - 9) << ")\">" << shape << "</g><text x=\""
        << num(x + 26) << "\" y=\"" << num(y) << "\">" << escape(text) << "</text>\n";
    x += 40 + 6.2 * static_cast<double>(text.size());
  };
  item("<rect x=\"0\" y=\"1\" width=\"22\" height=\"4\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"3 2\"/>",
       "plan in force");
  item("<rect x=\"0\" y=\"3\" width=\"22\" height=\"8\" fill=\"#888\"/>", "what ran");
  item(std::string("<rect x=\"0\" y=\"0\" width=\"22\" height=\"11\" fill=\"") + kWindowColour +
           "\" fill-opacity=\"0.12\" stroke=\"" + kWindowColour + "\" stroke-dasharray=\"2 2\"/>",
       "max-lag window (must start here)");
  item(std::string("<path d=\"M7 1 L15 9 M15 1 L7 9\" stroke=\"") + kFaultColour + "\" stroke-width=\"2.2\"/>",
       "failed step");
  item(std::string("<path d=\"M6 0 L16 0 L11 9 Z\" fill=\"") + kFaultColour + "\"/>", "late start (violation)");
  item(std::string("<rect x=\"0\" y=\"0\" width=\"22\" height=\"11\" fill=\"") + kHoldColour +
           "\" fill-opacity=\"0.3\"/>",
       "held (run or step)");
  item("<rect x=\"0\" y=\"0\" width=\"22\" height=\"11\" fill=\"#9e9e9e\" fill-opacity=\"0.5\" stroke=\"#616161\"/>",
       "device out of service");
  svg << "</g>\n";
}

// An instant as the chart names it: a date, or the time since the origin for undated timelines.
std::string when(const Timeline& timeline, double t) {
  return timeline.dated ? detail::utc_time(t) : "+" + detail::duration_text(t - timeline.origin);
}

// Steps shown: a step holding several units has a bar on each, so bars overcount.
std::size_t step_count(const Timeline& timeline) {
  std::set<std::pair<std::string, std::string>> steps;
  for (const auto& b : timeline.bars) steps.emplace(b.run_id, b.step_id);
  return steps.size();
}

}  // namespace

std::string gantt_svg(const Timeline& timeline) {
  Layout layout = lay_out(timeline);
  const double span = std::max(timeline.end - timeline.origin, 1.0);
  auto x_of = [&](double t) { return kLabelWidth + (t - timeline.origin) * kChartWidth / span; };
  const double width = kLabelWidth + kChartWidth + kRightMargin;
  const double height = std::max(layout.bottom, layout.chart_top + kLaneHeight) + 8;
  std::map<std::string, std::size_t> run_index;
  for (std::size_t i = 0; i < timeline.runs.size(); ++i) run_index[timeline.runs[i]] = i;
  auto colour_of = [&](const std::string& run) {
    auto it = run_index.find(run);
    return it == run_index.end() ? std::string("#999") : detail::series_colour(it->second);
  };
  auto lane_for = [&](const std::string& device, int unit) -> const Lane* {
    auto it = layout.lane_of.find({device, unit});
    return it == layout.lane_of.end() ? nullptr : &layout.lanes[it->second];
  };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" width=\"" << num(width) << "\" height=\""
      << num(height) << "\" viewBox=\"0 0 " << num(width) << " " << num(height)
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<title>" << escape(timeline.title) << ": " << step_count(timeline) << " steps, "
      << escape(detail::duration_text(span))
      << (timeline.dated ? " from " + escape(detail::utc_time(timeline.origin)) : std::string()) << "</title>\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  legend(svg, timeline);

  // Lane backgrounds and labels.
  for (std::size_t i = 0; i < layout.lanes.size(); ++i) {
    const Lane& lane = layout.lanes[i];
    const bool header = lane.unit < 0;
    svg << "<rect x=\"0\" y=\"" << num(lane.y) << "\" width=\"" << num(kLabelWidth + kChartWidth) << "\" height=\""
        << num(lane.height) << "\" fill=\"" << (header ? "#e3e7ee" : (i % 2 ? "#f6f7f9" : "#eceef2")) << "\"/>";
    svg << "<text x=\"" << (header ? 4 : 14) << "\" y=\"" << num(lane.y + lane.height / 2 + 4) << "\""
        << (lane.of_array ? "" : " font-weight=\"bold\"") << ">"
        << escape(lane.label) << "</text>\n";
  }

  // Time axis: hours for long spans, minutes otherwise; the origin as a date.
  const bool hours = span >= 3 * 3600;
  const double unit = hours ? 3600 : 60;
  const double tick = detail::tick_spacing(span / unit, 12) * unit;
  const double axis_y = kLegendHeight + kAxisHeight - 6;
  if (timeline.dated)
    svg << "<text x=\"4\" y=\"" << num(axis_y) << "\" fill=\"#444\">" << escape(detail::utc_time(timeline.origin))
        << "</text>\n";
  for (double t = 0; t <= span + 1e-6; t += tick) {
    double x = x_of(timeline.origin + t);
    svg << "<line x1=\"" << num(x) << "\" y1=\"" << num(axis_y + 2) << "\" x2=\"" << num(x) << "\" y2=\""
        << num(layout.bottom) << "\" stroke=\"#c4c8d0\" stroke-width=\"0.6\"/><text x=\"" << num(x) << "\" y=\""
        << num(axis_y) << "\" text-anchor=\"middle\" fill=\"#444\">" << num(t / unit) << (hours ? " h" : " min")
        << "</text>\n";
  }

  // Devices out of service: hatched over all the device's lanes.
  svg << "<defs><pattern id=\"out-of-service\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
         "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#9e9e9e\" fill-opacity=\"0.25\"/>"
         "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#616161\" stroke-width=\"2\"/></pattern></defs>\n";
  for (const auto& m : timeline.marks) {
    if (m.kind != MarkKind::kOutOfService) continue;
    double top = -1, bottom = -1;
    for (const auto& lane : layout.lanes)
      if (lane.device_id == m.device_id) {
        if (top < 0) top = lane.y;
        bottom = lane.y + lane.height;
      }
    if (top < 0) continue;
    double x0 = x_of(std::max(m.t, timeline.origin)), x1 = x_of(std::min(m.until.value_or(timeline.end), timeline.end));
    svg << "<rect class=\"out-of-service\" x=\"" << num(x0) << "\" y=\"" << num(top) << "\" width=\""
        << num(std::max(x1 - x0, 2.0)) << "\" height=\"" << num(bottom - top)
        << "\" fill=\"url(#out-of-service)\" stroke=\"#616161\"><title>" << escape(m.text) << " ("
        << escape(m.until ? detail::duration_text(*m.until - m.t) : "still out") << ")</title></rect>\n";
  }

  // Holds behind everything else on the chart: a run held stops the whole run.
  for (const auto& m : timeline.marks) {
    if (m.kind != MarkKind::kHold) continue;
    double x0 = x_of(m.t), x1 = x_of(m.until.value_or(timeline.end));
    // A held step marks its own lane; a held run the whole chart.
    const Lane* lane = m.device_id.empty() ? nullptr : lane_for(m.device_id, m.unit);
    double top = lane ? lane->y : layout.chart_top;
    double band = lane ? lane->height : layout.bottom - layout.chart_top;
    svg << "<rect class=\"hold\" x=\"" << num(x0) << "\" y=\"" << num(top) << "\" width=\""
        << num(std::max(x1 - x0, 2.0)) << "\" height=\"" << num(band) << "\" fill=\""
        << kHoldColour << "\" fill-opacity=\"0.18\" stroke=\"" << kHoldColour << "\" stroke-width=\"1\"><title>"
        << escape(m.text) << " (" << escape(m.until ? detail::duration_text(*m.until - m.t) : "still held")
        << ")</title></rect>\n";
  }

  for (const auto& w : timeline.windows) {
    const Lane* lane = lane_for(w.device_id, w.unit);
    if (!lane) continue;
    double x0 = x_of(w.open), x1 = x_of(w.close);
    svg << "<rect class=\"window\" x=\"" << num(x0) << "\" y=\"" << num(lane->y + 1) << "\" width=\""
        << num(std::max(x1 - x0, 1.5)) << "\" height=\"" << num(lane->height - 2) << "\" fill=\"" << kWindowColour
        << "\" fill-opacity=\"0.12\" stroke=\"" << kWindowColour << "\" stroke-dasharray=\"2 2\"><title>"
        << escape(w.run_id + " " + w.step_id + " must start within " + detail::duration_text(w.close - w.open) +
                  " window after " + w.predecessor + " (" + when(timeline, w.open) + " to " +
                  when(timeline, w.close) + ")")
        << "</title></rect>\n";
  }

  for (const auto& b : timeline.bars) {
    const Lane* lane = lane_for(b.device_id, b.unit);
    if (!lane) continue;
    const std::string colour = colour_of(b.run_id);
    std::string what = b.run_id + " " + b.step_id + (b.operation.empty() ? "" : " (" + b.operation + ")") +
                       " on " + b.device_id + (lane->of_array ? " " + lane->label : "") +
                       ": " + b.state +
                       (b.attempt > 1 ? ", attempt " + std::to_string(b.attempt) : "");
    svg << "<g class=\"step\" data-run=\"" << escape(b.run_id) << "\">";
    if (b.planned_start && b.planned_end) {
      double x0 = x_of(*b.planned_start), x1 = x_of(*b.planned_end);
      svg << "<rect class=\"plan\" x=\"" << num(x0) << "\" y=\"" << num(lane->y + 3) << "\" width=\""
          << num(std::max(x1 - x0, 1.0)) << "\" height=\"5\" fill=\"none\" stroke=\"" << colour
          << "\" stroke-width=\"1.2\" stroke-dasharray=\"3 2\"><title>" << escape(what) << "; planned "
          << escape(when(timeline, *b.planned_start)) << ", " << escape(detail::duration_text(*b.planned_end - *b.planned_start))
          << "</title></rect>";
    }
    if (b.started) {
      const bool failed = b.state == "failed";
      double end = b.finished.value_or(timeline.end);
      double x0 = x_of(*b.started), x1 = x_of(end);
      svg << "<rect class=\"ran" << (failed ? " failed" : "") << "\" x=\"" << num(x0) << "\" y=\""
          << num(lane->y + 9) << "\" width=\"" << num(std::max(x1 - x0, 1.5)) << "\" height=\"10\" fill=\""
          << (b.state == "skipped" ? "#bbb" : colour) << "\" stroke=\"" << (failed ? kFaultColour : "#333")
          << "\" stroke-width=\"" << (failed ? "1.6" : "0.4") << "\"><title>" << escape(what) << "; ran "
          << escape(when(timeline, *b.started)) << ", "
          << escape(b.finished ? detail::duration_text(*b.finished - *b.started) : "still running")
          << "</title></rect>";
    }
    svg << "</g>\n";
  }

  for (const auto& m : timeline.marks) {
    if (m.kind != MarkKind::kFault && m.kind != MarkKind::kViolation) continue;
    const Lane* lane = lane_for(m.device_id, m.unit);
    double x = x_of(m.t);
    double y = lane ? lane->y : layout.chart_top;
    if (m.kind == MarkKind::kFault) {
      svg << "<path class=\"fault\" d=\"M" << num(x - 5) << " " << num(y + 6) << " L" << num(x + 5) << " "
          << num(y + 16) << " M" << num(x + 5) << " " << num(y + 6) << " L" << num(x - 5) << " " << num(y + 16)
          << "\" stroke=\"" << kFaultColour << "\" stroke-width=\"2.4\"><title>" << escape(m.run_id + " " + m.text)
          << "</title></path>\n";
    } else {
      svg << "<path class=\"violation\" d=\"M" << num(x - 6) << " " << num(y) << " L" << num(x + 6) << " "
          << num(y) << " L" << num(x) << " " << num(y + 10) << " Z\" fill=\"" << kFaultColour << "\"><title>"
          << escape(m.run_id + " " + m.text) << "</title></path>\n";
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string gantt_html(const Timeline& timeline) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Gantt: "
       << escape(timeline.title) << "</title>\n<style>\n"
       << "body{font-family:sans-serif;margin:16px;color:#222;background:#fff}\n"
       << "h1{font-size:18px;margin:0 0 4px}\np.note{color:#555;font-size:13px;margin:0 0 12px}\n"
       << ".scroll{overflow-x:auto}\n"
       << "svg.gantt g.step:hover rect{stroke:#000;stroke-width:2}\n"
       << "</style></head><body>\n<h1>" << escape(timeline.title) << "</h1>\n<p class=\"note\">"
       << timeline.runs.size() << " run(s), " << step_count(timeline) << " steps, from "
       << escape(when(timeline, timeline.origin)) << " for " << escape(detail::duration_text(timeline.end - timeline.origin))
       << ". Each lane is a device (an array's used vessels under it). Dashed outline: the plan in force; solid "
          "bar: what ran. Hover a shape for its step, times and state.</p>\n<div class=\"scroll\">\n"
       << gantt_svg(timeline) << "</div>\n</body></html>\n";
  return html.str();
}

}  // namespace foundry::report
