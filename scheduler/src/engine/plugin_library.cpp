// Loading driver plugins with Boost.DLL and refusing the ones we cannot trust.
#include <foundry/engine/plugin_library.hpp>

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef FOUNDRY_BUILTIN_DRIVER_DIR
#define FOUNDRY_BUILTIN_DRIVER_DIR ""
#endif

namespace foundry::engine {

PluginError::PluginError(const std::filesystem::path& file, const std::string& reason)
    : std::runtime_error(file.string() + ": " + reason), file_(file), reason_(reason) {}

struct PluginLibrary::Handle {
  boost::dll::shared_library library;
};

namespace {

// ELF files start with 0x7f 'E' 'L' 'F'. Checking first gives "not a shared library" instead of
// the loader's cryptic "invalid ELF header" for text files and the like.
bool looks_like_elf(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

std::vector<DriverModel> parse_driver_description(const std::filesystem::path& file, const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw PluginError(file, std::string("describe() returned invalid JSON: ") + e.what());
  }
  auto models = doc.find("models");
  if (!doc.is_object() || models == doc.end() || !models->is_array() || models->empty())
    throw PluginError(file, "describe() must return an object with a non-empty \"models\" array");
  std::vector<DriverModel> result;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const auto& m = (*models)[i];
    std::string at = "describe()/models/" + std::to_string(i);
    if (!m.is_object() || !m.contains("model") || !m["model"].is_string() || !m.contains("device_type") ||
        !m["device_type"].is_string() || !m.contains("operations") || !m["operations"].is_array())
      throw PluginError(file, at + ": needs \"model\", \"device_type\" (strings) and \"operations\" (array)");
    DriverModel model;
    model.model = m["model"].get<std::string>();
    model.device_type = m["device_type"].get<std::string>();
    if (auto units = m.find("units"); units != m.end()) {
      if (!units->is_number_integer() || units->get<int>() < 1)
        throw PluginError(file, at + "/units: must be an integer >= 1");
      model.units = units->get<int>();
    }
    for (std::size_t k = 0; k < m["operations"].size(); ++k) {
      const auto& op = m["operations"][k];
      if (!op.is_object() || !op.contains("name") || !op["name"].is_string())
        throw PluginError(file, at + "/operations/" + std::to_string(k) + ": needs a \"name\"");
      model.operations.push_back(
          {op["name"].get<std::string>(), op.value("idempotent", false), op.dump()});
    }
    result.push_back(std::move(model));
  }
  return result;
}

std::shared_ptr<PluginLibrary> PluginLibrary::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw PluginError(file, "no such file");
  if (!std::filesystem::is_regular_file(file, ec)) throw PluginError(file, "not a regular file");
  if (!looks_like_elf(file)) throw PluginError(file, "not a shared library (no ELF header)");

  std::shared_ptr<PluginLibrary> plugin(new PluginLibrary());
  plugin->file_ = file;
  plugin->handle_ = std::make_unique<Handle>();
  boost::dll::fs::error_code load_error;
  // rtld_local keeps two plugins' symbols from resolving against each other.
  plugin->handle_->library.load(file, load_error, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  if (load_error) throw PluginError(file, "cannot be loaded: " + load_error.message());
  if (!plugin->handle_->library.has(FOUNDRY_DRIVER_ENTRY_POINT))
    throw PluginError(file, std::string("missing entry point '") + FOUNDRY_DRIVER_ENTRY_POINT +
                                "' (not a Foundry driver, or built without FOUNDRY_DRIVER_PLUGIN)");
  auto entry = plugin->handle_->library.get<const foundry_plugin*()>(FOUNDRY_DRIVER_ENTRY_POINT);
  const foundry_plugin* api = entry();
  if (api == nullptr) throw PluginError(file, "entry point returned no plugin descriptor");
  if (api->abi_major != FOUNDRY_DRIVER_ABI_MAJOR)
    throw PluginError(file, "driver ABI major version " + std::to_string(api->abi_major) +
                                " is not supported (this host speaks " +
                                std::to_string(FOUNDRY_DRIVER_ABI_MAJOR) + ".x); rebuild the driver against this SDK");
  if (api->abi_minor > FOUNDRY_DRIVER_ABI_MINOR)
    throw PluginError(file, "driver ABI version " + std::to_string(api->abi_major) + "." +
                                std::to_string(api->abi_minor) + " is newer than this host's " +
                                std::to_string(FOUNDRY_DRIVER_ABI_MAJOR) + "." +
                                std::to_string(FOUNDRY_DRIVER_ABI_MINOR) + "; upgrade Foundry");
  if (api->struct_size < sizeof(foundry_plugin) && api->abi_minor == FOUNDRY_DRIVER_ABI_MINOR)
    throw PluginError(file, "plugin descriptor is smaller than ABI " + std::to_string(api->abi_major) +
                                "." + std::to_string(api->abi_minor) + " requires");
  if (!api->describe || !api->create || !api->destroy || !api->execute || !api->cancel || !api->command_state)
    throw PluginError(file, "plugin descriptor has a null function pointer");
  plugin->api_ = api;
  plugin->name_ = api->name ? api->name : "";
  const char* description = api->describe();
  if (description == nullptr) throw PluginError(file, "describe() returned null");
  plugin->description_ = description;
  plugin->models_ = parse_driver_description(file, plugin->description_);
  return plugin;
}

PluginLibrary::~PluginLibrary() = default;

const DriverModel* PluginLibrary::find_model(const std::string& model) const {
  for (const auto& m : models_)
    if (m.model == model) return &m;
  return nullptr;
}

std::filesystem::path resolve_plugin(const std::string& name_or_path, const std::filesystem::path& base_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  auto add = [&](const fs::path& dir) {
    fs::path p = dir / name_or_path;
    candidates.push_back(p);
    if (p.extension() != ".so") candidates.push_back(fs::path(p.string() + ".so"));
  };
  fs::path given(name_or_path);
  if (given.is_absolute()) {
    add("");
  } else {
    add(base_dir);
    for (const auto& dir : plugin_search_path()) add(dir);
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c;
  }
  return given.is_absolute() ? given : base_dir / given;  // let load() report "no such file"
}

std::vector<std::filesystem::path> plugin_search_path() {
  std::vector<std::filesystem::path> dirs;
  auto add_list = [&](const std::string& list) {
    std::stringstream items(list);
    std::string dir;
    while (std::getline(items, dir, ':'))
      if (!dir.empty()) dirs.emplace_back(dir);
  };
  if (const char* env = std::getenv("FOUNDRY_DRIVER_PATH")) add_list(env);
  add_list(FOUNDRY_BUILTIN_DRIVER_DIR);  // the build tree's drivers, then the installed ones
  return dirs;
}

}  // namespace foundry::engine
