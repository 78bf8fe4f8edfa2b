#pragma once
// The HTTP vocabulary shared by the server, the router and the route handlers.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace suda::net::http {

namespace beast_http = boost::beast::http;
using request = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;
using status = beast_http::status;
using verb = beast_http::verb;

// What a route handler sees of a request.
struct request_context {
  const request& req;
  std::string remote_ip;                                 // the peer's address, for rate limits and logs
  std::vector<std::pair<std::string, std::string>> params;  // "{id}" segments of the matched route, decoded

  // The value of a route parameter ("" when absent).
  std::string_view param(std::string_view name) const;
  // A query-string parameter, percent-decoded; nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  // The session token: "Authorization: Bearer <token>" first, else the "suda_session" cookie.
  std::optional<std::string> session_token() const;
  // The value of a cookie, nullopt when absent.
  std::optional<std::string> cookie(std::string_view name) const;
};

// A handler answers with any Beast message (string, file or empty body) as a message_generator.
using handler = std::function<boost::asio::awaitable<beast_http::message_generator>(request_context&)>;

}  // namespace suda::net::http
