#pragma once
// When the server pings. Every session is pinged one ping_interval after its previous pong; only the first
// ping has a choice, and it decides for ever after which part of the interval the session's pings fall in.
//
// Sessions that connected together (a connection storm, every client of a restarted node) would otherwise be
// pinged together every interval: at 1,000 sockets the burst of pings and pongs held the messages behind it
// for about 10 ms (the latency scenario's max, docs/performance.md). So the first ping comes at a point of
// the interval's second half chosen by the session id, which is random. Pinging early is within the
// protocol: a client only requires a ping within pingInterval + pingTimeout of the last.
#include <chrono>
#include <string_view>

namespace suda::realtime::engineio {

// In [interval / 2, interval]: where `sid` falls, spread evenly over random ids.
std::chrono::steady_clock::duration first_ping_delay(std::string_view sid, std::chrono::milliseconds interval);

}  // namespace suda::realtime::engineio
