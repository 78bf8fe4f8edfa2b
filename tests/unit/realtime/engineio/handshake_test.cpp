#include "realtime/engineio/handshake.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace suda::realtime::engineio {
namespace {

TEST(Handshake, MatchesTheSpecExampleByteForByte) {
  handshake h;
  h.sid = "lv_VI97HAXpY6yYWAAAC";
  EXPECT_EQ(handshake_json(h),
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
            R"("pingTimeout":20000,"maxPayload":1000000})");
}

TEST(Handshake, OpenPacketEncodesAsTypeZeroFollowedByTheJson) {
  handshake h{.sid = "abc", .upgrades = {}, .ping_interval_ms = 300, .ping_timeout_ms = 200, .max_payload = 500};
  auto encoded = encode_packet(open_packet(h), transport::polling);
  EXPECT_FALSE(encoded.binary_frame);
  EXPECT_EQ(encoded.bytes, R"(0{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":500})");
  // The same bytes over WebSocket: the open packet is text on both transports.
  EXPECT_EQ(encode_packet(open_packet(h), transport::websocket).bytes, encoded.bytes);
}

TEST(Handshake, EscapesTheSidSoTheJsonStaysValid) {
  handshake h;
  h.sid = "a\"b\\c";
  auto json = boost::json::parse(handshake_json(h));
  EXPECT_EQ(json.at("sid").as_string(), "a\"b\\c");
  EXPECT_EQ(json.at("upgrades").as_array().size(), 1u);
}

TEST(Handshake, OpenPacketDecodesBackToTheSameHandshake) {
  handshake h;
  h.sid = "xyz";
  auto decoded = decode_packet(encode_packet(open_packet(h), transport::websocket).bytes);
  ASSERT_TRUE(decoded) << decoded.error().code;
  EXPECT_EQ(decoded->type, packet_type::open);
  EXPECT_EQ(decoded->data, handshake_json(h));
}

}  // namespace
}  // namespace suda::realtime::engineio
