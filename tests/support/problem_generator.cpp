#include "problem_generator.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <utility>

namespace foundry::testing {

namespace {

using planner::Lag;
using planner::LagFrom;
using planner::Problem;
using planner::Step;
using planner::Time;

constexpr Time kMinute = 60;
constexpr Time kHour = 3600;

// splitmix64: small, fast, and the same on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi]; the modulo bias is negligible for these small ranges.
  Time between(Time lo, Time hi) {
    return lo + static_cast<Time>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return between(1, 100) <= percent; }

 private:
  std::uint64_t state_;
};

class Builder {
 public:
  explicit Builder(Problem& problem) : p_(problem) {}

  void device(const std::string& id, const std::string& type, int capacity) {
    planner::Device d;
    d.id = id;
    d.type = type;
    d.capacity = capacity;
    p_.devices.push_back(std::move(d));
  }

  std::size_t job(const std::string& id, int priority, Time release, std::optional<Time> deadline) {
    planner::Job j;
    j.id = id;
    j.priority = priority;
    j.release = release;
    j.deadline = deadline;
    p_.jobs.push_back(std::move(j));
    return p_.jobs.size() - 1;
  }

  std::size_t step(std::size_t job, const std::string& name, const std::string& type, Time duration,
                   std::vector<Lag> after) {
    Step s;
    s.id = p_.jobs[job].id + "/" + name;
    s.type = type;
    s.duration = duration;
    s.after = std::move(after);
    s.job = job;
    p_.jobs[job].steps.push_back(p_.steps.size());
    p_.steps.push_back(std::move(s));
    return p_.steps.size() - 1;
  }

  std::size_t device_index(const std::string& id) const {
    for (std::size_t i = 0; i < p_.devices.size(); ++i)
      if (p_.devices[i].id == id) return i;
    return 0;
  }

  Problem& p_;
};

// "Start within `window` of the predecessor's end": the tight max lag of lab work (cells and
// reagents do not wait).
Lag soon_after(std::size_t pred, Time window) { return Lag{pred, LagFrom::kEnd, 0, window}; }

void add_build(Builder& b, Random& rng, int number, const LabProblemOptions& options) {
  std::size_t job = b.job("build-" + std::to_string(number), static_cast<int>(rng.between(1, 3)),
                          rng.between(0, 8) * 15 * kMinute, std::nullopt);
  auto setup = b.step(job, "pcr-setup", "liquid_handler", rng.between(15, 30) * kMinute, {});
  auto pcr = b.step(job, "pcr", "thermocycler", rng.between(60, 120) * kMinute,
                    {soon_after(setup, rng.between(5, 30) * kMinute)});
  auto transform = b.step(job, "transformation", "liquid_handler", rng.between(20, 40) * kMinute,
                          {soon_after(pcr, rng.between(5, 30) * kMinute)});
  std::size_t before_incubation = transform;
  if (options.demands) {
    // Moving the plate needs the arm and a hotel slot at the same time.
    Step transfer;
    transfer.id = b.p_.jobs[job].id + "/transfer";
    transfer.duration = rng.between(2, 5) * kMinute;
    transfer.after = {soon_after(transform, rng.between(5, 30) * kMinute)};
    transfer.job = job;
    transfer.demands = {{b.device_index("arm1"), 1}, {b.device_index("hotel1"), 1}};
    b.p_.jobs[job].steps.push_back(b.p_.steps.size());
    b.p_.steps.push_back(std::move(transfer));
    before_incubation = b.p_.steps.size() - 1;
  }
  auto incubate = b.step(job, "incubation", "incubator", rng.between(8, 14) * kHour,
                         {soon_after(before_incubation, rng.between(5, 30) * kMinute)});
  b.step(job, "colony-picking", "colony_picker", rng.between(20, 40) * kMinute,
         {soon_after(incubate, rng.between(5, 30) * kMinute)});
}

void add_cultivation(Builder& b, Random& rng, int number) {
  Time release = rng.between(0, 16) * 15 * kMinute;
  Time cultivation_length = rng.between(12, 30) * kHour;
  std::optional<Time> deadline;
  if (rng.chance(40)) deadline = release + cultivation_length + rng.between(2, 12) * kHour;
  std::size_t job = b.job("cult-" + std::to_string(number), static_cast<int>(rng.between(1, 3)),
                          release, deadline);
  auto inoculate = b.step(job, "inoculation", "liquid_handler", rng.between(10, 25) * kMinute, {});
  auto cultivate = b.step(job, "cultivation", "bioreactor_250ml", cultivation_length,
                          {soon_after(inoculate, rng.between(5, 30) * kMinute)});
  // Samples evenly spaced inside the cultivation, each in a window of 10-30 min.
  Time samples = rng.between(2, 5);
  Time interval = cultivation_length / (samples + 1);
  for (Time k = 1; k <= samples; ++k) {
    Time earliest = k * interval;
    Time window = rng.between(10, 30) * kMinute;
    auto sample = b.step(job, "sample-" + std::to_string(k), "liquid_handler",
                         rng.between(5, 10) * kMinute,
                         {Lag{cultivate, LagFrom::kStart, earliest, earliest + window}});
    b.step(job, "read-" + std::to_string(k), "plate_reader", rng.between(10, 20) * kMinute,
           {soon_after(sample, rng.between(5, 30) * kMinute)});
  }
}

}  // namespace

