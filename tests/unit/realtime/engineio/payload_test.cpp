#include "realtime/engineio/payload.hpp"

#include <gtest/gtest.h>

#include <random>

namespace suda::realtime::engineio {
namespace {

const std::string bytes_1234("\x01\x02\x03\x04", 4);

TEST(EngineioPayload, EncodesTheSpecExampleWithTextAndBinary) {
  std::vector<packet> packets{text_message("hello"), text_message("€"), binary_message(bytes_1234)};
  auto body = encode_payload(packets);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, "4hello\x1e" "4€\x1e" "bAQIDBA==");
}

TEST(EngineioPayload, DecodesTheSpecExampleWithTextAndBinary) {
  auto packets = decode_payload("4hello\x1e" "4€\x1e" "bAQIDBA==");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0], text_message("hello"));
  EXPECT_EQ((*packets)[1], text_message("€"));
  EXPECT_EQ((*packets)[2], binary_message(bytes_1234));
}

TEST(EngineioPayload, DecodesMixedTypesInOrder) {
  auto packets = decode_payload("4hello\x1e" "2\x1e" "4world");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0], text_message("hello"));
  EXPECT_EQ((*packets)[1], (packet{packet_type::ping, "", false}));
  EXPECT_EQ((*packets)[2], text_message("world"));
}

TEST(EngineioPayload, ASinglePacketIsAPayloadOfOne) {
  auto packets = decode_payload("42[\"hello\"]");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 1u);
  EXPECT_EQ((*packets)[0].data, "2[\"hello\"]");
  auto body = encode_payload(*packets);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, "42[\"hello\"]");
}

TEST(EngineioPayload, RejectsEmptyRecordsAndBadPackets) {
  struct sample { std::string body; std::string_view code; };
  for (const auto& [body, code] : {sample{"", errors::empty_packet},
                                   sample{"4a\x1e", errors::empty_packet},
                                   sample{"\x1e" "4a", errors::empty_packet},
                                   sample{"4a\x1e\x1e" "4b", errors::empty_packet},
                                   sample{"4a\x1e" "7b", errors::unknown_type},
                                   sample{"4a\x1e" "bA", errors::bad_base64},
                                   sample{"6:4hello", errors::unexpected_data},
                                   sample{"4a\x1e" "4\xff", errors::invalid_utf8}}) {
    auto packets = decode_payload(body);
    ASSERT_FALSE(packets) << "accepted a bad payload";
    EXPECT_EQ(packets.error().code, code);
  }
}

TEST(EngineioPayload, BoundsTheNumberOfPackets) {
  payload_limits limits{.max_packets = 3};
  EXPECT_TRUE(decode_payload("2\x1e" "2\x1e" "2", limits));
  auto too_many = decode_payload("2\x1e" "2\x1e" "2\x1e" "2", limits);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, errors::too_many_packets);
}

TEST(EngineioPayload, RefusesToEncodeTextHoldingTheSeparator) {
  std::vector<packet> packets{text_message("a\x1e" "4injected")};
  auto body = encode_payload(packets);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, errors::separator_in_data);
  // Binary data may hold the byte: it travels as base64.
  std::vector<packet> binary{binary_message("a\x1e")};
  EXPECT_TRUE(encode_payload(binary));
}

TEST(EngineioPayload, RandomPayloadsNeverCrashAndDecodedOnesRoundTrip) {
  static constexpr std::string_view alphabet = "0123456b=AQIDBA\x1e\x1e\x1ehello";
  std::mt19937 rng(7);  // fixed seed: a failure reproduces
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string body(rng() % 40, '\0');
    for (auto& c : body) c = (rng() % 5 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    core::result<std::vector<packet>> packets = core::bad_request("unset", "");
    ASSERT_NO_THROW(packets = decode_payload(body)) << i;
    if (!packets) continue;
    ++accepted;
    auto again = encode_payload(*packets);
    ASSERT_TRUE(again) << i;
    auto redecoded = decode_payload(*again);
    ASSERT_TRUE(redecoded) << i;
    EXPECT_EQ(*redecoded, *packets) << i;
  }
  EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace suda::realtime::engineio
