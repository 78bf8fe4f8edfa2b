#include "core/clock.hpp"

#include <chrono>
#include <cstdio>

namespace suda::core {

millis now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso8601(millis ms) {
  // The civil date from the day count (std::chrono's calendar), not gmtime_r + snprintf: every message is
  // formatted twice (its ack and its broadcast), and this is a tenth of their cost.
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);  // toward negative infinity, for times before 1970 too
  const year_month_day date(day);
  const hh_mm_ss<milliseconds> time(t - day);
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {  // not a time suda stores; written out anyway, as the C library does
    char wide[64];
    std::snprintf(wide, sizeof wide, "%d-%02u-%02uT%02d:%02d:%02d.%03dZ", year, static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                  static_cast<int>(time.subseconds().count()));
    return wide;
  }
  char buffer[24];
  auto put = [&buffer](std::size_t at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
      buffer[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(year), 4);
  buffer[4] = '-';
  put(5, static_cast<unsigned>(date.month()), 2);
  buffer[7] = '-';
  put(8, static_cast<unsigned>(date.day()), 2);
  buffer[10] = 'T';
  put(11, static_cast<unsigned>(time.hours().count()), 2);
  buffer[13] = ':';
  put(14, static_cast<unsigned>(time.minutes().count()), 2);
  buffer[16] = ':';
  put(17, static_cast<unsigned>(time.seconds().count()), 2);
  buffer[19] = '.';
  put(20, static_cast<unsigned>(time.subseconds().count()), 3);
  buffer[23] = 'Z';
  return std::string(buffer, sizeof buffer);
}

}  // namespace suda::core
