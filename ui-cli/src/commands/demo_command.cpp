// foundry demo [--out DIR] [--cycles N] [--batch N] [--seed S] [--scale-up N] [--source DIR]
// A whole DBTL campaign in virtual time on the simulated foundry, the README's main command:
//   1. writes DIR/workcell.json: protocols/workcells/sim-foundry.json on landscape S (a titer
//      landscape the learner was never tuned on) with one injected fault (lh1 fails its 2nd
//      `sample` command; the protocol's error policy retries it);
//   2. starts the sibling foundryd on it in virtual time (loopback, CURVE, DIR/campaign.db);
//   3. runs the lab side in Python (examples/learners/python/demo_campaign.py): the cell-culture
//      maintenance run on cc1, the GP learner's cycles closing the loop on measured titers, the
//      1 L scale-up of its best designs in br1l, the random baseline's cycles;
//   4. shows progress (one redrawn line on a terminal, plain lines when piped), stops foundryd
//      (SIGTERM, also on Ctrl-C or an error), tells what happened to the injected fault and the
//      maintenance windows, and writes DIR/report.html with the code of `foundry report`.
#include "commands.hpp"
#include "commands/child_process.hpp"
#include "commands/demo_summary.hpp"
#include "commands/report_sources.hpp"
#include "output/progress_line.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/terminal.hpp"

#include <foundry/report/campaign_report.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

namespace fs = std::filesystem;

