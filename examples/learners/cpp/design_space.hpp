// The discrete space of strain designs: one level per factor (promoter x RBS x gene variant).
// Learners work on level indices; the id is derived from them ("p3r1g5"), so a result names its
// design by id alone and the same design always has the same id.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace foundry::learners {

// A design as level indices, one per factor, in the space's factor order.
using Levels = std::vector<int>;

struct Factor {
  std::string name;
  std::vector<std::string> levels;
};

// What the campaign protocol takes: {"id": ..., "<factor>": "<level>", ...}.
struct Design {
  std::string id;
  std::vector<std::pair<std::string, std::string>> factors;
};

class DesignSpace {
 public:
  explicit DesignSpace(std::vector<Factor> factors);
  // 8 Anderson promoters x 5 RBSs x 6 gene variants = 240 designs (the Python learner's space).
  static DesignSpace standard();

  const std::vector<Factor>& factors() const { return factors_; }
  std::size_t size() const;
  std::vector<Levels> all() const;
  std::string id(const Levels& levels) const;
  Design design(const Levels& levels) const;

 private:
  std::vector<Factor> factors_;
};

// A design's protocol parameter value: a JSON array of design objects.
std::string designs_json(const std::vector<Design>& designs);

}  // namespace foundry::learners
