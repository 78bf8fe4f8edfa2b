#include "realtime/engineio/handshake.hpp"

#include <boost/json.hpp>

namespace suda::realtime::engineio {

std::string handshake_json(const handshake& h) {
  boost::json::array upgrades;
  upgrades.reserve(h.upgrades.size());
  for (const auto& name : h.upgrades) upgrades.emplace_back(name);
  // boost::json::object keeps insertion order, so the output reads like the reference server's.
  boost::json::object json;
  json["sid"] = h.sid;
  json["upgrades"] = std::move(upgrades);
  json["pingInterval"] = h.ping_interval_ms;
  json["pingTimeout"] = h.ping_timeout_ms;
  json["maxPayload"] = h.max_payload;
  return boost::json::serialize(json);
}

packet open_packet(const handshake& h) { return packet{packet_type::open, handshake_json(h), false}; }

}  // namespace suda::realtime::engineio
