#include "core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace suda::core {

TEST(RateLimiter, AllowsTheBurstThenRefuses) {
  rate_limiter limiter(3);
  EXPECT_TRUE(limiter.try_acquire("ip", 1000));
  EXPECT_TRUE(limiter.try_acquire("ip", 1000));
  EXPECT_TRUE(limiter.try_acquire("ip", 1000));
  EXPECT_FALSE(limiter.try_acquire("ip", 1000));
}

TEST(RateLimiter, KeysAreIndependent) {
  rate_limiter limiter(1);
  EXPECT_TRUE(limiter.try_acquire("a", 0));
  EXPECT_FALSE(limiter.try_acquire("a", 0));
  EXPECT_TRUE(limiter.try_acquire("b", 0));
}

TEST(RateLimiter, RefillsOverAMinute) {
  rate_limiter limiter(2);
  EXPECT_TRUE(limiter.try_acquire("k", 0));
  EXPECT_TRUE(limiter.try_acquire("k", 0));
  EXPECT_FALSE(limiter.try_acquire("k", 29000));  // half a token after 29 s
  EXPECT_TRUE(limiter.try_acquire("k", 30001));   // one full token after 30 s
  EXPECT_FALSE(limiter.try_acquire("k", 30002));
}

TEST(RateLimiter, StaysBoundedUnderManyKeys) {
  rate_limiter limiter(5, 100);
  for (int i = 0; i < 10000; ++i) limiter.try_acquire("key" + std::to_string(i), 0);
  // The newest key still works, and the limiter did not grow without bound (no crash, no refusal of new keys).
  EXPECT_TRUE(limiter.try_acquire("fresh", 0));
}

}  // namespace suda::core
