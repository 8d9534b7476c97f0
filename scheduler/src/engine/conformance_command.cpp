#include "engine/conformance_command.hpp"

#include <chrono>
#include <memory>
#include <thread>

namespace foundry::engine::conformance {

namespace {
// Shared with the callbacks, which may outlive run_command when a driver answers late.
struct Shared {
  CommandRun run;
  bool active = true;  // false once run_command returned: late events are ignored
};
}  // namespace

CommandRun run_command(DriverSession& session, Clock& clock, const CommandRequest& request, const CommandLimits& limits,
                       std::optional<MidCommandAction> during) {
  auto shared = std::make_shared<Shared>();
  shared->run.started_at = clock.now();
  Clock* engine = &clock;

  const Clock::TimerId deadline = clock.call_after(limits.virtual_s, [engine] { engine->stop(); });
  Clock::TimerId action_timer = 0;
  if (during) {
    action_timer = clock.call_after(during->after_s, [shared, action = during->action] {
      if (shared->active && !shared->run.outcome) action();
    });
  }
  session.execute(
      request,
      [shared, engine](double fraction, double remaining_s) {
        if (shared->active && !shared->run.outcome) shared->run.progress.push_back({engine->now(), fraction, remaining_s});
      },
      [shared, engine](const CommandOutcome& outcome) {
        if (!shared->active) return;
        shared->run.outcome = outcome;
        shared->run.ended_at = engine->now();
        engine->stop();
      });
  clock.run();

  // Virtual time is spent. A driver answering from its own thread may still post the outcome:
  // give it a little real time, without letting virtual time advance any further.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(limits.wall_grace_s);
  while (!shared->run.outcome && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const Clock::TimerId pause = clock.call_at(clock.now(), [engine] { engine->stop(); });
    clock.run();
    clock.cancel(pause);  // left pending if the outcome stopped the loop first
  }

  clock.cancel(deadline);
  if (action_timer != 0) clock.cancel(action_timer);
  shared->active = false;
  return shared->run;
}

}  // namespace foundry::engine::conformance
