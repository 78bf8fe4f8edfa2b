#pragma once
// Engine.IO v4 packets: the framing under Socket.IO. Pure codec: bytes in, values out, no sockets.
//
// Wire forms (protocol v4):
//   text packet      "<type digit><data>"           e.g. "4hello", "2probe", "0{...handshake...}"
//   binary, WebSocket  the raw bytes as a binary frame; the type is implied (always `message`)
//   binary, polling    "b" + base64(bytes)          e.g. "bAQIDBA==" for <01 02 03 04>
// Several packets in one HTTP long-polling body form a payload (see payload.hpp).
#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace suda::realtime::engineio {

enum class packet_type : std::uint8_t {
  open = 0,     // server -> client, data is the handshake JSON (handshake.hpp)
  close = 1,    // either side: the transport can be closed
  ping = 2,     // heartbeat (server -> client) or upgrade probe "2probe" (client -> server)
  pong = 3,     // heartbeat reply, or "3probe" in answer to the probe
  message = 4,  // application data: a Socket.IO packet in text form, or a binary attachment
  upgrade = 5,  // client -> server: the probe succeeded, switch to the new transport
  noop = 6,     // server -> client: ends a pending long-poll GET during an upgrade
};

std::string_view to_string(packet_type type) noexcept;

struct packet {
  packet_type type = packet_type::message;
  std::string data;     // text (valid UTF-8) or, when `binary`, raw bytes
  bool binary = false;  // only a `message` can be binary: v4 has no way to say another type is binary

  friend bool operator==(const packet&, const packet&) = default;
};

inline packet text_message(std::string text) { return packet{packet_type::message, std::move(text), false}; }
inline packet binary_message(std::string bytes) { return packet{packet_type::message, std::move(bytes), true}; }

// The upgrade probe: the client sends ping "probe" over the new WebSocket, the server answers pong "probe".
inline constexpr std::string_view probe_data = "probe";
inline constexpr std::string_view ping_probe = "2probe";
inline constexpr std::string_view pong_probe = "3probe";
inline bool is_probe(const packet& p, packet_type type) noexcept {
  return p.type == type && !p.binary && p.data == probe_data;
}

// Error codes reported in core::error::code (kind is always errc::bad_request); stable, tests branch on them.
namespace errors {
inline constexpr std::string_view empty_packet = "eio_empty_packet";
inline constexpr std::string_view unknown_type = "eio_unknown_type";
inline constexpr std::string_view bad_base64 = "eio_bad_base64";
inline constexpr std::string_view invalid_utf8 = "eio_invalid_utf8";
inline constexpr std::string_view unexpected_data = "eio_unexpected_data";
inline constexpr std::string_view too_many_packets = "eio_too_many_packets";
inline constexpr std::string_view separator_in_data = "eio_separator_in_data";
}  // namespace errors

// Where an encoded packet goes: the two transports serialize binary packets differently.
enum class transport { websocket, polling };

struct encoded_packet {
  std::string bytes;
  bool binary_frame = false;  // send as a WebSocket binary frame (only for binary packets over WebSocket)
};

// Encodes one packet for a transport. Precondition: `p.binary` implies `p.type == message`.
encoded_packet encode_packet(const packet& p, transport where);

// Appends the text form used inside a polling payload ("4hello", "bAQID") to `out`.
void append_polling_form(std::string& out, const packet& p);

// Decodes a text packet: a WebSocket text frame, or one record of a polling payload. Accepts the base64
// form "b..." too (a client with `forceBase64` sends it in WebSocket text frames). Strict: a single known
// type digit, valid UTF-8, and no data on close/upgrade/noop. Linear in the input, never throws on bad input.
core::result<packet> decode_packet(std::string_view text);

// Decodes a WebSocket binary frame: always a binary `message` (v4 sends no type byte). Cannot fail.
packet decode_binary_frame(std::string_view bytes);

}  // namespace suda::realtime::engineio
