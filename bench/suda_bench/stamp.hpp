#pragma once
// The stamp a benchmark message carries in its body: which message it is (an index into the run's message
// table, for loss accounting) and when it was meant to be sent (steady-clock nanoseconds, for latency from the
// intended time, so a stalled sender cannot hide its own delay: no coordinated omission).
//
// Body: "~b<index>~t<ns>~" then padding to the requested size. '~' and digits need no JSON escaping, so the
// stamp appears verbatim in whatever JSON the server wraps around the message, and a received frame is read
// by a substring search instead of a JSON parse (the one hot path of the generator: every delivery).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace suda::bench {

struct stamp {
  std::uint32_t index = 0;
  std::int64_t intended_ns = 0;

  friend bool operator==(const stamp&, const stamp&) = default;
};

// The body for `s`, padded with 'x' to `body_bytes` (never shorter than the stamp itself).
std::string stamp_body(const stamp& s, std::size_t body_bytes);

// Finds the first stamp in `text` (a whole Socket.IO frame or just a body); nullopt when there is none or it
// is malformed.
std::optional<stamp> find_stamp(std::string_view text) noexcept;

}  // namespace suda::bench
