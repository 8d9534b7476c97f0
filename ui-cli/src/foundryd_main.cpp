// foundryd: the Foundry service. Hosts the durable engine on a workcell and serves the API
// (docs/api.md) to learning loops and lab staff: requests on a ROUTER socket, events and results
// on a PUB socket, both CURVE-encrypted and open only to the keys on the allow-list.
//
//   foundryd --workcell protocols/workcells/sim-foundry.json --db lab.db --virtual-time
//
// Without --keys, keys live in <db>.keys/ (made on first start: the server's key pair, a "staff"
// client key pair and the allow-list). Without --bind, the sockets are ipc:// in <db>.sock/, a
// directory only this user can enter. SIGTERM or SIGINT stops it cleanly.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/engine.hpp>
#include <foundry/engine/plugin_library.hpp>
#include <foundry/model/diagnostic.hpp>
#include <foundry/model/workcell.hpp>
#include <foundry/service/access.hpp>
#include <foundry/service/engine_backend.hpp>
#include <foundry/service/service.hpp>
#include <foundry/store/store.hpp>
#include <foundry/version.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace foundry;

namespace {

// Exit codes, as the foundry CLI's (README.md) where they overlap.
enum : int { kOk = 0, kFailure = 1, kUsage = 2, kBadInput = 3, kPluginError = 5, kStoreRefused = 6, kStorageFull = 7 };

struct Options {
  std::string workcell, db, bind, stream_bind, keys, protocols, ready_file;
  bool virtual_time = false, force_recovery = false;
  std::size_t max_message_bytes = 4u << 20;
  int poll_ms = 20;
  double storage_probe_s = 5;
};

class Fatal : public std::runtime_error {
 public:
  Fatal(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

void make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Fatal(kFailure, dir.string() + ": cannot create: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || (st.st_mode & 077) != 0 || st.st_uid != ::geteuid())
    throw Fatal(kFailure, dir.string() + ": must be a directory only you can enter (mode 0700)");
}

// First start: the server's key pair, a staff key pair for the local operator, the allow-list.
void ensure_keys(const fs::path& dir) {
  make_private_dir(dir);
  if (!fs::exists(dir / "server.secret")) {
    service::write_key_pair(dir, "server", service::generate_key_pair());
    std::cout << "foundryd: made the server key pair " << (dir / "server.secret").string() << "\n";
  }
  if (!fs::exists(dir / "allowed_clients")) {
    auto staff = service::generate_key_pair();
    service::write_key_pair(dir, "staff", staff);
    service::AllowList::add(dir / "allowed_clients", staff.public_key, service::Role::kStaff, "staff");
    std::cout << "foundryd: made a staff key pair " << (dir / "staff.secret").string()
              << " and the allow-list " << (dir / "allowed_clients").string() << " (add clients: foundry keys)\n";
  }
}

// --force-recovery: keep the damaged file aside, copy what SQLite can still read into a new one.
std::unique_ptr<store::Store> recover_store(const fs::path& db, const std::string& why) {
  auto aside = db.string() + ".damaged-" + std::to_string(std::time(nullptr));
  spdlog::warn("--force-recovery: {} is damaged ({}); moving it to {} and copying what is readable", db.string(), why,
               aside);
  for (const char* suffix : {"", "-wal", "-shm"})
    if (fs::exists(db.string() + suffix)) fs::rename(db.string() + suffix, aside + suffix);
  sqlite3* old = nullptr;
  if (sqlite3_open_v2(aside.c_str(), &old, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    std::string sql = "VACUUM INTO '" + db.string() + "'";  // foundryd's own path, no quotes in it
    char* error = nullptr;
    if (db.string().find('\'') == std::string::npos &&
        sqlite3_exec(old, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      spdlog::warn("copying the readable part failed ({}); starting an empty database", error ? error : "?");
      fs::remove(db);
    }
    sqlite3_free(error);
  }
  sqlite3_close(old);
  try {
    return store::Store::open(db);
  } catch (const store::StoreError& e) {
    spdlog::warn("the copy is not usable either ({}); starting an empty database", e.what());
    fs::remove(db);
    return store::Store::open(db);
  }
}

void write_ready_file(const fs::path& file, const service::Service& svc, const service::KeyPair& server) {
  auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"api\": \"" << svc.api_endpoint() << "\", \"stream\": \"" << svc.stream_endpoint()
        << "\", \"server_public_key\": \"" << server.public_key << "\", \"pid\": " << ::getpid() << "}\n";
  }
  fs::rename(tmp, file);
}

int serve(const Options& options) {
  // Signals are taken by one thread with sigwait(), so the others never run a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);  // past a file size limit a write fails (database full), it does not kill us

  Workcell workcell;
  try {
    workcell = load_workcell(options.workcell);
  } catch (const InputError& e) {
    throw Fatal(kBadInput, format_diagnostics(e.diagnostics()) + "foundryd did not start");
  }

  std::unique_ptr<store::Store> store;
  try {
    store = store::Store::open(options.db);
  } catch (const store::StoreError& e) {
    if (!options.force_recovery)
      throw Fatal(kStoreRefused, std::string(e.what()) +
                                     "\nfoundryd did not start. Restore a backup, or start with --force-recovery to "
                                     "keep the damaged file aside and go on with what is readable.");
    store = recover_store(options.db, e.what());
  }

  fs::path keys = options.keys.empty() ? fs::path(options.db + ".keys") : fs::path(options.keys);
  ensure_keys(keys);
  service::ServiceOptions service_options;
  service_options.server_keys = service::read_key_file(keys / "server.secret");
  if (service_options.server_keys.secret_key.empty())
    throw Fatal(kFailure, (keys / "server.secret").string() + ": no 'secret = ...' line");
  service_options.allow_list = keys / "allowed_clients";
  service_options.max_message_bytes = options.max_message_bytes;
  service_options.poll_interval_ms = options.poll_ms;
  service_options.storage_probe_s = options.storage_probe_s;
  service_options.handler.protocols_dir =
      options.protocols.empty() ? fs::absolute(options.workcell).parent_path().parent_path() : fs::path(options.protocols);
  // Requests up to half the transport limit get a "too_large" reply rather than a dropped connection.
  service_options.handler.max_request_bytes = std::min<std::size_t>(1u << 20, options.max_message_bytes / 2);
  if (options.bind.empty() || options.stream_bind.empty()) {
    fs::path sockets = options.db + ".sock";
    make_private_dir(sockets);
    if (options.bind.empty()) service_options.api_endpoint = "ipc://" + fs::absolute(sockets / "api").string();
    if (options.stream_bind.empty()) service_options.stream_endpoint = "ipc://" + fs::absolute(sockets / "events").string();
  }
  if (!options.bind.empty()) service_options.api_endpoint = options.bind;
  if (!options.stream_bind.empty()) service_options.stream_endpoint = options.stream_bind;

  auto clock = options.virtual_time ? engine::make_serving_virtual_clock(engine::make_wall_clock()->now())
                                    : engine::make_wall_clock();
  if (!options.virtual_time) clock->begin_external_work();  // a wall clock with nothing to do waits, too
  std::unique_ptr<engine::DeviceFleet> fleet;
  try {
    fleet = std::make_unique<engine::DeviceFleet>(workcell, *clock);
  } catch (const engine::PluginError& e) {
    throw Fatal(kPluginError, std::string(e.what()) + "\nfoundryd did not start");
  }
  engine::Engine engine(workcell, *fleet, *store, *clock);
  auto recovered = engine.recover();
  std::cout << "foundryd: recovered " << recovered.resumed_runs.size() << " run(s), " << recovered.rerun_steps.size()
            << " step(s) re-run, " << recovered.held_steps.size() << " held for an operator, "
            << recovered.completed_from_driver.size() << " completed by their driver\n";

  auto backend = service::make_engine_backend(engine, *store, *clock, workcell);
  std::unique_ptr<service::Service> svc;
  try {
    svc = std::make_unique<service::Service>(*backend, workcell, service_options);
  } catch (const std::exception& e) {
    throw Fatal(kFailure, std::string(e.what()) + "\nfoundryd did not start");
  }
  std::cout << "foundryd " << FOUNDRY_VERSION_MAJOR << "." << FOUNDRY_VERSION_MINOR << "." << FOUNDRY_VERSION_PATCH
            << " on " << workcell.name << " (" << (options.virtual_time ? "virtual" : "wall-clock") << " time)\n"
            << "  api    " << svc->api_endpoint() << "\n  stream " << svc->stream_endpoint() << "\n  keys   "
            << keys.string() << "\n  db     " << options.db << std::endl;
  if (!options.ready_file.empty()) write_ready_file(options.ready_file, *svc, service_options.server_keys);

  std::thread service_thread([&] { svc->run(); });
  std::atomic<bool> engine_stopped{false};
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("signal {}: stopping", signal);
    svc->stop();  // first the service (it may be waiting for the engine), then the engine
    service_thread.join();
    // Again until it is seen: a loop entered anew after a full disk (below) forgets an earlier stop.
    while (!engine_stopped) {
      clock->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // The engine thread. A write that fails for want of room (store::StorageFull) ends only the
  // timer or posted work it came from: the store has noted it is full, the engine starts nothing
  // until it can write, and the service tells clients, probes and resumes (docs/api.md, "A full
  // disk"). Any other exception still ends foundryd.
  for (bool running = true; running;) {
    try {
      clock->run();
      running = false;
    } catch (const store::StorageFull& e) {
      spdlog::debug("engine work stopped by a full disk: {}", e.what());  // the error was logged once already
    }
  }
  engine_stopped = true;
  signal_thread.join();
  auto counters = svc->counters();
  svc.reset();
  backend.reset();
  std::cout << "foundryd: stopped after " << counters.requests << " request(s) (" << counters.error_replies
            << " errors, " << counters.refused_requests << " refused), " << counters.published_events
            << " event(s) and " << counters.published_results << " result(s) published" << std::endl;
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"foundryd: the Foundry service (API on ZeroMQ, CURVE-secured; see docs/api.md)"};
  app.set_version_flag("--version", std::to_string(FOUNDRY_VERSION_MAJOR) + "." + std::to_string(FOUNDRY_VERSION_MINOR) +
                                        "." + std::to_string(FOUNDRY_VERSION_PATCH));
  Options options;
  app.add_option("--workcell,-w", options.workcell, "workcell file (devices and drivers)")->required()->check(CLI::ExistingFile);
  app.add_option("--db", options.db, "SQLite database (created if missing)")->envname("FOUNDRY_DB")->required();
  app.add_option("--bind", options.bind, "API endpoint (ROUTER), e.g. tcp://127.0.0.1:5555; default ipc://<db>.sock/api");
  app.add_option("--stream-bind", options.stream_bind,
                 "event stream endpoint (PUB), e.g. tcp://127.0.0.1:5556; default ipc://<db>.sock/events");
  app.add_option("--keys", options.keys, "key directory: server.secret, allowed_clients (default <db>.keys)");
  app.add_option("--protocols", options.protocols, "where named protocols are read (default: the workcell folder's parent)");
  app.add_option("--ready-file", options.ready_file, "write the bound endpoints and server key here (JSON) once serving");
  app.add_option("--max-message-bytes", options.max_message_bytes, "larger messages drop the connection (ZMQ_MAXMSGSIZE)")
      ->capture_default_str();
  app.add_option("--poll-ms", options.poll_ms, "how often the store is checked for events no listener announced")
      ->capture_default_str();
  app.add_option("--storage-probe-s", options.storage_probe_s,
                 "while the database cannot be written (disk full), try a write this often (seconds)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--virtual-time", options.virtual_time, "run in virtual time (simulated fleets: days in seconds)");
  app.add_flag("--force-recovery", options.force_recovery,
               "start even if the database is damaged: keep it aside and go on with what SQLite can read");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }
  try {
    return serve(options);
  } catch (const Fatal& e) {
    std::cerr << "foundryd: " << e.what() << "\n";
    return e.code();
  } catch (const store::StorageFull& e) {  // at start (recovery): once serving, a full disk pauses
    std::cerr << "foundryd: " << e.what() << "\nfoundryd did not start: free space on the disk holding the database\n";
    return kStorageFull;
  } catch (const std::exception& e) {
    std::cerr << "foundryd: " << e.what() << "\n";
    return kFailure;
  }
}
