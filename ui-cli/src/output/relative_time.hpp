// Times as people say them: "3 min ago", "in 2 h 10 min", "just now"; durations "2 h 10 min".
// Two units at most: a lab plan is read to the minute, a campaign to the hour.
#pragma once

#include <string>

namespace foundry::cli::output {

// A duration of `seconds` (>= 0; negative is taken as its magnitude): "45 s", "12 min",
// "2 h 10 min", "3 d 4 h".
std::string format_duration(double seconds);

// `t` relative to `now` (both seconds since the epoch): "in 2 h 10 min" for the future,
// "3 min ago" for the past, "just now" within 5 s.
std::string relative_time(double t, double now);

// Seconds since the epoch, wall clock.
double wall_now();

}  // namespace foundry::cli::output
