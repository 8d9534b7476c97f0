// The real Backend behind foundryd: the engine's operations and the store's reads, each run on
// the engine thread (posted through the clock) while the service thread waits for the answer.
#pragma once

#include <foundry/service/backend.hpp>

#include <memory>

namespace foundry {
struct Workcell;
}
namespace foundry::engine {
class Clock;
}

namespace foundry::service {

// Installs itself as the store's event listener (one per store). `timeout_s`: a call the engine
// thread has not answered by then fails with an "internal" reply instead of hanging the service.
std::unique_ptr<Backend> make_engine_backend(engine::Engine& engine, store::Store& store, engine::Clock& clock,
                                             const Workcell& workcell, double timeout_s = 60);

}  // namespace foundry::service
