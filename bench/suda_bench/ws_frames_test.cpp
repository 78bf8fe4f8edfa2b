#include "ws_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace suda::bench {
namespace {

// A server frame as the wire carries it: the header bytes given, then the payload.
std::string frame(std::initializer_list<unsigned char> header, std::string_view payload) {
  std::string out;
  for (unsigned char b : header) out.push_back(static_cast<char>(b));
  out.append(payload);
  return out;
}

struct collected {
  ws_opcode opcode;
  std::string payload;
  friend bool operator==(const collected&, const collected&) = default;
};

// Feeds `bytes` once and copies out what the parser handed out (views die with the next call).
std::size_t feed_all(ws_parser& parser, std::string_view bytes, std::vector<collected>& out) {
  return parser.feed(bytes, [&](const ws_message& m) {
    out.push_back({m.opcode, std::string(m.payload)});
    return true;
  });
}

TEST(WsFrames, SevenBitLength) {
  ws_parser parser;
  std::vector<collected> got;
  const auto bytes = frame({0x81, 0x05}, "hello");
  EXPECT_EQ(feed_all(parser, bytes, got), 7u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (collected{ws_opcode::text, "hello"}));
  EXPECT_FALSE(parser.failed());
}

TEST(WsFrames, SixteenBitLength) {
  ws_parser parser;
  std::vector<collected> got;
  const std::string payload(300, 'a');
  const auto bytes = frame({0x81, 126, 0x01, 0x2C}, payload);  // 300 = 0x012C
  EXPECT_EQ(feed_all(parser, bytes, got), 304u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, payload);
}

TEST(WsFrames, SixtyFourBitLength) {
  ws_parser parser;
  std::vector<collected> got;
  std::string payload(70000, 'b');  // 70000 = 0x011170
  payload.back() = 'z';
  const auto bytes = frame({0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70}, payload);
  EXPECT_EQ(feed_all(parser, bytes, got), 70010u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].opcode, ws_opcode::binary);
  EXPECT_EQ(got[0].payload.size(), 70000u);
  EXPECT_EQ(got[0].payload.back(), 'z');
}

TEST(WsFrames, NonMinimalLengthsAreRejected) {
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x81, 126, 0x00, 0x05}, "hello"), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::bad_length);
  }
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x81, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x2C}, std::string(300, 'a')), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::bad_length);
  }
}

TEST(WsFrames, SeveralFramesInOneBufferAndAPartialOneLeft) {
  ws_parser parser;
  std::vector<collected> got;
  const auto whole = frame({0x81, 0x02}, "42") + frame({0x89, 0x01}, "p") + frame({0x81, 0x00}, "") +
                     frame({0x8A, 0x00}, "") + frame({0x81, 0x03}, "abc");
  const auto bytes = whole + frame({0x81, 0x04}, "de");  // a text frame of 4 bytes, 2 of them here
  EXPECT_EQ(feed_all(parser, bytes, got), whole.size());
  const std::vector<collected> expected{{ws_opcode::text, "42"},
                                        {ws_opcode::ping, "p"},
                                        {ws_opcode::text, ""},
                                        {ws_opcode::pong, ""},
                                        {ws_opcode::text, "abc"}};
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(parser.failed());
}

TEST(WsFrames, StopsWhereTheCallbackSaysStop) {
  ws_parser parser;
  const auto bytes = frame({0x88, 0x02}, "\x03\xE8") + frame({0x81, 0x01}, "x");
  int calls = 0;
  const auto used = parser.feed(bytes, [&](const ws_message& m) {
    ++calls;
    EXPECT_EQ(m.opcode, ws_opcode::close);
    return false;
  });
  EXPECT_EQ(used, 4u);
  EXPECT_EQ(calls, 1);
}

TEST(WsFrames, AFrameSplitAtEveryByteBoundary) {
  const std::string payload(200, 'q');  // 16-bit length: the split also falls inside the extended length
  const auto first = frame({0x81, 126, 0x00, 0xC8}, payload);
  const auto second = frame({0x81, 0x03}, "end");
  const auto bytes = first + second;
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    ws_parser parser;
    std::vector<collected> got;
    // The caller's part: keep what was not consumed and feed it again with the rest behind it.
    std::string held = bytes.substr(0, split);
    held.erase(0, feed_all(parser, held, got));
    held += bytes.substr(split);
    held.erase(0, feed_all(parser, held, got));
    EXPECT_TRUE(held.empty());
    const std::vector<collected> expected{{ws_opcode::text, payload}, {ws_opcode::text, "end"}};
    EXPECT_EQ(got, expected);
    EXPECT_FALSE(parser.failed());
  }
}

