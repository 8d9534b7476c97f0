// The campaign report (sections documented in campaign_report.hpp and docs/report.md).
#include <foundry/report/campaign_report.hpp>

#include <foundry/report/gantt.hpp>

#include "report/line_chart.hpp"
#include "report/svg_text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace foundry::report {

namespace {

using detail::escape;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string fixed(double v, int decimals) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// The design or vessel a measurement belongs to: its sample label's first part ("d01/t3" ->
// "d01"), else its step's first part ("d01/cultivate" -> "d01").
std::string design_of(const store::Measurement& m) {
  const std::string& label = m.sample.empty() ? m.step_id : m.sample;
  return label.substr(0, label.find('/'));
}

// "...cycle-3...", "cycle_3", "cycle3" in a run id names its DBTL cycle.
std::optional<int> explicit_cycle(const std::string& run_id) {
  static const std::regex pattern("cycle[-_]?([0-9]+)", std::regex::icase);
  std::smatch match;
  if (std::regex_search(run_id, match, pattern)) return std::stoi(match[1].str());
  return std::nullopt;
}

// A learner names its baseline in the run id or in the request id it submits with (foundryd keeps
// the run ids its own: "dbtl-campaign-7", but the request id "learner/demo-random-..." says whose).
bool is_baseline_run(const store::RunRow& run) {
  for (const auto& name : {lower(run.run_id), lower(run.client_request_id)})
    if (name.find("random") != std::string::npos || name.find("baseline") != std::string::npos) return true;
  return false;
}

// Expected best of `n` independent draws from `values` (each equally likely).
double expected_best_of(std::vector<double> values, std::size_t n) {
  if (values.empty() || n == 0) return 0;
  std::sort(values.begin(), values.end());
  const double size = static_cast<double>(values.size());
  double expected = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    double below = std::pow(static_cast<double>(i) / size, static_cast<double>(n));
    double upto = std::pow(static_cast<double>(i + 1) / size, static_cast<double>(n));
    expected += (upto - below) * values[i];
  }
  return expected;
}

void section(std::ostringstream& html, const std::string& id, const std::string& title, const std::string& what) {
  html << "<section id=\"" << id << "\"><h2>" << escape(title) << "</h2>\n<p class=\"note\">" << what << "</p>\n";
}

void runs_section(std::ostringstream& html, const store::Store& store, const std::vector<store::RunRow>& runs) {
  section(html, "runs", "1. Runs", "Every run in the report: its protocol, state, steps done and failed, when it "
                                   "started and how long it took (the run's clock).");
  html << "<table><tr><th>run</th><th>protocol</th><th>state</th><th class=\"n\">steps done</th>"
          "<th class=\"n\">failed</th><th>created</th><th class=\"n\">took</th></tr>\n";
  for (const auto& r : runs) {
    auto steps = store.steps(r.run_id);
    auto done = std::count_if(steps.begin(), steps.end(), [](const store::StepRow& s) { return s.state == "done"; });
    auto failed = std::count_if(steps.begin(), steps.end(), [](const store::StepRow& s) { return s.state == "failed"; });
    html << "<tr><td>" << escape(r.run_id) << "</td><td>" << escape(r.protocol) << "</td><td class=\"state "
         << escape(r.state) << "\">" << escape(r.state) << "</td><td class=\"n\">" << done << "/" << steps.size()
         << "</td><td class=\"n\">" << failed << "</td><td>" << escape(detail::utc_time(r.created_at))
         << "</td><td class=\"n\">" << (r.finished_at ? escape(detail::duration_text(*r.finished_at - r.created_at)) : "")
         << "</td></tr>\n";
  }
  html << "</table></section>\n";
}

