#include "realtime/engineio/packet.hpp"

#include "core/utf8.hpp"
#include "realtime/engineio/base64.hpp"

#include <boost/assert.hpp>

namespace suda::realtime::engineio {
namespace {

core::error codec_error(std::string_view code, std::string message) {
  return core::bad_request(std::string(code), std::move(message));
}

char type_digit(packet_type type) noexcept { return static_cast<char>('0' + static_cast<int>(type)); }

// close, upgrade and noop are signals; data on them is a malformed packet, not something to ignore.
bool carries_data(packet_type type) noexcept {
  return type != packet_type::close && type != packet_type::upgrade && type != packet_type::noop;
}

}  // namespace

std::string_view to_string(packet_type type) noexcept {
  switch (type) {
    case packet_type::open: return "open";
    case packet_type::close: return "close";
    case packet_type::ping: return "ping";
    case packet_type::pong: return "pong";
    case packet_type::message: return "message";
    case packet_type::upgrade: return "upgrade";
    case packet_type::noop: return "noop";
  }
  return "unknown";
}

void append_polling_form(std::string& out, const packet& p) {
  BOOST_ASSERT(!p.binary || p.type == packet_type::message);
  if (p.binary) {
    out += 'b';
    base64_append(out, p.data);
    return;
  }
  out += type_digit(p.type);
  out += p.data;
}

encoded_packet encode_packet(const packet& p, transport where) {
  BOOST_ASSERT(!p.binary || p.type == packet_type::message);
  encoded_packet encoded;
  if (p.binary && where == transport::websocket) {
    encoded.bytes = p.data;
    encoded.binary_frame = true;
    return encoded;
  }
  encoded.bytes.reserve(1 + (p.binary ? (p.data.size() + 2) / 3 * 4 : p.data.size()));
  append_polling_form(encoded.bytes, p);
  return encoded;
}

core::result<packet> decode_packet(std::string_view text) {
  if (text.empty()) return codec_error(errors::empty_packet, "empty Engine.IO packet");

  if (text.front() == 'b') {
    auto bytes = base64_decode(text.substr(1));
    if (!bytes) return codec_error(errors::bad_base64, "binary Engine.IO packet is not valid base64");
    return binary_message(std::move(*bytes));
  }

  char digit = text.front();
  if (digit < '0' || digit > '6') return codec_error(errors::unknown_type, "unknown Engine.IO packet type");
  auto type = static_cast<packet_type>(digit - '0');
  std::string_view data = text.substr(1);
  if (!data.empty() && !carries_data(type)) {
    return codec_error(errors::unexpected_data, "this Engine.IO packet type carries no data");
  }
  if (!core::is_valid_utf8(data)) return codec_error(errors::invalid_utf8, "Engine.IO text packet is not UTF-8");
  return packet{type, std::string(data), false};
}

packet decode_binary_frame(std::string_view bytes) { return binary_message(std::string(bytes)); }

}  // namespace suda::realtime::engineio
