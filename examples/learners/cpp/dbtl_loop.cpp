// dbtl-loop: DBTL campaigns with the C++ GP-UCB learner and the random baseline on landscapes
// the learner was not tuned on (it was tuned on seed 42); prints the best titer per cycle.
//
//   build/default/bin/dbtl-loop --foundry build/default/bin/foundry --seeds 7,1234,2026 --cycles 6 --batch 8
#include "campaign.hpp"
#include "gp_ucb_learner.hpp"
#include "local_backend.hpp"
#include "random_designs.hpp"
#include "seeded_workcell.hpp"
#if FOUNDRY_LEARNERS_HAVE_CLIENT
#include "foundryd_backend.hpp"
#endif

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

#ifndef FOUNDRY_SOURCE_DIR
#define FOUNDRY_SOURCE_DIR "."
#endif

namespace fl = foundry::learners;

int main(int argc, char** argv) {
  CLI::App app{"DBTL campaigns: GP-UCB learner vs random designs, best titer per cycle"};
  std::string foundry = "foundry", workcell = FOUNDRY_SOURCE_DIR "/protocols/workcells/sim-foundry.json";
  std::string protocol = FOUNDRY_SOURCE_DIR "/protocols/dbtl-campaign.json", seeds_text = "7,1234,2026", dir;
  std::string learners_text = "gp,random";
  std::vector<std::string> params;
  int cycles = 6, in_flight = 1;
  std::size_t batch = 8;
  std::uint64_t learner_seed = 1;
  double kappa = 1.5;
  bool quiet = false;
  std::string backend_name = "local", ready_file, key_file;
  app.add_option("--foundry", foundry, "the foundry command");
  app.add_option("--workcell", workcell, "workcell to copy with each landscape seed");
  app.add_option("--protocol", protocol, "campaign protocol");
  app.add_option("--param", params, "extra protocol parameter NAME=VALUE");
  app.add_option("--seeds", seeds_text, "landscape seeds, comma-separated");
  app.add_option("--cycles", cycles, "DBTL cycles")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "designs per cycle")->check(CLI::PositiveNumber);
  app.add_option("--in-flight", in_flight, "batches in the lab at once")->check(CLI::PositiveNumber);
  app.add_option("--learners", learners_text, "gp, random or both");
  app.add_option("--learner-seed", learner_seed, "seed of the learners' random choices");
  app.add_option("--kappa", kappa, "UCB exploration weight");
  app.add_option("--dir", dir, "where workcells and databases go (default: a new folder in /dev/shm or /tmp)");
  app.add_flag("-q,--quiet", quiet, "no progress on stderr");
  app.add_option("--backend", backend_name, "local (foundry run) or foundryd")->check(CLI::IsMember({"local", "foundryd"}));
  app.add_option("--ready-file", ready_file, "foundryd backend: the file foundryd --ready-file wrote");
  app.add_option("--key", key_file, "foundryd backend: our key pair file (role learner or staff)");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::uint64_t> seeds;
  std::stringstream ss(seeds_text);
  for (std::string s; std::getline(ss, s, ',');) seeds.push_back(std::stoull(s));
  std::vector<std::string> learners;
  std::stringstream ls(learners_text);
  for (std::string s; std::getline(ls, s, ',');) learners.push_back(s);
  if (dir.empty()) {
    // Scratch databases go to memory when possible: the store fsyncs every commit.
    const std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/dbtl-loop-cpp-XXXXXX";
    if (!mkdtemp(tmpl.data())) return fmt::print(stderr, "cannot create a folder in {}\n", base), 1;
    dir = tmpl;
  }
  std::filesystem::create_directories(dir);

  const fl::DesignSpace space = fl::DesignSpace::standard();
  std::map<std::pair<std::uint64_t, std::string>, fl::CampaignResult> results;
  try {
    for (auto seed : seeds) {
      const std::string seeded = fl::write_seeded_workcell(workcell, seed, dir);
      for (const auto& name : learners) {
        std::unique_ptr<fl::Learner> learner;
        if (name == "gp") learner = std::make_unique<fl::GpUcbLearner>(space, learner_seed, kappa);
        else if (name == "random") learner = std::make_unique<fl::RandomDesigns>(space, learner_seed);
        else return fmt::print(stderr, "unknown learner '{}' (known: gp, random)\n", name), 2;
        const std::string db = dir + "/seed" + std::to_string(seed) + "-" + name + ".db";
        std::filesystem::remove(db);
        std::unique_ptr<fl::Backend> backend;
        if (backend_name == "foundryd") {
#if FOUNDRY_LEARNERS_HAVE_CLIENT
          backend = std::make_unique<fl::FoundrydBackend>(fl::FoundrydBackendOptions{
              ready_file, key_file, "dbtl-campaign", name + "-" + std::to_string(learner_seed) + "-" + std::to_string(::getpid()), 300});
#else
          return fmt::print(stderr, "built without the foundryd client\n"), 2;
#endif
        } else {
          backend = std::make_unique<fl::LocalFoundryBackend>(fl::LocalBackendOptions{foundry, protocol, seeded, db, params});
        }
        if (!quiet) fmt::print(stderr, "seed {}, {}: {} cycles of {} designs ({} possible)\n", seed, learner->name(), cycles, batch, space.size());
        results[{seed, name}] = fl::run_campaign(*learner, *backend, space, cycles, batch, in_flight, [&](const fl::CycleResult& c) {
          if (!quiet) fmt::print(stderr, "  cycle {}: batch best {:.3f} g/L, best so far {:.3f} g/L ({})\n", c.cycle, c.batch_best.value_or(0), c.best, c.best_design);
        });
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "dbtl-loop: {}\n", e.what());
    return 1;
  }

  fmt::print("best titer (g/L) per cycle; {} designs per cycle, {} possible designs\n", batch, space.size());
  for (auto seed : seeds) {
    fmt::print("\nlandscape seed {}\ncycle  ", seed);
    for (const auto& n : learners) fmt::print("{:>10}", n);
    fmt::print("\n");
    for (int c = 0; c < cycles; ++c) {
      fmt::print("{:5d}  ", c + 1);
      for (const auto& n : learners) fmt::print("{:10.3f}", results[{seed, n}].cycles[static_cast<std::size_t>(c)].best);
      fmt::print("\n");
    }
  }
  for (const auto& [key, r] : results) {
    const std::set<std::string> distinct(r.proposed.begin(), r.proposed.end());
    fmt::print("{} on seed {}: {} designs proposed, {} distinct\n", key.second, key.first, r.proposed.size(), distinct.size());
  }
  if (seeds.size() > 1) {
    fmt::print("\nmean over seeds {}\n", seeds_text);
    for (int c = 0; c < cycles; ++c) {
      fmt::print("{:5d}  ", c + 1);
      for (const auto& n : learners) {
        double sum = 0;
        for (auto seed : seeds) sum += results[{seed, n}].cycles[static_cast<std::size_t>(c)].best;
        fmt::print("{:10.3f}", sum / static_cast<double>(seeds.size()));
      }
      fmt::print("\n");
    }
  }
  return 0;
}
