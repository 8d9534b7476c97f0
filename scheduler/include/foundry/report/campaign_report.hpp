// The campaign report: one self-contained HTML page (inline SVG and CSS, nothing fetched) with
//   1. Runs      — each run's protocol, state, steps done/failed, start and duration;
//   2. Gantt     — the plan in force and what ran (see gantt.hpp);
//   3. Devices   — utilisation per device: busy unit-hours over available unit-hours;
//   4. DBTL      — best titer per cycle (and the best so far) against a random baseline, when
//                  runs name their cycle ("...cycle-3..."); otherwise titer per run;
//   5. Growth    — OD600 over time per vessel (one line per cultivation), from measurements.
// Sections without data say so instead of drawing empty charts.
#pragma once

#include <foundry/report/store_timeline.hpp>
#include <foundry/store/store.hpp>

#include <string>
#include <vector>

namespace foundry::report {

struct ReportOptions {
  std::string title = "Foundry campaign report";
  // Runs to include: those whose id or protocol contains `campaign` (empty: every run).
  std::string campaign;
  TimelineSources sources;
};

std::string campaign_report_html(const store::Store& store, const ReportOptions& options);

// Runs of the store matching `campaign` (substring of the run id or protocol), in creation order.
std::vector<store::RunRow> campaign_runs(const store::Store& store, const std::string& campaign);

}  // namespace foundry::report
