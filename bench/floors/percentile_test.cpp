#include "percentile.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace suda::bench::floors {
namespace {

TEST(Percentile, OfNoSamplesIsZero) { EXPECT_EQ(percentile({}, 0.99), 0.0); }

TEST(Percentile, IsTheNearestRankOfUnsortedSamples) {
  std::vector<double> samples(100);
  std::iota(samples.begin(), samples.end(), 1.0);  // 1..100
  std::reverse(samples.begin(), samples.end());
  EXPECT_EQ(percentile(samples, 0.5), 50.0);
  EXPECT_EQ(percentile(samples, 0.99), 99.0);
  EXPECT_EQ(percentile(samples, 1.0), 100.0);
  EXPECT_EQ(percentile(samples, 0.0), 1.0);
}

TEST(Percentile, OfAFewSamplesRoundsTheRankUp) {
  // With 10 samples, p99 is the largest: 99% of 10 is 9.9 samples, so the 10th.
  const std::vector<double> samples{5, 1, 9, 3, 7, 2, 8, 4, 10, 6};
  EXPECT_EQ(percentile(samples, 0.99), 10.0);
  EXPECT_EQ(percentile(samples, 0.9), 9.0);
  EXPECT_EQ(percentile(samples, 0.91), 10.0);
}

TEST(Percentile, ClampsAQuantileOutsideZeroToOne) {
  const std::vector<double> samples{3, 1, 2};
  EXPECT_EQ(percentile(samples, 1.5), 3.0);
  EXPECT_EQ(percentile(samples, -1.0), 1.0);
}

}  // namespace
}  // namespace suda::bench::floors
