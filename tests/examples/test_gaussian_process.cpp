// The C++ learner's numerics: the hand-written Cholesky and the Gaussian process built on it.
#include "cholesky.hpp"
#include "gaussian_process.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace fl = foundry::learners;

namespace {

fl::Matrix spd3() {
  fl::Matrix m(3);
  const double v[] = {4, 2, 0.4, 2, 5, 1, 0.4, 1, 3};
  for (std::size_t i = 0; i < 9; ++i) m.a[i] = v[i];
  return m;
}

TEST(LearnersCholesky, FactorReproducesTheMatrixAndSolvesASystem) {
  const fl::Matrix m = spd3();
  const auto l = fl::cholesky(m);
  ASSERT_TRUE(l);
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < 3; ++k) s += (*l)(i, k) * (*l)(j, k);
      EXPECT_NEAR(s, m(i, j), 1e-12);
      if (j > i) {
        EXPECT_EQ((*l)(i, j), 0.0);
      }
    }
  }
  const std::vector<double> b = {1, -2, 3};
  const auto x = fl::solve_upper_transposed(*l, fl::solve_lower(*l, b));
  for (std::size_t i = 0; i < 3; ++i) {
    double s = 0;
    for (std::size_t k = 0; k < 3; ++k) s += m(i, k) * x[k];
    EXPECT_NEAR(s, b[i], 1e-12);
  }
}

TEST(LearnersCholesky, RefusesAMatrixThatIsNotPositiveDefinite) {
  fl::Matrix m(2);
  m.a = {1, 2, 2, 1};  // eigenvalues 3 and -1
  EXPECT_FALSE(fl::cholesky(m));
}

TEST(LearnersGaussianProcess, InterpolatesItsDataAndIsSurerThereThanFarAway) {
  const std::vector<fl::Levels> x = {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {2, 2, 1}};
  const std::vector<double> y = {1.0, 2.0, 0.5, 3.0};
  fl::GaussianProcess gp;
  ASSERT_TRUE(gp.fit(x, y, 0.7, 1e-4));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(gp.predict(x[i]).mean, y[i], 0.01);
  const auto near = gp.predict({0, 0, 0});
  const auto far = gp.predict({3, 4, 5});  // differs from every point in every factor
  EXPECT_LT(near.sd, far.sd);
  // Far from the data the prediction returns toward the mean of the targets.
  EXPECT_NEAR(far.mean, (1.0 + 2.0 + 0.5 + 3.0) / 4, 0.6);
}

TEST(LearnersGaussianProcess, LikelihoodPrefersTheLengthScaleThatExplainsTheData) {
  // y depends on the first factor only, smoothly: points differing in one factor are alike.
  std::vector<fl::Levels> x;
  std::vector<double> y;
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 3; ++b) {
      x.push_back({a, b});
      y.push_back(a == 0 ? 1.0 : 0.0);
    }
  }
  fl::GaussianProcess gp;
  gp.fit_by_likelihood(x, y);
  EXPECT_TRUE(std::isfinite(gp.log_marginal_likelihood()));
  fl::GaussianProcess fixed;
  ASSERT_TRUE(fixed.fit(x, y, 2.5, 0.4));
  EXPECT_GE(gp.log_marginal_likelihood(), fixed.log_marginal_likelihood());
}

TEST(LearnersGaussianProcess, RefusesMismatchedData) {
  fl::GaussianProcess gp;
  EXPECT_THROW(gp.fit({{0}}, {1.0, 2.0}, 0.5, 0.1), std::invalid_argument);
  EXPECT_THROW(gp.fit({}, {}, 0.5, 0.1), std::invalid_argument);
}

}  // namespace
