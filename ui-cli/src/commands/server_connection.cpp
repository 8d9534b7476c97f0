#include "commands/server_connection.hpp"

#include "commands.hpp"

#include <foundry/client/client.hpp>

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace foundry::cli {

namespace fs = std::filesystem;

namespace {

fs::path socket_dir(const std::string& db) { return fs::absolute(fs::path(db + ".sock")); }

// The message of an error reply, with what to do next where the code says it.
CliExit exit_for(const client::ClientError& e) {
  const std::string& code = e.code();
  if (code == "not_found" || code == "invalid_input" || code == "bad_field" || code == "missing_field")
    return CliExit(kExitBadInput, std::string("foundryd: ") + e.what());
  if (code == "infeasible") return CliExit(kExitInfeasible, std::string("foundryd: ") + e.what());
  if (code == "storage_full") return CliExit(kExitStorage, std::string("foundryd: ") + e.what());  // says what to do
  if (code == "unauthorised")
    return CliExit(kExitFailure, std::string("foundryd: ") + e.what() +
                                     "\n  (this needs a staff key: use --as with a key the allow-list gives the staff role)");
  return CliExit(kExitFailure, std::string("foundryd: ") + e.what());
}

// Whether something accepts connections on the Unix socket `path` (what ipc:// endpoints are).
bool unix_socket_accepts(const fs::path& path) {
  sockaddr_un address{};
  const std::string text = path.string();
  if (text.size() >= sizeof(address.sun_path)) return true;  // cannot check; let the request tell
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  bool accepted = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return accepted;
}

// `text` quoted for a POSIX shell when it needs it, so a suggested command can be pasted.
std::string shell_word(const std::string& text) {
  bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789-_./:=@%+,") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::string ServerOptions::api_endpoint() const {
  if (!connect.empty()) return connect;
  return "ipc://" + (socket_dir(db) / "api").string();
}

std::string ServerOptions::stream_endpoint() const {
  if (!stream.empty()) return stream;
  if (!connect.empty()) return {};
  return "ipc://" + (socket_dir(db) / "events").string();
}

fs::path ServerOptions::key_dir() const { return keys.empty() ? fs::path(db + ".keys") : fs::path(keys); }

std::string ServerOptions::repeat_options() const {
  std::string out;
  if (!connect.empty()) {
    out += " --connect " + shell_word(connect);
    if (!stream.empty()) out += " --stream " + shell_word(stream);
    if (!keys.empty()) out += " --keys " + shell_word(keys);
  } else {
    if (db != "foundry.db") out += " --db " + shell_word(db);
    if (!keys.empty()) out += " --keys " + shell_word(keys);
  }
  if (key_name != "staff") out += " --as " + shell_word(key_name);
  return out;
}

void add_server_options(CLI::App& command, ServerOptions& options) {
  command.add_option("--db", options.db, "the database foundryd serves: its API is ipc://<db>.sock/api, keys <db>.keys/")
      ->envname("FOUNDRY_DB")
      ->capture_default_str();
  command.add_option("--connect", options.connect, "foundryd's API endpoint instead, e.g. tcp://127.0.0.1:5555")
      ->envname("FOUNDRY_CONNECT");
  command.add_option("--stream", options.stream, "foundryd's event stream with --connect, e.g. tcp://127.0.0.1:5556")
      ->envname("FOUNDRY_STREAM");
  command.add_option("--keys", options.keys, "key directory with server.pub and NAME.secret (default <db>.keys)")
      ->envname("FOUNDRY_KEYS");
  command.add_option("--as", options.key_name, "which key pair in the key directory to use")
      ->envname("FOUNDRY_KEY")
      ->capture_default_str();
  command.add_option("--timeout", options.timeout_s, "seconds to wait for foundryd's reply")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

bool local_service_present(const ServerOptions& options) {
  if (!options.connect.empty()) return true;
  std::error_code ec;
  auto api = socket_dir(options.db) / "api";
  return fs::exists(api, ec) && unix_socket_accepts(api);
}

ServerConnection::ServerConnection(const ServerOptions& options) : options_(options) {
  if (options.connect.empty() && !local_service_present(options))
    throw CliExit(kExitUnavailable, "no foundryd serves " + options.db + " (nothing listens at " +
                                        (socket_dir(options.db) / "api").string() + ")\n  start one: foundry serve --db " +
                                        shell_word(options.db) +
                                        " --workcell WORKCELL.json (or foundryd with the same options),"
                                        "\n  or reach a remote one with --connect ENDPOINT --keys DIR");
  fs::path dir = options.key_dir();
  fs::path server_key = dir / "server.pub", our_key = dir / (options.key_name + ".secret");
  for (const auto& file : {server_key, our_key})
    if (!fs::exists(file))
      throw CliExit(kExitUnavailable, file.string() + ": no such key file\n  (foundryd makes " +
                                          (fs::path(options.db + ".keys") / "staff.secret").string() +
                                          " on first start; other keys: foundry keys generate NAME --allow ROLE)");
  try {
    client_ = std::make_unique<client::Client>(
        client::Client::from_key_files(options.api_endpoint(), server_key, our_key, options.timeout_s, /*retries=*/1));
  } catch (const std::exception& e) {
    throw CliExit(kExitUnavailable, std::string("cannot connect to foundryd: ") + e.what());
  }
}

ServerConnection::~ServerConnection() = default;
ServerConnection::ServerConnection(ServerConnection&&) noexcept = default;

void ServerConnection::guarded(const std::function<void()>& call) {
  try {
    call();
  } catch (const client::ClientError& e) {
    throw exit_for(e);
  } catch (const client::ClientTimeout& e) {
    throw CliExit(kExitUnavailable, "foundryd at " + options_.api_endpoint() + " did not answer (" + e.what() +
                                        ")\n  is it running? is key '" + options_.key_name + "' on its allow-list?");
  }
}

nlohmann::json ServerConnection::request_with_id(const std::string& type, const nlohmann::json& fields,
                                                 const std::string& id) {
  nlohmann::json result;
  guarded([&] { result = nlohmann::json::parse(client_->request(type, fields.dump(), id)); });
  return result;
}

nlohmann::json ServerConnection::request(const std::string& type, const nlohmann::json& fields) {
  return request_with_id(type, fields, "");
}

nlohmann::json ServerConnection::request(const std::string& type) { return request(type, nlohmann::json::object()); }

client::Client& ServerConnection::client() { return *client_; }

}  // namespace foundry::cli
