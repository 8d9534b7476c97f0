#include "commands/plan_preview.hpp"

#include "commands.hpp"
#include "commands/run_request.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <iostream>

namespace foundry::cli {

namespace {

using nlohmann::json;

// Clock seconds as local date and time; in virtual time this is the virtual date.
std::string clock_time(double t) {
  auto seconds = static_cast<std::time_t>(t);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z", &local);
  return text;
}

// "+12 min" from now ("+0 s" for now itself).
std::string offset(double t, double now) { return "+" + output::format_duration(t > now ? t - now : 0); }

void print_preview(const std::string& protocol, const json& p) {
  auto style = output::Style::for_stdout();
  double now = p.at("now").get<double>(), start = p.at("planned_start").get<double>(),
         end = p.at("planned_end").get<double>();
  std::cout << fmt::format("{}: {} steps\n", protocol, p.at("steps").get<long>());
  std::string starts = start - now < 5 ? "now" : output::relative_time(start, now);
  std::cout << "would start " << style.paint(starts, output::Tone::kBold) << ", finish "
            << style.paint(output::relative_time(end, now), output::Tone::kBold) << " (at " << clock_time(end) << ")\n";
  std::cout << "makespan " << output::format_duration(p.at("makespan_s").get<double>()) << "\n";
  output::Table table({{"STEP"}, {"DEVICE"}, {"UNIT", output::Align::kRight}, {"START", output::Align::kRight},
                      {"END", output::Align::kRight}, {"DURATION", output::Align::kRight}});
  for (const auto& s : p.value("plan", json::array())) {
    double s0 = s.at("planned_start").get<double>(), s1 = s.at("planned_end").get<double>();
    table.add_row({s.at("step_id").get<std::string>(), s.at("device_id").get<std::string>(),
                   std::to_string(s.at("unit").get<int>()), offset(s0, now), offset(s1, now),
                   output::format_duration(s1 - s0)});
  }
  if (table.rows() > 0) table.print(std::cout, style);
  std::cout << style.paint("a preview: nothing was submitted", output::Tone::kDim) << "\n";
}

}  // namespace

void add_plan_preview_options(CLI::App& plan, PlanPreviewOptions& options) {
  options.command = &plan;
  plan.add_flag("--preview", options.preview,
                "PROBLEM is a protocol: ask foundryd when a run of it would start and finish if submitted now");
  plan.add_option("--set", options.values, "With --preview: a protocol parameter, NAME=VALUE (repeatable)");
  plan.add_flag("--json", options.json, "With --preview: print foundryd's preview reply as JSON");
  add_server_options(plan, options.server);
}

bool preview_requested(const PlanPreviewOptions& options) {
  if (options.preview) return true;
  for (const char* name : {"--set", "--json"})
    if (options.command && options.command->count(name) > 0)
      throw CliExit(kExitUsage, std::string(name) + " goes with --preview (foundry plan --preview PROTOCOL " + name + " ...)");
  return false;
}

void preview_plan(const std::string& protocol, const PlanPreviewOptions& options) {
  json fields = run_request_fields(protocol, options.values);
  ServerConnection server(options.server);
  json reply = server.request("preview", fields);
  if (options.json) {
    std::cout << reply.dump(2) << "\n";
    return;
  }
  print_preview(protocol, reply);
}

}  // namespace foundry::cli
