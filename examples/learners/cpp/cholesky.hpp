// A dense symmetric positive definite matrix, its Cholesky factor and triangular solves: all a
// small Gaussian process needs (tens of observations), so no linear algebra library.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace foundry::learners {

// Row-major n x n.
struct Matrix {
  std::size_t n = 0;
  std::vector<double> a;
  explicit Matrix(std::size_t size) : n(size), a(size * size, 0.0) {}
  double& operator()(std::size_t i, std::size_t j) { return a[i * n + j]; }
  double operator()(std::size_t i, std::size_t j) const { return a[i * n + j]; }
};

// L with L L^T = m, or nothing when m is not (numerically) positive definite.
std::optional<Matrix> cholesky(const Matrix& m);
// x with L x = b (forward substitution).
std::vector<double> solve_lower(const Matrix& l, const std::vector<double>& b);
// x with L^T x = b (back substitution).
std::vector<double> solve_upper_transposed(const Matrix& l, const std::vector<double>& b);

}  // namespace foundry::learners
