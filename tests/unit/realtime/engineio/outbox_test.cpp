#include "realtime/engineio/outbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace suda::realtime::engineio {
namespace {

outgoing text(std::string data) { return outgoing::message(text_frame(std::move(data))); }
outgoing binary(std::string data) { return outgoing::message(binary_frame(std::move(data))); }

TEST(outbox, take_returns_everything_in_push_order_and_empties_the_queue) {
  outbox box({10, 1000});
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued);
  EXPECT_EQ(box.push(outgoing::control(packet_type::ping)), outbox::push_result::queued);
  auto batch = box.take(false);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].view(), "a");
  EXPECT_EQ(batch[1].type, packet_type::ping);
  EXPECT_TRUE(box.take(false).empty());
}

TEST(outbox, an_idle_consumer_is_woken_by_the_first_push_only) {
  outbox box({10, 1000});
  EXPECT_TRUE(box.take(/*go_idle=*/true).empty());
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued_wake);
  EXPECT_EQ(box.push(text("b")), outbox::push_result::queued);  // one wake-up per burst
  EXPECT_EQ(box.take(true).size(), 2u);
}

TEST(outbox, take_into_swaps_storage_with_the_consumer_and_goes_idle_when_empty) {
  outbox box({10, 1000});
  std::vector<outgoing> batch;
  batch.reserve(8);
  const auto* consumer_storage = batch.data();
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued);
  EXPECT_EQ(box.push(text("b")), outbox::push_result::queued);
  box.take_into(batch, /*go_idle=*/true);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].view(), "a");
  EXPECT_EQ(batch[1].view(), "b");
  batch.clear();
  // The queue now pushes into the consumer's old storage: no allocation for the next batch.
  EXPECT_EQ(box.push(text("c")), outbox::push_result::queued);
  box.take_into(batch, true);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.data(), consumer_storage);
  batch.clear();
  box.take_into(batch, true);  // nothing: the consumer goes idle
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(box.push(text("d")), outbox::push_result::queued_wake);
}

TEST(outbox, release_spare_capacity_gives_back_an_empty_queues_storage_and_keeps_a_queued_packet) {
  outbox box({10, 1000});
  std::vector<outgoing> batch;
  batch.reserve(8);
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued);
  box.take_into(batch, true);  // the queue now holds the consumer's old storage, room for 8
  box.release_spare_capacity();
  EXPECT_EQ(box.push(text("b")), outbox::push_result::queued);
  box.release_spare_capacity();  // not empty: nothing is dropped
  std::vector<outgoing> next;
  box.take_into(next, true);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].view(), "b");
  EXPECT_LT(next.capacity(), 8u);  // allocated anew for "b", not the 8 it held before the release
}

outgoing broadcast(std::string data) {
  auto f = text_frame(std::move(data));
  f.may_linger = true;
  return outgoing::message(f);
}

TEST(outbox, a_lingering_consumer_leaves_broadcasts_queued_and_is_woken_only_by_an_answer) {
  outbox box({10, 1000});
  std::vector<outgoing> batch;
  EXPECT_EQ(box.push(broadcast("a")), outbox::push_result::queued);
  EXPECT_TRUE(box.take_into(batch, /*go_idle=*/true, /*may_linger=*/true));  // lingers: nothing handed out
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(box.push(broadcast("b")), outbox::push_result::queued);  // no wake-up for another broadcast
  EXPECT_EQ(box.push(text("answer")), outbox::push_result::queued_wake);
  EXPECT_EQ(box.push(text("another answer")), outbox::push_result::queued);  // one wake-up
  // An answer is queued: the consumer takes everything, in order, even if it may linger.
  EXPECT_FALSE(box.take_into(batch, true, true));
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].view(), "a");
  EXPECT_EQ(batch[1].view(), "b");
  EXPECT_EQ(batch[2].view(), "answer");
  EXPECT_EQ(batch[3].view(), "another answer");
}

