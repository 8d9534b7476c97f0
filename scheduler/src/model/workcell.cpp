// Reading a workcell file. Every problem is collected (not just the first) so a lab user can fix
// the file in one pass.
#include <foundry/model/diagnostic.hpp>
#include <foundry/model/workcell.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace foundry {

namespace {

using nlohmann::json;

class WorkcellReader {
 public:
  explicit WorkcellReader(std::string origin) : origin_(std::move(origin)) {}

  Workcell read(const json& doc) {
    Workcell cell;
    if (!doc.is_object()) {
      fail("", "a workcell must be a JSON object");
      throw InputError(diagnostics_);
    }
    reject_unknown(doc, "", {"name", "description", "devices"});
    if (auto it = doc.find("name"); it != doc.end()) {
      if (it->is_string()) cell.name = it->get<std::string>();
      else fail("/name", "must be a string");
    }
    auto devices = doc.find("devices");
    if (devices == doc.end() || !devices->is_array() || devices->empty()) {
      fail("/devices", "must be a non-empty array of devices");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < devices->size(); ++i) {
        std::string at = "/devices/" + std::to_string(i);
        Device device = read_device((*devices)[i], at);
        if (!device.id.empty() && !ids.insert(device.id).second)
          fail(at + "/id", "duplicate device id '" + device.id + "'");
        cell.devices.push_back(std::move(device));
      }
    }
    if (!diagnostics_.empty()) throw InputError(diagnostics_);
    return cell;
  }

 private:
  Device read_device(const json& d, const std::string& at) {
    Device device;
    if (!d.is_object()) {
      fail(at, "a device must be a JSON object");
      return device;
    }
    reject_unknown(d, at, {"id", "type", "capacity", "operations", "driver", "description"});
    device.id = required_string(d, at, "id");
    device.type = required_string(d, at, "type");
    if (auto it = d.find("capacity"); it != d.end()) {
      if (!it->is_number_integer() || it->get<long long>() < 1)
        fail(at + "/capacity", "must be an integer >= 1 (units usable at once)");
      else device.capacity = it->get<int>();
    }
    auto ops = d.find("operations");
    if (ops == d.end() || !ops->is_array() || ops->empty()) {
      fail(at + "/operations", "must be a non-empty array of operation names");
    } else {
      for (std::size_t k = 0; k < ops->size(); ++k) {
        if ((*ops)[k].is_string()) device.operations.push_back((*ops)[k].get<std::string>());
        else fail(at + "/operations/" + std::to_string(k), "must be a string");
      }
    }
    auto driver = d.find("driver");
    if (driver == d.end() || !driver->is_object()) {
      fail(at + "/driver", "must be an object naming the driver plugin and model");
    } else {
      std::string dat = at + "/driver";
      reject_unknown(*driver, dat, {"plugin", "model", "settings", "isolation"});
      device.driver.plugin = required_string(*driver, dat, "plugin");
      device.driver.model = required_string(*driver, dat, "model");
      if (auto it = driver->find("settings"); it != driver->end()) {
        if (it->is_object()) device.driver.settings_json = it->dump();
        else fail(dat + "/settings", "must be an object");
      } else {
        device.driver.settings_json = "{}";
      }
      if (auto it = driver->find("isolation"); it != driver->end()) {
        if (it->is_string() && (*it == "in-process" || *it == "driver-host"))
          device.driver.isolation = it->get<std::string>();
        else fail(dat + "/isolation", "must be \"in-process\" or \"driver-host\"");
      }
    }
    return device;
  }

  std::string required_string(const json& obj, const std::string& at, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      fail(at + "/" + key, "is required");
      return {};
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      fail(at + "/" + key, "must be a non-empty string");
      return {};
    }
    return it->get<std::string>();
  }

  void reject_unknown(const json& obj, const std::string& at, std::initializer_list<const char*> known) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
      if (!ok) fail(at + "/" + key, "unknown field");
    }
  }

  void fail(const std::string& pointer, const std::string& reason) {
    diagnostics_.push_back({origin_ + ":" + (pointer.empty() ? "/" : pointer), reason});
  }

  std::string origin_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace

const Device* Workcell::find_device(const std::string& id) const {
  auto it = std::find_if(devices.begin(), devices.end(), [&](const Device& d) { return d.id == id; });
  return it == devices.end() ? nullptr : &*it;
}

bool Workcell::has_type(const std::string& type) const {
  return std::any_of(devices.begin(), devices.end(), [&](const Device& d) { return d.type == type; });
}

bool Workcell::type_offers(const std::string& type, const std::string& operation) const {
  return std::any_of(devices.begin(), devices.end(), [&](const Device& d) {
    return d.type == type &&
           std::find(d.operations.begin(), d.operations.end(), operation) != d.operations.end();
  });
}

Workcell parse_workcell(const std::string& json_text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InputError({{origin, std::string("JSON syntax error: ") + e.what()}});
  }
  return WorkcellReader(origin).read(doc);
}

Workcell load_workcell(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError({{file.string(), "cannot open the workcell file"}});
  std::stringstream text;
  text << in.rdbuf();
  Workcell cell = parse_workcell(text.str(), file.string());
  cell.source = std::filesystem::absolute(file);
  return cell;
}

}  // namespace foundry