namespace foundry::cli {

namespace {

constexpr const char* kMarker = ".foundry-demo";  // says a folder is a demo's, so a rerun may clear it
constexpr const char* kMaintenanceProtocol = "cell-culture-maintenance";
constexpr int kExitInterrupted = 130;  // the shell's code for Ctrl-C

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void remember_stop_signal(int signal) { g_stop_signal = signal; }

// Ctrl-C and SIGTERM set a flag the demo's loop checks, so it can stop foundryd cleanly.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = remember_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static void check() {
    if (g_stop_signal != 0) throw CliExit(kExitInterrupted, "foundry demo: interrupted; foundryd was stopped");
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

struct DemoOptions {
  std::string out = "build/demo";
  int cycles = 5;
  int batch = 8;
  int seed = 7;
  int scale_up = 2;
  std::string source;
  std::string python = "/usr/bin/python3";
};

struct DemoPaths {
  fs::path source, out, workcell, db, keys, ready, service_log, lab_log, report;
};

bool is_source_tree(const fs::path& dir) {
  return fs::exists(dir / "protocols" / "workcells" / "sim-foundry.json") &&
         fs::exists(dir / "examples" / "learners" / "python" / "demo_campaign.py");
}

// The source tree holds the protocols and the Python lab side: --source, or the first folder
// above the running executable that has them (any build folder inside the checkout).
fs::path find_source_tree(const std::string& given) {
  if (!given.empty()) {
    if (!is_source_tree(given))
      throw CliExit(kExitUsage, "--source " + given +
                                    ": not a Foundry source tree (no protocols/workcells/sim-foundry.json and "
                                    "examples/learners/python/demo_campaign.py there)");
    return fs::absolute(given);
  }
  for (fs::path dir = fs::path(sibling_program("foundry")).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (is_source_tree(dir)) return dir;
    if (dir == dir.root_path()) break;
  }
  throw CliExit(kExitUsage,
                "cannot find the Foundry source tree above this foundry executable (the demo needs its protocols "
                "and examples/learners/python); give it with --source DIR");
}

// Only what a demo writes (this one, or scripts/demo.sh before `foundry demo` existed).
bool is_demo_file(const fs::path& name) {
  const std::string n = name.filename().string();
  for (const char* known : {kMarker, "workcell.json", "ready.json", "foundryd.log", "lab.log", "report.html"})
    if (n == known) return true;
  return n.rfind("campaign.db", 0) == 0;  // the database, its -wal/-shm, keys and sockets
}

// A fresh output folder: created if missing; an earlier demo's folder is emptied; any other
// non-empty folder is refused, so --out never deletes someone's files.
void prepare_out_dir(const fs::path& out) {
  if (fs::exists(out)) {
    if (!fs::is_directory(out)) throw CliExit(kExitUsage, "--out " + out.string() + ": exists and is not a folder");
    bool ours = true;
    for (const auto& entry : fs::directory_iterator(out)) ours = ours && is_demo_file(entry.path());
    if (!ours)
      throw CliExit(kExitUsage, "--out " + out.string() +
                                    ": the folder holds files that are not an earlier demo's; choose an empty or new folder");
    for (const auto& entry : fs::directory_iterator(out)) fs::remove_all(entry.path());
  }
  fs::create_directories(out);
  std::ofstream(out / kMarker) << "written by foundry demo; the next demo run empties this folder\n";
}

DemoPaths paths_of(const DemoOptions& options) {
  DemoPaths p;
  p.source = find_source_tree(options.source);
  p.out = fs::absolute(options.out);
  p.workcell = p.out / "workcell.json";
  p.db = p.out / "campaign.db";
  p.keys = p.out / "campaign.db.keys";
  p.ready = p.out / "ready.json";
  p.service_log = p.out / "foundryd.log";
  p.lab_log = p.out / "lab.log";
  p.report = p.out / "report.html";
  return p;
}

// The simulated foundry on landscape `seed`, with the demo's one injected fault.
void write_workcell(const DemoPaths& p, int seed) {
  std::ifstream in(p.source / "protocols" / "workcells" / "sim-foundry.json");
  auto workcell = nlohmann::json::parse(in);
  for (auto& device : workcell["devices"]) {
    auto& driver = device["driver"];
    if (!driver.contains("settings")) continue;  // no landscape, and not lh1
    auto& settings = driver["settings"];
    if (settings.contains("landscape_seed")) settings["landscape_seed"] = seed;
    if (device["id"] == "lh1")
      settings["faults"] = nlohmann::json::array({{{"operation", "sample"},
                                                   {"on_command", 2},
                                                   {"kind", "execution"},
                                                   {"message", "clot_detected: the demo's injected fault"}}});
  }
  std::ofstream(p.workcell) << workcell.dump(1) << "\n";
}

std::string tail_of(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string text;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) text += "  " + all[i] + "\n";
  return text;
}

void wait_until_ready(ChildProcess& service, const DemoPaths& p) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(p.ready)) {
    StopSignals::check();
    if (service.poll_exit())
      throw CliExit(kExitFailure, "foundryd stopped before serving; its log (" + p.service_log.string() + ") ends:\n" +
                                      tail_of(p.service_log, 8));
    if (std::chrono::steady_clock::now() > deadline)
      throw CliExit(kExitFailure, "foundryd did not start serving within 30 s; see " + p.service_log.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// About how many passages keep the culture going as long as the campaign: two learners'
// cycles of ~2.4 days each, a passage every 4 days.
int passages_for(int cycles) { return std::max(1, static_cast<int>(std::ceil(cycles * 2 * 2.4 / 4.0)) - 1); }

// Shows what the lab side reports (JSON lines, see demo_campaign.py).
class DemoDisplay {
 public:
  explicit DemoDisplay(int cycles) : cycles_(cycles), progress_(stderr, "steps done", 0) {}

  void handle(const nlohmann::json& e) {
    const std::string kind = e.value("event", "");
    if (kind == "progress") {
      start_ = e.value("start", 0.0);
      now_ = e.value("now", 0.0);
      std::string note = fmt::format("{} cycle {}/{}  lab time {}", e.value("learner", ""), e.value("cycle", 0),
                                     e.value("cycles", cycles_), output::format_duration(now_ - start_));
      if (e.contains("best") && e["best"].is_number()) note += fmt::format("  best {:.3f} g/L", e["best"].get<double>());
      progress_.update(e.value("steps_done", 0L), note);
    } else if (kind == "submitted") {
      say(fmt::format("submitted {}: {}", e.value("run", ""), e.value("what", "")));
    } else if (kind == "cycle") {
      best_[e.value("cycle", 0)][e.value("learner", "")] = e.value("best", 0.0);
      say(fmt::format("{:>6} cycle {}/{} ({}): batch best {:.3f} g/L, best so far {:.3f} g/L ({})", e.value("learner", ""),
                      e.value("cycle", 0), cycles_, e.value("run", ""), e.value("batch_best", 0.0), e.value("best", 0.0),
                      e["best_design"].is_object() ? e["best_design"].value("id", "") : ""));
    } else if (kind == "scale_up") {
      std::string small = e["titer_small"].is_number() ? fmt::format("{:.3f}", e["titer_small"].get<double>()) : "?";
      say(fmt::format("scale-up {}: {} g/L at 0.25 L, {:.3f} g/L at 1 L", e.value("design", ""), small,
                      e.value("titer_1l", 0.0)));
    } else if (kind == "finished") {
      progress_.finish(fmt::format("all runs ended; lab time {}", output::format_duration(now_ - start_)));
    }
  }

  double lab_time_s() const { return now_ - start_; }

  // Best titer so far per cycle, the learner against the random baseline.
  void print_table() const {
    if (best_.empty()) return;
    std::cout << "\nbest titer so far (g/L)\ncycle        gp    random\n";
    for (const auto& [cycle, by_learner] : best_) {
      std::cout << fmt::format("{:5d}", cycle);
      for (const char* learner : {"gp", "random"}) {
        auto it = by_learner.find(learner);
        std::cout << (it == by_learner.end() ? std::string(10, ' ') : fmt::format("{:10.3f}", it->second));
      }
      std::cout << "\n";
    }
  }

 private:
  // A line that stays: on a terminal it replaces the progress line, which redraws below it.
  void say(const std::string& line) {
    if (output::is_terminal(stderr)) std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    std::cout << line << std::endl;
  }

  int cycles_;
  output::ProgressLine progress_;
  double start_ = 0, now_ = 0;
  std::map<int, std::map<std::string, double>> best_;  // cycle -> learner -> best so far
};

// Reads the lab side's JSON lines until it ends (or Ctrl-C, or foundryd dies).
int follow_lab(ChildProcess& lab, ChildProcess& service, DemoDisplay& display, const DemoPaths& p) {
  std::string buffer;
  bool open = true;
  while (open) {
    StopSignals::check();
    if (service.poll_exit())
      throw CliExit(kExitFailure, "foundryd stopped during the demo; its log (" + p.service_log.string() + ") ends:\n" +
                                      tail_of(p.service_log, 8));
    pollfd fd{lab.stdout_fd(), POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;  // a timeout, or EINTR from Ctrl-C (checked above)
    char chunk[4096];
    ssize_t n = ::read(lab.stdout_fd(), chunk, sizeof chunk);
    if (n < 0) continue;  // EAGAIN / EINTR
    if (n == 0) open = false;
    buffer.append(chunk, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    for (std::size_t eol; (eol = buffer.find('\n')) != std::string::npos; buffer.erase(0, eol + 1)) {
      auto event = nlohmann::json::parse(buffer.substr(0, eol), nullptr, false);
      if (event.is_object()) display.handle(event);
    }
  }
  return lab.wait();
}

void print_summary(const DemoSummary& s, const output::Style& style) {
  std::cout << "\nruns: " << s.runs.size();
  std::map<std::string, int> by_state;
  for (const auto& r : s.runs) by_state[r.state] += 1;
  for (const auto& [state, n] : by_state) std::cout << ", " << n << " " << state;
  std::cout << "\n";
  for (const auto& f : s.faults)
    std::cout << style.paint("fault: ", f.recovered ? output::Tone::kWarning : output::Tone::kBad) << f.run_id << "/"
              << f.step_id << ": " << f.message << "; policy: " << f.policy << "; then " << f.outcome
              << (f.recovered ? " (recovered)" : "") << "\n";
  if (s.faults.empty()) std::cout << "fault: none recorded (the injected fault did not fire)\n";
  if (!s.maintenance_run.empty())
    std::cout << "maintenance " << s.maintenance_run << ": " << s.maintenance_state << ", " << s.maintenance_steps_done
              << " steps on cc1 and arm1, "
              << (s.maintenance_violations == 0 ? "every window kept"
                                                : std::to_string(s.maintenance_violations) + " step(s) outside a window")
              << "\n";
  std::cout << "work per device (steps done):";
  for (const auto& [device, n] : s.steps_done_by_device) std::cout << " " << device << " " << n;
  std::cout << "\n";
}

void demo(const DemoOptions& options) {
  StopSignals signals;
  const auto started = std::chrono::steady_clock::now();
  DemoPaths p = paths_of(options);
  if (!fs::exists(options.python)) throw CliExit(kExitUsage, "--python " + options.python + ": no such program");
  const std::string foundryd = sibling_program("foundryd");
  if (!fs::exists(foundryd))
    throw CliExit(kExitFailure, "foundryd is not next to foundry (" + foundryd + "); build it: cmake --build --preset default --target foundryd");
  prepare_out_dir(p.out);
  write_workcell(p, options.seed);
  const output::Style style = output::Style::for_stdout();

  std::cout << style.paint("foundry demo", output::Tone::kBold) << ": " << options.cycles << " DBTL cycles x " << options.batch
            << " designs (GP learner, then a random baseline), the cell-culture maintenance on cc1 alongside, a 1 L "
               "scale-up of the best designs in br1l;\nvirtual time on the simulated foundry (landscape "
            << options.seed << "), one injected fault: lh1 fails its 2nd sample command. Output in " << p.out.string() << "\n";

  DemoSummary summary;
  double lab_time_s = 0;
  {
    ChildProcess service({{foundryd, "--workcell", p.workcell.string(), "--db", p.db.string(), "--virtual-time", "--protocols",
                           (p.source / "protocols").string(), "--bind", "tcp://127.0.0.1:0", "--stream-bind",
                           "tcp://127.0.0.1:0", "--ready-file", p.ready.string()},
                          p.service_log.string(),
                          false});
    wait_until_ready(service, p);
    ChildProcess keys({{sibling_program("foundry"), "keys", "generate", "learner", "--dir", p.keys.string(), "--allow", "learner"},
                       p.lab_log.string(),
                       false});
    if (keys.wait() != 0) throw CliExit(kExitFailure, "could not make the learner's key; see " + p.lab_log.string());

    ChildProcess lab({{options.python, (p.source / "examples/learners/python/demo_campaign.py").string(), "--ready-file",
                       p.ready.string(), "--staff-key", (p.keys / "staff.secret").string(), "--learner-key",
                       (p.keys / "learner.secret").string(), "--cycles", std::to_string(options.cycles), "--batch",
                       std::to_string(options.batch), "--scale-up", std::to_string(options.scale_up), "--passages",
                       std::to_string(passages_for(options.cycles))},
                      p.lab_log.string(),
                      true});
    DemoDisplay display(options.cycles);
    int lab_status = follow_lab(lab, service, display, p);
    lab_time_s = display.lab_time_s();
    display.print_table();
    if (lab_status != 0)
      throw CliExit(kExitFailure, "the lab side (demo_campaign.py) failed with exit " + std::to_string(lab_status) +
                                      "; its log (" + p.lab_log.string() + ") ends:\n" + tail_of(p.lab_log, 12));
    int service_status = service.terminate(15);
    if (service_status != 0)
      throw CliExit(kExitFailure, "foundryd did not stop cleanly (exit " + std::to_string(service_status) + "); see " +
                                      p.service_log.string());
  }

  auto store = open_existing_store(p.db.string());
  summary = summarise_demo(*store, kMaintenanceProtocol);
  print_summary(summary, style);

  ReportSourceFiles files;
  files.workcell = p.workcell.string();
  LoadedSources loaded = load_report_sources(files);
  report::ReportOptions report_options;
  report_options.sources = loaded.sources;
  report_options.title = fmt::format("Foundry demo: {} DBTL cycles x {} designs on the simulated foundry", options.cycles,
                                     options.batch);
  write_output_file(p.report, report::campaign_report_html(*store, report_options));

  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("\n{} of lab time in {:.1f} s.\n", output::format_duration(lab_time_s), wall_s);
  std::cout << style.paint("report: ", output::Tone::kBold) << p.report.string() << "\n"
            << "  open it: xdg-open " << p.report.string() << "   (or file://" << p.report.string() << " in a browser)\n"
            << "  database " << p.db.string() << ", service log " << p.service_log.string() << ", lab log "
            << p.lab_log.string() << "\n";
  if (!summary.all_runs_done()) throw CliExit(kExitFailure, "foundry demo: not every run ended done (see the report)");
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "Run a whole DBTL campaign in virtual time on the simulated foundry");
  cmd->footer(
      "Starts foundryd (the one next to this foundry) in virtual time on the simulated foundry with one\n"
      "injected fault (lh1 fails its 2nd sample command; the protocol retries it), submits the cell-culture\n"
      "maintenance run (cc1, robot arm), runs the GP learner's DBTL cycles on the measured titers, a 1 L\n"
      "scale-up of its best designs (br1l) and a random baseline, then writes DIR/report.html.\n"
      "Everything goes to DIR (emptied first if an earlier demo wrote it; any other non-empty folder is refused).\n"
      "Needs /usr/bin/python3 with numpy and zmq, and the source tree (found above this executable, or --source).\n"
      "Examples:\n"
      "  foundry demo\n"
      "  foundry demo --cycles 2 --batch 4 --out /tmp/demo\n"
      "Exit codes: 0 every run done and the report written, 1 something failed (the message says where to look),\n"
      "2 bad arguments, 130 interrupted (foundryd is stopped cleanly first).");
  cmd->add_option("--out", options->out, "Folder for the database, logs and report")->capture_default_str();
  cmd->add_option("--cycles", options->cycles, "DBTL cycles per learner")->check(CLI::Range(1, 20))->capture_default_str();
  cmd->add_option("--batch", options->batch, "Designs per cycle")->check(CLI::Range(1, 12))->capture_default_str();
  cmd->add_option("--seed", options->seed, "Titer landscape of the simulated foundry")->capture_default_str();
  cmd->add_option("--scale-up", options->scale_up, "Best designs to grow again at 1 L (0: none)")
      ->check(CLI::Range(0, 12))
      ->capture_default_str();
  cmd->add_option("--source", options->source, "The Foundry source tree (default: found above this executable)");
  cmd->add_option("--python", options->python, "The Python 3 that runs the learner")->capture_default_str();
  cmd->callback([options] { demo(*options); });
}

}  // namespace foundry::cli