TEST(WsFrames, FragmentedTextWithAPingBetween) {
  ws_parser parser;
  std::vector<collected> got;
  const auto bytes = frame({0x01, 0x03}, "Hel") + frame({0x89, 0x02}, "hi") + frame({0x00, 0x02}, "lo") +
                     frame({0x80, 0x06}, " world") + frame({0x81, 0x01}, "!");
  EXPECT_EQ(feed_all(parser, bytes, got), bytes.size());
  const std::vector<collected> expected{
      {ws_opcode::ping, "hi"}, {ws_opcode::text, "Hello world"}, {ws_opcode::text, "!"}};
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(parser.failed());
}

TEST(WsFrames, ContinuationsOutOfSequenceAreRejected) {
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x80, 0x01}, "x"), got), 0u);  // nothing to continue
    EXPECT_EQ(parser.error(), ws_error::bad_continuation);
  }
  {
    ws_parser parser;
    std::vector<collected> got;
    const auto bytes = frame({0x01, 0x01}, "a") + frame({0x81, 0x01}, "b");  // a new message mid-message
    EXPECT_EQ(feed_all(parser, bytes, got), 3u);
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(parser.error(), ws_error::bad_continuation);
  }
}

TEST(WsFrames, MaskedServerFrameIsRejected) {
  ws_parser parser;
  std::vector<collected> got;
  EXPECT_EQ(feed_all(parser, frame({0x81, 0x82, 1, 2, 3, 4}, "ab"), got), 0u);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(parser.error(), ws_error::masked);
  // Errors are final: a good frame afterwards is not handed out.
  EXPECT_EQ(feed_all(parser, frame({0x81, 0x01}, "x"), got), 0u);
  EXPECT_TRUE(got.empty());
}

TEST(WsFrames, ReservedBitsAreRejected) {
  for (unsigned char rsv : {0x40, 0x20, 0x10}) {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({static_cast<unsigned char>(0x81 | rsv), 0x01}, "x"), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::reserved_bits) << "rsv " << int{rsv};
  }
}

TEST(WsFrames, UnknownOpcodesAndBadControlFramesAreRejected) {
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x83, 0x00}, ""), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::bad_opcode);
  }
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x09, 0x00}, ""), got), 0u);  // a ping without FIN
    EXPECT_EQ(parser.error(), ws_error::bad_control);
  }
  {
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x89, 126, 0x00, 0x7E}, std::string(126, 'p')), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::bad_control);
  }
}

