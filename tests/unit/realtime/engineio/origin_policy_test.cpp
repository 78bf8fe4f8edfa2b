#include "realtime/engineio/origin_policy.hpp"

#include <gtest/gtest.h>

namespace suda::realtime::engineio {
namespace {

TEST(origin_policy, a_request_without_origin_is_not_a_cross_site_browser_request) {
  origin_policy policy({});
  EXPECT_TRUE(policy.allows("", "chat.example"));
}

TEST(origin_policy, same_origin_means_the_origin_authority_equals_the_host_header) {
  origin_policy policy({});
  EXPECT_TRUE(policy.allows("https://chat.example", "chat.example"));
  EXPECT_TRUE(policy.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(policy.allows("https://Chat.Example", "chat.example"));
  EXPECT_FALSE(policy.allows("http://127.0.0.1:8081", "127.0.0.1:8080"));
  EXPECT_FALSE(policy.allows("https://evil.example", "chat.example"));
  EXPECT_FALSE(policy.allows("https://chat.example.evil.example", "chat.example"));
}

TEST(origin_policy, an_origin_with_a_path_or_userinfo_matches_no_host) {
  origin_policy policy({});
  EXPECT_FALSE(policy.allows("https://chat.example/", "chat.example"));
  EXPECT_FALSE(policy.allows("https://user@chat.example", "chat.example"));
  EXPECT_FALSE(policy.allows("null", "chat.example"));
  EXPECT_FALSE(policy.allows("chat.example", "chat.example"));
}

TEST(origin_policy, listed_origins_are_allowed_exactly) {
  origin_policy policy({"https://app.example/", "http://localhost:5173"});
  EXPECT_TRUE(policy.allows("https://app.example", "api.example"));
  EXPECT_TRUE(policy.allows("http://localhost:5173", "127.0.0.1:8080"));
  EXPECT_FALSE(policy.allows("https://app.example:444", "api.example"));
  EXPECT_FALSE(policy.allows("http://app.example", "api.example"));
}

TEST(origin_policy, a_star_allows_any_origin) {
  origin_policy policy({"*"});
  EXPECT_TRUE(policy.allows("https://evil.example", "chat.example"));
  EXPECT_TRUE(policy.allows("null", "chat.example"));
}

}  // namespace
}  // namespace suda::realtime::engineio
