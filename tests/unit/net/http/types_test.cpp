#include "net/http/types.hpp"

#include <gtest/gtest.h>

namespace suda::net::http {
namespace {

request make_request(std::string target) {
  request req{verb::get, target, 11};
  return req;
}

TEST(RequestContext, ReturnsRouteParametersOrEmpty) {
  const auto req = make_request("/");
  request_context ctx{req, "127.0.0.1", {{"id", "r1"}, {"user", "u 2"}}};
  EXPECT_EQ(ctx.param("id"), "r1");
  EXPECT_EQ(ctx.param("user"), "u 2");
  EXPECT_EQ(ctx.param("missing"), "");
}

TEST(RequestContext, DecodesQueryParameters) {
  const auto req = make_request("/api/rooms?q=caf%C3%A9+au+lait&limit=20&empty=&flag");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.query("q"), "caf\xC3\xA9 au lait");
  EXPECT_EQ(ctx.query("limit"), "20");
  EXPECT_EQ(ctx.query("empty"), "");
  EXPECT_EQ(ctx.query("flag"), "");
  EXPECT_EQ(ctx.query("missing"), std::nullopt);
}

TEST(RequestContext, QueryIsAbsentWithoutAQueryString) {
  const auto req = make_request("/api/rooms");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.query("q"), std::nullopt);
}

TEST(RequestContext, ParsesCookiesWithLooseSpacing) {
  auto req = make_request("/");
  req.set(beast_http::field::cookie, "theme=dark;suda_session=abc ;  lang = ko ; quoted=\"v\"");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.cookie("theme"), "dark");
  EXPECT_EQ(ctx.cookie("suda_session"), "abc");
  EXPECT_EQ(ctx.cookie("lang"), "ko");
  EXPECT_EQ(ctx.cookie("quoted"), "v");
  EXPECT_EQ(ctx.cookie("them"), std::nullopt);
  EXPECT_EQ(ctx.cookie("missing"), std::nullopt);
}

TEST(RequestContext, FindsCookiesInAnySeveralCookieHeaders) {
  auto req = make_request("/");
  req.insert(beast_http::field::cookie, "a=1");
  req.insert(beast_http::field::cookie, "b=2");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.cookie("b"), "2");
}

TEST(RequestContext, SessionTokenPrefersTheBearerHeader) {
  auto req = make_request("/");
  req.set(beast_http::field::cookie, "suda_session=from-cookie");
  req.set(beast_http::field::authorization, "Bearer from-header");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.session_token(), "from-header");
}

TEST(RequestContext, SessionTokenFallsBackToTheCookie) {
  auto req = make_request("/");
  req.set(beast_http::field::cookie, "x=1; suda_session=from-cookie");
  req.set(beast_http::field::authorization, "Basic dXNlcjpwYXNz");  // not ours: ignored
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.session_token(), "from-cookie");
}

TEST(RequestContext, SessionTokenSchemeIsCaseInsensitive) {
  auto req = make_request("/");
  req.set(beast_http::field::authorization, "bearer   tok");
  request_context ctx{req, "", {}};
  EXPECT_EQ(ctx.session_token(), "tok");
}

TEST(RequestContext, NoSessionTokenWhenNothingOrEmptyIsSent) {
  auto req = make_request("/");
  request_context none{req, "", {}};
  EXPECT_EQ(none.session_token(), std::nullopt);
  req.set(beast_http::field::authorization, "Bearer ");
  req.set(beast_http::field::cookie, "suda_session=");
  request_context empty{req, "", {}};
  EXPECT_EQ(empty.session_token(), std::nullopt);
}

}  // namespace
}  // namespace suda::net::http
