#include "realtime/engineio/payload.hpp"

namespace suda::realtime::engineio {

core::result<std::string> encode_payload(std::span<const packet> packets) {
  std::size_t size = 0;
  for (const auto& p : packets) {
    if (!p.binary && p.data.find(record_separator) != std::string::npos) {
      return core::bad_request(std::string(errors::separator_in_data),
                               "text packet holds the record separator and cannot be sent by polling");
    }
    size += 2 + (p.binary ? (p.data.size() + 2) / 3 * 4 : p.data.size());
  }
  std::string body;
  body.reserve(size);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) body += record_separator;
    append_polling_form(body, packets[i]);
  }
  return body;
}

core::result<std::vector<packet>> decode_payload(std::string_view body, const payload_limits& limits) {
  std::vector<packet> packets;
  std::size_t start = 0;
  while (true) {
    if (packets.size() >= limits.max_packets) {
      return core::bad_request(std::string(errors::too_many_packets), "too many packets in one payload");
    }
    std::size_t end = body.find(record_separator, start);
    std::string_view record = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto decoded = decode_packet(record);
    if (!decoded) return decoded.error();
    packets.push_back(std::move(*decoded));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return packets;
}

}  // namespace suda::realtime::engineio
