// The workcell's devices brought to life: a driver session per device, its plugin loaded once.
#pragma once

#include <foundry/engine/driver_session.hpp>
#include <foundry/model/workcell.hpp>

#include <map>
#include <memory>
#include <string>

namespace foundry::engine {

class Clock;

class DeviceFleet {
 public:
  // Loads each device's plugin and creates its driver. Throws PluginError (naming the device, the
  // plugin file and the reason) when a plugin cannot be loaded, lacks the model, serves another
  // device type, lacks an operation the workcell declares, or has fewer units than the capacity.
  DeviceFleet(const Workcell& workcell, Clock& clock);
  ~DeviceFleet();

  DriverSession& session(const std::string& device_id);
  const DriverModel& model(const std::string& device_id) const;
  // Whether re-running `operation` on the device is safe (declared by the driver).
  bool idempotent(const std::string& device_id, const std::string& operation) const;

 private:
  struct Entry {
    std::shared_ptr<PluginLibrary> library;
    const DriverModel* model = nullptr;
    std::unique_ptr<DriverSession> session;
  };
  std::map<std::string, Entry> devices_;
};

}  // namespace foundry::engine
