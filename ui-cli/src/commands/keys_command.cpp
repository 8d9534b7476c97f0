// foundry keys: CURVE key pairs for foundryd and its clients, and the allow-list (docs/api.md).
//   foundry keys generate NAME --dir DIR [--allow ROLE]   NAME.pub + NAME.secret (0600)
//   foundry keys allow FILE.pub --role ROLE --dir DIR [--name NAME]
//   foundry keys list --dir DIR
#include "commands.hpp"

#include <foundry/service/access.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace foundry::cli {

namespace {

struct KeysOptions {
  std::string name, dir = ".", role, public_file;
};

service::Role role_or_exit(const std::string& text) {
  auto role = service::parse_role(text);
  if (!role) throw CliExit(kExitUsage, "role must be staff, learner or viewer, not '" + text + "'");
  return *role;
}

void generate(const KeysOptions& o) {
  std::filesystem::create_directories(o.dir);
  try {
    auto keys = service::generate_key_pair();
    service::write_key_pair(o.dir, o.name, keys);
    std::cout << fmt::format("wrote {0}/{1}.pub and {0}/{1}.secret (mode 0600: give it only to {1})\n", o.dir, o.name);
    if (!o.role.empty()) {
      auto role = role_or_exit(o.role);
      service::AllowList::add(std::filesystem::path(o.dir) / "allowed_clients", keys.public_key, role, o.name);
      std::cout << fmt::format("allowed {} as {} in {}/allowed_clients\n", o.name, o.role, o.dir);
    }
  } catch (const service::KeyError& e) {
    throw CliExit(kExitFailure, e.what());
  }
}

void allow(const KeysOptions& o) {
  auto role = role_or_exit(o.role);
  try {
    auto keys = service::read_key_file(o.public_file);
    auto name = o.name.empty() ? std::filesystem::path(o.public_file).stem().string() : o.name;
    service::AllowList::add(std::filesystem::path(o.dir) / "allowed_clients", keys.public_key, role, name);
    std::cout << fmt::format("allowed {} as {} in {}/allowed_clients\n", name, o.role, o.dir);
  } catch (const service::KeyError& e) {
    throw CliExit(kExitBadInput, e.what());
  }
}

void list(const KeysOptions& o) {
  auto file = std::filesystem::path(o.dir) / "allowed_clients";
  try {
    service::AllowList check(file);  // refuses a malformed file, naming the line
  } catch (const service::KeyError& e) {
    throw CliExit(kExitBadInput, e.what());
  }
  std::ifstream in(file);
  std::string line;
  std::cout << fmt::format("{:<16} {:<8} {}\n", "NAME", "ROLE", "PUBLIC KEY");
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, role, name;
    if (!(fields >> key >> role >> name) || key[0] == '#') continue;
    std::cout << fmt::format("{:<16} {:<8} {}\n", name, role, key);
  }
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto o = std::make_shared<KeysOptions>();
  auto* cmd = app.add_subcommand("keys", "CURVE keys for foundryd and its clients, and the allow-list");
  cmd->require_subcommand(1);
  cmd->footer(
      "Examples:\n"
      "  foundry keys generate learner-1 --dir lab.db.keys --allow learner\n"
      "  foundry keys allow alice.pub --role staff --dir lab.db.keys\n"
      "  foundry keys list --dir lab.db.keys");
  auto* gen = cmd->add_subcommand("generate", "Make NAME.pub and NAME.secret (secret file mode 0600)");
  gen->add_option("name", o->name, "Key name (letters, digits, '.', '-', '_')")->required();
  gen->add_option("--dir", o->dir, "Where to write (foundryd's key directory to allow it at once)")->capture_default_str();
  gen->add_option("--allow", o->role, "Also add it to DIR/allowed_clients with this role (staff, learner, viewer)");
  gen->callback([o] { generate(*o); });
  auto* al = cmd->add_subcommand("allow", "Add a client's public key to the allow-list");
  al->add_option("public_key_file", o->public_file, "The client's NAME.pub")->required()->check(CLI::ExistingFile);
  al->add_option("--role", o->role, "staff, learner or viewer")->required();
  al->add_option("--name", o->name, "Client name (default: the file's name)");
  al->add_option("--dir", o->dir, "foundryd's key directory")->capture_default_str();
  al->callback([o] { allow(*o); });
  auto* ls = cmd->add_subcommand("list", "Show the allow-list");
  ls->add_option("--dir", o->dir, "foundryd's key directory")->capture_default_str();
  ls->callback([o] { list(*o); });
}

}  // namespace foundry::cli
