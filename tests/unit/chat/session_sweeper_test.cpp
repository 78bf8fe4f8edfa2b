// chat::session_sweeper: expired sessions are ended now and then again every interval, and stop() lets the
// executor's run() return.
#include "chat/session_sweeper.hpp"

#include "unit/chat/service_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace suda::chat {
namespace {

using test_support::ServiceTest;
using namespace std::chrono_literals;

using SessionSweeperTest = ServiceTest;

// Waits (bounded) until the sweeper has ended `count` sessions in all.
bool wait_for_ended(const session_sweeper& sweeper, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + test_support::patience;
  while (sweeper.ended() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST_F(SessionSweeperTest, SweepsAtOnceAndThenEveryInterval) {
  auto [alice, live] = log_in("alice");
  const auto now = core::now_ms();
  direct_->create_session("expired-before-start", alice, now - 2'000, now - 1'000);
  session_sweeper sweeper(ioc_.get_executor(), *service_, 20ms);
  sweeper.start();
  ASSERT_TRUE(wait_for_ended(sweeper, 1));
  EXPECT_FALSE(direct_->find_session_user("expired-before-start", now - 1'500));
  // A session that runs out later is swept by a later round.
  direct_->create_session("expired-later", alice, now, core::now_ms() + 50);
  ASSERT_TRUE(wait_for_ended(sweeper, 2));
  EXPECT_FALSE(direct_->find_session_user("expired-later", now));
  EXPECT_EQ(authenticate(live).value(), alice);  // the live session is untouched
  EXPECT_EQ(sweeper.ended(), 2u);
  sweeper.stop();
}

TEST_F(SessionSweeperTest, StopEndsTheWaitSoTheExecutorsRunReturns) {
  boost::asio::io_context own;  // no work guard: run() returns once the sweeper has nothing left to wait for
  session_sweeper sweeper(own.get_executor(), *service_, std::chrono::hours(1));
  sweeper.start();
  sweeper.stop();
  std::thread running([&] { own.run(); });
  running.join();  // without stop(), this would wait for the hour (and the test would time out)
  EXPECT_TRUE(own.stopped());
}

}  // namespace
}  // namespace suda::chat
