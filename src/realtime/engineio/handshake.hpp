#pragma once
// The Engine.IO v4 handshake: the server's `open` packet, whose data is
//   {"sid":"...","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
// The client reads pingInterval + pingTimeout to decide when the server is gone, and maxPayload to size the
// polling bodies it sends.
#include "realtime/engineio/packet.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace suda::realtime::engineio {

struct handshake {
  std::string sid;                                // the session id, echoed by the client as ?sid=
  std::vector<std::string> upgrades{"websocket"};  // transports the client may upgrade to; empty once upgraded
  std::uint64_t ping_interval_ms = 25000;
  std::uint64_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;            // bytes per polling body the client should not exceed
};

// The handshake as compact JSON (keys in the order above).
std::string handshake_json(const handshake& h);

// The `open` packet carrying it: encode_packet(open_packet(h), ...) gives "0{...}".
packet open_packet(const handshake& h);

}  // namespace suda::realtime::engineio
