// How a conformance report reads: as text for people (one line per check) and as JSON for tools.
#include <foundry/engine/conformance.hpp>

#include <foundry/driver/abi.h>
#include <foundry/version.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace foundry::engine {
namespace {

const char* status_word(CheckStatus status) {
  switch (status) {
    case CheckStatus::passed: return "PASS";
    case CheckStatus::failed: return "FAIL";
    case CheckStatus::skipped: return "SKIP";
  }
  return "?";
}

const char* status_json(CheckStatus status) {
  switch (status) {
    case CheckStatus::passed: return "pass";
    case CheckStatus::failed: return "fail";
    case CheckStatus::skipped: return "skip";
  }
  return "?";
}

// "plugin", "<model>" or "<model>/<operation>": what a check is about.
std::string subject(const ConformanceCheck& check) {
  if (check.model.empty()) return "plugin";
  return check.operation.empty() ? check.model : check.model + "/" + check.operation;
}

std::string host_version() {
  return std::to_string(FOUNDRY_VERSION_MAJOR) + "." + std::to_string(FOUNDRY_VERSION_MINOR) + "." +
         std::to_string(FOUNDRY_VERSION_PATCH);
}

std::string host_abi() { return std::to_string(FOUNDRY_DRIVER_ABI_MAJOR) + "." + std::to_string(FOUNDRY_DRIVER_ABI_MINOR); }

std::size_t count(const std::vector<ConformanceCheck>& checks, CheckStatus status) {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [status](const ConformanceCheck& c) { return c.status == status; }));
}

}  // namespace

bool ConformanceReport::passed() const {
  return !checks.empty() && count(checks, CheckStatus::failed) == 0;
}

bool ConformanceReport::loaded() const {
  const ConformanceCheck* load = find("", "", "loads");
  return load != nullptr && load->status == CheckStatus::passed;
}

const ConformanceCheck* ConformanceReport::find(const std::string& model, const std::string& operation,
                                                const std::string& name) const {
  for (const auto& check : checks)
    if (check.model == model && check.operation == operation && check.name == name) return &check;
  return nullptr;
}

std::string ConformanceReport::text() const {
  std::ostringstream out;
  out << "Foundry driver conformance report\n";
  out << "  plugin    " << (plugin_name.empty() ? "(not loaded)" : plugin_name);
  if (!version.empty()) out << " " << version;
  if (!vendor.empty()) out << " by " << vendor;
  out << "\n  file      " << file.string() << "\n";
  out << "  host      Foundry " << host_version() << ", driver ABI " << host_abi()
      << "; simulation on a virtual clock" << (isolated ? "; driver in a foundry-driver-host process" : "") << "\n";
  out << "  settings  " << settings_json << "\n\n";

  std::size_t width = 6;
  for (const auto& check : checks) width = std::max(width, subject(check).size());
  std::size_t name_width = 0;
  for (const auto& check : checks) name_width = std::max(name_width, check.name.size());
  for (const auto& check : checks) {
    std::string who = subject(check);
    out << status_word(check.status) << "  " << who << std::string(width - who.size() + 2, ' ') << check.name;
    if (!check.detail.empty()) out << std::string(name_width - check.name.size() + 2, ' ') << check.detail;
    out << "\n";
  }

  const std::size_t failed = count(checks, CheckStatus::failed);
  const std::size_t skipped = count(checks, CheckStatus::skipped);
  out << "\nResult: " << (passed() ? "PASS" : "FAIL") << " (" << checks.size() << " checks: "
      << checks.size() - failed - skipped << " passed, " << failed << " failed, " << skipped << " skipped)\n";
  if (!driver_log.empty()) {
    out << "\nDriver log:\n";
    for (const auto& line : driver_log) out << "  " << line << "\n";
  }
  return out.str();
}

std::string ConformanceReport::json() const {
  nlohmann::json doc;
  doc["plugin"] = {{"name", plugin_name}, {"vendor", vendor}, {"version", version}, {"file", file.string()}};
  doc["host"] = {{"foundry_version", host_version()}, {"driver_abi", host_abi()}, {"clock", "virtual"}};
  doc["settings"] = nlohmann::json::parse(settings_json.empty() ? "{}" : settings_json);
  doc["isolated"] = isolated;
  doc["passed"] = passed();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& check : checks)
    list.push_back({{"model", check.model},
                    {"operation", check.operation},
                    {"check", check.name},
                    {"status", status_json(check.status)},
                    {"detail", check.detail}});
  doc["checks"] = list;
  const std::size_t failed = count(checks, CheckStatus::failed);
  const std::size_t skipped = count(checks, CheckStatus::skipped);
  doc["summary"] = {{"passed", checks.size() - failed - skipped}, {"failed", failed}, {"skipped", skipped}};
  doc["driver_log"] = driver_log;
  // Driver text may hold invalid UTF-8: replace it rather than fail to write the report.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace foundry::engine
