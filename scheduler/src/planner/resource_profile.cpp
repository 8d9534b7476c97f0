#include "planner/resource_profile.hpp"

#include <algorithm>

namespace foundry::planner::detail {

std::size_t ResourceProfile::split(Time t) {
  auto it = std::lower_bound(points_.begin(), points_.end(), t,
                             [](const std::pair<Time, int>& p, Time x) { return p.first < x; });
  if (it != points_.end() && it->first == t) return static_cast<std::size_t>(it - points_.begin());
  const int usage = std::prev(it)->second;  // points_[0] is at -kForever, so prev exists
  it = points_.insert(it, {t, usage});
  return static_cast<std::size_t>(it - points_.begin());
}

void ResourceProfile::add(Time from, Time to, int amount) {
  if (from >= to || amount == 0) return;
  const std::size_t i = split(from);
  const std::size_t j = split(to);
  for (std::size_t k = i; k < j; ++k) points_[k].second += amount;
  // Merge neighbours with equal usage so the profile stays short.
  std::size_t lo = i > 0 ? i - 1 : 0;
  std::size_t hi = std::min(j + 1, points_.size() - 1);
  std::size_t out = lo + 1;
  for (std::size_t k = lo + 1; k <= hi; ++k) {
    if (points_[k].second == points_[out - 1].second) continue;
    points_[out++] = points_[k];
  }
  points_.erase(points_.begin() + static_cast<std::ptrdiff_t>(out), points_.begin() + static_cast<std::ptrdiff_t>(hi + 1));
}

Time ResourceProfile::earliest_fit(Time from, Time duration, int amount) const {
  if (duration <= 0 || amount <= 0) return from;
  if (amount > capacity_) return kForever;
  Time t = from;
  auto it = std::upper_bound(points_.begin(), points_.end(), t,
                             [](Time x, const std::pair<Time, int>& p) { return x < p.first; });
  std::size_t k = static_cast<std::size_t>(it - points_.begin()) - 1;  // segment containing t
  while (true) {
    bool fits = true;
    for (std::size_t j = k; j < points_.size() && points_[j].first < t + duration; ++j) {
      if (points_[j].second + amount > capacity_) {
        if (j + 1 >= points_.size()) return kForever;
        t = points_[j + 1].first;
        k = j + 1;
        fits = false;
        break;
      }
    }
    if (fits) return t;
    if (t >= kForever) return kForever;
  }
}

}  // namespace foundry::planner::detail
