#include "net/http/router.hpp"

#include "net/http/responses.hpp"

#include <gtest/gtest.h>

namespace suda::net::http {
namespace {

// A handler that is never run: the router is tested on which pattern it picks.
handler unused() {
  return [](request_context&) -> boost::asio::awaitable<beast_http::message_generator> {
    co_return empty_response(request{}, status::no_content);
  };
}

router sample_router() {
  router r;
  r.add(verb::get, "/api/rooms", unused());
  r.add(verb::post, "/api/rooms", unused());
  r.add(verb::get, "/api/room/{id}", unused());
  r.add(verb::get, "/api/room/new", unused());
  r.add(verb::delete_, "/api/room/{id}/member/{user}", unused());
  r.add(verb::get, "/", unused());
  return r;
}

TEST(Router, MatchesLiteralPathsByMethod) {
  const auto r = sample_router();
  auto get = r.match(verb::get, "/api/rooms");
  EXPECT_NE(get.found, nullptr);
  EXPECT_TRUE(get.params.empty());
  auto post = r.match(verb::post, "/api/rooms");
  EXPECT_NE(post.found, nullptr);
  EXPECT_NE(get.found, post.found);
  EXPECT_NE(r.match(verb::get, "/").found, nullptr);
}

TEST(Router, ExtractsNamedParameters) {
  const auto r = sample_router();
  auto m = r.match(verb::delete_, "/api/room/r1/member/u2");
  ASSERT_NE(m.found, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "r1"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"user", "u2"}));
}

TEST(Router, PercentDecodesParameters) {
  const auto r = sample_router();
  auto m = r.match(verb::get, "/api/room/caf%C3%A9%20au%2Flait");
  ASSERT_NE(m.found, nullptr);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "caf\xC3\xA9 au/lait");
}

TEST(Router, PrefersLiteralSegmentsOverParameters) {
  const auto r = sample_router();
  auto literal = r.match(verb::get, "/api/room/new");
  ASSERT_NE(literal.found, nullptr);
  EXPECT_TRUE(literal.params.empty());  // "/api/room/new", not "/api/room/{id}" with id=new
  auto param = r.match(verb::get, "/api/room/old");
  ASSERT_NE(param.found, nullptr);
  EXPECT_EQ(param.params.size(), 1u);
  EXPECT_NE(literal.found, param.found);
}

TEST(Router, ToleratesATrailingSlash) {
  const auto r = sample_router();
  EXPECT_NE(r.match(verb::get, "/api/rooms/").found, nullptr);
  auto m = r.match(verb::get, "/api/room/abc/");
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.params[0].second, "abc");
}

TEST(Router, ReportsAllowedMethodsWhenOnlyTheMethodIsWrong) {
  const auto r = sample_router();
  auto m = r.match(verb::put, "/api/rooms");
  EXPECT_EQ(m.found, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allow, "GET, POST");

  auto param = r.match(verb::post, "/api/room/r1/member/u2");
  EXPECT_TRUE(param.path_matched);
  EXPECT_EQ(param.allow, "DELETE");
}

TEST(Router, UnknownPathsMatchNothing) {
  const auto r = sample_router();
  for (std::string_view path : {"/api", "/api/roomz", "/api/room", "/api/room/a/b", "/api/rooms/x", "/nope"}) {
    auto m = r.match(verb::get, path);
    EXPECT_EQ(m.found, nullptr) << path;
    EXPECT_FALSE(m.path_matched) << path;
    EXPECT_TRUE(m.allow.empty()) << path;
  }
}

TEST(Router, RefusesTraversalAndEmptySegments) {
  const auto r = sample_router();
  for (std::string_view path : {"/api/room/..", "/api/room/%2e%2e", "/api/room/%2E.", "/api/room/.",
                                "/api//rooms", "//api/rooms", "/api/rooms//", "/api/room/../rooms",
                                "/api/room/a%00b", "/api/room/%zz", "/api/room/%4", "api/rooms", ""}) {
    auto m = r.match(verb::get, path);
    EXPECT_EQ(m.found, nullptr) << path;
    EXPECT_FALSE(m.path_matched) << path;
  }
}

TEST(Router, MatchesLiteralSegmentsAfterDecoding) {
  router r;
  r.add(verb::get, "/api/rooms", unused());
  EXPECT_NE(r.match(verb::get, "/api/room%73").found, nullptr);
}

TEST(Router, RejectsMalformedPatternsAtRegistration) {
  router r;
  EXPECT_THROW(r.add(verb::get, "api/rooms", unused()), std::invalid_argument);
  EXPECT_THROW(r.add(verb::get, "/api//rooms", unused()), std::invalid_argument);
}

}  // namespace
}  // namespace suda::net::http
