// Who may use foundryd: CURVE key pairs, the allow-list of client public keys with their roles,
// and which request types each role may send (docs/api.md, "Security").
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace foundry::service {

enum class Role { kViewer, kLearner, kStaff };

std::string_view role_name(Role role);
// "staff", "learner" or "viewer"; nullopt otherwise.
std::optional<Role> parse_role(std::string_view name);
// May `role` send a request of `type`? Unknown types are refused.
bool role_permits(Role role, std::string_view type);

// A CURVE key pair, both keys Z85-encoded (40 characters). `secret` is empty for a public key file.
struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fresh key pair from libsodium (zmq_curve_keypair).
KeyPair generate_key_pair();
// Writes <dir>/<name>.pub (the public key, mode 0644) and <dir>/<name>.secret (both keys, mode
// 0600, created with that mode so the secret is never readable by others). Refuses to overwrite.
void write_key_pair(const std::filesystem::path& dir, const std::string& name, const KeyPair& keys);
// Reads a .pub or .secret file ("public = ..." / "secret = ..." lines, '#' comments).
KeyPair read_key_file(const std::filesystem::path& file);

// One allowed client.
struct Client {
  std::string name;
  Role role = Role::kViewer;
};

// The allow-list file: one client a line, "<public key Z85> <role> <name>", '#' comments.
// Thread-safe; reload() re-reads the file when it changed on disk, so a key can be revoked
// without a restart.
class AllowList {
 public:
  // Throws KeyError naming the file and line for a malformed entry.
  explicit AllowList(std::filesystem::path file);
  std::optional<Client> find(const std::string& public_key_z85) const;
  void reload_if_changed();
  // Appends a client to `file` (created 0600 if missing). Refuses a malformed key or name.
  static void add(const std::filesystem::path& file, const std::string& public_key_z85, Role role,
                  const std::string& name);

 private:
  void load();
  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::map<std::string, Client> clients_;
  std::filesystem::file_time_type loaded_mtime_{};
};

}  // namespace foundry::service
