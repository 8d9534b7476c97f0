#include "commands/run_display.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <ctime>

namespace foundry::cli {

output::Tone state_tone(const std::string& state) {
  if (state == "done") return output::Tone::kGood;
  if (state == "failed" || state == "cancelled") return output::Tone::kBad;
  if (state == "held" || state == "skipped") return output::Tone::kWarning;
  if (state == "running") return output::Tone::kInfo;
  return output::Tone::kPlain;
}

bool run_finished(const std::string& state) { return state == "done" || state == "failed" || state == "cancelled"; }

StepProgress step_progress(const nlohmann::json& step_counts) {
  StepProgress progress;
  for (const auto& [state, count] : step_counts.items()) {
    int n = count.get<int>();
    progress.total += n;
    if (state == "done" || state == "failed" || state == "skipped" || state == "cancelled") progress.finished += n;
  }
  return progress;
}

std::string progress_text(const StepProgress& progress) {
  return fmt::format("{}/{} steps", progress.finished, progress.total);
}

std::vector<std::string> ack_commands(const nlohmann::json& prompt, const std::string& repeat) {
  std::vector<std::string> commands;
  for (const auto& choice : prompt.at("choices"))
    commands.push_back(fmt::format("foundry ack {} {} {}{}", prompt.at("run_id").get<std::string>(),
                                   prompt.at("step_id").get<std::string>(), choice.get<std::string>(), repeat));
  return commands;
}

std::string lab_time(double t, bool seconds) {
  std::time_t time = static_cast<std::time_t>(std::floor(t));
  std::tm local{};
  ::localtime_r(&time, &local);
  char text[32];
  std::strftime(text, sizeof text, seconds ? "%b %d %H:%M:%S" : "%b %d %H:%M", &local);
  return text;
}

}  // namespace foundry::cli