void utilisation_section(std::ostringstream& html, const Timeline& timeline) {
  section(html, "devices", "3. Device utilisation",
          "Busy unit-hours (steps actually run, each holding one unit) over available unit-hours (units x the "
          "report's time span, " + escape(detail::duration_text(timeline.end - timeline.origin)) +
              "). Faults: failed steps on the device.");
  html << "<table><tr><th>device</th><th>type</th><th class=\"n\">units</th><th class=\"n\">units used</th>"
          "<th class=\"n\">steps</th><th class=\"n\">busy unit-h</th><th>utilisation</th><th class=\"n\">faults</th></tr>\n";
  const double span_h = std::max(timeline.end - timeline.origin, 1.0) / 3600;
  for (const auto& d : timeline.devices) {
    double busy = 0;
    int steps = 0, faults = 0;
    std::set<int> units;
    for (const auto& b : timeline.bars) {
      if (b.device_id != d.id || !b.started) continue;
      ++steps;
      units.insert(b.unit);
      busy += (b.finished.value_or(timeline.end) - *b.started) / 3600;
    }
    for (const auto& m : timeline.marks)
      if (m.kind == MarkKind::kFault && m.device_id == d.id) ++faults;
    double share = busy / (span_h * std::max(d.capacity, 1));
    html << "<tr><td>" << escape(d.id) << "</td><td>" << escape(d.type) << "</td><td class=\"n\">" << d.capacity
         << "</td><td class=\"n\">" << units.size() << "</td><td class=\"n\">" << steps << "</td><td class=\"n\">"
         << fixed(busy, 1) << "</td><td><span class=\"bar\"><span style=\"width:"
         << fixed(std::clamp(share * 100, 0.0, 100.0), 1) << "%\"></span></span> " << fixed(share * 100, 1)
         << " %</td><td class=\"n" << (faults ? " bad" : "") << "\">" << faults << "</td></tr>\n";
  }
  html << "</table></section>\n";
}

