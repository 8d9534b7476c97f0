// A small plan in which steps hold resources in every way a Step can (problem.hpp): one unit of a
// one-unit device (lh1), one unit of an array (br, unit 5 of 24), several resources at once (c:
// arm + 2 of nest's 3 units) and none at all (the milestone "done"). Ids carry XML's special
// characters, so writers that escape are tested too.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

namespace foundry::testing {

planner::Problem mixed_resource_problem();
// a<1> 0-10 on lh1, b 10-110 on br unit 5, c 20-25 (arm, nest), done at 110; makespan 110.
planner::Schedule mixed_resource_schedule();

}  // namespace foundry::testing
