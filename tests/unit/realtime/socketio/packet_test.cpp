#include "realtime/socketio/packet.hpp"

#include "realtime/socketio/binary.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace suda::realtime::socketio {
namespace {

namespace json = boost::json;

packet decoded(std::string_view text) {
  auto p = decode(text);
  EXPECT_TRUE(p) << text << ": " << (p ? "" : p.error().code);
  return p ? *p : packet{};
}

std::string encoded(const packet& p) {
  auto text = encode(p);
  EXPECT_TRUE(text) << (text ? "" : text.error().code);
  return text ? *text : std::string();
}

// ---- The spec's examples, both ways ----

TEST(SocketioPacket, ConnectExamples) {
  auto plain = decoded("0");
  EXPECT_EQ(plain.type, packet_type::connect);
  EXPECT_EQ(plain.nsp, "/");
  EXPECT_TRUE(plain.data.is_null());
  EXPECT_FALSE(plain.id);
  EXPECT_EQ(encoded(plain), "0");

  auto with_sid = decoded(R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
  EXPECT_EQ(with_sid.data, json::parse(R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"));
  EXPECT_EQ(encoded(with_sid), R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");

  auto admin = decoded("0/admin,");
  EXPECT_EQ(admin.nsp, "/admin");
  EXPECT_TRUE(admin.data.is_null());
  EXPECT_EQ(encoded(admin), "0/admin,");

  auto auth = decoded(R"(0/admin,{"token":"123"})");
  EXPECT_EQ(auth.type, packet_type::connect);
  EXPECT_EQ(auth.nsp, "/admin");
  EXPECT_EQ(auth.data.at("token"), "123");
  EXPECT_EQ(encoded(auth), R"(0/admin,{"token":"123"})");
}

TEST(SocketioPacket, ConnectErrorExample) {
  auto refused = decoded(R"(4{"message":"Not authorized"})");
  EXPECT_EQ(refused.type, packet_type::connect_error);
  EXPECT_EQ(refused.data.at("message"), "Not authorized");
  EXPECT_EQ(encoded(refused), R"(4{"message":"Not authorized"})");
  // A plain string, as servers before v5 sent it, is accepted too.
  EXPECT_EQ(decoded(R"(4"Not authorized")").data, "Not authorized");
}

TEST(SocketioPacket, EventExamples) {
  auto hello = decoded(R"(2["hello",1])");
  EXPECT_EQ(hello.type, packet_type::event);
  EXPECT_EQ(hello.nsp, "/");
  EXPECT_FALSE(hello.id);
  EXPECT_EQ(hello.data, json::parse(R"(["hello",1])"));
  EXPECT_EQ(encoded(hello), R"(2["hello",1])");

  auto bye = decoded(R"(2/admin,["bye"])");
  EXPECT_EQ(bye.nsp, "/admin");
  EXPECT_EQ(bye.data.at(0), "bye");
  EXPECT_EQ(encoded(bye), R"(2/admin,["bye"])");

  auto with_id = decoded(R"(2/admin,13["foo"])");
  EXPECT_EQ(with_id.id, 13u);
  EXPECT_EQ(encoded(with_id), R"(2/admin,13["foo"])");

  auto id_zero = decoded(R"(20["foo"])");  // socket.io-client numbers its acks from 0
  EXPECT_EQ(id_zero.id, 0u);
  EXPECT_EQ(encoded(id_zero), R"(20["foo"])");
}

TEST(SocketioPacket, AckExamples) {
  auto empty = decoded("312[]");
  EXPECT_EQ(empty.type, packet_type::ack);
  EXPECT_EQ(empty.id, 12u);
  EXPECT_EQ(empty.data, json::array());
  EXPECT_EQ(encoded(empty), "312[]");

  auto bar = decoded(R"(3/admin,13["bar"])");
  EXPECT_EQ(bar.type, packet_type::ack);
  EXPECT_EQ(bar.nsp, "/admin");
  EXPECT_EQ(bar.id, 13u);
  EXPECT_EQ(bar.data, json::parse(R"(["bar"])"));
  EXPECT_EQ(encoded(bar), R"(3/admin,13["bar"])");
}

TEST(SocketioPacket, DisconnectExamples) {
  EXPECT_EQ(decoded("1").type, packet_type::disconnect);
  EXPECT_EQ(encoded(decoded("1")), "1");
  EXPECT_EQ(decoded("1/admin,").nsp, "/admin");
  EXPECT_EQ(encoded(decoded("1/admin,")), "1/admin,");
}

TEST(SocketioPacket, BinaryEventExamplesAnnounceTheirAttachments) {
  auto one = decoded(R"(51-["hello",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(one.type, packet_type::binary_event);
  EXPECT_EQ(one.attachment_count, 1u);
  EXPECT_TRUE(one.attachments.empty());  // they follow as binary frames
  EXPECT_EQ(placeholder_num(one.data.at(1)), 0u);

  auto two = decoded(R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(two.nsp, "/admin");
  EXPECT_EQ(two.attachment_count, 2u);

  auto with_id = decoded(R"(51-14["foo",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(with_id.id, 14u);

  auto binary_ack = decoded(R"(61-/admin,1[{"_placeholder":true,"num":0}])");
  EXPECT_EQ(binary_ack.type, packet_type::binary_ack);
  EXPECT_EQ(binary_ack.id, 1u);
  EXPECT_EQ(binary_ack.nsp, "/admin");
}

TEST(SocketioPacket, EncodesAttachmentsAsTheSpecShows) {
  packet p;
  p.type = packet_type::event;
  auto placeholder = attach(p, std::string("\x01\x02\x03\x04", 4));
  p.data = json::array{"baz", placeholder};
  EXPECT_EQ(encoded(p), R"(51-["baz",{"_placeholder":true,"num":0}])");

  packet two;
  two.nsp = "/admin";
  auto first = attach(two, "\x01\x02");
  auto second = attach(two, "\x03\x04");
  two.data = json::array{"baz", first, second};
  EXPECT_EQ(encoded(two), R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");

  packet ack;
  ack.type = packet_type::ack;
  ack.id = 15;
  auto blob = attach(ack, "\x01");
  ack.data = json::array{"bar", blob};
  EXPECT_EQ(encoded(ack), R"(61-15["bar",{"_placeholder":true,"num":0}])");
}

TEST(SocketioPacket, BinaryTypeWithoutAttachmentsIsSentAsItsPlainType) {
  packet p;
  p.type = packet_type::binary_event;
  p.data = json::array{"x"};
  EXPECT_EQ(encoded(p), R"(2["x"])");
  p.type = packet_type::binary_ack;
  p.id = 3;
  EXPECT_EQ(encoded(p), R"(33["x"])");
}

TEST(SocketioPacket, PlaceholdersMayAppearInAnyOrderAndDepth) {
  auto p = decoded(R"(52-["e",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}])");
  EXPECT_EQ(p.attachment_count, 2u);
}

TEST(SocketioPacket, PlaceholderShapedDataInAPlainEventIsJustData) {
  auto p = decoded(R"(2["e",{"_placeholder":true,"num":7}])");
  EXPECT_EQ(p.type, packet_type::event);
  EXPECT_EQ(attachment_at(p, p.data.at(1)), nullptr);  // nothing to resolve it to
}

TEST(SocketioPacket, KeepsUnicodeAndTheExplicitMainNamespace) {
  auto p = decoded(R"(2/,["수다","€"])");
  EXPECT_EQ(p.nsp, "/");
  EXPECT_EQ(encoded(p), R"(2["수다","€"])");
  auto room = decoded(R"(2/방,["x"])");
  EXPECT_EQ(room.nsp, "/방");
}

// ---- Malformed input ----

struct bad_case {
  std::string text;
  std::string_view code;
};

TEST(SocketioPacket, ANamespaceWithoutCommaRunsToTheEndAsTheReferenceParserReadsIt) {
  auto p = decode("0/custom");  // Engine.IO frame "40/custom"
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->nsp, "/custom");
  auto d = decode("1/custom");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->nsp, "/custom");
}

TEST(SocketioPacket, RejectsEveryMalformedPacketWithAClearCode) {
  const std::vector<bad_case> cases{
      {"", errors::empty_packet},
      {"7", errors::unknown_type},
      {"9[\"a\"]", errors::unknown_type},
      {"x", errors::unknown_type},
      {"[\"a\"]", errors::unknown_type},
      // attachments
      {"5[\"a\"]", errors::bad_attachments},
      {"5-[\"a\"]", errors::bad_attachments},
      {"51[\"a\"]", errors::bad_attachments},
      {"5a-[\"a\"]", errors::bad_attachments},
      {"501-[\"a\"]", errors::bad_attachments},  // leading zero
      {"511-[\"a\"]", errors::bad_attachments},  // over the default limit of 10
      {"59999999999999999999-[\"a\"]", errors::bad_attachments},
      {"51", errors::bad_attachments},
      // namespace
      {"2/admin[\"a\"]", errors::invalid_payload},  // no comma: the namespace takes the rest, no data left
      {"2/ad\x01min,[\"a\"]", errors::bad_namespace},
      {"2/a\xff,[\"a\"]", errors::bad_namespace},
      {"2/" + std::string(300, 'n') + ",[\"a\"]", errors::bad_namespace},
      // ack id
      {"2012[\"a\"]", errors::bad_ack_id},  // leading zero
      {"29007199254740992[\"a\"]", errors::bad_ack_id},  // 2^53: past what JavaScript counts exactly
      {"2123456789012345678[\"a\"]", errors::bad_ack_id},
      {"299999999999999999999999999[\"a\"]", errors::bad_ack_id},
      {"3[\"a\"]", errors::bad_ack_id},  // an ACK needs an id
      {"3/admin,[]", errors::bad_ack_id},
      {"01{}", errors::bad_ack_id},
      {"0/admin,1{}", errors::bad_ack_id},
      {"11", errors::bad_ack_id},
      {"41{\"message\":\"x\"}", errors::bad_ack_id},
      // JSON
      {"2[\"a\"", errors::invalid_json},
      {"2[\"a\"]x", errors::invalid_json},  // trailing garbage
      {"2[\"a\"],", errors::invalid_json},
      {"2[\"a\",]", errors::invalid_json},
      {"2[\"a\"]/*c*/", errors::invalid_json},
      {"2[\"\xff\"]", errors::invalid_json},
      {"2abc", errors::invalid_json},  // not an id, not JSON
      {"3/admin,x[]", errors::invalid_json},
      {"2" + std::string(33, '[') + std::string(33, ']'), errors::invalid_json},  // deeper than 32
      {"21-[\"a\"]", errors::invalid_json},  // attachments on a plain EVENT
      // payload per type
      {"2", errors::invalid_payload},
      {"2[]", errors::invalid_payload},
      {"2[1]", errors::invalid_payload},
      {"2{\"a\":1}", errors::invalid_payload},
      {"2\"a\"", errors::invalid_payload},
      {"2null", errors::invalid_payload},
      {"0null", errors::invalid_payload},
      {"0[]", errors::invalid_payload},
      {"0\"x\"", errors::invalid_payload},
      {"1{}", errors::invalid_payload},
      {"1/admin,[]", errors::invalid_payload},
      {"4", errors::invalid_payload},
      {"4[]", errors::invalid_payload},
      {"4 12", errors::invalid_payload},
      {"312", errors::invalid_payload},
      {"312{}", errors::invalid_payload},
      {"2[\"connect\"]", errors::reserved_event},
      {"2[\"disconnecting\",1]", errors::reserved_event},
      {"51-[\"newListener\",{\"_placeholder\":true,\"num\":0}]", errors::reserved_event},
      // placeholders
      {"51-[\"a\"]", errors::bad_placeholder},  // announced, never referenced
      {"51-[\"a\",{\"_placeholder\":true,\"num\":1}]", errors::bad_placeholder},
      {"52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":0}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":-1}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":0.0}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":0,\"x\":1}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":false,\"num\":0}]", errors::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true}]", errors::bad_placeholder},
      {"50-[\"a\",{\"_placeholder\":true,\"num\":0}]", errors::bad_placeholder},
  };
  for (const auto& [text, code] : cases) {
    auto p = decode(text);
    if (p) {
      ADD_FAILURE() << "accepted: " << text;
      continue;
    }
    EXPECT_EQ(p.error().code, code) << text;
    EXPECT_EQ(p.error().kind, core::errc::bad_request) << text;
  }
}

TEST(SocketioPacket, LimitsAreParameters) {
  std::string three = R"(53-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},)"
                      R"({"_placeholder":true,"num":2}])";
  EXPECT_TRUE(decode(three));
  auto limited = decode(three, decode_limits{.max_attachments = 2});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, errors::bad_attachments);

  std::string nested = R"(2["a",[[1]]])";  // depth 3
  EXPECT_TRUE(decode(nested, decode_limits{.max_json_depth = 3}));
  EXPECT_FALSE(decode(nested, decode_limits{.max_json_depth = 2}));

  EXPECT_TRUE(decode("0/abcd,", decode_limits{.max_namespace_bytes = 5}));
  EXPECT_FALSE(decode("0/abcde,", decode_limits{.max_namespace_bytes = 5}));
}

TEST(SocketioPacket, AcceptsTheLargestAckIdJavaScriptCounts) {
  auto p = decoded(R"(29007199254740991["a"])");
  EXPECT_EQ(p.id, max_ack_id);
  EXPECT_EQ(encoded(p), R"(29007199254740991["a"])");
}

// ---- Encoding refuses what decoding would refuse ----

TEST(SocketioPacket, EncodeRejectsInvalidPackets) {
  auto expect_code = [](const packet& p, std::string_view code) {
    auto text = encode(p);
    ASSERT_FALSE(text) << *text;
    EXPECT_EQ(text.error().code, code);
  };
  packet p;
  p.data = json::array{"ok"};
  p.nsp = "admin";
  expect_code(p, errors::bad_namespace);
  p.nsp = "/a,b";
  expect_code(p, errors::bad_namespace);
  p.nsp = "";
  expect_code(p, errors::bad_namespace);
  p.nsp = "/";
  p.id = max_ack_id + 1;
  expect_code(p, errors::bad_ack_id);
  p.id.reset();
  p.data = json::array{};
  expect_code(p, errors::invalid_payload);
  p.data = json::array{"disconnect"};
  expect_code(p, errors::reserved_event);

  packet ack;
  ack.type = packet_type::ack;
  ack.data = json::array{};
  expect_code(ack, errors::bad_ack_id);

  packet connect;
  connect.type = packet_type::connect;
  connect.data = json::array{};
  expect_code(connect, errors::invalid_payload);
  connect.data = json::object{};
  connect.attachments.push_back("x");
  expect_code(connect, errors::bad_attachments);

  packet unreferenced;
  unreferenced.attachments.push_back("x");
  unreferenced.data = json::array{"e"};
  expect_code(unreferenced, errors::bad_placeholder);

  packet eleven;
  json::array args{"e"};
  for (int i = 0; i < 11; ++i) args.push_back(attach(eleven, "x"));
  eleven.data = std::move(args);
  expect_code(eleven, errors::bad_attachments);
}

TEST(SocketioPacket, EveryTypeRoundTrips) {
  std::vector<packet> packets(7);
  packets[0] = {packet_type::connect, "/chat", std::nullopt, json::object{{"token", "t"}}, 0, {}};
  packets[1] = {packet_type::disconnect, "/chat", std::nullopt, nullptr, 0, {}};
  packets[2] = {packet_type::event, "/", 7, json::array{"message", json::object{{"seq", 1}}, nullptr, 2.5}, 0, {}};
  packets[3] = {packet_type::ack, "/x", 7, json::array{}, 0, {}};
  packets[4] = {packet_type::connect_error, "/", std::nullopt, json::object{{"message", "no"}}, 0, {}};
  packets[5] = {packet_type::binary_event, "/", std::nullopt, nullptr, 0, {}};
  packets[5].data = json::array{"up", attach(packets[5], std::string("\0\1", 2))};
  packets[6] = {packet_type::binary_ack, "/", 9, nullptr, 0, {}};
  packets[6].data = json::array{attach(packets[6], ""), attach(packets[6], "z")};
  for (const auto& p : packets) {
    auto text = encode(p);
    ASSERT_TRUE(text) << to_string(p.type) << ": " << text.error().code;
    auto back = decode(*text);
    ASSERT_TRUE(back) << *text;
    packet expected = p;
    expected.attachment_count = p.attachments.size();
    expected.attachments.clear();  // they travel as separate frames (binary_test covers the reassembly)
    EXPECT_EQ(*back, expected) << *text;
  }
}

// ---- The broadcast fast path ----

TEST(SocketioPacket, EncodeEventCopiesPreSerializedArgumentsVerbatim) {
  std::vector<std::string_view> args{"1"};
  EXPECT_EQ(encode_event("/", "hello", args).value(), R"(2["hello",1])");

  std::vector<std::string_view> two{R"({"id":"m1","seq":42})", R"("x")"};
  EXPECT_EQ(encode_event("/admin", "message", two, 13).value(), R"(2/admin,13["message",{"id":"m1","seq":42},"x"])");
  EXPECT_EQ(encode_event("/", "ping", {}).value(), R"(2["ping"])");
}

TEST(SocketioPacket, EncodeEventGivesTheSameBytesAsTheGeneralEncoder) {
  std::string stored = R"({"room":"r","seq":7,"body":"안녕 \"hi\""})";
  std::vector<std::string_view> args{stored};
  auto fast = encode_event("/", "message", args);
  ASSERT_TRUE(fast);
  packet p;
  p.data = json::array{"message", json::parse(stored)};
  EXPECT_EQ(*fast, encoded(p));
  EXPECT_EQ(decoded(*fast), p);
}

TEST(SocketioPacket, EncodeEventEscapesTheEventName) {
  auto text = encode_event("/", "he\"llo\\", {});
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, R"(2["he\"llo\\"])");
  EXPECT_EQ(decoded(*text).data.at(0), "he\"llo\\");
}

