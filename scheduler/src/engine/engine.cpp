// Placeholder so the API compiles; the real engine lands in the following commits.
#include <foundry/engine/engine.hpp>

namespace foundry::engine {

struct Engine::State {};

Engine::Engine(const Workcell&, DeviceFleet&, store::Store&, Clock&, EngineOptions)
    : state_(std::make_unique<State>()) {}
Engine::~Engine() = default;

RecoveryReport Engine::recover() { return {}; }
SubmitResult Engine::submit(RunSpec, const std::string&) { throw EngineError("engine: not implemented yet"); }
void Engine::cancel(const std::string&, const std::string&) { throw EngineError("engine: not implemented yet"); }
void Engine::hold(const std::string&, const std::string&) { throw EngineError("engine: not implemented yet"); }
void Engine::resume(const std::string&) { throw EngineError("engine: not implemented yet"); }
void Engine::acknowledge(const std::string&, const std::string&, OperatorChoice) {
  throw EngineError("engine: not implemented yet");
}
void Engine::set_device_in_service(const std::string&, bool, const std::string&) {
  throw EngineError("engine: not implemented yet");
}
std::vector<Prompt> Engine::prompts() const { return {}; }
PlanPreview Engine::preview(const RunSpec&) const { return {}; }
bool Engine::idle() const { return true; }
bool Engine::waiting_for_operator() const { return false; }

}  // namespace foundry::engine