void dbtl_section(std::ostringstream& html, const store::Store& store, const std::vector<store::RunRow>& runs) {
  // Best titer per design (run + design), then grouped by cycle.
  struct Cycle {
    std::vector<double> titers;  // one per design
    std::vector<std::string> runs;
  };
  std::map<int, Cycle> cycles, baseline_cycles;
  std::string unit;
  bool named_cycles = false;
  for (const auto& r : runs) named_cycles = named_cycles || explicit_cycle(r.run_id).has_value();
  // Best titer per design of every run that measured titers.
  std::vector<std::pair<const store::RunRow*, std::map<std::string, double>>> measured;
  std::map<std::string, int> runs_of_protocol;
  for (const auto& r : runs) {
    std::map<std::string, double> best_by_design;
    for (const auto& m : store.measurements(r.run_id)) {
      if (lower(m.name) != "titer") continue;
      unit = m.unit;
      auto key = design_of(m);
      auto it = best_by_design.find(key);
      if (it == best_by_design.end() || m.value > it->second) best_by_design[key] = m.value;
    }
    if (best_by_design.empty()) continue;
    ++runs_of_protocol[r.protocol];
    measured.emplace_back(&r, std::move(best_by_design));
  }
  // The cycles are the runs of the campaign's protocol (the one most runs with titers share):
  // a scale-up or validation run also measures titers, but it is not a batch of new designs.
  std::string cycle_protocol;
  for (const auto& [protocol, n] : runs_of_protocol)
    if (cycle_protocol.empty() || n > runs_of_protocol[cycle_protocol]) cycle_protocol = protocol;
  int other_runs = 0;
  // The learner's and the baseline's cycles are counted apart: the two may alternate or follow
  // one another, and the k-th batch of each is cycle k either way.
  int order = 0, baseline_order = 0;
  for (auto& [run, best_by_design] : measured) {
    const auto& r = *run;
    if (r.protocol != cycle_protocol) {
      ++other_runs;
      continue;
    }
    const bool baseline = is_baseline_run(r);
    int cycle = named_cycles ? explicit_cycle(r.run_id).value_or(0) : (baseline ? ++baseline_order : ++order);
    if (named_cycles && cycle == 0) continue;
    Cycle& c = (baseline ? baseline_cycles : cycles)[cycle];
    for (const auto& [design, value] : best_by_design) c.titers.push_back(value);
    c.runs.push_back(r.run_id);
  }
  section(html, "dbtl", "4. DBTL progress",
          "The best titer of each cycle's designs and the best so far, against a random baseline. " +
              std::string(named_cycles ? "Cycles are named by the run ids (\"cycle-N\")."
                                       : "Each run of " + cycle_protocol +
                                             " is one cycle (a batch of designs), in the order they were created.") +
              (other_runs > 0 ? " " + std::to_string(other_runs) + " run(s) of other protocols that measured titers "
                                                                    "(e.g. a scale-up) are not cycles and are left out here."
                              : std::string()) +
              " The baseline is the runs whose id or request id says \"random\" or \"baseline\" when there are any; otherwise the best "
              "titer expected from testing as many designs drawn like cycle 1's (the learner's random start), "
              "i.e. the expected maximum of that many draws from cycle 1's titers.");
  if (cycles.empty()) {
    html << "<p class=\"empty\">No titer measurements in these runs.</p></section>\n";
    return;
  }
  std::vector<double> first = cycles.begin()->second.titers;
  detail::Series per_cycle{"best this cycle", detail::series_colour(0), {}, false, true, false};
  detail::Series so_far{"best so far", detail::series_colour(1), {}, false, true, true};
  detail::Series random{"random baseline", "#777", {}, true, false, true};
  html << "<table><tr><th class=\"n\">cycle</th><th>runs</th><th class=\"n\">designs</th><th class=\"n\">best</th>"
          "<th class=\"n\">mean</th><th class=\"n\">best so far</th><th class=\"n\">random baseline</th></tr>\n";
  double best = -std::numeric_limits<double>::infinity(), baseline_best = best;
  std::size_t tested = 0;
  for (const auto& [n, c] : cycles) {
    double top = *std::max_element(c.titers.begin(), c.titers.end());
    double mean = 0;
    for (double v : c.titers) mean += v;
    mean /= static_cast<double>(c.titers.size());
    best = std::max(best, top);
    tested += c.titers.size();
    double base;
    if (!baseline_cycles.empty()) {
      auto b = baseline_cycles.find(n);
      if (b != baseline_cycles.end())
        baseline_best = std::max(baseline_best, *std::max_element(b->second.titers.begin(), b->second.titers.end()));
      base = baseline_best;
    } else {
      base = expected_best_of(first, tested);
    }
    const double x = n;
    per_cycle.points.emplace_back(x, top);
    so_far.points.emplace_back(x, best);
    if (std::isfinite(base)) random.points.emplace_back(x, base);
    std::string run_list;
    for (const auto& id : c.runs) run_list += (run_list.empty() ? "" : ", ") + id;
    html << "<tr><td class=\"n\">" << n << "</td><td>" << escape(run_list) << "</td><td class=\"n\">" << c.titers.size()
         << "</td><td class=\"n\">" << fixed(top, 3) << "</td><td class=\"n\">" << fixed(mean, 3)
         << "</td><td class=\"n\">" << fixed(best, 3) << "</td><td class=\"n\">"
         << (std::isfinite(base) ? fixed(base, 3) : "") << "</td></tr>\n";
  }
  html << "</table>\n";
  detail::LineChart chart;
  chart.title = "Best titer per cycle";
  chart.x_label = "cycle";
  chart.integer_x = true;
  chart.y_label = "titer" + (unit.empty() ? "" : " (" + unit + ")");
  chart.series = {per_cycle, so_far, random};
  html << "<div class=\"charts\">" << detail::line_chart_svg(chart) << "</div></section>\n";
}

void growth_section(std::ostringstream& html, const store::Store& store, const std::vector<store::RunRow>& runs) {
  section(html, "growth", "5. Growth curves",
          "OD600 over time for each cultivation vessel, one chart per run, one line per design, hours since "
          "its cultivation started (readings from samples and from the bioreactor itself).");
  html << "<div class=\"charts\">\n";
  int charts = 0;
  for (const auto& r : runs) {
    auto steps = store.steps(r.run_id);
    std::map<std::string, std::vector<std::pair<double, double>>> curves;  // design -> (t, OD)
    for (const auto& m : store.measurements(r.run_id))
      if (lower(m.name) == "od600") curves[design_of(m)].emplace_back(m.t, m.value);
    if (curves.empty()) continue;
    detail::LineChart chart;
    chart.title = r.run_id;
    chart.x_label = "hours since inoculation of the vessel";
    chart.y_label = "OD600";
    chart.width = 460;
    chart.height = 260;
    std::size_t i = 0;
    for (auto& [design, points] : curves) {
      // The cultivation this design grew in: where (vessel) and since when.
      const store::StepRow* vessel = nullptr;
      for (const auto& s : steps)
        if (s.operation == "cultivate" && s.step_id.rfind(design + "/", 0) == 0) vessel = &s;
      std::sort(points.begin(), points.end());
      double t0 = vessel && vessel->started_at ? *vessel->started_at : points.front().first;
      detail::Series series;
      series.name = design + (vessel ? " (" + vessel->device_id + " vessel " + std::to_string(vessel->unit) + ")" : "");
      series.colour = detail::series_colour(i++);
      for (const auto& [t, od] : points) series.points.emplace_back((t - t0) / 3600, od);
      chart.series.push_back(std::move(series));
    }
    html << detail::line_chart_svg(chart);
    ++charts;
  }
  html << "</div>\n";
  if (charts == 0) html << "<p class=\"empty\">No OD600 measurements in these runs.</p>\n";
  html << "</section>\n";
}

}  // namespace

