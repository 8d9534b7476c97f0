// When the anytime search stops: a wall-clock deadline, or a deterministic count of work units
// (so that one seed and one budget always give one plan).
#pragma once

#include <chrono>
#include <cstdint>

namespace foundry::planner::detail {

class SearchBudget {
 public:
  using Clock = std::chrono::steady_clock;
  SearchBudget(double seconds, std::uint64_t work_limit)
      : begin_(Clock::now()), deadline_(begin_ + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(seconds))),
        work_limit_(work_limit) {}

  // True once the budget is spent. `work` is the caller's running work count.
  bool exhausted(std::uint64_t work) const {
    if (work_limit_ > 0) return work >= work_limit_;
    return Clock::now() >= deadline_;
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - begin_).count(); }

 private:
  Clock::time_point begin_;
  Clock::time_point deadline_;
  std::uint64_t work_limit_;
};

}  // namespace foundry::planner::detail
