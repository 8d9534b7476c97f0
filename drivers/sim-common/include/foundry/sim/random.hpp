// Deterministic randomness for the simulators.
//
// Why not <random>: the standard distributions are implementation-defined, so the same seed could
// give another landscape on another standard library. The generators here are specified in this
// file (SplitMix64 + Box-Muller), so a seed names the same landscape everywhere (up to the last
// bit of libm's log/cos).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace foundry::sim {

// SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit value.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) { return mix64(a ^ mix64(b)); }

// FNV-1a over the bytes, then mixed.
constexpr std::uint64_t hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

namespace detail {
inline std::uint64_t hash_part(std::string_view text) { return hash_text(text); }
inline std::uint64_t hash_part(double value) { return mix64(std::bit_cast<std::uint64_t>(value + 0.0)); }
template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
std::uint64_t hash_part(Int value) {
  return mix64(static_cast<std::uint64_t>(value));
}
}  // namespace detail

// A key naming one random draw: key(seed, "main", factor, level, trait).
template <typename... Parts>
std::uint64_t key(std::uint64_t seed, const Parts&... parts) {
  std::uint64_t h = mix64(seed);
  ((h = hash_combine(h, detail::hash_part(parts))), ...);
  return h;
}

// A stream of random numbers determined by its key.
class RandomStream {
 public:
  explicit RandomStream(std::uint64_t key) : state_(key) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (Box-Muller; the second value is discarded to keep draws independent of order).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

// One standard normal draw named by a key.
inline double normal_draw(std::uint64_t key) { return RandomStream(key).normal(); }
inline double uniform_draw(std::uint64_t key) { return RandomStream(key).uniform(); }

}  // namespace foundry::sim
