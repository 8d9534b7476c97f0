// A Timeline drawn as a Gantt chart: one lane per device, the used vessels of an array grouped
// under it, runs coloured, the plan as an outline above what ran, max-lag windows shaded,
// faults, violations and holds marked, and a legend. Self-contained: no fonts, scripts or
// images from elsewhere, so the SVG can be inlined in a report or served by foundryd.
#pragma once

#include <foundry/report/timeline.hpp>

#include <string>

namespace foundry::report {

std::string gantt_svg(const Timeline& timeline);

// A whole HTML page: the chart inline, its CSS, a short key to reading it.
std::string gantt_html(const Timeline& timeline);

}  // namespace foundry::report
