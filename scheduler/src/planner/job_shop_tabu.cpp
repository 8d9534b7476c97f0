#include "planner/job_shop_tabu.hpp"

#include <algorithm>
#include <random>

namespace foundry::planner::detail {
namespace {

using std::size_t;
inline size_t z(int i) { return static_cast<size_t>(i); }

struct Move {
  bool swap = true;
  int u = -1, v = -1;        // swap: u directly before v on one device
  int op = -1, mode = -1;    // reassign: op to mode (another device) at position `at`
  int at = 0;
  Time estimate = 0;
};

class TabuSearch {
 public:
  TabuSearch(const CompiledProblem& c, std::uint64_t seed) : c_(c), n_(c.n), rng_(seed) {
    const size_t n = z(n_);
    jpred_.assign(n, -1);
    jsucc_.assign(n, -1);
    jlag_.assign(n, 0);
    rel_.assign(n, 0);
    for (const Arc& a : c.arcs) {
      if (a.origin == ArcOrigin::kRelease) {
        rel_[z(a.to)] = std::max(rel_[z(a.to)], a.weight);
      } else if (a.origin == ArcOrigin::kMinLag) {
        jpred_[z(a.to)] = a.from;
        jsucc_[z(a.from)] = a.to;
        jlag_[z(a.to)] = a.weight;
      }
    }
    devices_ = static_cast<int>(c.problem->devices.size());
    mode_.assign(n, 0);
    dev_.assign(n, 0);
    p_.assign(n, 0);
    pos_.assign(n, 0);
    seq_.assign(z(devices_), {});
    r_.assign(n, 0);
    q_.assign(n, 0);
    indeg_.assign(n, 0);
    order_.reserve(n);
    tabu_pair_.assign(n * n, 0);
    tabu_device_.assign(n * z(devices_), 0);
    flexible_ = false;
    for (int v = 0; v < n_; ++v) flexible_ = flexible_ || c.modes[z(v)].size() > 1;
  }

  void load(const Solution& s) {
    for (auto& q : seq_) q.clear();
    for (int v = 0; v < n_; ++v) {
      mode_[z(v)] = s.mode[z(v)];
      const Mode& m = c_.modes[z(v)][z(s.mode[z(v)])];
      dev_[z(v)] = static_cast<int>(m.device);
      p_[z(v)] = m.duration;
      seq_[m.device].push_back(v);
    }
    for (auto& q : seq_) {
      std::sort(q.begin(), q.end(), [&](int a, int b) { return s.start[z(a)] < s.start[z(b)]; });
      for (size_t i = 0; i < q.size(); ++i) pos_[z(q[i])] = static_cast<int>(i);
    }
  }

  Solution solution() const {
    Solution s;
    s.start.assign(r_.begin(), r_.end());
    s.mode = mode_;
    evaluate(c_, s);
    return s;
  }

  int mpred(int v) const { return pos_[z(v)] > 0 ? seq_[z(dev_[z(v)])][z(pos_[z(v)] - 1)] : -1; }
  int msucc(int v) const {
    const auto& q = seq_[z(dev_[z(v)])];
    return z(pos_[z(v)] + 1) < q.size() ? q[z(pos_[z(v)] + 1)] : -1;
  }
  Time job_head(int v) const {
    const int jp = jpred_[z(v)];
    return std::max(rel_[z(v)], jp >= 0 ? r_[z(jp)] + p_[z(jp)] + jlag_[z(v)] : 0);
  }
  Time job_tail(int v) const {
    const int js = jsucc_[z(v)];
    return js >= 0 ? q_[z(js)] + p_[z(js)] + jlag_[z(js)] : 0;
  }

