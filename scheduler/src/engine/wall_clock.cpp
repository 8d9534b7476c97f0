// Wall-clock time on Boost.Asio steady timers; now() reports system time so stored timestamps
// are real dates.
#include <foundry/engine/clock.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>

namespace foundry::engine {

namespace {

class WallClock final : public Clock {
 public:
  double now() const override {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
  }

  TimerId call_at(double at, std::function<void()> fn) override {
    auto delay = std::chrono::duration<double>(at - now());
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        delay.count() > 0 ? delay : std::chrono::duration<double>(0)));
    TimerId id;
    {
      std::lock_guard lock(mutex_);
      id = ++next_id_;
      timers_[id] = timer;
    }
    timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
      {
        std::lock_guard lock(mutex_);
        timers_.erase(id);
      }
      if (!ec) fn();
    });
    return id;
  }

  bool cancel(TimerId id) override {
    std::shared_ptr<boost::asio::steady_timer> timer;
    {
      std::lock_guard lock(mutex_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return false;
      timer = it->second;
      timers_.erase(it);
    }
    timer->cancel();
    return true;
  }

  void post(std::function<void()> fn) override { boost::asio::post(io_, std::move(fn)); }

  void begin_external_work() override {
    std::lock_guard lock(mutex_);
    if (external_++ == 0) guard_.emplace(io_.get_executor());
  }
  void end_external_work() override {
    std::lock_guard lock(mutex_);
    if (--external_ == 0) guard_.reset();
  }

  void run() override {
    io_.restart();
    io_.run();
  }
  void stop() override { io_.stop(); }

 private:
  boost::asio::io_context io_;
  std::mutex mutex_;
  TimerId next_id_ = 0;
  std::map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers_;
  int external_ = 0;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
};

}  // namespace

std::unique_ptr<Clock> make_wall_clock() { return std::make_unique<WallClock>(); }

}  // namespace foundry::engine
