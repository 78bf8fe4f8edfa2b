#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace suda::core {
namespace {

// What the C library says for the same instant: gmtime_r, milliseconds rounded toward negative infinity.
std::string c_library_iso8601(millis ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  int fraction = static_cast<int>(ms % 1000);
  if (fraction < 0) {
    fraction += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
  return buffer;
}

TEST(Clock, FormatsKnownInstants) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(951'782'400'000), "2000-02-29T00:00:00.000Z");  // a leap day of a century year
  EXPECT_EQ(format_iso8601(1'764'000'000'123), "2025-11-24T16:00:00.123Z");
  EXPECT_EQ(format_iso8601(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

TEST(Clock, AgreesWithTheCLibraryAcrossCenturiesLeapYearsAndDayEdges) {
  // Steps that are not multiples of a day, second or millisecond, so every field takes many values.
  for (millis ms = -2'208'988'800'000; ms < 4'102'444'800'000; ms += 86'399'937 * 7 + 13) {
    ASSERT_EQ(format_iso8601(ms), c_library_iso8601(ms)) << ms;
  }
  for (millis ms : {millis{946'684'799'999}, millis{946'684'800'000}, millis{4'107'542'399'999}}) {
    EXPECT_EQ(format_iso8601(ms), c_library_iso8601(ms)) << ms;
  }
}

TEST(Clock, YearsPastFourDigitsAreStillWrittenOut) {
  EXPECT_EQ(format_iso8601(253'402'300'800'000), "10000-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace suda::core
