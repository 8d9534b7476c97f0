// The workcell: the foundry's devices and which driver serves each, read from a JSON file.
#pragma once

#include <foundry/model/device.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foundry {

struct Workcell {
  std::string name;
  std::vector<Device> devices;
  std::filesystem::path source;  // the file it was read from (plugin paths are relative to it)

  const Device* find_device(const std::string& id) const;
  bool has_type(const std::string& type) const;
  // True if some device of `type` offers `operation`.
  bool type_offers(const std::string& type, const std::string& operation) const;
};

// Reads a workcell file. Throws InputError naming every problem (JSON path and reason).
Workcell load_workcell(const std::filesystem::path& file);
Workcell parse_workcell(const std::string& json_text, const std::string& origin);

}  // namespace foundry
