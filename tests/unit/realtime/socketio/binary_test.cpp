#include "realtime/socketio/binary.hpp"

#include "realtime/engineio/packet.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace suda::realtime::socketio {
namespace {

namespace json = boost::json;

const std::string bytes_1234("\x01\x02\x03\x04", 4);

TEST(SocketioBinary, PlaceholderHasTheWireShape) {
  EXPECT_EQ(json::serialize(make_placeholder(3)), R"({"_placeholder":true,"num":3})");
  EXPECT_EQ(placeholder_num(make_placeholder(3)), 3u);
  EXPECT_FALSE(placeholder_num(json::parse(R"({"_placeholder":true,"num":-1})")));
  EXPECT_FALSE(placeholder_num(json::parse(R"({"_placeholder":1,"num":0})")));
  EXPECT_FALSE(placeholder_num(json::parse(R"([0])")));
}

TEST(SocketioBinary, AttachAppendsTheBlobAndResolvesBack) {
  packet p;
  auto first = attach(p, "one");
  auto second = attach(p, "two");
  ASSERT_EQ(p.attachments.size(), 2u);
  ASSERT_NE(attachment_at(p, second), nullptr);
  EXPECT_EQ(*attachment_at(p, first), "one");
  EXPECT_EQ(*attachment_at(p, second), "two");
  EXPECT_EQ(attachment_at(p, make_placeholder(2)), nullptr);
  EXPECT_EQ(attachment_at(p, json::value("one")), nullptr);
}

TEST(SocketioBinary, CheckPlaceholdersWantsEachAttachmentExactlyOnce) {
  auto data = json::parse(R"(["e",{"_placeholder":true,"num":1},[{"_placeholder":true,"num":0}]])");
  EXPECT_TRUE(check_placeholders(data, 2));
  EXPECT_FALSE(check_placeholders(data, 3));  // one never referenced
  EXPECT_FALSE(check_placeholders(data, 1));  // num 1 out of range
  EXPECT_FALSE(check_placeholders(json::parse(R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"), 2));
  EXPECT_TRUE(check_placeholders(json::parse(R"(["e"])"), 0));
  // A count from a hand-built packet is not trusted to size anything.
  EXPECT_FALSE(check_placeholders(data, std::size_t(-1)));
}

TEST(SocketioBinary, CheckPlaceholdersHandlesValuesDeeperThanAnyParserAllows) {
  json::value deep = make_placeholder(0);
  for (int i = 0; i < 100000; ++i) deep = json::array{std::move(deep)};
  EXPECT_TRUE(check_placeholders(deep, 1));
  // Dismantle iteratively too: the recursive destructor of a 100000-deep value could overflow the stack.
  while (deep.is_array() && !deep.as_array().empty()) {
    json::value inner = std::move(deep.as_array()[0]);
    deep = std::move(inner);
  }
}

TEST(SocketioBinary, PlainPacketsComeBackAtOnce) {
  binary_reconstructor r;
  auto out = r.add_text(R"(2["hello",1])");
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->data.at(0), "hello");
  EXPECT_FALSE(r.awaiting_attachments());
}

TEST(SocketioBinary, ReassemblesTheSpecsBinaryEventFromEngineioFrames) {
  // The frames as a WebSocket delivers them: "451-[...]" as text, then the attachment as a binary frame.
  auto text_frame = engineio::decode_packet(R"(451-["hello",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(text_frame);
  ASSERT_EQ(text_frame->type, engineio::packet_type::message);
  auto binary_frame = engineio::decode_binary_frame(bytes_1234);

  binary_reconstructor r;
  auto first = r.add_text(text_frame->data);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->has_value());
  EXPECT_TRUE(r.awaiting_attachments());
  EXPECT_EQ(r.attachments_missing(), 1u);

  auto done = r.add_binary(binary_frame.data);
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->has_value());
  const packet& p = **done;
  EXPECT_EQ(p.type, packet_type::binary_event);
  EXPECT_EQ(p.data.at(0), "hello");
  ASSERT_NE(attachment_at(p, p.data.at(1)), nullptr);
  EXPECT_EQ(*attachment_at(p, p.data.at(1)), bytes_1234);
  EXPECT_FALSE(r.awaiting_attachments());

  // And back: the same text, followed by the same attachment.
  auto text = encode(p);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, R"(51-["hello",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(p.attachments, std::vector<std::string>{bytes_1234});
}

TEST(SocketioBinary, ReassemblesSeveralAttachmentsInFrameOrder) {
  binary_reconstructor r;
  ASSERT_TRUE(r.add_text(R"(62-/admin,15[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])"));
  auto one = r.add_binary("first");
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->has_value());
  EXPECT_EQ(r.attachments_missing(), 1u);
  auto two = r.add_binary("second");
  ASSERT_TRUE(two && two->has_value());
  const packet& p = **two;
  EXPECT_EQ(p.type, packet_type::binary_ack);
  EXPECT_EQ(p.id, 15u);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(*attachment_at(p, p.data.at(0)), "second");  // num 1 is the second frame
  EXPECT_EQ(*attachment_at(p, p.data.at(1)), "first");
}

TEST(SocketioBinary, ZeroAnnouncedAttachmentsCompleteAtOnce) {
  binary_reconstructor r;
  auto out = r.add_text(R"(50-["e"])");
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->has_value());
  EXPECT_FALSE(r.awaiting_attachments());
}

