// The bus event format: what encode_event writes, that decode_event reads it back field by field, and that
// anything else is refused instead of misrouted.
#include "chat/events.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace suda::chat {
namespace {

namespace json = boost::json;

constexpr char room_id[] = "344b6a1e-0c52-4c2a-9a55-0f6b1e7d8c21";
constexpr char user_id[] = "0b6f2a9d-41e3-4f7a-8d0e-5c9b3a2e1f00";

TEST(Events, EncodeWritesTheHeaderLineThenTheJson) {
  json::object data{{"roomId", room_id}, {"userId", user_id}};
  std::string encoded = encode_event("typing", room_id, 0, user_id, "", data);
  EXPECT_EQ(encoded, std::string("typing\t") + room_id + "\t0\t" + user_id + "\t\n" +
                         R"({"roomId":")" + room_id + R"(","userId":")" + user_id + R"("})");
}

TEST(Events, AMessageEventRoundTrips) {
  json::object data{{"seq", 13}, {"message", "안녕\n\ttabs and newlines stay inside the JSON"}};
  std::string encoded = encode_event("message", room_id, 13, user_id, "", data);
  auto e = decode_event(encoded);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "message");
  EXPECT_EQ(e->room_id, room_id);
  EXPECT_EQ(e->seq, 13);
  EXPECT_EQ(e->user_id, user_id);
  EXPECT_EQ(e->action, "");
  EXPECT_EQ(json::parse(e->data), json::value(data));
}

TEST(Events, AMemberEventKeepsItsAction) {
  json::object data{{"roomId", room_id}, {"userId", user_id}, {"action", "leave"}};
  std::string encoded = encode_event("member", room_id, 0, user_id, "leave", data);
  auto e = decode_event(encoded);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "member");
  EXPECT_EQ(e->seq, 0);
  EXPECT_EQ(e->action, "leave");
  EXPECT_EQ(json::parse(e->data), json::value(data));
}

TEST(Events, LargeSeqsRoundTrip) {
  constexpr std::int64_t big = 9'007'199'254'740'993;  // past a double's exact integers
  std::string encoded = encode_event("message", room_id, big, user_id, "", json::object{});  // the views point in here
  auto e = decode_event(encoded);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->seq, big);
  EXPECT_EQ(e->data, "{}");
}

TEST(Events, EmptyFieldsAndAnEmptyBodyAreAllowed) {
  // A "presence" event has no action and seq 0; the header alone, with an empty body, is well formed too.
  auto e = decode_event("presence\troom\t0\tuser\t\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "presence");
  EXPECT_EQ(e->room_id, "room");
  EXPECT_EQ(e->user_id, "user");
  EXPECT_EQ(e->data, "");
}

TEST(Events, MalformedPayloadsAreRefused) {
  const std::vector<std::string> bad = {
      "",
      "message",
      "message\tr\t1\tu\t",                        // no newline: no body
      "message\tr\t1\tu\n{}",                      // three tabs
      "message\tr\t1\tu\tjoin\textra\n{}",         // five tabs
      "\tr\t1\tu\t\n{}",                           // no event name
      "message\tr\t\tu\t\n{}",                     // no seq
      "message\tr\tx\tu\t\n{}",                    // seq not a number
      "message\tr\t12a\tu\t\n{}",                  // trailing garbage after the seq
      "message\tr\t 1\tu\t\n{}",                   // leading space
      "message\tr\t+1\tu\t\n{}",                   // a sign from_chars does not take
      "message\tr\t99999999999999999999\tu\t\n{}",  // does not fit in 64 bits
      "\n{\"roomId\":\"r\"}",                      // a body without a header
  };
  for (const auto& payload : bad) EXPECT_FALSE(decode_event(payload)) << '"' << payload << '"';
}

TEST(Events, OnlyTheFirstNewlineEndsTheHeader) {
  auto e = decode_event("user\tr\t0\tu\t\n{\"a\":1}\n\t\t");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "{\"a\":1}\n\t\t");
}

TEST(Events, RoomAndUserChannelsAreDistinct) {
  EXPECT_EQ(room_channel("abc"), "room:abc");
  EXPECT_EQ(user_channel("abc"), "user:abc");
  EXPECT_NE(room_channel("abc"), user_channel("abc"));
}

store::message_record sample_message() {
  store::message_record m;
  m.id = "9d7c1f00-1111-4222-8333-444455556666";
  m.room_id = room_id;
  m.seq = 7;
  m.user_id = user_id;
  m.body = "hello";
  m.client_msg_id = "c-1";
  m.created_at = 1'700'000'000'000;
  return m;
}

TEST(Events, MessageDataCarriesTheMessageAndItsAuthor) {
  auto data = message_event_data(sample_message(), author_profile{"Kim", std::string("v1")});
  EXPECT_EQ(data.at("id").as_string(), "9d7c1f00-1111-4222-8333-444455556666");
  EXPECT_EQ(data.at("seq").as_int64(), 7);
  EXPECT_EQ(data.at("roomId").as_string(), room_id);
  EXPECT_EQ(data.at("userId").as_string(), user_id);
  EXPECT_EQ(data.at("message").as_string(), "hello");
  EXPECT_EQ(data.at("clientMsgId").as_string(), "c-1");
  const auto& author = data.at("author").as_object();
  EXPECT_EQ(author.at("id").as_string(), user_id);
  EXPECT_EQ(author.at("displayName").as_string(), "Kim");
  EXPECT_EQ(author.at("avatarUrl").as_string(), std::string("/api/users/") + user_id + "/avatar?v=v1");
}

TEST(Events, AnAuthorWithoutAvatarHasANullAvatarUrl) {
  auto data = message_event_data(sample_message(), author_profile{"Kim", std::nullopt});
  EXPECT_TRUE(data.at("author").as_object().at("avatarUrl").is_null());
}

}  // namespace
}  // namespace suda::chat