TEST(WsFrames, OversizeIsRejectedFromTheHeader) {
  {
    ws_parser parser(1000);
    std::vector<collected> got;
    // Only the header: the refusal must not wait for 1001 bytes of payload.
    EXPECT_EQ(feed_all(parser, frame({0x81, 126, 0x03, 0xE9}, ""), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::too_big);
  }
  {
    ws_parser parser(1000);
    std::vector<collected> got;
    const auto exact = frame({0x81, 126, 0x03, 0xE8}, std::string(1000, 'k'));
    EXPECT_EQ(feed_all(parser, exact, got), exact.size());
    EXPECT_EQ(got.size(), 1u);
    EXPECT_FALSE(parser.failed());
  }
  {
    // Fragments: each one small, the sum over the limit.
    ws_parser parser(1000);
    std::vector<collected> got;
    const auto bytes = frame({0x01, 126, 0x01, 0xF4}, std::string(500, 'a')) +
                       frame({0x00, 126, 0x01, 0xF4}, std::string(500, 'b')) + frame({0x80, 0x01}, "c");
    EXPECT_EQ(feed_all(parser, bytes, got), 1008u);
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(parser.error(), ws_error::too_big);
  }
  {
    // The default limit is 1 MiB, as Beast's read_message_max was.
    ws_parser parser;
    std::vector<collected> got;
    EXPECT_EQ(feed_all(parser, frame({0x81, 127, 0, 0, 0, 0, 0, 0x10, 0x00, 0x01}, ""), got), 0u);
    EXPECT_EQ(parser.error(), ws_error::too_big);
  }
}

// Undoes the client's masking and checks its header: what a server does with the frame.
struct unmasked {
  std::uint8_t b0 = 0;
  std::size_t header = 0;
  std::string payload;
};

unmasked unmask(const std::string& wire, std::uint32_t expected_key) {
  unmasked out;
  out.b0 = static_cast<std::uint8_t>(wire.at(0));
  const auto b1 = static_cast<std::uint8_t>(wire.at(1));
  EXPECT_EQ(b1 & 0x80, 0x80) << "MASK bit";
  std::uint64_t length = b1 & 0x7F;
  std::size_t pos = 2;
  const std::size_t extra = length == 126 ? 2 : length == 127 ? 8 : 0;
  if (extra) {
    length = 0;
    for (std::size_t i = 0; i < extra; ++i) length = (length << 8) | static_cast<std::uint8_t>(wire.at(pos++));
  }
  unsigned char key[4];
  for (auto& k : key) k = static_cast<unsigned char>(wire.at(pos++));
  EXPECT_EQ((std::uint32_t{key[0]} << 24) | (std::uint32_t{key[1]} << 16) | (std::uint32_t{key[2]} << 8) | key[3],
            expected_key);
  out.header = pos;
  EXPECT_EQ(wire.size() - pos, length);
  for (std::size_t i = 0; pos + i < wire.size(); ++i)
    out.payload.push_back(static_cast<char>(static_cast<unsigned char>(wire[pos + i]) ^ key[i % 4]));
  return out;
}

TEST(WsFrames, ClientFrameRoundTrip) {
  std::string wire;
  append_client_frame(wire, ws_opcode::text, "42[\"message\"]", 0x11223344);
  ASSERT_EQ(wire.size(), 2u + 4 + 13);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[0]), 0x81);  // FIN, text
  EXPECT_EQ(static_cast<std::uint8_t>(wire[1]), 0x80 | 13);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[6]), '4' ^ 0x11);  // masked with the key's first byte
  EXPECT_EQ(static_cast<std::uint8_t>(wire[7]), '2' ^ 0x22);
  const auto text = unmask(wire, 0x11223344);
  EXPECT_EQ(text.header, 6u);
  EXPECT_EQ(text.payload, "42[\"message\"]");
}

TEST(WsFrames, ClientFrameLengthsAndOpcodes) {
  std::string wire;
  const std::string medium(4000, 'm');
  append_client_frame(wire, ws_opcode::text, medium, 0xDEADBEEF);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[1]), 0x80 | 126);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[2]), 0x0F);  // 4000 = 0x0FA0
  EXPECT_EQ(static_cast<std::uint8_t>(wire[3]), 0xA0);
  auto got = unmask(wire, 0xDEADBEEF);
  EXPECT_EQ(got.header, 8u);
  EXPECT_EQ(got.payload, medium);

  wire.clear();
  const std::string large(70000, 'L');
  append_client_frame(wire, ws_opcode::binary, large, 7);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[0]), 0x82);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[1]), 0x80 | 127);
  got = unmask(wire, 7);
  EXPECT_EQ(got.header, 14u);
  EXPECT_EQ(got.payload, large);

  // Appends: a pong and a close (status 1000) behind whatever the string held.
  wire = "prefix";
  append_client_frame(wire, ws_opcode::pong, "", 0);
  append_client_frame(wire, ws_opcode::close, std::string_view("\x03\xE8", 2), 0x01020304);
  ASSERT_EQ(wire.size(), 6u + 6 + 8);
  EXPECT_EQ(wire.substr(0, 6), "prefix");
  EXPECT_EQ(static_cast<std::uint8_t>(wire[6]), 0x8A);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[7]), 0x80);
  const auto close = unmask(wire.substr(12), 0x01020304);
  EXPECT_EQ(close.b0, 0x88);
  EXPECT_EQ(close.payload, std::string_view("\x03\xE8", 2));
}

TEST(WsFrames, MaskKeysVary) {
  const auto a = next_mask_key(), b = next_mask_key(), c = next_mask_key();
  EXPECT_FALSE(a == b && b == c);
}

}  // namespace
}  // namespace suda::bench
