// What a learner does in the DBTL loop: given every result so far and the designs still in the
// lab, propose the next batch. A learner never proposes a design observed or pending.
#pragma once

#include "design_space.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace foundry::learners {

class Learner {
 public:
  virtual ~Learner() = default;
  virtual std::string name() const = 0;
  // observed: design -> titer (g/L); pending: submitted designs whose result is not in yet.
  virtual std::vector<Levels> propose(std::size_t batch_size, const std::map<Levels, double>& observed,
                                      const std::vector<Levels>& pending) = 0;
};

}  // namespace foundry::learners