  // Heads, tails and makespan by Kahn's order; false when the sequences contain a cycle.
  bool evaluate_graph() {
    work_ += z(n_);
    order_.clear();
    for (int v = 0; v < n_; ++v) {
      indeg_[z(v)] = (jpred_[z(v)] >= 0) + (pos_[z(v)] > 0);
      if (indeg_[z(v)] == 0) order_.push_back(v);
    }
    for (size_t k = 0; k < order_.size(); ++k) {
      const int v = order_[k];
      const int mp = mpred(v);
      r_[z(v)] = std::max(job_head(v), mp >= 0 ? r_[z(mp)] + p_[z(mp)] : 0);
      for (int w : {jsucc_[z(v)], msucc(v)})
        if (w >= 0 && --indeg_[z(w)] == 0) order_.push_back(w);
    }
    if (static_cast<int>(order_.size()) < n_) return false;
    cmax_ = 0;
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      const int v = *it;
      const int ms = msucc(v);
      q_[z(v)] = std::max(job_tail(v), ms >= 0 ? q_[z(ms)] + p_[z(ms)] : 0);
      cmax_ = std::max(cmax_, r_[z(v)] + p_[z(v)] + q_[z(v)]);
    }
    return true;
  }

  std::vector<int> critical_path() {
    std::vector<int> ends;
    for (int v = 0; v < n_; ++v)
      if (r_[z(v)] + p_[z(v)] == cmax_ && q_[z(v)] == 0) ends.push_back(v);
    int v = ends[std::uniform_int_distribution<size_t>(0, ends.size() - 1)(rng_)];
    std::vector<int> path{v};
    while (true) {
      const int jp = jpred_[z(v)], mp = mpred(v);
      const bool via_job = jp >= 0 && r_[z(jp)] + p_[z(jp)] + jlag_[z(v)] == r_[z(v)];
      const bool via_machine = mp >= 0 && r_[z(mp)] + p_[z(mp)] == r_[z(v)];
      if (via_machine && (!via_job || (rng_() & 1))) v = mp;
      else if (via_job) v = jp;
      else break;
      path.push_back(v);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  Time swap_estimate(int u, int v) const {
    const int a = mpred(u), b = msucc(v);
    const Time rv = std::max(job_head(v), a >= 0 ? r_[z(a)] + p_[z(a)] : 0);
    const Time ru = std::max(job_head(u), rv + p_[z(v)]);
    const Time qu = std::max(job_tail(u), b >= 0 ? q_[z(b)] + p_[z(b)] : 0);
    const Time qv = std::max(job_tail(v), qu + p_[z(u)]);
    return std::max(rv + p_[z(v)] + qv, ru + p_[z(u)] + qu);
  }

  void apply_swap(int u, int v) {
    auto& q = seq_[z(dev_[z(u)])];
    std::swap(q[z(pos_[z(u)])], q[z(pos_[z(v)])]);
    std::swap(pos_[z(u)], pos_[z(v)]);
  }

  void remove_op(int v) {
    auto& q = seq_[z(dev_[z(v)])];
    q.erase(q.begin() + pos_[z(v)]);
    for (size_t i = z(pos_[z(v)]); i < q.size(); ++i) pos_[z(q[i])] = static_cast<int>(i);
  }
  void insert_op(int v, int mode, int at) {
    const Mode& m = c_.modes[z(v)][z(mode)];
    mode_[z(v)] = mode;
    dev_[z(v)] = static_cast<int>(m.device);
    p_[z(v)] = m.duration;
    auto& q = seq_[m.device];
    q.insert(q.begin() + at, v);
    for (size_t i = z(at); i < q.size(); ++i) pos_[z(q[i])] = static_cast<int>(i);
  }

  // Best position for v on the device of `mode`, avoiding positions that would close a cycle
  // (after one of v's successors or before one of its predecessors). Returns the estimate.
  Time best_insertion(int v, int mode, int* at) const {
    const Mode& m = c_.modes[z(v)][z(mode)];
    const auto& q = seq_[m.device];
    const Time head = job_head(v), tail = job_tail(v);
    const Time rv = r_[z(v)], ev = r_[z(v)] + p_[z(v)];
    Time best = kForever;
    for (size_t i = 0; i <= q.size(); ++i) {
      const int a = i > 0 ? q[i - 1] : -1, b = i < q.size() ? q[i] : -1;
      if (a >= 0 && r_[z(a)] >= ev) break;  // a may follow v
      if (b >= 0 && r_[z(b)] + p_[z(b)] <= rv) continue;  // b may precede v
      const Time est = std::max(head, a >= 0 ? r_[z(a)] + p_[z(a)] : 0) + m.duration +
                       std::max(tail, b >= 0 ? q_[z(b)] + p_[z(b)] : 0);
      if (est < best) {
        best = est;
        *at = static_cast<int>(i);
      }
    }
    return best;
  }

  void neighbourhood(const std::vector<int>& path, std::vector<Move>& moves) const {
    moves.clear();
    // Blocks: maximal runs of the path on one device, consecutive in its sequence.
    std::vector<std::pair<size_t, size_t>> blocks;
    size_t begin = 0;
    for (size_t i = 1; i <= path.size(); ++i) {
      if (i < path.size() && dev_[z(path[i])] == dev_[z(path[i - 1])] && mpred(path[i]) == path[i - 1]) continue;
      blocks.push_back({begin, i - 1});
      begin = i;
    }
    for (size_t k = 0; k < blocks.size(); ++k) {
      const auto [b, e] = blocks[k];
      if (e == b) continue;
      // N5: not the first swap of the first block, nor the last swap of the last one.
      const bool single = blocks.size() == 1;
      const bool at_start = k > 0 || single, at_end = k + 1 < blocks.size() || single;
      if (at_start) moves.push_back({true, path[b], path[b + 1], -1, -1, 0, 0});
      if (at_end && (e - b >= 2 || !at_start)) moves.push_back({true, path[e - 1], path[e], -1, -1, 0, 0});
    }
    for (Move& m : moves) m.estimate = swap_estimate(m.u, m.v);
    if (!flexible_) return;
    for (int v : path) {
      for (int mode = 0; mode < static_cast<int>(c_.modes[z(v)].size()); ++mode) {
        if (mode == mode_[z(v)]) continue;
        int at = 0;
        const Time est = best_insertion(v, mode, &at);
        if (est < kForever) moves.push_back({false, -1, -1, v, mode, at, est});
      }
    }
  }

  bool tabu(const Move& m, int iter) const {
    if (m.swap) return tabu_pair_[z(m.v) * z(n_) + z(m.u)] > iter;
    const Mode& md = c_.modes[z(m.op)][z(m.mode)];
    return tabu_device_[z(m.op) * z(devices_) + md.device] > iter;
  }

  void apply(const Move& m, int iter, int tenure) {
    if (m.swap) {
      apply_swap(m.u, m.v);
      tabu_pair_[z(m.u) * z(n_) + z(m.v)] = iter + tenure;
    } else {
      tabu_device_[z(m.op) * z(devices_) + z(dev_[z(m.op)])] = iter + tenure;
      remove_op(m.op);
      insert_op(m.op, m.mode, m.at);
    }
  }

  Solution run(const Solution& initial, Time lower_bound, const SearchBudget& budget, std::uint64_t& work) {
    load(initial);
    work_ = work;
    evaluate_graph();
    Solution best = solution();
    Time best_cmax = cmax_;
    budget.improved(static_cast<double>(best_cmax));
    struct State {
      std::vector<int> mode;
      std::vector<std::vector<int>> seq;
    } best_state{mode_, seq_};
    const int jobs = static_cast<int>(c_.problem->jobs.size());
    const int base_tenure = 2 + std::max(2, std::min(jobs, devices_) / 2);
    std::vector<Move> moves;
    int since_best = 0;
    const int stall_limit = 2000 + 10 * n_;
    for (int iter = 1; best_cmax > lower_bound; ++iter) {
      if ((iter & 31) == 0 && budget.exhausted(work_)) break;
      const std::vector<int> path = critical_path();
      neighbourhood(path, moves);
      if (moves.empty()) break;  // a single block holds the whole path: optimal
      int chosen = -1;
      Time chosen_est = kForever;
      for (size_t i = 0; i < moves.size(); ++i) {
        const bool allowed = !tabu(moves[i], iter) || moves[i].estimate < best_cmax;
        if (allowed && moves[i].estimate < chosen_est) {
          chosen_est = moves[i].estimate;
          chosen = static_cast<int>(i);
        }
      }
      if (chosen < 0) chosen = static_cast<int>(std::uniform_int_distribution<size_t>(0, moves.size() - 1)(rng_));
      const int tenure = base_tenure + static_cast<int>(rng_() % static_cast<unsigned>(base_tenure + 1));
      const Move m = moves[z(chosen)];
      apply(m, iter, tenure);
      if (!evaluate_graph()) {
        // Only a reassignment can do this (the position filter is a heuristic): undo it.
        mode_ = best_state.mode;
        seq_ = best_state.seq;
        reindex();
        evaluate_graph();
        continue;
      }
      if (cmax_ < best_cmax) {
        best_cmax = cmax_;
        best = solution();
        budget.improved(static_cast<double>(best_cmax));
        best_state = {mode_, seq_};
        since_best = 0;
      } else if (++since_best > stall_limit) {
        // Restart from the best plan, shaken by a few random critical moves.
        mode_ = best_state.mode;
        seq_ = best_state.seq;
        reindex();
        evaluate_graph();
        for (int k = 0; k < 3; ++k) {
          neighbourhood(critical_path(), moves);
          if (moves.empty()) break;
          const Move& shake = moves[std::uniform_int_distribution<size_t>(0, moves.size() - 1)(rng_)];
          apply(shake, iter, tenure);
          if (!evaluate_graph()) {
            mode_ = best_state.mode;
            seq_ = best_state.seq;
            reindex();
            evaluate_graph();
          }
        }
        since_best = 0;
      }
    }
    work = work_;
    return best;
  }

  void reindex() {
    for (auto& q : seq_)
      for (size_t i = 0; i < q.size(); ++i) {
        const int v = q[i];
        pos_[z(v)] = static_cast<int>(i);
        const Mode& m = c_.modes[z(v)][z(mode_[z(v)])];
        dev_[z(v)] = static_cast<int>(m.device);
        p_[z(v)] = m.duration;
      }
  }

 private:
  const CompiledProblem& c_;
  int n_;
  int devices_ = 0;
  bool flexible_ = false;
  std::mt19937_64 rng_;
  std::vector<int> jpred_, jsucc_;
  std::vector<Time> jlag_, rel_;
  std::vector<int> mode_, dev_, pos_;
  std::vector<Time> p_;
  std::vector<std::vector<int>> seq_;
  std::vector<Time> r_, q_;
  std::vector<int> indeg_, order_;
  std::vector<int> tabu_pair_, tabu_device_;
  Time cmax_ = 0;
  std::uint64_t work_ = 0;
};

}  // namespace

bool is_job_shop(const CompiledProblem& c) {
  if (c.has_frozen || c.has_downtimes || c.n < 2 || c.n > 3000) return false;
  for (const Device& d : c.problem->devices)
    if (d.capacity != 1) return false;
  std::vector<int> preds(z(c.n), 0), succs(z(c.n), 0);
  for (int v = 0; v < c.n; ++v)
    if (c.modes[z(v)].empty()) return false;
  for (const Arc& a : c.arcs) {
    if (a.origin == ArcOrigin::kRelease) continue;
    // Only minimum lags from the predecessor's end, chaining the steps of one job.
    if (a.origin != ArcOrigin::kMinLag || a.dur_of != a.from || a.weight < 0) return false;
    if (c.job_of[z(a.from)] != c.job_of[z(a.to)]) return false;
    if (++succs[z(a.from)] > 1 || ++preds[z(a.to)] > 1) return false;
  }
  return true;
}

Solution job_shop_tabu(const CompiledProblem& c, const Solution& initial, std::uint64_t seed, Time lower_bound,
                       const SearchBudget& budget, std::uint64_t& work) {
  TabuSearch search(c, seed);
  return search.run(initial, lower_bound, budget, work);
}

}  // namespace foundry::planner::detail
