#include <foundry/engine/device_fleet.hpp>

#include <algorithm>

namespace foundry::engine {

DeviceFleet::DeviceFleet(const Workcell& workcell, Clock& clock) {
  std::map<std::filesystem::path, std::shared_ptr<PluginLibrary>> loaded;  // one load per plugin file
  auto base = workcell.source.empty() ? std::filesystem::current_path() : workcell.source.parent_path();
  for (const auto& device : workcell.devices) {
    auto where = [&](const std::string& reason) { return "device '" + device.id + "': " + reason; };
    auto file = resolve_plugin(device.driver.plugin, base);
    std::shared_ptr<PluginLibrary> library;
    if (auto it = loaded.find(file); it != loaded.end()) {
      library = it->second;
    } else {
      try {
        library = PluginLibrary::load(file);
      } catch (const PluginError& e) {
        throw PluginError(e.file(), where(e.reason()));
      }
      loaded[file] = library;
    }
    const DriverModel* model = library->find_model(device.driver.model);
    if (!model) throw PluginError(file, where("the plugin has no model '" + device.driver.model + "'"));
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
    Entry entry;
    entry.library = library;
    entry.model = model;
    try {
      entry.session = std::make_unique<DriverSession>(library, device.driver.model, device.driver.settings_json, clock);
    } catch (const PluginError& e) {
      throw PluginError(e.file(), where(e.reason()));
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
