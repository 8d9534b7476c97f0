#include "report/svg_text.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace foundry::report::detail {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string series_colour(std::size_t i) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "hsl(%d,62%%,52%%)", static_cast<int>((i * 137 + 210) % 360));
  return buffer;
}

std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  std::string s = buffer;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

std::string utc_time(double t) {
  std::time_t seconds = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

std::string duration_text(double seconds) {
  auto s = static_cast<long long>(std::llround(std::fabs(seconds)));
  if (s < 60) return std::to_string(s) + " s";
  long long minutes = s / 60;
  if (minutes < 60) return std::to_string(minutes) + " min";
  long long hours = minutes / 60, rest = minutes % 60;
  return std::to_string(hours) + " h" + (rest ? " " + std::to_string(rest) + " min" : "");
}

double tick_spacing(double span, int ticks) {
  if (!(span > 0)) return 1;
  double step = std::pow(10.0, std::floor(std::log10(span / ticks)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (span / (step * m) <= ticks) return step * m;
  return step * 10;
}

}  // namespace foundry::report::detail
