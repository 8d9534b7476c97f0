// Virtual time: the loop runs whatever is ready, then jumps straight to the next timer.
// Posted work (from other threads) runs through an Asio io_context, exactly as with WallClock,
// so the executor cannot tell the two apart.
#include <foundry/engine/clock.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace foundry::engine {

namespace {

class VirtualClock final : public Clock {
 public:
  VirtualClock(double start, bool wait_when_idle) : now_(start), wait_when_idle_(wait_when_idle) {}

  double now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  TimerId call_at(double at, std::function<void()> fn) override {
    TimerId id;
    {
      std::lock_guard lock(mutex_);
      id = ++next_id_;
      // Key (time, id): equal times run in scheduling order, which keeps runs deterministic.
      timers_.emplace(std::make_pair(at < now_ ? now_ : at, id), std::move(fn));
      ids_.emplace(id, at < now_ ? now_ : at);
    }
    wake_if_foreign();
    return id;
  }

  bool cancel(TimerId id) override {
    std::lock_guard lock(mutex_);
    auto it = ids_.find(id);
    if (it == ids_.end()) return false;
    timers_.erase({it->second, id});
    ids_.erase(it);
    return true;
  }

  void post(std::function<void()> fn) override { boost::asio::post(io_, std::move(fn)); }

  bool simulated() const override { return true; }

  void begin_external_work() override { ++external_; }
  void end_external_work() override {
    --external_;
    boost::asio::post(io_, [] {});  // wake the loop so it re-checks whether time may advance
  }

  void run() override {
    engine_thread_ = std::this_thread::get_id();
    stopped_ = false;
    auto guard = boost::asio::make_work_guard(io_);
    while (!stopped_) {
      io_.restart();
      io_.poll();
      if (stopped_) break;
      std::function<void()> due;
      bool have_timer = false;
      {
        std::lock_guard lock(mutex_);
        if (!timers_.empty()) {
          auto first = timers_.begin();
          // With external work outstanding, only timers due now may run: time must not pass
          // while something outside the loop still owes us an answer.
          if (external_ == 0 || first->first.first <= now_) {
            if (first->first.first > now_) now_ = first->first.first;
            due = std::move(first->second);
            ids_.erase(first->first.second);
            timers_.erase(first);
            have_timer = true;
          }
        }
      }
      if (have_timer) {
        due();
        continue;
      }
      if (external_ > 0 || wait_when_idle_) {
        io_.restart();
        io_.run_one();  // blocks until someone posts (the guard keeps it from returning early)
        continue;
      }
      break;  // nothing ready, no timers, nothing outstanding: done
    }
    engine_thread_ = std::thread::id();
  }

  void stop() override {
    stopped_ = true;
    boost::asio::post(io_, [] {});
  }

 private:
  void wake_if_foreign() {
    if (engine_thread_ != std::thread::id() && std::this_thread::get_id() != engine_thread_)
      boost::asio::post(io_, [] {});
  }

  mutable std::mutex mutex_;
  double now_;
  // A service's clock: with nothing to do, wait for posted work (a request) instead of returning.
  // Time still only jumps to timers; waiting for a request takes no virtual time.
  const bool wait_when_idle_;
  TimerId next_id_ = 0;
  std::map<std::pair<double, TimerId>, std::function<void()>> timers_;
  std::map<TimerId, double> ids_;
  boost::asio::io_context io_;
  std::atomic<int> external_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<std::thread::id> engine_thread_{};
};

}  // namespace

std::unique_ptr<Clock> make_virtual_clock(double start_epoch_s) {
  return std::make_unique<VirtualClock>(start_epoch_s, false);
}

std::unique_ptr<Clock> make_serving_virtual_clock(double start_epoch_s) {
  return std::make_unique<VirtualClock>(start_epoch_s, true);
}

}  // namespace foundry::engine