planner::Problem generate_lab_problem(std::uint64_t seed, const LabProblemOptions& options) {
  Random rng(seed);
  Problem problem;
  problem.name = "lab-" + std::to_string(seed);
  Builder b(problem);

  auto several = [&](const std::string& prefix, const std::string& type, int capacity, Time lo, Time hi) {
    Time most = std::max<Time>(1, std::min<Time>(hi, options.max_devices_per_type));
    Time count = rng.between(std::min(lo, most), most);
    for (Time k = 1; k <= count; ++k) b.device(prefix + std::to_string(k), type, capacity);
  };
  several("lh", "liquid_handler", 1, 2, 3);
  several("tc", "thermocycler", 1, 1, 2);
  several("pr", "plate_reader", 1, 1, 2);
  several("cp", "colony_picker", 1, 1, 1);
  b.device("br1", "bioreactor_250ml", 24);
  several("inc", "incubator", 12, 1, 2);
  if (options.demands) {
    b.device("arm1", "robot_arm", 1);
    b.device("hotel1", "plate_hotel", 6);
  }
  if (options.downtimes) {
    Time from = rng.between(2, 20) * kHour;
    problem.devices[0].downtimes.push_back({from, from + rng.between(1, 3) * kHour});
  }

  Time jobs = rng.between(options.min_jobs, options.max_jobs);
  int builds = 0, cultivations = 0;
  for (Time j = 0; j < jobs; ++j) {
    if (rng.chance(50)) add_build(b, rng, ++builds, options);
    else add_cultivation(b, rng, ++cultivations);
  }
  return problem;
}

planner::Problem generate_large_lab(int steps, std::uint64_t seed, Time release_spread) {
  std::mt19937_64 rng(seed);
  auto between = [&](Time lo, Time hi) { return lo + static_cast<Time>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); };
  Problem p;
  p.name = "large-lab-" + std::to_string(seed);
  const char* types[12] = {"liquid_handler", "thermocycler", "incubator", "colony_picker", "bioreactor_250ml",
                           "plate_reader", "centrifuge", "sealer", "shaker", "hotel", "imager", "dispenser"};
  for (int t = 0; t < 12; ++t)
    for (int k = 0; k < 5; ++k) {
      const int capacity = t == 4 ? 24 : t == 2 ? 8 : 1;
      p.devices.push_back({std::string(types[t]) + "-" + std::to_string(k), types[t], capacity, {}});
    }
  while (static_cast<int>(p.steps.size()) < steps) {
    const std::size_t j = p.jobs.size();
    planner::Job job{"job" + std::to_string(j), static_cast<int>(between(1, 5)), between(0, release_spread),
                     std::nullopt, {}};
    const int length = static_cast<int>(between(4, 12));
    std::size_t cultivation = 0;
    bool cultivating = false;
    for (int k = 0; k < length; ++k) {
      Step s;
      s.id = job.id + "/s" + std::to_string(k);
      s.job = j;
      const std::size_t index = p.steps.size();
      if (cultivating && between(0, 3) == 0) {
        s.type = "plate_reader";
        s.duration = between(5, 15) * 60;
        const Time at = between(1, 4) * 3600;
        s.after.push_back({cultivation, LagFrom::kStart, at, at + 900});
      } else {
        const int t = static_cast<int>(between(0, 11));
        s.type = types[t];
        s.duration = t == 4 ? between(12, 24) * 3600 : between(2, 40) * 60;
        if (k > 0) s.after.push_back({index - 1, LagFrom::kEnd, 0, between(0, 30) * 60});
        if (t == 4) {
          cultivation = index;
          cultivating = true;
        }
      }
      job.steps.push_back(index);
      p.steps.push_back(s);
    }
    p.jobs.push_back(job);
  }
  return p;
}

}  // namespace foundry::testing
