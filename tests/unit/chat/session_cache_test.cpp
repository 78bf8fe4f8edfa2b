#include "chat/session_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace suda::chat {
namespace {

using namespace std::chrono_literals;

constexpr core::millis t0 = 1'700'000'000'000;
constexpr core::millis far_future = t0 + 1'000'000'000;

// A cache on a clock the test moves by hand.
class SessionCacheTest : public ::testing::Test {
 protected:
  session_cache make(std::size_t capacity = 100, std::chrono::milliseconds ttl = 60s) {
    return session_cache(session_cache_options{capacity, ttl, [this] { return now_.load(); }});
  }
  static store::session_record session(std::string user, core::millis expires_at = far_future) {
    return store::session_record{std::move(user), expires_at};
  }

  std::atomic<core::millis> now_{t0};
};

// The user of the session the cache answers for this hash, if it answers.
std::optional<std::string> user_in(session_cache& cache, std::string_view token_hash) {
  auto session = cache.find_session(token_hash);
  if (!session) return std::nullopt;
  return session->user_id;
}

TEST_F(SessionCacheTest, AStoredSessionIsFoundWithItsUser) {
  auto cache = make();
  cache.put("h1", session("alice"), cache.revocations());
  EXPECT_EQ(user_in(cache, "h1"), "alice");
  EXPECT_EQ(user_in(cache, "h1"), "alice");  // a hit keeps the entry
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(SessionCacheTest, AFoundSessionCarriesTheSessionsExpiryNotTheEntrys) {
  auto cache = make(100, 60s);
  cache.put("h1", session("alice", t0 + 3'600'000), cache.revocations());  // expires after the 60 s ttl
  auto found = cache.find_session("h1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "alice");
  EXPECT_EQ(found->expires_at, t0 + 3'600'000);
  cache.put("h1", session("alice", t0 + 7'200'000), cache.revocations());  // put again: the new expiry
  EXPECT_EQ(cache.find_session("h1")->expires_at, t0 + 7'200'000);
}

TEST_F(SessionCacheTest, RevokedSinceTellsWhetherASessionWasAmongTheRevocationsAfterACount) {
  auto cache = make();
  const auto start = cache.revocations();
  EXPECT_EQ(cache.revoked_since("h1", start), false);  // nothing revoked since
  cache.revoke("h1");
  cache.revoke("h2");
  EXPECT_EQ(cache.revoked_since("h1", start), true);
  EXPECT_EQ(cache.revoked_since("h3", start), false);
  EXPECT_EQ(cache.revoked_since("h1", start + 1), false);  // h1 was the first of the two: before start + 1
  EXPECT_EQ(cache.revoked_since("h2", start + 1), true);
  EXPECT_EQ(cache.revoked_since("h2", cache.revocations()), false);
}

TEST_F(SessionCacheTest, RevokedSinceCannotSayOnceMoreRevocationsHappenedThanItKeeps) {
  auto cache = make();
  const auto start = cache.revocations();
  cache.revoke("early");
  for (std::size_t i = 0; i < session_cache::recent_revocations_kept; ++i) cache.revoke("h" + std::to_string(i));
  EXPECT_EQ(cache.revoked_since("early", start), std::nullopt);  // forgotten: the caller must ask the store
  EXPECT_EQ(cache.revoked_since("early", start + 1), false);     // the last ones are all still known
  EXPECT_EQ(cache.revoked_since("h0", start + 1), true);
}

TEST_F(SessionCacheTest, AnUnknownTokenHashIsAMiss) {
  auto cache = make();
  cache.put("h1", session("alice"), cache.revocations());
  EXPECT_FALSE(user_in(cache, "h2"));
  EXPECT_FALSE(user_in(cache, ""));
}

TEST_F(SessionCacheTest, AnEntryIsForgottenWhenItsTtlRunsOut) {
  auto cache = make(100, 60s);
  cache.put("h1", session("alice"), cache.revocations());
  now_ = t0 + 59'999;
  EXPECT_EQ(user_in(cache, "h1"), "alice");  // a hit does not extend the ttl: it counts from put()
  now_ = t0 + 60'000;
  EXPECT_FALSE(user_in(cache, "h1"));
  EXPECT_EQ(cache.size(), 0u);  // the stale entry is dropped, not kept
  now_ = t0;
  EXPECT_FALSE(user_in(cache, "h1"));  // gone for good, even if the clock steps back
}

TEST_F(SessionCacheTest, AnEntryIsForgottenWhenItsSessionExpiresBeforeTheTtl) {
  auto cache = make(100, 60s);
  cache.put("h1", session("alice", t0 + 1000), cache.revocations());
  now_ = t0 + 999;
  EXPECT_EQ(user_in(cache, "h1"), "alice");
  now_ = t0 + 1000;  // the session's expires_at is the first instant it is invalid, as in the store
  EXPECT_FALSE(user_in(cache, "h1"));
}

TEST_F(SessionCacheTest, AnAlreadyExpiredSessionIsNotStored) {
  auto cache = make();
  cache.put("h1", session("alice", t0), cache.revocations());
  EXPECT_FALSE(user_in(cache, "h1"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(SessionCacheTest, RevokeForgetsTheSessionAtOnce) {
  auto cache = make();
  cache.put("h1", session("alice"), cache.revocations());
  cache.put("h2", session("alice"), cache.revocations());
  cache.revoke("h1");
  EXPECT_FALSE(user_in(cache, "h1"));
  EXPECT_EQ(user_in(cache, "h2"), "alice");  // the user's other sessions stay
  cache.revoke("h1");                    // twice, or an unknown hash: harmless
  cache.revoke("never-seen");
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(SessionCacheTest, AReadThatStartedBeforeARevocationCannotPutTheSessionBack) {
  auto cache = make();
  const auto ticket = cache.revocations();  // a store read starts, and finds the session...
  cache.revoke("h1");                       // ...while a log out deletes it
  cache.put("h1", session("alice"), ticket);
  EXPECT_FALSE(user_in(cache, "h1"));
  // A read that starts after the revocation stores what it found.
  cache.put("h1", session("alice"), cache.revocations());
  EXPECT_EQ(user_in(cache, "h1"), "alice");
}

TEST_F(SessionCacheTest, PuttingAgainRefreshesTheEntry) {
  auto cache = make(100, 60s);
  cache.put("h1", session("alice"), cache.revocations());
  now_ = t0 + 50'000;
  cache.put("h1", session("alice"), cache.revocations());
  now_ = t0 + 100'000;
  EXPECT_EQ(user_in(cache, "h1"), "alice");
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(SessionCacheTest, ItHoldsAtMostItsCapacityAndEvictsTheLeastRecentlyUsed) {
  auto cache = make(3);
  cache.put("h1", session("u1"), cache.revocations());
  cache.put("h2", session("u2"), cache.revocations());
  cache.put("h3", session("u3"), cache.revocations());
  EXPECT_EQ(user_in(cache, "h1"), "u1");  // h1 is now the most recently used; h2 the least
  cache.put("h4", session("u4"), cache.revocations());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(user_in(cache, "h2"));
  EXPECT_EQ(user_in(cache, "h1"), "u1");
  EXPECT_EQ(user_in(cache, "h3"), "u3");
  EXPECT_EQ(user_in(cache, "h4"), "u4");

  for (int i = 0; i < 1000; ++i) cache.put("x" + std::to_string(i), session("x"), cache.revocations());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(user_in(cache, "x999"), "x");
  EXPECT_FALSE(user_in(cache, "h1"));
}

TEST_F(SessionCacheTest, ACapacityOfZeroCachesNothing) {
  auto cache = make(0);
  cache.put("h1", session("alice"), cache.revocations());
  EXPECT_FALSE(user_in(cache, "h1"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(SessionCacheTest, ManyThreadsCanUseItAtOnce) {
  auto cache = make(64);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "h" + std::to_string((i * 7 + t) % 100);
        const std::string user = "u" + key;
        if (i % 3 == 0) cache.put(key, session(user), cache.revocations());
        if (i % 17 == 0) cache.revoke(key);
        if (auto found = user_in(cache, key); found && *found != user) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace suda::chat
