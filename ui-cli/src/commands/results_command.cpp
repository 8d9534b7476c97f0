// foundry results [RUN] [--after SEQ] [--json] [--follow] [server options]
// Measurements of finished steps, oldest first, one line per measurement. --follow keeps printing
// new ones as foundryd publishes them, each exactly once (foundry::client::ResultStream: the
// stream, checked against previous_result_seq, with gaps fetched through the API); with a RUN it
// stops once that run has finished and its last result is printed, otherwise at Ctrl-C.
#include "commands.hpp"
#include "commands/interrupt.hpp"
#include "commands/run_display.hpp"
#include "commands/server_connection.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <foundry/client/client.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

namespace foundry::cli {

namespace {

using nlohmann::json;
using client::Result;

constexpr double kRunCheckInterval_s = 1.0;

struct ResultsOptions {
  ServerOptions server;
  std::string run_id;
  std::int64_t after = 0;
  bool json = false;
  bool follow = false;
  double interval_s = 1;
};

// The shape of one result in `results --json` (docs/cli.md).
json result_json(const Result& r) {
  json measurements = json::array();
  for (const auto& m : r.measurements)
    measurements.push_back({{"name", m.name}, {"value", m.value}, {"unit", m.unit}, {"sample", m.sample}});
  return {{"seq", r.seq},         {"previous_result_seq", r.previous_result_seq},
          {"t", r.t},             {"run_id", r.run_id},
          {"step_id", r.step_id}, {"device_id", r.device_id},
          {"measurements", measurements}};
}

// Every result after `after`, page by page, through the API.
std::vector<Result> results_after(ServerConnection& server, std::int64_t after) {
  std::vector<Result> all;
  server.guarded([&] {
    for (bool more = true; more;) {
      auto page = server.client().results(after, &more);
      if (page.empty()) break;
      after = page.back().seq;
      all.insert(all.end(), page.begin(), page.end());
    }
  });
  return all;
}

// Prints measurements: a table for a finished listing, fixed columns line by line when following.
class ResultPrinter {
 public:
  explicit ResultPrinter(const ResultsOptions& o) : o_(o), style_(output::Style::for_stdout()) {}

  bool wanted(const Result& r) const { return o_.run_id.empty() || r.run_id == o_.run_id; }

  void print_table(const std::vector<Result>& results) const {
    output::Table table(columns());
    for (const auto& r : results)
      if (wanted(r))
        for (const auto& m : r.measurements) table.add_row(cells(r, m));
    if (table.rows() == 0) {
      std::cout << "no measurements" << (o_.run_id.empty() ? "" : " of " + o_.run_id)
                << (o_.after > 0 ? " after seq " + std::to_string(o_.after) : "") << " yet\n";
      return;
    }
    table.print(std::cout, style_);
  }

  // Following: a header once, then each measurement as it comes, in fixed columns.
  void print_lines(const std::vector<Result>& results) {
    for (const auto& r : results) {
      if (!wanted(r) || r.seq <= printed_) continue;
      printed_ = r.seq;
      if (o_.json) {
        std::cout << result_json(r).dump() << "\n";
        continue;
      }
      for (const auto& m : r.measurements) {
        if (!header_done_) {
          std::vector<std::string> headers;
          for (const auto& c : columns()) headers.push_back(c.header);
          std::cout << style_.paint(line(headers), output::Tone::kBold) << "\n";
          header_done_ = true;
        }
        std::cout << line(cells(r, m)) << "\n";
      }
    }
    std::cout << std::flush;
  }

 private:
  std::vector<output::Column> columns() const {
    std::vector<output::Column> c{{"SEQ", output::Align::kRight}};
    if (o_.run_id.empty()) c.push_back({"RUN"});
    for (const char* h : {"STEP", "SAMPLE", "MEASUREMENT"}) c.push_back({h});
    c.push_back({"VALUE", output::Align::kRight});
    for (const char* h : {"UNIT", "DEVICE", "TIME"}) c.push_back({h});
    return c;
  }

  std::vector<std::string> cells(const Result& r, const client::Measurement& m) const {
    std::vector<std::string> row{std::to_string(r.seq)};
    if (o_.run_id.empty()) row.push_back(r.run_id);
    for (const auto* text : {&r.step_id, &m.sample, &m.name}) row.push_back(text->empty() ? "-" : *text);
    row.push_back(fmt::format("{:.4g}", m.value));
    row.push_back(m.unit.empty() ? "-" : m.unit);
    row.push_back(r.device_id.empty() ? "-" : r.device_id);
    row.push_back(lab_time(r.t));
    return row;
  }

