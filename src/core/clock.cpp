#include "core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace suda::core {

millis now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso8601(millis ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  int fraction = static_cast<int>(ms % 1000);
  if (fraction < 0) {  // times before 1970 round toward negative infinity
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

}  // namespace suda::core
