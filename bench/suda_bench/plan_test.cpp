#include "plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace suda::bench {
namespace {

TEST(Plan, OneUserPerClientGivesDisjointRooms) {
  const auto p = make_plan(plan_input{20, 0, 2, 10, 2, 0});
  EXPECT_EQ(p.users, 20u);
  ASSERT_EQ(p.room_users.size(), 2u);
  EXPECT_EQ(p.room_users[0], (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(p.room_clients[1].size(), 10u);
  EXPECT_EQ(p.expected_deliveries, (std::vector<std::uint32_t>{10, 10}));
  ASSERT_EQ(p.senders.size(), 2u);
  EXPECT_EQ(p.senders[0].room, 0u);
  EXPECT_EQ(p.senders[1].room, 1u);
}

TEST(Plan, SharedUsersPutEverySocketOfAMemberInTheRoom) {
  // 1000 sockets over 20 users: a room of 20 users reaches all 1000 sockets.
  const auto p = make_plan(plan_input{1000, 20, 1, 20, 8, 0});
  EXPECT_EQ(p.users, 20u);
  EXPECT_EQ(p.room_clients[0].size(), 1000u);
  EXPECT_EQ(p.expected_deliveries[0], 1000u);
  EXPECT_EQ(p.client_user[999], 999u % 20);
}

TEST(Plan, SlowClientsAreNotExpectedToReceiveAndNeverSend) {
  const auto p = make_plan(plan_input{100, 0, 10, 10, 30, 0.1});
  EXPECT_EQ(std::count(p.slow.begin(), p.slow.end(), true), 10);
  std::uint32_t expected = 0;
  for (auto e : p.expected_deliveries) expected += e;
  EXPECT_EQ(expected, 90u);
  EXPECT_EQ(p.senders.size(), 30u);
  std::set<std::size_t> distinct;
  for (const auto& s : p.senders) {
    EXPECT_FALSE(p.slow[s.client]);
    EXPECT_TRUE(distinct.insert(s.client).second);
  }
}

TEST(Plan, SendersStopWhenRoomsRunOutOfReaders) {
  const auto p = make_plan(plan_input{4, 0, 2, 2, 100, 0});
  EXPECT_EQ(p.senders.size(), 4u);
}

TEST(Plan, NoRoomsMeansNoSenders) {
  const auto p = make_plan(plan_input{10, 0, 0, 0, 5, 0});
  EXPECT_TRUE(p.senders.empty());
  EXPECT_TRUE(p.room_users.empty());
}

}  // namespace
}  // namespace suda::bench
