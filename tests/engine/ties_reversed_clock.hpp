// A clock for tests that runs timers due at the same instant in an order a wall clock may, but the
// virtual clock never does. The virtual clock runs them in the order they were scheduled, and
// posted work after them; on wall-clock time a timer whose deadline passed while the engine thread
// was busy can run after work posted meanwhile, and equal deadlines come in no promised order.
// TiesReversedClock plays that out deterministically: posted work runs before any further timer,
// and the timers due at one instant run newest first. The engine must not depend on either order.
#pragma once

#include <foundry/engine/clock.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace foundry::test {

class TiesReversedClock : public engine::Clock {
 public:
  explicit TiesReversedClock(std::unique_ptr<engine::Clock> inner) : inner_(std::move(inner)) {}

  double now() const override { return inner_->now(); }
  TimerId call_at(double at, std::function<void()> fn) override {
    const TimerId id = ++last_id_;
    pending_.emplace(id, Timer{at, std::move(fn)});
    inner_->call_at(at, [this] { run_due(); });  // one wake-up each; the extra ones find nothing
    return id;
  }
  bool cancel(TimerId id) override { return pending_.erase(id) > 0; }
  // Tests post from the engine thread only (in-process drivers, virtual time).
  void post(std::function<void()> fn) override {
    posted_.push_back(std::move(fn));
    inner_->post([this] { run_posted(); });
  }
  void begin_external_work() override { inner_->begin_external_work(); }
  void end_external_work() override { inner_->end_external_work(); }
  bool simulated() const override { return inner_->simulated(); }
  void run() override { inner_->run(); }
  void stop() override { inner_->stop(); }

  int reordered_instants() const { return reordered_instants_; }

 private:
  struct Timer {
    double at;
    std::function<void()> fn;
  };

  void run_posted() {
    while (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.pop_front();
      fn();
    }
  }
  // Everything due now, newest first (ids grow with scheduling order); timers scheduled while
  // these run come in a later round. Work posted by one timer runs before the next.
  void run_due() {
    std::vector<TimerId> due;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
      if (it->second.at <= now()) due.push_back(it->first);
    if (due.size() > 1) ++reordered_instants_;
    for (TimerId id : due) {
      auto found = pending_.find(id);
      if (found == pending_.end()) continue;  // cancelled by an earlier one
      auto fn = std::move(found->second.fn);
      pending_.erase(found);
      fn();
      run_posted();
    }
  }

  std::unique_ptr<engine::Clock> inner_;
  std::map<TimerId, Timer> pending_;
  std::deque<std::function<void()>> posted_;
  TimerId last_id_ = 0;
  int reordered_instants_ = 0;
};

}  // namespace foundry::test
