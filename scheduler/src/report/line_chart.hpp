// A small line chart in SVG (growth curves, DBTL progress): axes with round ticks, one polyline
// per series, optional point markers and dashes, a legend below. Self-contained.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace foundry::report::detail {

struct Series {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in the order given
  bool dashed = false;
  bool markers = true;
  bool line = true;
};

struct LineChart {
  std::string title;
  std::string x_label, y_label;
  std::vector<Series> series;
  int width = 560, height = 300;
  bool y_from_zero = true;
  bool integer_x = false;  // x is a count (cycles): ticks on whole numbers
};

std::string line_chart_svg(const LineChart& chart);

}  // namespace foundry::report::detail
