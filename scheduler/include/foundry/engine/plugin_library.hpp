// A loaded driver plugin file (Boost.DLL), checked for the entry point and ABI version.
#pragma once

#include <foundry/driver/abi.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace foundry::engine {

// A plugin could not be loaded or used. what(): "<file>: <reason>".
class PluginError : public std::runtime_error {
 public:
  PluginError(const std::filesystem::path& file, const std::string& reason);
  const std::filesystem::path& file() const noexcept { return file_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::filesystem::path file_;
  std::string reason_;
};

struct OperationInfo {
  std::string name;
  bool idempotent = false;  // safe to run again with the same idempotency key
  std::string json;         // the operation's full description (parameters, results, duration model)
};

struct DriverModel {
  std::string model;
  std::string device_type;
  int units = 1;
  std::vector<OperationInfo> operations;
};

class PluginLibrary {
 public:
  // Loads `file`. Throws PluginError when the file is missing, is not a shared library, lacks
  // the entry point, returns no descriptor, has an incompatible ABI version (other major or newer
  // minor), or describes itself with invalid JSON.
  static std::shared_ptr<PluginLibrary> load(const std::filesystem::path& file);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::filesystem::path& file() const { return file_; }
  const std::string& name() const { return name_; }
  std::uint32_t abi_major() const { return api_->abi_major; }
  std::uint32_t abi_minor() const { return api_->abi_minor; }
  const std::string& description_json() const { return description_; }
  const std::vector<DriverModel>& models() const { return models_; }
  const DriverModel* find_model(const std::string& model) const;
  const foundry_plugin& api() const { return *api_; }

 private:
  struct Handle;
  PluginLibrary() = default;
  std::unique_ptr<Handle> handle_;
  const foundry_plugin* api_ = nullptr;
  std::filesystem::path file_;
  std::string name_;
  std::string description_;
  std::vector<DriverModel> models_;
};

// Reads a describe() text (from a loaded plugin or a driver host). Throws PluginError naming `file`
// and the JSON path when it is not valid JSON or lacks what the engine needs.
std::vector<DriverModel> parse_driver_description(const std::filesystem::path& file, const std::string& text);

// Finds a plugin by name or path: as given (relative to `base_dir`), then each directory of
// $FOUNDRY_DRIVER_PATH, then the built-in driver directory. ".so" is appended when missing.
std::filesystem::path resolve_plugin(const std::string& name_or_path, const std::filesystem::path& base_dir);

// The directories resolve_plugin() searches after `base_dir`, in order: each of
// $FOUNDRY_DRIVER_PATH, then the built-in ones (the build tree's drivers, then the installed).
std::vector<std::filesystem::path> plugin_search_path();

}  // namespace foundry::engine
