// A device of the foundry: one instrument, with a type, the operations it offers and its capacity.
#pragma once

#include <string>
#include <vector>

namespace foundry {

// Where the driver for a device comes from. `isolation` chooses in-process or a driver-host process.
struct DriverBinding {
  std::string plugin;         // plugin file path (relative paths resolve against the workcell file)
  std::string model;          // device model inside the plugin
  std::string settings_json;  // driver settings, passed as JSON text
  std::string isolation = "in-process";
};

struct Device {
  std::string id;                       // unique in the workcell, e.g. "lh1"
  std::string type;                     // e.g. "liquid_handler"; devices of a type are interchangeable
  std::vector<std::string> operations;  // capabilities, e.g. "transfer", "cultivate"
  int capacity = 1;                     // units usable at once (a 24-vessel array has 24)
  DriverBinding driver;
};

}  // namespace foundry