TEST(SocketioBinary, ABinaryFrameWithNothingAwaitedIsAnError) {
  binary_reconstructor r;
  auto out = r.add_binary(bytes_1234);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errors::unexpected_binary);
}

TEST(SocketioBinary, ATextFrameWhileAttachmentsAreAwaitedIsAnErrorAndDropsThePacket) {
  binary_reconstructor r;
  ASSERT_TRUE(r.add_text(R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"));
  ASSERT_TRUE(r.add_binary("a"));
  auto out = r.add_text(R"(2["e"])");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errors::expected_binary);
  EXPECT_FALSE(r.awaiting_attachments());
  // The stale attachment does not complete anything later.
  auto stray = r.add_binary("b");
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().code, errors::unexpected_binary);
}

TEST(SocketioBinary, CapsTheTotalBytesOfOnePacketsAttachments) {
  binary_reconstructor r(reconstructor_limits{.max_attachment_bytes = 5});
  ASSERT_TRUE(r.add_text(R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"));
  ASSERT_TRUE(r.add_binary("abc"));
  auto out = r.add_binary("def");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errors::attachments_too_large);
  EXPECT_EQ(out.error().kind, core::errc::payload_too_large);
  EXPECT_FALSE(r.awaiting_attachments());

  // Exactly at the cap is fine, and the next packet starts from zero again.
  ASSERT_TRUE(r.add_text(R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"));
  ASSERT_TRUE(r.add_binary("abc"));
  auto fits = r.add_binary("de");
  ASSERT_TRUE(fits);
  EXPECT_TRUE(fits->has_value());
}

TEST(SocketioBinary, RejectsBadPlaceholdersBeforeAnyAttachmentArrives) {
  binary_reconstructor r;
  for (std::string_view text : {R"(51-["e",{"_placeholder":true,"num":1}])",
                                R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])",
                                R"(52-["e",{"_placeholder":true,"num":0}])"}) {
    auto out = r.add_text(text);
    ASSERT_FALSE(out) << text;
    EXPECT_EQ(out.error().code, errors::bad_placeholder) << text;
    EXPECT_FALSE(r.awaiting_attachments());
  }
}

TEST(SocketioBinary, DecodeLimitsApplyToTheTextFrame) {
  binary_reconstructor r(reconstructor_limits{.decode = {.max_attachments = 1}});
  auto out = r.add_text(R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errors::bad_attachments);
}

TEST(SocketioBinary, HandBuiltPacketsAreCheckedToo) {
  binary_reconstructor r;
  packet huge;
  huge.type = packet_type::binary_event;
  huge.data = json::array{"e"};
  huge.attachment_count = 1000;
  auto out = r.add_packet(huge);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errors::bad_attachments);

  packet prefilled;
  prefilled.type = packet_type::binary_event;
  prefilled.data = json::array{"e", attach(prefilled, "x")};
  prefilled.attachment_count = 1;
  auto again = r.add_packet(prefilled);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errors::bad_attachments);
  EXPECT_FALSE(r.awaiting_attachments());
}

TEST(SocketioBinary, RandomFrameSequencesNeverCrashAndKeepTheStateConsistent) {
  static const std::vector<std::string> texts{
      R"(2["e"])", R"(51-["e",{"_placeholder":true,"num":0}])",
      R"(62-9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
      R"(53-["e",{"_placeholder":true,"num":2},{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
      R"(51-["e"])", "garbage", "0", R"(3[])"};
  std::mt19937 rng(99);  // fixed seed: a failure reproduces
  binary_reconstructor r(reconstructor_limits{.max_attachment_bytes = 64});
  int completed_binary = 0;
  for (int i = 0; i < 5000; ++i) {
    std::size_t missing_before = r.attachments_missing();
    core::result<std::optional<packet>> out = core::bad_request("unset", "");
    if (rng() % 2 == 0) {
      ASSERT_NO_THROW(out = r.add_binary(std::string(rng() % 40, 'x')));
    } else {
      std::string text = texts[rng() % texts.size()];
      if (rng() % 4 == 0 && !text.empty()) text[rng() % text.size()] = static_cast<char>(rng() % 256);
      ASSERT_NO_THROW(out = r.add_text(text));
    }
    EXPECT_EQ(r.awaiting_attachments(), r.attachments_missing() > 0);
    if (out && out->has_value()) {
      const packet& p = **out;
      EXPECT_EQ(p.attachments.size(), p.attachment_count);
      if (!p.attachments.empty()) {
        ++completed_binary;
        std::size_t total = 0;
        for (const auto& a : p.attachments) total += a.size();
        EXPECT_LE(total, 64u);
        EXPECT_EQ(missing_before, 1u);  // only the last awaited frame completes a packet
      }
    }
  }
  EXPECT_GT(completed_binary, 20);
}

}  // namespace
}  // namespace suda::realtime::socketio
