#include "output/relative_time.hpp"

#include <chrono>
#include <cmath>

namespace foundry::cli::output {

std::string format_duration(double seconds) {
  auto s = static_cast<long long>(std::llround(std::fabs(seconds)));
  if (s < 60) return std::to_string(s) + " s";
  long long minutes = s / 60;
  if (minutes < 60) return std::to_string(minutes) + " min";
  long long hours = minutes / 60;
  if (hours < 24) {
    long long rest = minutes % 60;
    return std::to_string(hours) + " h" + (rest ? " " + std::to_string(rest) + " min" : "");
  }
  long long days = hours / 24, rest = hours % 24;
  return std::to_string(days) + " d" + (rest ? " " + std::to_string(rest) + " h" : "");
}

std::string relative_time(double t, double now) {
  double delta = t - now;
  if (std::fabs(delta) < 5) return "just now";
  return delta > 0 ? "in " + format_duration(delta) : format_duration(delta) + " ago";
}

double wall_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace foundry::cli::output
