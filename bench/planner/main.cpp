// foundry-bench-planner: runs plan() on the public benchmarks of ../shared/bench with a budget per
// instance, checks every schedule with the independent verifier, and prints a table per instance
// and per family (makespan, best known bounds, gap, time to the first feasible plan; for
// RCPSP/max, feasible instances planned and infeasible ones proven so).
//
//   foundry-bench-planner [--bench-dir DIR] [--time-limit S] [--families LIST] [--seed N] [--threads N[,N...]]
//
// Several thread counts (--threads 1,2) run every instance once per count, one after the other,
// so that the machine's load weighs on them alike, and end with a table of mean gaps per family
// and thread count.
//
// Exit status: 0 when every plan verified; 1 when a plan broke a constraint, an instance could not
// be read, or the planner "proved" infeasible an instance known to be feasible; 77 when the
// benchmark folder is missing (CTest counts that as skipped).
#include "instance_catalog.hpp"
#include "schedule_verifier.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/planner.hpp>
#include <foundry/planner/problem_io.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <map>

namespace foundry::bench {
namespace {

// Default: the instances issue 4 sets targets for.
constexpr const char* kDefaultFamilies =
    "jssp:ft06,jssp:la,jssp:ta01-ta40,fjsp:mk01-mk10,rcpsp-max:j10,rcpsp-max:j20,rcpsp-max:j30";

enum class Outcome {
  kPlanned,          // a schedule that the verifier accepts
  kInvalid,          // a schedule that breaks a constraint: a planner bug
  kProvenInfeasible,
  kNoPlan,           // budget spent without a plan or a proof
  kReadError,
};

struct Row {
  const Instance* instance = nullptr;
  int threads = 1;
  Outcome outcome = Outcome::kNoPlan;
  long long makespan = 0;
  long long lower_bound = 0;  // the planner's own
  double seconds_to_first = 0;
  double seconds_total = 0;
  std::string note;
};

// The planner says "no plan found within the time limit" when it only ran out of budget; any
// other reason comes with a proof (a lag cycle, a demand above capacity, ...).
bool is_proof(const planner::Infeasibility& infeasibility) {
  return infeasibility.reason.rfind("no plan found within", 0) != 0;
}

std::optional<double> gap_to_ub(const Row& row) {
  if (row.outcome != Outcome::kPlanned || !row.instance->ub || *row.instance->ub <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(row.makespan - *row.instance->ub) / static_cast<double>(*row.instance->ub);
}

std::string text_or_dash(const std::optional<long long>& value) {
  return value ? std::to_string(*value) : std::string("-");
}

Row run_instance(const Instance& instance, const planner::PlanOptions& options) {
  Row row;
  row.instance = &instance;
  row.threads = options.threads;
  planner::Problem problem;
  try {
    problem = planner::read_problem_file(instance.file);
  } catch (const InputError& e) {
    row.outcome = Outcome::kReadError;
    row.note = e.what();
    return row;
  }
  planner::PlanResult result = planner::plan(problem, options);
  row.seconds_to_first = result.seconds_to_first;
  row.seconds_total = result.seconds_total;
  row.lower_bound = result.lower_bound;
  if (result.schedule) {
    row.makespan = result.schedule->makespan;
    auto violations = testing::verify_schedule(problem, *result.schedule);
    row.outcome = violations.empty() ? Outcome::kPlanned : Outcome::kInvalid;
    if (!violations.empty())
      row.note = fmt::format("{} violations, first: {}", violations.size(), violations.front());
    else if (instance.infeasible)
      row.note = "bounds.json lists this instance as infeasible";
    else if (instance.lb && row.makespan < *instance.lb)
      row.note = "below the best known lower bound";
  } else if (result.infeasibility && is_proof(*result.infeasibility)) {
    row.outcome = Outcome::kProvenInfeasible;
    if (!instance.infeasible) row.note = "WRONG: known feasible; " + result.infeasibility->reason;
  } else {
    row.outcome = Outcome::kNoPlan;
  }
  return row;
}

const char* status_of(const Row& row) {
  switch (row.outcome) {
    case Outcome::kPlanned: return "ok";
    case Outcome::kInvalid: return "INVALID";
    case Outcome::kProvenInfeasible: return "infeasible";
    case Outcome::kNoPlan: return "no plan";
    case Outcome::kReadError: return "READ ERROR";
  }
  return "?";
}

void print_row(const Row& row) {
  const Instance& i = *row.instance;
  auto gap = gap_to_ub(row);
  std::cout << fmt::format("| {:<9} | {:<16} | {:>3} | {:>8} | {:>8} | {:>8} | {:>6} | {:>8.3f} | {:>7.2f} | {:<10} | {}\n",
                           i.kind, i.name, row.threads, text_or_dash(i.lb), text_or_dash(i.ub),
                           row.outcome == Outcome::kPlanned || row.outcome == Outcome::kInvalid
                               ? std::to_string(row.makespan)
                               : std::string("-"),
                           gap ? fmt::format("{:.2f}", *gap) : std::string("-"), row.seconds_to_first,
                           row.seconds_total, status_of(row), row.note)
            << std::flush;
}

struct FamilySummary {
  std::string kind, family;
  int instances = 0, planned = 0, invalid = 0, no_plan = 0, read_errors = 0;
  int at_best_known = 0;  // makespan <= ub
  int gaps = 0;
  double gap_sum = 0, gap_max = 0, first_sum = 0;
  int listed_feasible = 0, feasible_planned = 0, listed_infeasible = 0, infeasible_proven = 0, wrong_proofs = 0;
};

std::vector<FamilySummary> summarise(const std::vector<Row>& rows) {
  std::vector<FamilySummary> families;
  std::map<std::string, std::size_t> index;
  for (const Row& row : rows) {
    const Instance& i = *row.instance;
    std::string key = i.kind + ":" + i.family;
    auto [it, added] = index.try_emplace(key, families.size());
    if (added) families.push_back({i.kind, i.family});
    FamilySummary& f = families[it->second];
    ++f.instances;
    if (row.outcome == Outcome::kPlanned) {
      ++f.planned;
      f.first_sum += row.seconds_to_first;
      if (i.ub && row.makespan <= *i.ub) ++f.at_best_known;
      if (auto gap = gap_to_ub(row)) {
        ++f.gaps;
        f.gap_sum += *gap;
        f.gap_max = std::max(f.gap_max, *gap);
      }
    }
    if (row.outcome == Outcome::kInvalid) ++f.invalid;
    if (row.outcome == Outcome::kNoPlan) ++f.no_plan;
    if (row.outcome == Outcome::kReadError) ++f.read_errors;
    if (i.infeasible) {
      ++f.listed_infeasible;
      if (row.outcome == Outcome::kProvenInfeasible) ++f.infeasible_proven;
    } else {
      ++f.listed_feasible;
      if (row.outcome == Outcome::kPlanned) ++f.feasible_planned;
      if (row.outcome == Outcome::kProvenInfeasible) ++f.wrong_proofs;
    }
  }
  return families;
}

std::string mean_gap(const FamilySummary& f) {
  return f.gaps ? fmt::format("{:.2f}", f.gap_sum / f.gaps) : std::string("-");
}

void print_summaries(const std::vector<Row>& rows) {
  const std::vector<FamilySummary> families = summarise(rows);

  std::cout << "\nPer family (gap = 100*(makespan-ub)/ub over planned instances with a known ub):\n\n";
  std::cout << "| kind      | family       | inst | planned | at ub | mean gap % | max gap % | mean t_first s | invalid | no plan |\n";
  std::cout << "|-----------|--------------|-----:|--------:|------:|-----------:|----------:|---------------:|--------:|--------:|\n";
  for (const auto& f : families) {
    std::cout << fmt::format("| {:<9} | {:<12} | {:>4} | {:>7} | {:>5} | {:>10} | {:>9} | {:>14.4f} | {:>7} | {:>7} |\n",
                             f.kind, f.family, f.instances, f.planned, f.at_best_known,
                             mean_gap(f), f.gaps ? fmt::format("{:.2f}", f.gap_max) : std::string("-"),
                             f.planned ? f.first_sum / f.planned : 0.0, f.invalid + f.read_errors, f.no_plan);
  }
  bool any_rcpsp = false;
  for (const auto& f : families) any_rcpsp = any_rcpsp || f.kind == "rcpsp-max";
  if (!any_rcpsp) return;
  std::cout << "\nRCPSP/max feasibility:\n\n";
  std::cout << "| set    | listed feasible | planned (verified) | %      | listed infeasible | proven infeasible | wrong proofs |\n";
  std::cout << "|--------|----------------:|-------------------:|-------:|------------------:|------------------:|-------------:|\n";
  for (const auto& f : families) {
    if (f.kind != "rcpsp-max") continue;
    std::cout << fmt::format("| {:<6} | {:>15} | {:>18} | {:>6.2f} | {:>17} | {:>17} | {:>12} |\n", f.family,
                             f.listed_feasible, f.feasible_planned,
                             f.listed_feasible ? 100.0 * f.feasible_planned / f.listed_feasible : 0.0,
                             f.listed_infeasible, f.infeasible_proven, f.wrong_proofs);
  }
}

// Mean gap per family, one column per thread count (same instances, same run).
void print_thread_comparison(const std::vector<int>& thread_counts, const std::vector<std::vector<Row>>& rows) {
  std::vector<std::vector<FamilySummary>> by_count;
  for (const auto& r : rows) by_count.push_back(summarise(r));
  std::cout << "\nMean gap % per family and thread count (same instances, same run):\n\n| kind      | family       |";
  for (int t : thread_counts) std::cout << fmt::format(" {:>2} thread(s) |", t);
  std::cout << "\n|-----------|--------------|";
  for (std::size_t k = 0; k < thread_counts.size(); ++k) std::cout << "-------------:|";
  std::cout << "\n";
  for (std::size_t f = 0; f < by_count.front().size(); ++f) {
    std::cout << fmt::format("| {:<9} | {:<12} |", by_count.front()[f].kind, by_count.front()[f].family);
    for (const auto& families : by_count) std::cout << fmt::format(" {:>12} |", mean_gap(families[f]));
    std::cout << "\n";
  }
}

int run(int argc, char** argv) {
  std::string bench_dir = FOUNDRY_BENCH_DATA_DIR;
  std::vector<std::string> family_args;
  planner::PlanOptions options;
  options.objective = planner::Objective::kMakespan;
  options.time_limit_s = 1.0;

  CLI::App app{"Run the planner on the public scheduling benchmarks and check every plan"};
  app.add_option("--bench-dir", bench_dir, "Benchmark folder (jssp/, fjsp/, rcpsp-max/)")->capture_default_str();
  app.add_option("--time-limit", options.time_limit_s, "Budget per instance, seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--families", family_args,
                 "Instances to run, comma-separated: KIND[:FAMILY|NAME|FIRST-LAST], KIND one of jssp, fjsp, "
                 "rcpsp-max; e.g. jssp:la, jssp:ta01-ta40, fjsp:brandimarte, rcpsp-max:j10, "
                 "rcpsp-max:j10/psp1-psp30 (default: " + std::string(kDefaultFamilies) + ")");
  app.add_option("--seed", options.seed, "Planner seed")->capture_default_str();
  std::vector<int> thread_counts{1};
  app.add_option("--threads", thread_counts,
                 "Planner threads (a portfolio of independent searches); several, comma-separated, run every "
                 "instance once per count and compare the mean gaps")
      ->delimiter(',')
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::string joined;
  for (const auto& f : family_args) joined += (joined.empty() ? "" : ",") + f;
  std::vector<FamilyFilter> filters;
  try {
    filters = parse_family_filters(joined.empty() ? kDefaultFamilies : joined);
  } catch (const std::invalid_argument& e) {
    std::cerr << "foundry-bench-planner: " << e.what() << "\n";
    return 2;
  }
  if (!std::filesystem::exists(bench_dir)) {
    std::cerr << "foundry-bench-planner: no benchmark folder at " << bench_dir << " (use --bench-dir)\n";
    return 77;
  }
  std::vector<std::string> kinds;
  for (const auto& f : filters)
    if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) kinds.push_back(f.kind);
  std::vector<Instance> catalog = load_catalog(bench_dir, kinds);
  std::vector<const Instance*> chosen;
  for (const Instance& i : catalog)
    if (std::any_of(filters.begin(), filters.end(), [&](const FamilyFilter& f) { return f.matches(i); }))
      chosen.push_back(&i);
  if (chosen.empty()) {
    std::cerr << "foundry-bench-planner: no instance matches the --families filter\n";
    return 2;
  }

  std::string counts;
  for (int t : thread_counts) counts += (counts.empty() ? "" : ",") + std::to_string(t);
  std::cout << fmt::format("planner benchmark: {} instances, {} s per instance, seed {}, {} thread(s), objective makespan\n\n",
                           chosen.size(), options.time_limit_s, options.seed, counts);
  std::cout << "| kind      | instance         | thr |       lb |       ub | makespan |  gap % |  first s | total s | status     | note\n";
  std::cout << "|-----------|------------------|----:|---------:|---------:|---------:|-------:|---------:|--------:|------------|-----\n";
  std::vector<std::vector<Row>> rows_by_count(thread_counts.size());
  for (const Instance* instance : chosen)
    for (std::size_t k = 0; k < thread_counts.size(); ++k) {
      options.threads = thread_counts[k];
      rows_by_count[k].push_back(run_instance(*instance, options));
      print_row(rows_by_count[k].back());
    }
  std::vector<Row> rows;
  for (std::size_t k = 0; k < thread_counts.size(); ++k) {
    if (thread_counts.size() > 1) std::cout << fmt::format("\n== {} thread(s) ==\n", thread_counts[k]);
    print_summaries(rows_by_count[k]);
    rows.insert(rows.end(), rows_by_count[k].begin(), rows_by_count[k].end());
  }
  if (thread_counts.size() > 1) print_thread_comparison(thread_counts, rows_by_count);

  bool failed = std::any_of(rows.begin(), rows.end(), [](const Row& r) {
    return r.outcome == Outcome::kInvalid || r.outcome == Outcome::kReadError ||
           (r.outcome == Outcome::kProvenInfeasible && !r.instance->infeasible);
  });
  if (failed) std::cout << "\nFAILED: some plans broke constraints, or an instance could not be read or was wrongly proven infeasible\n";
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace foundry::bench

int main(int argc, char** argv) {
  try {
    return foundry::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "foundry-bench-planner: " << e.what() << "\n";
    return 1;
  }
}
