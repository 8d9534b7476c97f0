// plan()'s progress, reported to PlanOptions::progress: the best objective any search of the
// portfolio has found, at most every ~100 ms. One instance is shared by the portfolio's threads;
// the callback runs under its lock, so it is never called by two threads at once.
#pragma once

#include <foundry/planner/planner.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace foundry::planner::detail {

class SearchProgress {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{100};

  explicit SearchProgress(std::function<void(const PlanProgress&)> callback)
      : callback_(std::move(callback)), begin_(Clock::now()), next_due_(ticks(begin_ + kInterval)) {}

  // A search found a plan with this objective; kept when it is the best so far.
  void found(double objective) {
    std::lock_guard lock(mutex_);
    if (!feasible_ || objective < best_) best_ = objective;
    feasible_ = true;
  }

  // Calls the callback when the interval has passed since the last call; cheap otherwise (one
  // clock read and an atomic load), so the search may call it in its inner loop.
  void poll() {
    const Clock::time_point now = Clock::now();
    if (ticks(now) < next_due_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(mutex_);
    if (ticks(now) < next_due_.load(std::memory_order_relaxed)) return;  // another thread reported
    next_due_.store(ticks(now + kInterval), std::memory_order_relaxed);
    report(now);
  }

  // The last call: the result's objective (nullopt when there is no plan).
  void finish(std::optional<double> objective) {
    std::lock_guard lock(mutex_);
    feasible_ = objective.has_value();
    if (objective) best_ = *objective;
    report(Clock::now());
  }

 private:
  static std::int64_t ticks(Clock::time_point t) { return t.time_since_epoch().count(); }
  void report(Clock::time_point now) {
    PlanProgress p;
    p.elapsed_s = std::chrono::duration<double>(now - begin_).count();
    p.feasible = feasible_;
    p.best_objective = feasible_ ? best_ : 0;
    callback_(p);
  }

  std::function<void(const PlanProgress&)> callback_;
  Clock::time_point begin_;
  std::atomic<std::int64_t> next_due_;
  std::mutex mutex_;
  bool feasible_ = false;
  double best_ = 0;
};

}  // namespace foundry::planner::detail
