// Named places where the crash suite kills the engine: with FOUNDRY_CRASH_AT=name:N in the
// environment, the N-th time crash_point(name) is reached the process raises SIGKILL (no
// destructor, no flush: like a power cut for the process). Otherwise a cheap no-op.
// Names used by the engine: "after_intent" (intent committed, command not yet sent),
// "after_dispatch" (the driver accepted the command), "before_result_commit" (a result arrived,
// not yet committed).
#pragma once

namespace foundry::engine {

void crash_point(const char* name);

}  // namespace foundry::engine
