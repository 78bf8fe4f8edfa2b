#pragma once
// Engine.IO v4 payloads: the body of an HTTP long-polling request or response, several packets joined by
// the record separator "\x1e", binary packets as "b" + base64. Example: "4hello\x1e2\x1ebAQIDBA==".
// (v3 counted characters instead; v4 clients never send that form, so it is not accepted.)
#include "core/error.hpp"
#include "realtime/engineio/packet.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::engineio {

inline constexpr char record_separator = '\x1e';

// The separator cannot be escaped, so text data holding it cannot travel in a payload. Socket.IO never
// produces one (JSON escapes control characters), so this is a bug in the caller, reported as an error.
core::result<std::string> encode_payload(std::span<const packet> packets);

struct payload_limits {
  // A request body is already bounded in bytes by the HTTP layer; this bounds the packets made from it, so
  // a body of separators cannot turn into a huge vector of tiny allocations.
  std::size_t max_packets = 256;
};

// Splits and decodes every record with decode_packet. An empty body, an empty record (e.g. a trailing
// separator) or any bad record fails the whole payload: the packets of one request are all or nothing.
core::result<std::vector<packet>> decode_payload(std::string_view body, const payload_limits& limits = {});

}  // namespace suda::realtime::engineio
