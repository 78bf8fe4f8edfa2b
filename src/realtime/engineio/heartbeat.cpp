#include "realtime/engineio/heartbeat.hpp"

#include <functional>

namespace suda::realtime::engineio {

std::chrono::steady_clock::duration first_ping_delay(std::string_view sid, std::chrono::milliseconds interval) {
  using duration = std::chrono::steady_clock::duration;
  const duration full = interval;
  const auto half = static_cast<std::size_t>((full / 2).count());
  if (half == 0) return full;
  // The ids are random, so their hash is as good a random number as any, and needs no generator's state.
  const auto early = static_cast<duration::rep>(std::hash<std::string_view>{}(sid) % (half + 1));
  return full - duration(early);
}

}  // namespace suda::realtime::engineio
