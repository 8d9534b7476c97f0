#include <foundry/service/access.hpp>

#include <zmq.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace foundry::service {

namespace {

// Which request types each role may send (docs/api.md, "Roles").
const std::set<std::string_view>& read_only_types() {
  static const std::set<std::string_view> types{"hello", "validate", "preview", "status", "list",
                                                "results", "events", "devices", "prompts"};
  return types;
}

bool is_z85_key(const std::string& key) {
  if (key.size() != 40) return false;
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), key.c_str()) != nullptr;
}

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

bool is_client_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// Writes `text` to a new file created with `mode` (never widened by an existing file's mode).
void write_new_file(const std::filesystem::path& file, const std::string& text, mode_t mode) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw KeyError(file.string() + ": cannot create: " + std::strerror(errno));
  ::fchmod(fd, mode);  // umask may have narrowed it; the public file should stay readable
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) throw KeyError(file.string() + ": cannot write: " + std::strerror(errno));
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kStaff: return "staff";
    case Role::kLearner: return "learner";
    case Role::kViewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "staff") return Role::kStaff;
  if (name == "learner") return Role::kLearner;
  if (name == "viewer") return Role::kViewer;
  return std::nullopt;
}

bool role_permits(Role role, std::string_view type) {
  static const std::set<std::string_view> staff_only{"cancel", "hold", "resume", "ack", "device"};
  bool read_only = read_only_types().count(type) > 0;
  switch (role) {
    case Role::kStaff: return read_only || staff_only.count(type) > 0 || type == "submit";
    case Role::kLearner: return read_only || type == "submit";
    case Role::kViewer: return read_only;
  }
  return false;
}

KeyPair generate_key_pair() {
  std::array<char, 41> public_key{}, secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
    throw KeyError(std::string("cannot generate a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  return {public_key.data(), secret_key.data()};
}

void write_key_pair(const std::filesystem::path& dir, const std::string& name, const KeyPair& keys) {
  if (!is_client_name(name)) throw KeyError("key name '" + name + "' must be letters, digits, '.', '-' or '_'");
  auto pub = dir / (name + ".pub");
  auto secret = dir / (name + ".secret");
  if (std::filesystem::exists(pub) || std::filesystem::exists(secret))
    throw KeyError("keys named '" + name + "' exist already in " + dir.string() + " (not overwritten)");
  write_new_file(secret, "# Foundry CURVE key pair '" + name + "': keep this file secret.\npublic = " +
                             keys.public_key + "\nsecret = " + keys.secret_key + "\n",
                 0600);
  write_new_file(pub, "# Foundry CURVE public key '" + name + "'.\npublic = " + keys.public_key + "\n", 0644);
}

KeyPair read_key_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw KeyError(file.string() + ": cannot read the key file: " + std::strerror(errno));
  KeyPair keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    auto name = eq == std::string::npos ? line : trim(line.substr(0, eq));
    auto value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
    if ((name != "public" && name != "secret") || !is_z85_key(value))
      throw KeyError(file.string() + ":" + std::to_string(number) +
                     ": expected 'public = <40 Z85 characters>' or 'secret = <...>'");
    (name == "public" ? keys.public_key : keys.secret_key) = value;
  }
  if (keys.public_key.empty()) throw KeyError(file.string() + ": no 'public = ...' line");
  return keys;
}

AllowList::AllowList(std::filesystem::path file) : file_(std::move(file)) { load(); }

std::optional<Client> AllowList::find(const std::string& public_key_z85) const {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(public_key_z85);
  if (it == clients_.end()) return std::nullopt;
  return it->second;
}

void AllowList::reload_if_changed() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file_, ec);
  {
    std::lock_guard lock(mutex_);
    if (!ec && mtime == loaded_mtime_) return;
  }
  try {
    load();
  } catch (const KeyError&) {
    // A half-edited file must not lock everyone out or let anyone in: keep the last good list.
  }
}

void AllowList::load() {
  std::map<std::string, Client> clients;
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file_, ec);
  std::ifstream in(file_);
  if (!in) throw KeyError(file_.string() + ": cannot read the allow-list: " + std::strerror(errno));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string key, role, name, extra;
    fields >> key >> role >> name >> extra;
    auto where = file_.string() + ":" + std::to_string(number) + ": ";
    if (!is_z85_key(key)) throw KeyError(where + "the first field must be a public key (40 Z85 characters)");
    auto parsed = parse_role(role);
    if (!parsed) throw KeyError(where + "role must be staff, learner or viewer, not '" + role + "'");
    if (!is_client_name(name) || !extra.empty())
      throw KeyError(where + "expected '<public key> <role> <name>' with a name of letters, digits, '.', '-', '_'");
    clients[key] = Client{name, *parsed};
  }
  std::lock_guard lock(mutex_);
  clients_ = std::move(clients);
  loaded_mtime_ = mtime;
}

void AllowList::add(const std::filesystem::path& file, const std::string& public_key_z85, Role role,
                    const std::string& name) {
  if (!is_z85_key(public_key_z85)) throw KeyError("not a CURVE public key: '" + public_key_z85 + "'");
  if (!is_client_name(name)) throw KeyError("client name '" + name + "' must be letters, digits, '.', '-' or '_'");
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw KeyError(file.string() + ": cannot open the allow-list: " + std::strerror(errno));
  std::string line = public_key_z85 + " " + std::string(role_name(role)) + " " + name + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) throw KeyError(file.string() + ": cannot write: " + std::strerror(errno));
}

}  // namespace foundry::service