TEST(outbox, a_consumer_that_may_not_linger_takes_broadcasts_at_once) {
  outbox box({10, 1000});
  std::vector<outgoing> batch;
  EXPECT_EQ(box.push(broadcast("a")), outbox::push_result::queued);
  EXPECT_FALSE(box.take_into(batch, true, /*may_linger=*/false));
  ASSERT_EQ(batch.size(), 1u);
  batch.clear();
  // After a batch was handed out, answers no longer count: the next broadcasts may linger again.
  EXPECT_EQ(box.push(broadcast("b")), outbox::push_result::queued);
  EXPECT_TRUE(box.take_into(batch, true, true));
  EXPECT_TRUE(batch.empty());
  // Control packets never linger.
  EXPECT_EQ(box.push_control(outgoing::control(packet_type::ping)), outbox::push_result::queued_wake);
  EXPECT_FALSE(box.take_into(batch, true, true));
  EXPECT_EQ(batch.size(), 2u);
}

TEST(outbox, lingering_ends_with_the_queue_when_it_is_cleared) {
  outbox box({10, 1000});
  std::vector<outgoing> batch;
  EXPECT_EQ(box.push(broadcast("a")), outbox::push_result::queued);
  EXPECT_TRUE(box.take_into(batch, true, true));
  box.clear();
  EXPECT_EQ(box.push(text("late")), outbox::push_result::closed);
  EXPECT_FALSE(box.take_into(batch, true, true));
  EXPECT_TRUE(batch.empty());
}

TEST(outbox, a_push_over_the_packet_bound_is_refused_once_then_the_outbox_is_closed) {
  outbox box({2, 1000});
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued);
  EXPECT_EQ(box.push(text("b")), outbox::push_result::queued);
  EXPECT_EQ(box.push(text("c")), outbox::push_result::over_limit);
  EXPECT_EQ(box.push(text("d")), outbox::push_result::closed);
  EXPECT_FALSE(box.is_open());
  EXPECT_EQ(box.take(false).size(), 2u);  // what was accepted stays
}

TEST(outbox, the_byte_bound_counts_the_data_and_the_type) {
  outbox box({100, 10});
  EXPECT_EQ(box.push(text("12345678")), outbox::push_result::queued);  // 9 bytes
  EXPECT_EQ(box.push(text("9")), outbox::push_result::over_limit);     // 11 > 10
}

TEST(outbox, push_of_several_packets_is_all_or_nothing) {
  outbox box({3, 1000});
  EXPECT_EQ(box.push(text("a")), outbox::push_result::queued);
  const std::vector<outgoing> three{text("b"), binary("c"), binary("d")};
  EXPECT_EQ(box.push(three), outbox::push_result::over_limit);
  EXPECT_EQ(box.take(false).size(), 1u);
}

TEST(outbox, control_packets_follow_a_close_but_messages_do_not) {
  outbox box({10, 1000});
  box.close();
  EXPECT_EQ(box.push(text("a")), outbox::push_result::closed);
  EXPECT_EQ(box.push_control(outgoing::control(packet_type::close)), outbox::push_result::queued);
  EXPECT_EQ(box.take(false).size(), 1u);
}

TEST(outbox, clear_drops_the_queue_and_refuses_more) {
  outbox box({10, 1000});
  box.push(text("a"));
  box.clear();
  EXPECT_TRUE(box.take(false).empty());
  EXPECT_EQ(box.push(text("b")), outbox::push_result::closed);
}

TEST(polling_payload, joins_packets_with_the_separator_and_binary_as_base64) {
  const std::vector<outgoing> packets{text("hello"), binary(std::string("\x01\x02\x03\x04", 4)),
                                      outgoing::control(packet_type::ping), outgoing::control(packet_type::pong, "probe")};
  EXPECT_EQ(encode_polling_payload(packets), std::optional<std::string>("4hello\x1e" "bAQIDBA==\x1e" "2\x1e" "3probe"));
}

TEST(polling_payload, refuses_text_holding_the_separator) {
  const std::vector<outgoing> packets{text("a\x1e" "b")};
  EXPECT_EQ(encode_polling_payload(packets), std::nullopt);
}

TEST(polling_payload, binary_bytes_may_hold_the_separator) {
  const std::vector<outgoing> packets{binary("\x1e")};
  EXPECT_EQ(encode_polling_payload(packets), std::optional<std::string>("bHg=="));
}

}  // namespace
}  // namespace suda::realtime::engineio
