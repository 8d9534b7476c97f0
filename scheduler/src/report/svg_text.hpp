// Small helpers shared by the report's SVG and HTML writers.
#pragma once

#include <string>

namespace foundry::report::detail {

// `text` safe inside XML/HTML text and attribute values.
std::string escape(const std::string& text);

// A distinct, readable colour for the i-th series (golden-angle hues).
std::string series_colour(std::size_t i);

// A number for an SVG attribute: fixed, at most one decimal, no exponent.
std::string num(double v);

// "2026-11-28 16:24 UTC" for seconds since the epoch.
std::string utc_time(double t);

// "12 h", "2 h 10 min", "45 s".
std::string duration_text(double seconds);

// A round spacing giving at most about `ticks` ticks over `span` (1, 2, 5 x 10^k).
double tick_spacing(double span, int ticks);

}  // namespace foundry::report::detail