std::vector<store::RunRow> campaign_runs(const store::Store& store, const std::string& campaign) {
  std::vector<store::RunRow> out;
  for (auto& r : store.runs())
    if (campaign.empty() || r.run_id.find(campaign) != std::string::npos || r.protocol.find(campaign) != std::string::npos)
      out.push_back(r);
  std::stable_sort(out.begin(), out.end(),
                   [](const store::RunRow& a, const store::RunRow& b) { return a.created_at < b.created_at; });
  return out;
}

std::string campaign_report_html(const store::Store& store, const ReportOptions& options) {
  auto runs = campaign_runs(store, options.campaign);
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.run_id);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << escape(options.title)
       << "</title>\n<style>\n"
          "body{font-family:sans-serif;margin:20px;color:#222;background:#fff;max-width:1400px}\n"
          "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 4px;border-bottom:1px solid #ccd}\n"
          "p.note{color:#555;font-size:13px;margin:2px 0 10px;max-width:70em}p.empty{color:#777;font-style:italic}\n"
          "nav a{margin-right:14px;font-size:13px}\n"
          "table{border-collapse:collapse;font-size:13px;margin:6px 0}\n"
          "th,td{padding:3px 10px;border-bottom:1px solid #e3e5ea;text-align:left}th{background:#f1f3f6}\n"
          "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "td.bad,td.state.failed,td.state.cancelled{color:#c62828;font-weight:bold}td.state.done{color:#2e7d32}\n"
          "td.state.held{color:#ef6c00;font-weight:bold}\n"
          "span.bar{display:inline-block;width:90px;height:9px;background:#e6e8ec;vertical-align:middle}\n"
          "span.bar span{display:block;height:100%;background:#5c7cfa}\n"
          ".scroll{overflow-x:auto}.charts{display:flex;flex-wrap:wrap;gap:14px}\n"
          "svg.gantt g.step:hover rect{stroke:#000;stroke-width:2}\n"
          "</style></head><body>\n<h1>"
       << escape(options.title) << "</h1>\n<p class=\"note\">" << escape(store.file().filename().string()) << ": "
       << runs.size() << " run(s)" << (options.campaign.empty() ? "" : " matching '" + escape(options.campaign) + "'")
       << ".</p>\n<nav><a href=\"#runs\">Runs</a><a href=\"#gantt\">Gantt</a><a href=\"#devices\">Devices</a>"
          "<a href=\"#dbtl\">DBTL progress</a><a href=\"#growth\">Growth curves</a></nav>\n";
  if (runs.empty()) {
    html << "<p class=\"empty\">No runs" << (options.campaign.empty() ? "" : " match '" + escape(options.campaign) + "'")
         << ".</p></body></html>\n";
    return html.str();
  }
  Timeline timeline = timeline_from_store(store, ids, options.sources);
  timeline.title = options.title;
  runs_section(html, store, runs);
  section(html, "gantt", "2. Gantt",
          "A lane per device (an array's used vessels under it). Dashed outline: the plan in force; solid bar: "
          "what ran, coloured by run; shaded: max-lag windows; red marks: failed steps and late starts; orange: "
          "holds. Hover a shape for details.");
  html << "<div class=\"scroll\">" << gantt_svg(timeline) << "</div></section>\n";
  utilisation_section(html, timeline);
  dbtl_section(html, store, runs);
  growth_section(html, store, runs);
  html << "</body></html>\n";
  return html.str();
}

}  // namespace foundry::report
