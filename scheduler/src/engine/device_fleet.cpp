#include <foundry/engine/device_fleet.hpp>

#include <algorithm>
#include <stdexcept>

namespace foundry::engine {

DeviceFleet::DeviceFleet(const Workcell& workcell, Clock& clock) {
  std::map<std::filesystem::path, std::shared_ptr<PluginLibrary>> loaded;  // one load per plugin file
  auto base = workcell.source.empty() ? std::filesystem::current_path() : workcell.source.parent_path();
  for (const auto& device : workcell.devices) {
    auto where = [&](const std::string& reason) { return "device '" + device.id + "': " + reason; };
    auto file = resolve_plugin(device.driver.plugin, base);
    DriverHostSettings host;
    try {
      host = split_driver_host_settings(device.driver.settings_json);
    } catch (const std::invalid_argument& e) {
      throw PluginError(file, where(e.what()));
    }
    Entry entry;
    if (device.driver.isolation == "driver-host") {
      // The plugin is loaded only by its host: a plugin that crashes while loading or describing
      // itself takes down the host, not us. The description comes back over the wire.
      host.options.plugin = file;
      try {
        entry.session = std::make_unique<DriverSession>(host.options, device.driver.model,
                                                        host.driver_settings_json, clock);
      } catch (const PluginError& e) {
        throw PluginError(e.file(), where(e.reason()));
      }
      entry.model = &entry.session->driver_model();
    } else {
      if (host.present)
        throw PluginError(file, where("settings/driver_host: only used with \"isolation\": \"driver-host\""));
      if (auto it = loaded.find(file); it != loaded.end()) {
        entry.library = it->second;
      } else {
        try {
          entry.library = PluginLibrary::load(file);
        } catch (const PluginError& e) {
          throw PluginError(e.file(), where(e.reason()));
        }
        loaded[file] = entry.library;
      }
      entry.model = entry.library->find_model(device.driver.model);
      if (!entry.model) throw PluginError(file, where("the plugin has no model '" + device.driver.model + "'"));
    }
    const DriverModel* model = entry.model;
    if (model->device_type != device.type)
      throw PluginError(file, where("model '" + model->model + "' drives a " + model->device_type + ", not a " + device.type));
    for (const auto& op : device.operations) {
      bool offered = std::any_of(model->operations.begin(), model->operations.end(),
                                 [&](const OperationInfo& o) { return o.name == op; });
      if (!offered) throw PluginError(file, where("model '" + model->model + "' does not offer operation '" + op + "'"));
    }
    if (device.capacity > model->units)
      throw PluginError(file, where("capacity " + std::to_string(device.capacity) + " exceeds the model's " +
                                    std::to_string(model->units) + " units"));
    if (!entry.session) {
      try {
        entry.session = std::make_unique<DriverSession>(entry.library, device.driver.model, device.driver.settings_json, clock);
      } catch (const PluginError& e) {
        throw PluginError(e.file(), where(e.reason()));
      }
    }
    devices_.emplace(device.id, std::move(entry));
  }
}

DeviceFleet::~DeviceFleet() = default;

DriverSession& DeviceFleet::session(const std::string& device_id) { return *devices_.at(device_id).session; }

const DriverModel& DeviceFleet::model(const std::string& device_id) const { return *devices_.at(device_id).model; }

bool DeviceFleet::idempotent(const std::string& device_id, const std::string& operation) const {
  const auto& ops = devices_.at(device_id).model->operations;
  auto it = std::find_if(ops.begin(), ops.end(), [&](const OperationInfo& o) { return o.name == operation; });
  return it != ops.end() && it->idempotent;
}

}  // namespace foundry::engine
