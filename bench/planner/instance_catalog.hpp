// The benchmark instances of ../shared/bench with their best known bounds (from each folder's
// bounds.json), and the --families filter that picks some of them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foundry::bench {

struct Instance {
  std::string kind;    // "jssp", "fjsp" or "rcpsp-max": the folder
  std::string family;  // jssp "family" (la, ta, ...), fjsp "set" (brandimarte, ...), rcpsp-max set (j10, ...)
  std::string name;    // the bounds key: "la01", "mk01", "j10/psp1"
  std::filesystem::path file;
  std::optional<long long> lb, ub;  // best known bounds (absent when unknown or infeasible)
  bool optimal = false;             // lb == ub
  bool infeasible = false;          // rcpsp-max: known to have no feasible schedule
};

// One --families entry: KIND, KIND:FAMILY, KIND:NAME, KIND:FIRST-LAST (a numbered range such as
// ta01-ta40 or mk01-mk10), or for rcpsp-max SET/NAME and SET/FIRST-LAST (j10/psp1-psp30).
struct FamilyFilter {
  std::string kind;
  std::string selector;  // empty = every instance of the kind
  bool matches(const Instance& instance) const;
};

// Parses "jssp:la,fjsp:brandimarte"; throws std::invalid_argument naming a bad entry.
std::vector<FamilyFilter> parse_family_filters(const std::string& text);

// The instances of `kinds` under `bench_dir` in natural order (la2 before la10); throws
// std::runtime_error when a bounds file is missing or malformed.
std::vector<Instance> load_catalog(const std::filesystem::path& bench_dir, const std::vector<std::string>& kinds);

// "a2" < "a10": numbers inside names compare by value.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace foundry::bench
