#include "realtime/socketio/packet.hpp"

#include "core/utf8.hpp"
#include "realtime/socketio/binary.hpp"

#include <boost/json.hpp>

#include <array>
#include <charconv>

namespace suda::realtime::socketio {
namespace {

core::error codec_error(std::string_view code, std::string message) {
  return core::bad_request(std::string(code), std::move(message));
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads a run of decimal digits at text[i]. Leading zeros are refused ("0" alone is fine): the reference
// encoder never writes them, and refusing them keeps one wire form per value. At most `max_digits` are
// read, so the value cannot overflow and a long run of digits is rejected after a bounded look.
std::optional<std::uint64_t> read_number(std::string_view text, std::size_t& i, std::size_t max_digits) noexcept {
  std::size_t start = i;
  while (i < text.size() && is_digit(text[i])) {
    if (i - start == max_digits) return std::nullopt;
    ++i;
  }
  if (i == start) return std::nullopt;
  if (text[start] == '0' && i - start > 1) return std::nullopt;
  std::uint64_t value = 0;
  std::from_chars(text.data() + start, text.data() + i, value);
  return value;
}

constexpr std::size_t max_ack_id_digits = 16;      // max_ack_id has 16 digits
constexpr std::size_t max_attachment_digits = 6;   // far above any sane limit, far below overflow

// The payload and ack rules of each type (Socket.IO v5 spec; reserved names as socket.io-parser).
core::result<void> check_payload(const packet& p) {
  const auto& data = p.data;
  bool has_id = p.id.has_value();
  switch (p.type) {
    case packet_type::connect:
      if (has_id) return codec_error(errors::bad_ack_id, "CONNECT takes no ack id");
      if (!data.is_null() && !data.is_object()) return codec_error(errors::invalid_payload, "CONNECT data must be an object");
      return {};
    case packet_type::disconnect:
      if (has_id) return codec_error(errors::bad_ack_id, "DISCONNECT takes no ack id");
      if (!data.is_null()) return codec_error(errors::invalid_payload, "DISCONNECT takes no data");
      return {};
    case packet_type::connect_error:
      if (has_id) return codec_error(errors::bad_ack_id, "CONNECT_ERROR takes no ack id");
      if (!data.is_object() && !data.is_string()) {
        return codec_error(errors::invalid_payload, "CONNECT_ERROR data must be an object or a string");
      }
      return {};
    case packet_type::event:
    case packet_type::binary_event: {
      const auto* args = data.if_array();
      if (!args || args->empty() || !args->front().is_string()) {
        return codec_error(errors::invalid_payload, "EVENT data must be an array starting with the event name");
      }
      const auto& name = args->front().get_string();
      if (is_reserved_event(std::string_view(name.data(), name.size()))) {
        return codec_error(errors::reserved_event, "reserved event name");
      }
      return {};
    }
    case packet_type::ack:
    case packet_type::binary_ack:
      if (!has_id) return codec_error(errors::bad_ack_id, "ACK needs an ack id");
      if (!data.is_array()) return codec_error(errors::invalid_payload, "ACK data must be an array");
      return {};
  }
  return codec_error(errors::unknown_type, "unknown Socket.IO packet type");
}

core::result<void> check_id(const std::optional<std::uint64_t>& id) {
  if (id && *id > max_ack_id) return codec_error(errors::bad_ack_id, "ack id too large");
  return {};
}

char type_digit(packet_type type) noexcept { return static_cast<char>('0' + static_cast<int>(type)); }

void append_number(std::string& out, std::uint64_t value) {
  std::array<char, 24> buffer{};
  auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

// Writes `<type>[<n>-][<nsp>,][<id>]`, the part before the JSON.
void append_header(std::string& out, packet_type type, std::size_t attachments, std::string_view nsp,
                   const std::optional<std::uint64_t>& id) {
  out += type_digit(type);
  if (is_binary_type(type)) {
    append_number(out, attachments);
    out += '-';
  }
  if (nsp != main_namespace) {
    out += nsp;
    out += ',';
  }
  if (id) append_number(out, *id);
}

}  // namespace

std::string_view to_string(packet_type type) noexcept {
  switch (type) {
    case packet_type::connect: return "CONNECT";
    case packet_type::disconnect: return "DISCONNECT";
    case packet_type::event: return "EVENT";
    case packet_type::ack: return "ACK";
    case packet_type::connect_error: return "CONNECT_ERROR";
    case packet_type::binary_event: return "BINARY_EVENT";
    case packet_type::binary_ack: return "BINARY_ACK";
  }
  return "UNKNOWN";
}

bool is_reserved_event(std::string_view name) noexcept {
  constexpr std::array<std::string_view, 6> reserved{"connect",       "connect_error", "disconnect",
                                                     "disconnecting", "newListener",   "removeListener"};
  for (auto r : reserved) {
    if (name == r) return true;
  }
  return false;
}

bool is_valid_namespace(std::string_view nsp, std::size_t max_bytes) noexcept {
  if (nsp.empty() || nsp.front() != '/' || nsp.size() > max_bytes) return false;
  if (nsp.find(',') != std::string_view::npos) return false;
  // has_control_characters also reports invalid UTF-8.
  return !core::has_control_characters(nsp);
}

core::result<packet> decode(std::string_view text, const decode_limits& limits) {
  if (text.empty()) return codec_error(errors::empty_packet, "empty Socket.IO packet");
  if (text[0] < '0' || text[0] > '6') return codec_error(errors::unknown_type, "unknown Socket.IO packet type");

  packet p;
  p.type = static_cast<packet_type>(text[0] - '0');
  std::size_t i = 1;

  if (is_binary_type(p.type)) {
    auto count = read_number(text, i, max_attachment_digits);
    if (!count || i >= text.size() || text[i] != '-') {
      return codec_error(errors::bad_attachments, "malformed attachment count");
    }
    if (*count > limits.max_attachments) return codec_error(errors::bad_attachments, "too many attachments");
    p.attachment_count = static_cast<std::size_t>(*count);
    ++i;  // the '-'
  }

  if (i < text.size() && text[i] == '/') {
    // The namespace runs to the next ',' (which every encoder writes), or to the end of the packet: the
    // reference parser reads "40/custom" that way, and the protocol test suite sends such packets.
    std::size_t comma = text.find(',', i);
    std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    std::string_view nsp = text.substr(i, end - i);
    if (!is_valid_namespace(nsp, limits.max_namespace_bytes)) {
      return codec_error(errors::bad_namespace, "invalid namespace");
    }
    p.nsp.assign(nsp);
    i = comma == std::string_view::npos ? end : comma + 1;
  }

  if (i < text.size() && is_digit(text[i])) {
    auto id = read_number(text, i, max_ack_id_digits);
    if (!id) return codec_error(errors::bad_ack_id, "malformed ack id");
    p.id = *id;
    if (auto ok = check_id(p.id); !ok) return ok.error();
  }

  if (i < text.size()) {
    boost::json::parse_options options;
    options.max_depth = limits.max_json_depth;
    boost::system::error_code ec;
    p.data = boost::json::parse(text.substr(i), ec, {}, options);
    if (ec) return codec_error(errors::invalid_json, "payload is not valid JSON");
    // A literal `null` would read as "no payload"; no type accepts it, so it is refused here.
    if (p.data.is_null()) return codec_error(errors::invalid_payload, "null payload");
  }

  if (auto ok = check_payload(p); !ok) return ok.error();
  if (is_binary_type(p.type)) {
    if (auto ok = check_placeholders(p.data, p.attachment_count); !ok) return ok.error();
  }
  return p;
}

core::result<std::string> encode(const packet& p) {
  if (!is_valid_namespace(p.nsp)) return codec_error(errors::bad_namespace, "invalid namespace");
  if (auto ok = check_id(p.id); !ok) return ok.error();

  packet_type wire_type = p.type;
  if (!p.attachments.empty()) {
    if (p.type == packet_type::event) wire_type = packet_type::binary_event;
    else if (p.type == packet_type::ack) wire_type = packet_type::binary_ack;
    else if (!is_binary_type(p.type)) {
      return codec_error(errors::bad_attachments, "only EVENT and ACK packets carry attachments");
    }
    if (p.attachments.size() > decode_limits{}.max_attachments) {
      return codec_error(errors::bad_attachments, "too many attachments");
    }
    if (auto ok = check_placeholders(p.data, p.attachments.size()); !ok) return ok.error();
  } else if (p.type == packet_type::binary_event) {
    wire_type = packet_type::event;
  } else if (p.type == packet_type::binary_ack) {
    wire_type = packet_type::ack;
  }
  if (auto ok = check_payload(p); !ok) return ok.error();

  std::string out;
  append_header(out, wire_type, p.attachments.size(), p.nsp, p.id);
  if (!p.data.is_null()) out += boost::json::serialize(p.data);
  return out;
}

core::result<void> append_event(std::string& out, std::string_view nsp, std::string_view event,
                                std::span<const std::string_view> serialized_args,
                                std::optional<std::uint64_t> id) {
  if (!is_valid_namespace(nsp)) return codec_error(errors::bad_namespace, "invalid namespace");
  if (auto ok = check_id(id); !ok) return ok.error();
  if (is_reserved_event(event)) return codec_error(errors::reserved_event, "reserved event name");
  if (!core::is_valid_utf8(event)) return codec_error(errors::invalid_payload, "event name is not UTF-8");
  for (auto arg : serialized_args) {
    // Cheap guard against the one mistake that would silently produce `["x",]`.
    if (arg.empty()) return codec_error(errors::invalid_payload, "empty serialized argument");
  }

  std::string name = boost::json::serialize(boost::json::string_view(event.data(), event.size()));
  std::size_t size = 16 + nsp.size() + name.size();
  for (auto arg : serialized_args) size += arg.size() + 1;
  out.reserve(out.size() + size);

  append_header(out, packet_type::event, 0, nsp, id);
  out += '[';
  out += name;
  for (auto arg : serialized_args) {
    out += ',';
    out += arg;
  }
  out += ']';
  return {};
}

core::result<std::string> encode_event(std::string_view nsp, std::string_view event,
                                       std::span<const std::string_view> serialized_args,
                                       std::optional<std::uint64_t> id) {
  std::string out;
  if (auto ok = append_event(out, nsp, event, serialized_args, id); !ok) return ok.error();
  return out;
}

}  // namespace suda::realtime::socketio