TEST(SocketioPacket, AppendEventBuildsTheEngineioFrameInOneBuffer) {
  std::string frame = "4";
  std::vector<std::string_view> args{"[1,2]"};
  ASSERT_TRUE(append_event(frame, "/", "nums", args));
  EXPECT_EQ(frame, R"(42["nums",[1,2]])");
}

TEST(SocketioPacket, AppendEventLeavesTheBufferUnchangedOnError) {
  std::string frame = "4";
  std::vector<std::string_view> empty_arg{""};
  auto reserved = append_event(frame, "/", "connect", {});
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error().code, errors::reserved_event);
  auto bad_nsp = append_event(frame, "nope", "e", {});
  ASSERT_FALSE(bad_nsp);
  EXPECT_EQ(bad_nsp.error().code, errors::bad_namespace);
  auto empty = append_event(frame, "/", "e", empty_arg);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, errors::invalid_payload);
  EXPECT_FALSE(append_event(frame, "/", "\xff", {}));
  EXPECT_FALSE(append_event(frame, "/", "e", {}, max_ack_id + 1));
  EXPECT_EQ(frame, "4");
}

// ---- Random input ----

// Mutates a valid packet (flip, insert, delete, truncate) or builds one from protocol characters, so that
// most inputs reach the deeper checks instead of failing on the first byte.
std::string random_input(std::mt19937& rng) {
  static const std::vector<std::string> seeds{
      R"(2["hello",1])", R"(2/admin,13["foo"])", R"(3/admin,13["bar"])", "0/admin,",
      R"(0{"token":"123"})", R"(4{"message":"Not authorized"})", "1/admin,",
      R"(51-["hello",{"_placeholder":true,"num":0}])",
      R"(62-/x,4[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])"};
  static constexpr std::string_view alphabet = "0123456789-/,[]{}\":_placeholdertruenum\xff\x01 ";
  if (rng() % 5 == 0) {
    std::string out(rng() % 30, '\0');
    for (auto& c : out) c = alphabet[rng() % alphabet.size()];
    return out;
  }
  std::string out = seeds[rng() % seeds.size()];
  for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !out.empty(); --edits) {
    std::size_t at = rng() % out.size();
    switch (rng() % 4) {
      case 0: out[at] = alphabet[rng() % alphabet.size()]; break;
      case 1: out.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      case 2: out.erase(at, 1); break;
      default: out.resize(at); break;
    }
  }
  return out;
}

TEST(SocketioPacket, RandomInputNeverCrashesAndWhatDecodesReencodesToTheSamePacket) {
  std::mt19937 rng(424242);  // fixed seed: a failure reproduces
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string input = random_input(rng);
    core::result<packet> p = core::bad_request("unset", "");
    ASSERT_NO_THROW(p = decode(input)) << input;
    if (!p) continue;
    ++accepted;
    // A decoded binary packet has no attachments yet; give it the announced ones to encode it again.
    packet whole = *p;
    for (std::size_t k = 0; k < whole.attachment_count; ++k) whole.attachments.push_back("b");
    auto text = encode(whole);
    ASSERT_TRUE(text) << input << ": " << text.error().code;
    auto again = decode(*text);
    ASSERT_TRUE(again) << *text;
    if (p->type == packet_type::binary_event && p->attachment_count == 0) continue;  // sent as EVENT
    if (p->type == packet_type::binary_ack && p->attachment_count == 0) continue;    // sent as ACK
    EXPECT_EQ(*again, *p) << input;
  }
  EXPECT_GT(accepted, 200);
}

}  // namespace
}  // namespace suda::realtime::socketio
