#pragma once
// Socket.IO v5 packets, carried as the data of Engine.IO `message` packets. Pure codec, no sockets.
//
// Text form:  <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//   2["hello",1]                       EVENT on "/" (the main namespace is never written)
//   2/admin,["bye"]                    EVENT on "/admin"
//   3/admin,13["bar"]                  ACK 13 on "/admin"
//   451-["hello",{"_placeholder":true,"num":0}]  (with the Engine.IO "4" in front) BINARY_EVENT, one
//                                      attachment following as its own binary frame
//
// Binary data. JSON has no binary type, so a packet keeps its binary blobs beside the JSON, in
// `attachments`, and the JSON holds a placeholder {"_placeholder":true,"num":i} where blob i belongs —
// exactly the wire form, so nothing is rewritten on the way in or out. Build them with attach()
// (binary.hpp); read them back with attachment_at(). binary_reconstructor (binary.hpp) joins a BINARY_*
// text packet with the binary frames that follow it.
#include "core/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::socketio {

enum class packet_type : std::uint8_t {
  connect = 0,        // client: join a namespace (data: optional auth object); server: accepted ({"sid"})
  disconnect = 1,     // leave a namespace; no data
  event = 2,          // data: ["name", args...]; an ack id asks the receiver for an ACK
  ack = 3,            // data: [results...]; the id of the EVENT it answers
  connect_error = 4,  // server: namespace refused; data: {"message": ...} (or a string, from old servers)
  binary_event = 5,   // an EVENT with attachments
  binary_ack = 6,     // an ACK with attachments
};

std::string_view to_string(packet_type type) noexcept;
inline bool is_binary_type(packet_type t) noexcept {
  return t == packet_type::binary_event || t == packet_type::binary_ack;
}

inline constexpr std::string_view main_namespace = "/";

// Ack ids are JavaScript numbers on the other side; above 2^53 - 1 they would silently lose precision.
inline constexpr std::uint64_t max_ack_id = 9007199254740991ULL;

struct packet {
  packet_type type = packet_type::event;
  std::string nsp{main_namespace};
  std::optional<std::uint64_t> id;
  // The JSON payload; null means "no payload". No packet type accepts a JSON null payload, so the two
  // never need telling apart.
  boost::json::value data;
  // BINARY_* only: the count announced in the text ("51-..."), set by decode(). encode() ignores it and
  // announces attachments.size().
  std::size_t attachment_count = 0;
  // The binary blobs, referenced from `data` by placeholders. Filled by binary_reconstructor after
  // decoding; for encoding, sent as binary frames right after the text, in this order.
  std::vector<std::string> attachments;

  friend bool operator==(const packet&, const packet&) = default;
};

struct decode_limits {
  std::size_t max_attachments = 10;        // per packet (socket.io-parser's default)
  std::size_t max_json_depth = 32;         // nesting of arrays/objects in the payload
  std::size_t max_namespace_bytes = 256;
};

// Error codes reported in core::error::code (kind errc::bad_request unless said otherwise).
namespace errors {
inline constexpr std::string_view empty_packet = "sio_empty_packet";
inline constexpr std::string_view unknown_type = "sio_unknown_type";
inline constexpr std::string_view bad_attachments = "sio_bad_attachments";  // malformed "<n>-" or too many
inline constexpr std::string_view bad_namespace = "sio_bad_namespace";
inline constexpr std::string_view bad_ack_id = "sio_bad_ack_id";  // malformed, too large, missing or not allowed
inline constexpr std::string_view invalid_json = "sio_invalid_json";  // syntax, depth, trailing garbage
inline constexpr std::string_view invalid_payload = "sio_invalid_payload";  // wrong payload for the type
inline constexpr std::string_view reserved_event = "sio_reserved_event";
inline constexpr std::string_view bad_placeholder = "sio_bad_placeholder";
inline constexpr std::string_view unexpected_binary = "sio_unexpected_binary";  // binary frame, none expected
inline constexpr std::string_view expected_binary = "sio_expected_binary";  // text frame, attachments expected
inline constexpr std::string_view attachments_too_large = "sio_attachments_too_large";  // payload_too_large
}  // namespace errors

// Event names the reference implementation keeps for itself; a packet naming one is rejected both ways.
bool is_reserved_event(std::string_view name) noexcept;

// A namespace as it may appear on the wire: "/" then UTF-8 without ',' or control characters, bounded.
bool is_valid_namespace(std::string_view nsp, std::size_t max_bytes = decode_limits{}.max_namespace_bytes) noexcept;

// Decodes the text form (the Engine.IO message data, without its "4"). Strict about every field and the
// payload rules of each type; never throws on bad input; linear work. For BINARY_* the result has
// attachment_count set and placeholders checked, and still needs its attachments (binary_reconstructor).
core::result<packet> decode(std::string_view text, const decode_limits& limits = {});

// The text form. A packet with attachments is sent as BINARY_EVENT / BINARY_ACK (EVENT and ACK are
// promoted; BINARY_* without attachments is sent as EVENT / ACK), and the caller then sends
// p.attachments, in order, as binary frames. Fails (bad_request) on a packet decode() would reject, so
// whatever encodes also decodes.
core::result<std::string> encode(const packet& p);

// Fast path for broadcasts: appends the EVENT `<2>[nsp,][id]["<event>",arg0,arg1,...]` to `out`, each
// argument copied verbatim — it must already be serialized JSON (not checked: the point is to encode a
// stored message once and send the same bytes to every member). Validates the namespace and event name
// only; on error `out` is unchanged. Prefix `out` with "4" to get the Engine.IO frame in one buffer.
core::result<void> append_event(std::string& out, std::string_view nsp, std::string_view event,
                                std::span<const std::string_view> serialized_args,
                                std::optional<std::uint64_t> id = std::nullopt);
core::result<std::string> encode_event(std::string_view nsp, std::string_view event,
                                       std::span<const std::string_view> serialized_args,
                                       std::optional<std::uint64_t> id = std::nullopt);

}  // namespace suda::realtime::socketio
