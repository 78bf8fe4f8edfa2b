#pragma once
// Small pieces every API route uses: the signed-in user, typed fields of a JSON body, responses.
// Handlers read results with `.value()`: a domain error then aborts the request as a core::error_exception,
// which the server turns into the one error shape with the status of its kind (net/http/responses.cpp).
#include "chat/service.hpp"
#include "net/http/responses.hpp"
#include "net/http/types.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace suda::net::api {

namespace asio = boost::asio;
using http::request_context;
using generator = boost::beast::http::message_generator;

// The user id of the request's session (Bearer token or cookie); errc::unauthorized otherwise.
asio::awaitable<std::string> require_user(request_context& ctx, chat::service& chat);

// A string field; bad_request("missing_field"/"invalid_field") when absent or not a string.
std::string required_string(const boost::json::object& body, std::string_view name);
std::optional<std::string> optional_string(const boost::json::object& body, std::string_view name);
// An array of strings (absent: empty).
std::vector<std::string> optional_string_array(const boost::json::object& body, std::string_view name,
                                               std::size_t max_items);
// An integer query parameter; nullopt when absent, bad_request when not an integer.
std::optional<long long> query_integer(const request_context& ctx, std::string_view name);

boost::json::object parse_body(const request_context& ctx);
generator reply(const request_context& ctx, http::status code, boost::json::value body);
generator no_content(const request_context& ctx);

}  // namespace suda::net::api