  // Fixed widths: a followed listing cannot be measured first.
  std::string line(const std::vector<std::string>& cells) const {
    static const int run_widths[] = {6, 18, 24, 12, 14, 10, 6, 6, 0};
    static const int widths[] = {6, 24, 12, 14, 10, 6, 6, 0};
    const int* w = o_.run_id.empty() ? run_widths : widths;
    auto cols = columns();
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) text += "  ";
      if (w[i] == 0) text += cells[i];
      else if (cols[i].align == output::Align::kRight) text += fmt::format("{:>{}}", cells[i], w[i]);
      else text += fmt::format("{:<{}}", cells[i], w[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  }

  const ResultsOptions& o_;
  output::Style style_;
  std::int64_t printed_ = 0;
  bool header_done_ = false;
};

bool run_has_finished(ServerConnection& server, const std::string& run_id) {
  return run_finished(server.request("status", {{"run_id", run_id}, {"steps", false}}).at("state").get<std::string>());
}

void follow(ServerConnection& server, const ResultsOptions& o, ResultPrinter& printer) {
  stop_on_interrupt();
  std::unique_ptr<client::ResultStream> stream;
  const std::string endpoint = o.server.stream_endpoint();
  if (!endpoint.empty())
    server.guarded([&] { stream = std::make_unique<client::ResultStream>(server.client(), endpoint, o.after); });
  std::int64_t last = o.after;
  auto next_check = std::chrono::steady_clock::now();
  while (!interrupted()) {
    try {
      if (!o.run_id.empty() && std::chrono::steady_clock::now() >= next_check) {
        next_check += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(kRunCheckInterval_s));
        // Read the state first: every result of a finished run is committed, so one page
        // fetch after it finds the rest.
        if (run_has_finished(server, o.run_id)) {
          printer.print_lines(results_after(server, last));
          return;
        }
      }
      std::vector<Result> fresh;
      if (stream) {
        server.guarded([&] { fresh = stream->poll(o.interval_s); });
      } else {
        sleep_unless_interrupted(o.interval_s);
        fresh = results_after(server, last);
      }
      if (!fresh.empty()) last = std::max(last, fresh.back().seq);
      printer.print_lines(fresh);
    } catch (const std::exception&) {
      if (interrupted()) break;  // Ctrl-C during a wait
      throw;
    }
  }
}

void results(const ResultsOptions& o) {
  ServerConnection server(o.server);
  // An unknown run is an error (exit 3), not an empty listing.
  if (!o.run_id.empty()) server.request("status", {{"run_id", o.run_id}, {"steps", false}});
  ResultPrinter printer(o);
  if (o.follow) return follow(server, o, printer);
  auto all = results_after(server, o.after);
  if (o.json) {
    json items = json::array();
    for (const auto& r : all)
      if (printer.wanted(r)) items.push_back(result_json(r));
    std::cout << json{{"results", items}, {"last_seq", all.empty() ? o.after : all.back().seq}}.dump(2) << "\n";
    return;
  }
  printer.print_table(all);
}

}  // namespace

void add_results_command(CLI::App& app) {
  auto options = std::make_shared<ResultsOptions>();
  auto* cmd = app.add_subcommand("results", "Print measurements from foundryd, oldest first; --follow for new ones");
  cmd->footer(
      "Each result has a sequence number (SEQ); --after SEQ starts after it, so a script can\n"
      "carry on where it stopped. --follow prints each new result once; with a RUN it ends when\n"
      "that run has finished, otherwise at Ctrl-C. --json --follow prints one JSON object a line.\n"
      "Exit codes: 0 ok, 3 no such run, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry results dbtl-quick-1 --db lab.db\n"
      "  foundry results dbtl-quick-1 --follow\n"
      "  foundry results --after 212 --json | jq '.results[].measurements[] | select(.name == \"titer\")'");
  cmd->add_option("run", options->run_id, "Only this run's results");
  cmd->add_option("--after", options->after, "Only results with a larger sequence number")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", options->json, "Print JSON (docs/cli.md)");
  cmd->add_flag("--follow,-f", options->follow, "Keep printing new results");
  cmd->add_option("--interval", options->interval_s, "Seconds between looks with --follow")
      ->check(CLI::Range(0.05, 60.0))
      ->capture_default_str();
  add_server_options(*cmd, options->server);
  cmd->callback([options] { results(*options); });
}

}  // namespace foundry::cli
