#include "realtime/engineio/heartbeat.hpp"

#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>

namespace suda::realtime::engineio {
namespace {

using namespace std::chrono_literals;

TEST(Heartbeat, TheFirstPingComesInTheSecondHalfOfTheInterval) {
  for (int i = 0; i < 1000; ++i) {
    const auto delay = first_ping_delay(core::new_token(), 25000ms);
    EXPECT_GE(delay, 12500ms);
    EXPECT_LE(delay, 25000ms);
  }
}

// Sessions that connect in the same instant must not be pinged in the same instant: their session ids
// (real ones, as the server makes them) spread their first pings over the half interval.
TEST(Heartbeat, SessionsMadeTogetherAreSpreadOverTheHalfInterval) {
  constexpr std::size_t sessions = 2000;
  constexpr std::size_t slices = 8;  // about 250 sessions expected in each eighth of the half interval
  std::array<std::size_t, slices> in_slice{};
  const std::chrono::steady_clock::duration interval = 25000ms;
  for (std::size_t i = 0; i < sessions; ++i) {
    const auto early = interval - first_ping_delay(core::new_token(), 25000ms);
    const auto slice = static_cast<std::size_t>(early * slices / (interval / 2));
    ++in_slice[std::min(slice, slices - 1)];
  }
  for (std::size_t s = 0; s < slices; ++s) {
    EXPECT_GE(in_slice[s], sessions / slices / 2) << "slice " << s;
  }
}

TEST(Heartbeat, ASessionsFirstPingDependsOnlyOnItsId) {
  const auto sid = core::new_token();
  EXPECT_EQ(first_ping_delay(sid, 1000ms), first_ping_delay(sid, 1000ms));
}

TEST(Heartbeat, AnIntervalTooShortToSpreadIsKept) {
  EXPECT_EQ(first_ping_delay("abc", 0ms), std::chrono::steady_clock::duration(0ms));
}

}  // namespace
}  // namespace suda::realtime::engineio
