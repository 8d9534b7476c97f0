#include <foundry/engine/crash_point.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace foundry::engine {

namespace {

struct CrashSetting {
  std::string name;   // "" = disabled
  long countdown = 0;  // hits left before the kill
};

// Read once: the setting cannot change while the process runs.
CrashSetting& setting() {
  static CrashSetting s = [] {
    CrashSetting out;
    const char* env = std::getenv("FOUNDRY_CRASH_AT");
    if (!env) return out;
    const char* colon = std::strrchr(env, ':');
    if (!colon || colon == env) return out;
    char* end = nullptr;
    long n = std::strtol(colon + 1, &end, 10);
    if (!end || *end != '\0' || n < 1) return out;
    out.name.assign(env, colon);
    out.countdown = n;
    return out;
  }();
  return s;
}

}  // namespace

void crash_point(const char* name) {
  CrashSetting& s = setting();
  if (s.name.empty() || s.name != name) return;
  if (--s.countdown == 0) std::raise(SIGKILL);
}

}  // namespace foundry::engine
