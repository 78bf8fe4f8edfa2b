// chat::service on a real SQLite store: how authentication uses the session cache.
#include "chat/service.hpp"

#include "chat/events.hpp"
#include "unit/chat/service_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace suda::chat {
namespace {

using test_support::ServiceTest;
namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_F(ServiceTest, ALoggedInSessionIsAnsweredFromMemoryUntilTheTtl) {
  auto [alice, token] = log_in("alice");
  // Deleted behind the service's back (as another node would): only the cache can still answer.
  direct_->delete_session(core::hash_token(token));
  EXPECT_EQ(authenticate(token).value(), alice);
  skew_ = 60'000;  // the revocation made elsewhere is honoured once the entry's ttl ran out
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);
}

TEST_F(ServiceTest, ASessionReadFromTheStoreIsCachedAfterwards) {
  auto [alice, unused] = log_in("alice");
  const std::string token = core::new_token();
  direct_->create_session(core::hash_token(token), alice, core::now_ms(), core::now_ms() + 3'600'000);
  EXPECT_EQ(authenticate(token).value(), alice);  // a miss: read from the store
  direct_->delete_session(core::hash_token(token));
  EXPECT_EQ(authenticate(token).value(), alice);  // now a hit
}

TEST_F(ServiceTest, LogOutIsHonouredAtOnceAndOnlyForThatSession) {
  auto [alice, token] = log_in("alice");
  auto second = run([this]() -> asio::awaitable<std::string> {
    auto login = co_await service_->log_in("alice@example.com", "correct horse battery", "127.0.0.1");
    co_return login.value().token;
  });
  EXPECT_EQ(authenticate(token).value(), alice);
  EXPECT_EQ(authenticate(second).value(), alice);
  log_out(token);
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate(second).value(), alice);
}

TEST_F(ServiceTest, ALogOutCountsAsARevocationSoThatSocketsCheckTheirSessionsAgain) {
  auto [alice, token] = log_in("alice");
  const std::string hash = core::hash_token(token);
  const auto second = run([this]() -> asio::awaitable<std::string> {
    auto login = co_await service_->log_in("alice@example.com", "correct horse battery", "127.0.0.1");
    co_return login.value().token;
  });
  const auto before = service_->session_revocations();
  EXPECT_EQ(service_->session_revoked_since(hash, before), false);
  log_out(token);
  EXPECT_NE(service_->session_revocations(), before);
  EXPECT_EQ(service_->session_revoked_since(hash, before), true);
  EXPECT_EQ(service_->session_revoked_since(core::hash_token(second), before), false);
  auto checked = run([this, hash]() -> asio::awaitable<core::result<store::session_record>> {
    co_return co_await service_->session_by_hash(hash);
  });
  EXPECT_EQ(checked.error().kind, core::errc::unauthorized);
}

TEST_F(ServiceTest, ASessionCarriesItsExpiryFromTheStoreAndFromMemoryAlike) {
  auto [alice, token] = log_in("alice");  // the default lifetime: 30 days
  const auto read = [this](std::string t) {
    return run([this, t]() -> asio::awaitable<core::result<store::session_record>> {
      co_return co_await service_->session(t);
    });
  };
  const auto from_memory = read(token).value();
  EXPECT_EQ(from_memory.user_id, alice);
  const core::millis thirty_days = 30LL * 24 * 3600 * 1000;
  EXPECT_NEAR(static_cast<double>(from_memory.expires_at - core::now_ms()), static_cast<double>(thirty_days), 60'000.0);
  // A session the cache has not seen: read from the store, with the expiry it was stored with.
  const std::string other = core::new_token();
  const core::millis expires = core::now_ms() + 5'000;
  direct_->create_session(core::hash_token(other), alice, core::now_ms(), expires);
  EXPECT_EQ(read(other).value().expires_at, expires);
  direct_->delete_session(core::hash_token(other));  // now only the cache can answer, with the same expiry
  EXPECT_EQ(read(other).value().expires_at, expires);
}

TEST_F(ServiceTest, ALogOutOnAnotherNodeIsHonouredHereWhenTheBusTellsIt) {
  auto [alice, token] = log_in("alice");
  auto [bob, kept] = log_in("bob");
  const std::string hash = core::hash_token(token);
  // What another node's log out does: the row goes, and the token hash is published to every node.
  direct_->delete_session(hash);
  EXPECT_EQ(authenticate(token).value(), alice);  // still cached here: nothing told this node yet
  const auto before = service_->session_revocations();
  bus_->publish(std::string(ended_sessions_channel), std::make_shared<const std::string>(hash));
  EXPECT_NE(service_->session_revocations(), before);
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);  // at once, not after the ttl
  EXPECT_EQ(authenticate(kept).value(), bob);
}

TEST_F(ServiceTest, EndingExpiredSessionsDeletesThemAndTellsEveryNodeAndTheirSockets) {
  auto [alice, live] = log_in("alice");
  const auto now = core::now_ms();
  direct_->create_session("expired-1", alice, now - 2'000, now - 1'000);
  direct_->create_session("expired-2", alice, now - 2'000, now - 500);
  std::vector<std::string> ended_hashes;
  std::vector<std::string> user_events;
  auto on_ended = [&](const std::string&, const bus::payload& hash) { ended_hashes.push_back(*hash); };
  auto on_user = [&](const std::string&, const bus::payload& bytes) { user_events.push_back(*bytes); };
  auto ended_subscription = bus_->subscribe(std::string(ended_sessions_channel), on_ended);
  auto user_subscription = bus_->subscribe(user_channel(alice), on_user);

  auto ended = run([this]() -> asio::awaitable<core::result<std::size_t>> {
    co_return co_await service_->end_expired_sessions(100);
  });
  EXPECT_EQ(ended.value(), 2u);
  std::sort(ended_hashes.begin(), ended_hashes.end());
  EXPECT_EQ(ended_hashes, (std::vector<std::string>{"expired-1", "expired-2"}));
  ASSERT_EQ(user_events.size(), 2u);  // a "logout" on the user's channel for each: the hub ends their sockets
  for (const auto& bytes : user_events) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event, "logout");
    EXPECT_TRUE(e->action == "expired-1" || e->action == "expired-2") << e->action;
  }
  // The rows are gone (asked at a time when they were still valid), the live session stays.
  EXPECT_FALSE(direct_->find_session_user("expired-1", now - 1'500));
  EXPECT_EQ(authenticate(live).value(), alice);
  ended = run([this]() -> asio::awaitable<core::result<std::size_t>> {
    co_return co_await service_->end_expired_sessions(100);
  });
  EXPECT_EQ(ended.value(), 0u);
}

TEST_F(ServiceTest, AnUnknownOrMalformedTokenIsUnauthorized) {
  log_in("alice");
  EXPECT_EQ(authenticate(core::new_token()).error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate("").error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate(std::string(300, 'a')).error().kind, core::errc::unauthorized);
}

}  // namespace
}  // namespace suda::chat
