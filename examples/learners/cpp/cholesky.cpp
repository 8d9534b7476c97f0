#include "cholesky.hpp"

#include <cmath>

namespace foundry::learners {

std::optional<Matrix> cholesky(const Matrix& m) {
  Matrix l(m.n);
  for (std::size_t j = 0; j < m.n; ++j) {
    double d = m(j, j);
    for (std::size_t k = 0; k < j; ++k) d -= l(j, k) * l(j, k);
    if (!(d > 1e-12)) return std::nullopt;  // also catches NaN
    l(j, j) = std::sqrt(d);
    for (std::size_t i = j + 1; i < m.n; ++i) {
      double s = m(i, j);
      for (std::size_t k = 0; k < j; ++k) s -= l(i, k) * l(j, k);
      l(i, j) = s / l(j, j);
    }
  }
  return l;
}

std::vector<double> solve_lower(const Matrix& l, const std::vector<double>& b) {
  std::vector<double> x(b);
  for (std::size_t i = 0; i < l.n; ++i) {
    for (std::size_t k = 0; k < i; ++k) x[i] -= l(i, k) * x[k];
    x[i] /= l(i, i);
  }
  return x;
}

std::vector<double> solve_upper_transposed(const Matrix& l, const std::vector<double>& b) {
  std::vector<double> x(b);
  for (std::size_t i = l.n; i-- > 0;) {
    for (std::size_t k = i + 1; k < l.n; ++k) x[i] -= l(k, i) * x[k];
    x[i] /= l(i, i);
  }
  return x;
}

}  // namespace foundry::learners
