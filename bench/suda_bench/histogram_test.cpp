#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace suda::bench {
namespace {

TEST(Histogram, EmptyReportsZeros) {
  histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h;
  for (int v = 1; v <= 50; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 25);
  EXPECT_EQ(h.percentile(1.0), 50);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(Histogram, LargeValuesAreWithinTwoPercentAndNeverBelowTheTruth) {
  histogram h;
  for (std::int64_t v = 1; v <= 1'000'000; v += 7) h.record(v);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double truth = q * 1'000'000;
    const auto reported = static_cast<double>(h.percentile(q));
    EXPECT_GE(reported, truth - 7) << q;
    EXPECT_LE(reported, truth * 1.02 + 7) << q;
  }
}

TEST(Histogram, PercentileIsCappedAtTheMaximum) {
  histogram h;
  h.record(1000);
  EXPECT_EQ(h.percentile(0.99), 1000);
}

TEST(Histogram, NegativeValuesCountAsZero) {
  histogram h;
  h.record(-5);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), 0);
}

TEST(Histogram, MergeAddsCountsAndKeepsExtremes) {
  histogram a, b;
  for (int i = 0; i < 100; ++i) a.record(10);
  for (int i = 0; i < 100; ++i) b.record(10'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 200u);
  EXPECT_EQ(a.min(), 10);
  EXPECT_EQ(a.max(), 10'000);
  EXPECT_EQ(a.percentile(0.5), 10);
  EXPECT_GE(a.percentile(0.51), 10'000 * 0.98);
}

TEST(Histogram, HugeValuesDoNotOverflowTheBuckets) {
  histogram h;
  h.record(std::int64_t{1} << 50);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.percentile(1.0), std::int64_t{1} << 50);
}

}  // namespace
}  // namespace suda::bench
