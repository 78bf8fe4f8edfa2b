#pragma once
// WebSocket framing (RFC 6455 section 5) as the generator's client side needs it: reading what a server
// sends, writing what a client sends. The generator frames WebSocket itself rather than through Beast's
// websocket::stream (see sio_client.hpp for why); no extension is ever negotiated, so there is no
// permessage-deflate and no reserved bit may be set.
//
// Reading: the caller reads whatever the socket has into one buffer and feeds it here. Every complete frame
// in it is handed out at once, synchronously; a partial frame at the end is not consumed, and the caller
// feeds it again with more bytes behind it. A message in one frame (nearly all of them) is handed out as a
// view into the caller's bytes, without a copy; only a fragmented message is assembled here.
// Control frames (close, ping, pong) are handed out as they come, also between the fragments of a message.
// Text is not checked for UTF-8: whatever reads it (the stamp search, the JSON decoders) rejects garbage,
// and the check costs a pass over every byte.
//
// Errors are final: after one, the parser hands out nothing more (the connection is to be dropped).
//
// Writing: client frames are single (FIN set) and masked with the key the caller gives (section 5.3).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace suda::bench {

enum class ws_opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

enum class ws_error : std::uint8_t {
  none,
  reserved_bits,     // RSV1-3 set, with no extension negotiated
  masked,            // a server must not mask its frames (section 5.1)
  bad_opcode,        // 3-7 or 11-15
  bad_control,       // a control frame fragmented or longer than 125 bytes (section 5.5)
  bad_length,        // an extended length not in its minimal form, or with the 64-bit form's top bit set
  bad_continuation,  // a continuation with no message begun, or a new message before the last one ended
  too_big,           // a message beyond the limit (known from the frame header, before its payload is read)
};

std::string_view to_string(ws_error error) noexcept;

// What the parser hands out: a whole text or binary message (its fragments joined), or one control frame.
struct ws_message {
  ws_opcode opcode = ws_opcode::text;
  // Points into the bytes fed or into the parser's assembly buffer: valid until the next parse call, and only
  // while the fed bytes stay where they are.
  std::string_view payload;
};

class ws_parser {
 public:
  static constexpr std::size_t default_message_limit = std::size_t{1} << 20;

  explicit ws_parser(std::size_t message_limit = default_message_limit) : limit_(message_limit) {}

  struct frame_result {
    std::size_t consumed = 0;           // 0: no whole frame at the start of the bytes yet, or an error
    std::optional<ws_message> message;  // empty when the frame was a fragment that does not end its message
  };

  // The frame at the start of `bytes` (a contiguous run of received bytes).
  frame_result parse_frame(std::string_view bytes);

  // Every complete frame in `bytes`: on_message(const ws_message&) for each message and control frame, until
  // it returns false. Returns the bytes consumed: everything up to the partial frame at the end, the frame
  // where on_message said stop, or the frame that was an error.
  template <class OnMessage>
  std::size_t feed(std::string_view bytes, OnMessage&& on_message) {
    std::size_t used = 0;
    for (;;) {
      auto frame = parse_frame(bytes.substr(used));
      if (frame.consumed == 0) break;
      used += frame.consumed;
      if (frame.message && !on_message(*frame.message)) break;
    }
    return used;
  }

  bool failed() const noexcept { return error_ != ws_error::none; }
  ws_error error() const noexcept { return error_; }

 private:
  frame_result fail(ws_error error) noexcept {
    error_ = error;
    return {};
  }

  std::size_t limit_;
  ws_error error_ = ws_error::none;
  bool assembling_ = false;  // the first fragment of a message arrived and its last has not
  ws_opcode assembling_opcode_ = ws_opcode::text;
  std::string assembly_;
};

// Appends one client frame to `out`: FIN set, `opcode`, the payload masked with `mask_key` (its four bytes
// go on the wire most significant first, and payload byte i is XORed with key byte i % 4).
void append_client_frame(std::string& out, ws_opcode opcode, std::string_view payload, std::uint32_t mask_key);

// A fresh masking key. RFC 6455 wants keys third parties cannot predict (section 10.3: against proxies that
// misread frames as HTTP); a benchmark talking to a server on loopback only needs them to vary, so this is a
// fast per-thread PRNG seeded once from std::random_device.
std::uint32_t next_mask_key() noexcept;

}  // namespace suda::bench
