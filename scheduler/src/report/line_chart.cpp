#include "report/line_chart.hpp"

#include "report/svg_text.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace foundry::report::detail {

std::string line_chart_svg(const LineChart& chart) {
  constexpr double kLeft = 56, kRight = 14, kTop = 26, kBottom = 44;
  constexpr double kLegendRow = 16;
  const double w = chart.width;
  const double plot_w = w - kLeft - kRight, plot_h = chart.height - kTop - kBottom;
  // As many legend columns as the longest name allows (about 6.2 px per character at 11 px).
  std::size_t longest = 1;
  for (const auto& s : chart.series) longest = std::max(longest, s.name.size());
  const std::size_t columns =
      std::max<std::size_t>(1, static_cast<std::size_t>(plot_w / (30 + 6.2 * static_cast<double>(longest))));
  const double legend_height = kLegendRow * static_cast<double>((chart.series.size() + columns - 1) / columns);
  const double h = chart.height + legend_height;

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points) {
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  if (x_lo > x_hi) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (chart.y_from_zero) y_lo = std::min(0.0, y_lo);
  if (x_hi - x_lo < 1e-9) x_lo -= 0.5, x_hi += 0.5;
  if (y_hi - y_lo < 1e-9) y_hi = y_lo + 1;
  double x_tick = tick_spacing(x_hi - x_lo, 8);
  if (chart.integer_x) x_tick = std::max(1.0, x_tick);
  const double y_tick = tick_spacing(y_hi - y_lo, 6);
  x_lo = std::floor(x_lo / x_tick) * x_tick;
  x_hi = std::ceil(x_hi / x_tick) * x_tick;
  y_lo = std::floor(y_lo / y_tick) * y_tick;
  y_hi = std::ceil(y_hi / y_tick) * y_tick;
  auto px = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };
  auto label = [](double v, double tick) {
    char buffer[32];
    int decimals = tick >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(tick) - 1e-9));
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    return std::string(buffer);
  };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << num(w) << "\" height=\"" << num(h)
      << "\" viewBox=\"0 0 " << num(w) << " " << num(h) << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
      << "<title>" << escape(chart.title) << "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      << "<text x=\"" << num(kLeft) << "\" y=\"16\" font-weight=\"bold\" font-size=\"12\">" << escape(chart.title)
      << "</text>\n";
  for (double x = x_lo; x <= x_hi + x_tick * 1e-6; x += x_tick)
    svg << "<line x1=\"" << num(px(x)) << "\" y1=\"" << num(kTop) << "\" x2=\"" << num(px(x)) << "\" y2=\""
        << num(kTop + plot_h) << "\" stroke=\"#e2e4e8\"/><text x=\"" << num(px(x)) << "\" y=\""
        << num(kTop + plot_h + 14) << "\" text-anchor=\"middle\" fill=\"#444\">" << label(x, x_tick) << "</text>\n";
  for (double y = y_lo; y <= y_hi + y_tick * 1e-6; y += y_tick)
    svg << "<line x1=\"" << num(kLeft) << "\" y1=\"" << num(py(y)) << "\" x2=\"" << num(kLeft + plot_w) << "\" y2=\""
        << num(py(y)) << "\" stroke=\"#e2e4e8\"/><text x=\"" << num(kLeft - 5) << "\" y=\"" << num(py(y) + 4)
        << "\" text-anchor=\"end\" fill=\"#444\">" << label(y, y_tick) << "</text>\n";
  svg << "<rect x=\"" << num(kLeft) << "\" y=\"" << num(kTop) << "\" width=\"" << num(plot_w) << "\" height=\""
      << num(plot_h) << "\" fill=\"none\" stroke=\"#888\"/>\n"
      << "<text x=\"" << num(kLeft + plot_w / 2) << "\" y=\"" << num(kTop + plot_h + 32)
      << "\" text-anchor=\"middle\">" << escape(chart.x_label) << "</text>\n"
      << "<text transform=\"translate(14," << num(kTop + plot_h / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape(chart.y_label) << "</text>\n";

  for (const auto& s : chart.series) {
    svg << "<g class=\"series\"><title>" << escape(s.name) << "</title>";
    if (s.line && s.points.size() > 1) {
      svg << "<polyline fill=\"none\" stroke=\"" << s.colour << "\" stroke-width=\"2\""
          << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
      for (const auto& [x, y] : s.points) svg << num(px(x)) << "," << num(py(y)) << " ";
      svg << "\"/>";
    }
    if (s.markers)
      for (const auto& [x, y] : s.points)
        svg << "<circle cx=\"" << num(px(x)) << "\" cy=\"" << num(py(y)) << "\" r=\"3\" fill=\"" << s.colour
            << "\"><title>" << escape(s.name) << ": " << label(x, x_tick / 10) << ", " << label(y, y_tick / 100)
            << "</title></circle>";
    svg << "</g>\n";
  }
  double ly = chart.height + 4;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    double lx = kLeft + static_cast<double>(i % columns) * (plot_w / static_cast<double>(columns));
    double row = ly + kLegendRow * static_cast<double>(i / columns);
    const auto& s = chart.series[i];
    svg << "<line x1=\"" << num(lx) << "\" y1=\"" << num(row) << "\" x2=\"" << num(lx + 18) << "\" y2=\"" << num(row)
        << "\" stroke=\"" << s.colour << "\" stroke-width=\"2\"" << (s.dashed ? " stroke-dasharray=\"4 3\"" : "")
        << "/><text x=\"" << num(lx + 22) << "\" y=\"" << num(row + 4) << "\">" << escape(s.name) << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace foundry::report::detail
