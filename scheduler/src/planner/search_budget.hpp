// When the anytime search stops: a wall-clock deadline, or a deterministic count of work units
// (so that one seed and one budget always give one plan). It also carries plan()'s progress
// report: the search asks the budget often, which is when progress is due.
#pragma once

#include "planner/search_progress.hpp"

#include <chrono>
#include <cstdint>

namespace foundry::planner::detail {

class SearchBudget {
 public:
  using Clock = std::chrono::steady_clock;
  SearchBudget(double seconds, std::uint64_t work_limit, SearchProgress* progress = nullptr)
      : begin_(Clock::now()), deadline_(begin_ + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(seconds))),
        work_limit_(work_limit), progress_(progress) {}

  // True once the budget is spent. `work` is the caller's running work count.
  bool exhausted(std::uint64_t work) const {
    if (progress_) progress_->poll();
    if (work_limit_ > 0) return work >= work_limit_;
    return Clock::now() >= deadline_;
  }
  // The search found a new best plan with this objective (for the progress report).
  void improved(double objective) const {
    if (progress_) progress_->found(objective);
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - begin_).count(); }

 private:
  Clock::time_point begin_;
  Clock::time_point deadline_;
  std::uint64_t work_limit_;
  SearchProgress* progress_;
};

}  // namespace foundry::planner::detail
