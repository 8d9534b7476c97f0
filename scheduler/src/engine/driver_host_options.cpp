// Reading a device's "driver_host" settings, and finding the foundry-driver-host program.
#include <foundry/engine/driver_host.hpp>

#include "driver_host_curve.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <system_error>

#ifndef FOUNDRY_DRIVER_HOST_CANDIDATES
#define FOUNDRY_DRIVER_HOST_CANDIDATES ""
#endif

namespace foundry::engine {

namespace {

using nlohmann::json;

constexpr const char* kWhere = "settings/driver_host";

[[noreturn]] void bad(const std::string& key, const std::string& reason) {
  throw std::invalid_argument(std::string(kWhere) + (key.empty() ? "" : "/" + key) + ": " + reason);
}

double seconds(const json& value, const std::string& key, double minimum) {
  if (!value.is_number() || value.get<double>() < minimum)
    bad(key, "must be a number of seconds >= " + json(minimum).dump());
  return value.get<double>();
}

std::int64_t positive_integer(const json& value, const std::string& key) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 1) bad(key, "must be an integer >= 1");
  return value.get<std::int64_t>();
}

}  // namespace

DriverHostSettings split_driver_host_settings(const std::string& settings_json) {
  json settings = json::parse(settings_json.empty() ? "{}" : settings_json, nullptr, false);
  if (!settings.is_object()) throw std::invalid_argument("settings: must be a JSON object");
  DriverHostSettings result;
  auto host = settings.find("driver_host");
  if (host != settings.end()) {
    result.present = true;
    if (!host->is_object()) bad("", "must be an object of driver-host options");
    DriverHostOptions& o = result.options;
    for (const auto& [key, value] : host->items()) {
      if (key == "endpoint") {
        if (!value.is_string() || (value.get<std::string>().rfind("tcp://", 0) != 0 &&
                                   value.get<std::string>().rfind("ipc://", 0) != 0))
          bad(key, "must be a \"tcp://host:port\" or \"ipc://path\" string");
        o.endpoint = value.get<std::string>();
      } else if (key == "program") {
        if (!value.is_string() || value.get<std::string>().empty()) bad(key, "must be a path to foundry-driver-host");
        o.program = value.get<std::string>();
      } else if (key == "heartbeat_interval_s") {
        o.heartbeat_interval_s = seconds(value, key, 0.01);
      } else if (key == "reply_timeout_s") {
        o.reply_timeout_s = seconds(value, key, 0.01);
      } else if (key == "start_timeout_s") {
        o.start_timeout_s = seconds(value, key, 0.1);
      } else if (key == "memory_limit_mb") {
        o.memory_limit_mb = positive_integer(value, key);
      } else if (key == "restart_delay_s") {
        o.restart_delay_s = seconds(value, key, 0);
      } else if (key == "restart_delay_max_s") {
        o.restart_delay_max_s = seconds(value, key, 0);
      } else if (key == "max_restarts") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > 1000)
          bad(key, "must be an integer from 0 to 1000");
        o.max_restarts = value.get<int>();
      } else if (key == "server_public_key") {
        if (!value.is_string() || !curve::is_z85_key(value.get<std::string>()))
          bad(key, "must be the host's CURVE public key: 40 Z85 characters");
        o.server_public_key = value.get<std::string>();
      } else if (key == "client_key_file") {
        if (!value.is_string() || value.get<std::string>().empty()) bad(key, "must be the path of this engine's key pair file");
        o.client_key_file = value.get<std::string>();
        try {
          if (curve::read_key_file(o.client_key_file).secret_key.empty())
            bad(key, o.client_key_file.string() + ": no 'secret = ...' line (a key pair file is needed, not a .pub)");
        } catch (const std::invalid_argument& e) {
          if (std::string(e.what()).rfind(kWhere, 0) == 0) throw;
          bad(key, e.what());
        }
      } else {
        bad(key, "unknown option (known: endpoint, program, heartbeat_interval_s, reply_timeout_s, "
                 "start_timeout_s, memory_limit_mb, restart_delay_s, restart_delay_max_s, max_restarts, "
                 "server_public_key, client_key_file)");
      }
    }
    if (o.restart_delay_max_s < o.restart_delay_s) bad("restart_delay_max_s", "must not be below restart_delay_s");
    if (o.server_public_key.empty() != o.client_key_file.empty())
      bad(o.server_public_key.empty() ? "server_public_key" : "client_key_file",
          "CURVE needs both server_public_key and client_key_file");
    if (!o.server_public_key.empty() && o.endpoint.rfind("tcp://", 0) != 0)
      bad("server_public_key", "CURVE is for a host on a tcp:// endpoint (a spawned host's ipc:// socket is private)");
    if (!o.endpoint.empty() && o.memory_limit_mb > 0)
      bad("memory_limit_mb", "applies to a spawned host only; start the host at " + o.endpoint +
                                 " with --memory-limit-mb instead");
    settings.erase(host);
  }
  result.driver_settings_json = settings.dump();
  return result;
}

std::filesystem::path find_driver_host_program() {
  namespace fs = std::filesystem;
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return !p.empty() && fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (const char* env = std::getenv("FOUNDRY_DRIVER_HOST"); env && *env) return env;  // as told, even if wrong
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && executable(self.parent_path() / "foundry-driver-host")) return self.parent_path() / "foundry-driver-host";
  std::stringstream candidates(FOUNDRY_DRIVER_HOST_CANDIDATES);
  std::string candidate;
  while (std::getline(candidates, candidate, ':'))
    if (executable(candidate)) return candidate;
  return {};
}

}  // namespace foundry::engine
