// The author profile cache: lookups, updates, its bound, and use from several threads.
#include "chat/profile_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace suda::chat {
namespace {

TEST(ProfileCache, AnUnknownUserIsNotFound) {
  profile_cache cache;
  EXPECT_FALSE(cache.find("nobody"));
}

TEST(ProfileCache, FindsWhatWasPutAndAPutReplacesIt) {
  profile_cache cache;
  cache.put("u1", author_profile{"Kim", std::nullopt});
  auto found = cache.find("u1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->display_name, "Kim");
  EXPECT_FALSE(found->avatar_version);

  cache.put("u1", author_profile{"Kim Minji", std::string("v2")});  // a rename and a new avatar
  found = cache.find("u1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->display_name, "Kim Minji");
  EXPECT_EQ(found->avatar_version, "v2");
}

TEST(ProfileCache, PastItsBoundItStartsOver) {
  profile_cache cache(2);
  cache.put("a", author_profile{"A", std::nullopt});
  cache.put("b", author_profile{"B", std::nullopt});
  cache.put("c", author_profile{"C", std::nullopt});  // full: cleared, then c
  EXPECT_FALSE(cache.find("a"));
  EXPECT_FALSE(cache.find("b"));
  ASSERT_TRUE(cache.find("c"));
  EXPECT_EQ(cache.find("c")->display_name, "C");
}

TEST(ProfileCache, UpdatingAKnownUserAtTheBoundKeepsTheOthers) {
  profile_cache cache(2);
  cache.put("a", author_profile{"A", std::nullopt});
  cache.put("b", author_profile{"B", std::nullopt});
  cache.put("a", author_profile{"A2", std::nullopt});  // not a new entry: nothing to make room for
  ASSERT_TRUE(cache.find("a"));
  EXPECT_EQ(cache.find("a")->display_name, "A2");
  EXPECT_TRUE(cache.find("b"));
}

TEST(ProfileCache, ConcurrentPutsAndFindsSeeWholeValues) {
  // Small bound, so clears race with lookups too. A lookup finds nothing or the value put for that user,
  // never a torn or foreign one (ASan/UBSan builds check the memory side).
  profile_cache cache(8);
  constexpr int threads = 4, rounds = 5000;
  std::vector<std::thread> workers;
  std::vector<int> wrong(threads, 0);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < rounds; ++i) {
        std::string id = "user-" + std::to_string((t * rounds + i) % 20);
        cache.put(id, author_profile{"name of " + id, std::nullopt});
        if (auto found = cache.find(id); found && found->display_name != "name of " + id) ++wrong[t];
      }
    });
  }
  for (auto& w : workers) w.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace suda::chat
