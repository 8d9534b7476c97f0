// The engine's clock and event loop. Two implementations share every code path:
// VirtualClock jumps from timer to timer (a two-day protocol runs in milliseconds) and
// WallClock waits for real time. Both run on Boost.Asio (kept out of this header).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace foundry::engine {

class Clock {
 public:
  using TimerId = std::uint64_t;
  virtual ~Clock() = default;

  // Seconds since the Unix epoch in this clock.
  virtual double now() const = 0;
  // Runs `fn` on the engine thread at time `at` (or as soon as possible if it has passed).
  virtual TimerId call_at(double at, std::function<void()> fn) = 0;
  TimerId call_after(double delay_s, std::function<void()> fn) { return call_at(now() + delay_s, std::move(fn)); }
  // Cancels a pending timer; returns false if it already ran or is unknown.
  virtual bool cancel(TimerId id) = 0;
  // Thread-safe: runs `fn` on the engine thread as soon as possible.
  virtual void post(std::function<void()> fn) = 0;

  // Work happening outside the loop (a driver thread, another process) that will post back.
  // While any is outstanding, virtual time does not advance past "now".
  virtual void begin_external_work() = 0;
  virtual void end_external_work() = 0;

  // True when time is simulated (virtual clocks): work that would take wall-clock time in the
  // background, such as the engine's search for a better plan, is done at once and
  // deterministically instead, so a run's history does not depend on the machine's speed.
  virtual bool simulated() const { return false; }

  // Runs the loop until there is nothing left to do or stop() is called.
  virtual void run() = 0;
  virtual void stop() = 0;
};

// Virtual time starting at `start_epoch_s`. Deterministic: timers due at the same instant run in
// the order they were scheduled.
std::unique_ptr<Clock> make_virtual_clock(double start_epoch_s);
// Virtual time for a service (foundryd --virtual-time): run() does not return when idle but waits
// for posted work (a client's request), until stop().
std::unique_ptr<Clock> make_serving_virtual_clock(double start_epoch_s);
// Wall-clock time (system_clock for now(), steady_clock for waiting).
std::unique_ptr<Clock> make_wall_clock();

}  // namespace foundry::engine
