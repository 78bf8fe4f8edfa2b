#include "net/http/responses.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace suda::net::http {
namespace {

request json_request(std::string body, std::string content_type = "application/json") {
  request req{verb::post, "/api/x", 11};
  if (!content_type.empty()) req.set(beast_http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(Responses, MapsEveryErrorKindToItsStatus) {
  using core::errc;
  EXPECT_EQ(status_of(errc::bad_request), status::bad_request);
  EXPECT_EQ(status_of(errc::unauthorized), status::unauthorized);
  EXPECT_EQ(status_of(errc::forbidden), status::forbidden);
  EXPECT_EQ(status_of(errc::not_found), status::not_found);
  EXPECT_EQ(status_of(errc::method_not_allowed), status::method_not_allowed);
  EXPECT_EQ(status_of(errc::conflict), status::conflict);
  EXPECT_EQ(status_of(errc::payload_too_large), status::payload_too_large);
  EXPECT_EQ(status_of(errc::unsupported_media_type), status::unsupported_media_type);
  EXPECT_EQ(status_of(errc::rate_limited), status::too_many_requests);
  EXPECT_EQ(status_of(errc::unavailable), status::service_unavailable);
  EXPECT_EQ(status_of(errc::internal), status::internal_server_error);
}

TEST(Responses, JsonResponseCarriesTypeCachingAndLength) {
  request req{verb::get, "/", 11};
  auto res = json_response(req, status::created, boost::json::object{{"id", "r1"}});
  EXPECT_EQ(res.result(), status::created);
  EXPECT_EQ(res[beast_http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(res[beast_http::field::cache_control], "no-store");
  EXPECT_EQ(res.body(), R"({"id":"r1"})");
  EXPECT_EQ(res[beast_http::field::content_length], std::to_string(res.body().size()));
  EXPECT_TRUE(res.keep_alive());
}

TEST(Responses, JsonResponseFollowsTheRequestsVersionAndKeepAlive) {
  request old{verb::get, "/", 10};  // HTTP/1.0 without "Connection: keep-alive": close
  auto res = json_response(old, status::ok, boost::json::object{});
  EXPECT_EQ(res.version(), 10u);
  EXPECT_FALSE(res.keep_alive());

  request closing{verb::get, "/", 11};
  closing.keep_alive(false);
  EXPECT_FALSE(json_response(closing, status::ok, nullptr).keep_alive());
}

TEST(Responses, HeadAnswersHaveTheLengthButNoBody) {
  request req{verb::head, "/", 11};
  auto res = json_response(req, status::ok, boost::json::object{{"a", 1}});
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res[beast_http::field::content_length], "7");
}

TEST(Responses, ErrorsHaveOneShape) {
  request req{verb::get, "/", 11};
  auto res = error_response(req, core::make_error(core::errc::conflict, "email_taken", "That email is taken."));
  EXPECT_EQ(res.result(), status::conflict);
  EXPECT_EQ(res[beast_http::field::content_type], "application/json; charset=utf-8");
  auto body = boost::json::parse(res.body());
  EXPECT_EQ(body, (boost::json::value{{"error", {{"code", "email_taken"}, {"message", "That email is taken."}}}}));
}

TEST(Responses, EmptyResponseHasNoBody) {
  request req{verb::delete_, "/", 11};
  auto no_content = empty_response(req, status::no_content);
  EXPECT_EQ(no_content.result(), status::no_content);
  EXPECT_TRUE(no_content.body().empty());
  EXPECT_EQ(no_content.count(beast_http::field::content_length), 0u);
  auto accepted = empty_response(req, status::accepted);
  EXPECT_EQ(accepted[beast_http::field::content_length], "0");
}

TEST(Responses, ParsesAJsonObject) {
  auto parsed = parse_json_object(json_request(R"({"text":"안녕","n":[1,2]})"));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at("text").as_string(), "안녕");
}

TEST(Responses, AcceptsJsonMediaTypeWithParameters) {
  EXPECT_TRUE(parse_json_object(json_request("{}", "application/json; charset=utf-8")).has_value());
  EXPECT_TRUE(parse_json_object(json_request("{}", "Application/JSON")).has_value());
}

TEST(Responses, RefusesOtherMediaTypesWith415) {
  for (std::string type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonp", ""}) {
    auto parsed = parse_json_object(json_request("{}", type));
    ASSERT_TRUE(parsed.has_error()) << type;
    EXPECT_EQ(parsed.error().kind, core::errc::unsupported_media_type) << type;
    EXPECT_EQ(parsed.error().code, "unsupported_media_type") << type;
  }
}

TEST(Responses, RefusesMalformedJsonWith400) {
  for (std::string body : {"", "{", "{\"a\":}", "{} trailing", "{'a':1}"}) {
    auto parsed = parse_json_object(json_request(body));
    ASSERT_TRUE(parsed.has_error()) << body;
    EXPECT_EQ(parsed.error().kind, core::errc::bad_request) << body;
    EXPECT_EQ(parsed.error().code, "invalid_json") << body;
  }
}

TEST(Responses, RefusesInvalidUtf8InsideAString) {
  auto parsed = parse_json_object(json_request("{\"text\":\"ab\xC0\xAF\"}"));
  ASSERT_TRUE(parsed.has_error());
  EXPECT_EQ(parsed.error().code, "invalid_json");
}

TEST(Responses, AllowsThirtyTwoLevelsButNotThirtyThree) {
  // The outer object is one level, so 31 nested arrays make 32.
  auto deepest = parse_json_object(json_request("{\"a\":" + nested_arrays(31) + "}"));
  EXPECT_TRUE(deepest.has_value());
  auto too_deep = parse_json_object(json_request("{\"a\":" + nested_arrays(32) + "}"));
  ASSERT_TRUE(too_deep.has_error());
  EXPECT_EQ(too_deep.error().kind, core::errc::bad_request);
  EXPECT_EQ(too_deep.error().code, "invalid_json");
}

TEST(Responses, RefusesJsonThatIsNotAnObject) {
  for (std::string body : {"[1,2]", "\"text\"", "42", "null"}) {
    auto parsed = parse_json_object(json_request(body));
    ASSERT_TRUE(parsed.has_error()) << body;
    EXPECT_EQ(parsed.error().kind, core::errc::bad_request) << body;
  }
}

}  // namespace
}  // namespace suda::net::http
