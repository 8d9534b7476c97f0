// foundry devices [--json]                       the workcell's devices, as foundryd sees them
// foundry devices out DEVICE --reason TEXT       take a device out of service
// foundry devices in DEVICE                      put it back
// Every form talks to foundryd (docs/api.md: `devices`, `device`); taking a device out makes the
// engine re-plan, so the command reports where the device's waiting steps went.
#include "commands.hpp"
#include "commands/server_connection.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <set>

namespace foundry::cli {

namespace {

using nlohmann::json;
using output::Tone;

struct DevicesOptions {
  ServerOptions server;
  bool json = false;
  std::string device_id, reason;
};

std::string run_step(const json& s) { return s.at("run_id").get<std::string>() + "/" + s.at("step_id").get<std::string>(); }

// "idle", "run-1/transfer", or "2/4 busy: run-1/a, run-2/b".
std::string doing_now(const json& d) {
  const json& running = d.at("running");
  if (running.empty()) return "idle";
  std::string steps;
  for (const auto& s : running) steps += (steps.empty() ? "" : ", ") + run_step(s);
  int capacity = d.at("capacity").get<int>();
  if (capacity == 1) return steps;
  return fmt::format("{}/{} busy: {}", d.at("busy_units").get<int>(), capacity, steps);
}

void print_devices_table(const json& reply) {
  auto style = output::Style::for_stdout();
  double now = reply.value("now", output::wall_now());
  output::Table table({{"DEVICE"}, {"TYPE"}, {"UNITS", output::Align::kRight}, {"SERVICE"},
                      {"NOW"}, {"UTIL 24H", output::Align::kRight}, {"NEXT PLANNED"}});
  for (const auto& d : reply.at("devices")) {
    bool in = d.at("in_service").get<bool>();
    std::string service = in ? style.paint("in", Tone::kGood)
                             : style.paint("out", Tone::kBad) + ": " + d.at("reason").get<std::string>();
    std::string now_text = doing_now(d);
    if (now_text != "idle") now_text = style.paint(now_text, Tone::kInfo);
    else now_text = style.paint(now_text, Tone::kDim);
    std::string next = "-";
    if (!d.at("next_planned").is_null()) {
      const json& n = d.at("next_planned");
      next = output::relative_time(n.at("at").get<double>(), now) + " (" + run_step(n) + ")";
    }
    table.add_row({d.at("id").get<std::string>(), d.at("type").get<std::string>(), std::to_string(d.at("capacity").get<int>()),
                   service, now_text, fmt::format("{:.0f}%", 100 * d.at("utilisation_24h").get<double>()), next});
  }
  table.print(std::cout, style);
}

void list_devices(const DevicesOptions& o) {
  ServerConnection server(o.server);
  json reply = server.request("devices");
  if (o.json) {
    std::cout << reply.dump(2) << "\n";
    return;
  }
  print_devices_table(reply);
}

// Where each waiting step of the active runs is planned: "run/step" -> {device_id, run state}.
struct PlannedStep {
  std::string run_id, device_id, run_state;
};
std::map<std::string, PlannedStep> planned_steps(ServerConnection& server) {
  std::map<std::string, PlannedStep> out;
  // (Each reply is kept in a variable: a range-for over a temporary's member would dangle.)
  const json runs = server.request("list").at("runs");
  for (const auto& run : runs) {
    std::string state = run.at("state").get<std::string>();
    if (state != "queued" && state != "running" && state != "held") continue;
    std::string run_id = run.at("run_id").get<std::string>();
    const json steps = server.request("status", {{"run_id", run_id}}).at("steps");
    for (const auto& s : steps) {
      std::string step_state = s.at("state").get<std::string>();
      if (step_state != "planned" && step_state != "pending") continue;
      out[run_id + "/" + s.at("step_id").get<std::string>()] = {run_id, s.at("device_id").get<std::string>(), state};
    }
  }
  return out;
}

// Checked before anything changes, so the message can list the devices there are.
void require_device(ServerConnection& server, const std::string& id) {
  std::string known;
  const json devices = server.request("devices").at("devices");
  for (const auto& d : devices) {
    if (d.at("id") == id) return;
    known += " " + d.at("id").get<std::string>();
  }
  throw CliExit(kExitBadInput, "no device '" + id + "' in the workcell (devices:" + known + ")");
}

void set_service(const DevicesOptions& o, bool in_service) {
  ServerConnection server(o.server);
  require_device(server, o.device_id);
  auto before = planned_steps(server);
  json fields = {{"device_id", o.device_id}, {"in_service", in_service}};
  if (!o.reason.empty()) fields["reason"] = o.reason;
  server.request("device", fields);
  auto after = planned_steps(server);

  auto style = output::Style::for_stdout();
  if (!in_service) {
    std::cout << o.device_id << ": " << style.paint("out of service", Tone::kWarning)
              << (o.reason.empty() ? "" : " (" + o.reason + ")") << "\n";
    int moved = 0, waiting = 0;
    for (const auto& [step, was] : before) {
      if (was.device_id != o.device_id) continue;
      auto now = after.find(step);
      if (now == after.end()) continue;
      if (now->second.device_id != o.device_id && !now->second.device_id.empty()) {
        std::cout << "  " << step << ": moved to " << now->second.device_id << "\n";
        ++moved;
      } else {
        std::cout << "  " << step << ": waits (run " << now->second.run_state << "; no other device can take it)\n";
        ++waiting;
      }
    }
    if (moved + waiting == 0)
      std::cout << "Nothing was planned on " << o.device_id << "; the engine re-planned and new work avoids it.\n";
    else
      std::cout << fmt::format("The engine re-planned: {} step(s) moved, {} waiting.\n", moved, waiting);
    std::cout << "Steps already running on it finish. Put it back with: foundry devices in " << o.device_id << "\n";
    return;
  }
  std::cout << o.device_id << ": " << style.paint("in service", Tone::kGood) << "\n";
  int onto = 0;
  std::set<std::string> resumed;
  for (const auto& [step, now] : after) {
    auto was = before.find(step);
    if (now.device_id == o.device_id && (was == before.end() || was->second.device_id != o.device_id)) ++onto;
    if (was != before.end() && was->second.run_state == "held" && now.run_state != "held") resumed.insert(now.run_id);
  }
  std::cout << fmt::format("The engine re-planned: {} waiting step(s) moved onto {}{}.\n", onto, o.device_id,
                           resumed.empty() ? "" : fmt::format("; {} held run(s) resumed", resumed.size()));
  for (const auto& run : resumed) std::cout << "  " << run << ": resumed\n";
  // The engine resumes the runs held for a device of this type; one held for another type (or by
  // an operator) waits for a person, who should hear of it here.
  std::set<std::string> still_held;
  for (const auto& [step, now] : after)
    if (now.run_state == "held") still_held.insert(now.run_id);
  for (const auto& run : still_held)
    std::cout << "  " << run << " is still held (for another device type, or by an operator): foundry resume " << run
              << " when it may go on\n";
}

}  // namespace

void add_devices_command(CLI::App& app) {
  auto options = std::make_shared<DevicesOptions>();
  auto* cmd = app.add_subcommand("devices", "The workcell's devices: state, what they do now, utilisation, next use");
  cmd->footer(
      "Columns: UNITS = capacity; SERVICE = in, or out with the reason; NOW = the running step(s)\n"
      "(run/step, units busy of capacity); UTIL 24H = share of unit time busy over the last 24 h of\n"
      "foundryd's clock (virtual or wall); NEXT PLANNED = when the plan next uses it.\n"
      "--json prints foundryd's `devices` reply (docs/api.md, docs/cli.md).\n"
      "Exit codes: 0 ok, 3 unknown device, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry devices --db lab.db\n"
      "  foundry devices out lh1 --reason \"tip jam\" --db lab.db\n"
      "  foundry devices in lh1 --db lab.db\n"
      "  foundry devices --json | jq '.devices[] | select(.in_service | not)'");
  add_server_options(*cmd, options->server);
  cmd->add_flag("--json", options->json, "Print the devices as JSON");
  cmd->require_subcommand(0, 1);

  auto* out = cmd->add_subcommand("out", "Take a device out of service: the engine re-plans its waiting steps");
  out->footer(
      "Waiting steps move to another device of the same type, or wait (their run is held) when there\n"
      "is none in service. Steps already running on it finish.\n"
      "Example:\n"
      "  foundry devices out lh1 --reason \"tip jam\"");
  out->add_option("device", options->device_id, "Device id (see foundry devices)")->required();
  out->add_option("--reason", options->reason, "Why (shown by foundry devices)")->required();
  add_server_options(*out, options->server);
  out->callback([options] { set_service(*options, false); });

  auto* in = cmd->add_subcommand("in", "Put a device back in service: the engine re-plans and may use it again");
  in->footer(
      "Runs held because no device of its type was in service resume; the plan may move waiting\n"
      "steps onto it.\n"
      "Example:\n"
      "  foundry devices in lh1");
  in->add_option("device", options->device_id, "Device id (see foundry devices)")->required();
  add_server_options(*in, options->server);
  in->callback([options] { set_service(*options, true); });

  cmd->callback([cmd, options] {
    if (cmd->get_subcommands().empty()) list_devices(*options);
  });
}

}  // namespace foundry::cli
