#include "net/api/api_support.hpp"

#include <charconv>

namespace suda::net::api {
using core::bad_request;

asio::awaitable<std::string> require_user(request_context& ctx, chat::service& chat) {
  auto token = ctx.session_token();
  if (!token) throw core::error_exception(core::unauthorized("Log in first"));
  co_return (co_await chat.authenticate(*token)).value();
}

std::string required_string(const boost::json::object& body, std::string_view name) {
  auto* field = body.if_contains(name);
  if (!field || field->is_null())
    throw core::error_exception(bad_request("missing_field", "'" + std::string(name) + "' is required"));
  if (!field->is_string())
    throw core::error_exception(bad_request("invalid_field", "'" + std::string(name) + "' must be a string"));
  return std::string(field->get_string());
}

std::optional<std::string> optional_string(const boost::json::object& body, std::string_view name) {
  auto* field = body.if_contains(name);
  if (!field || field->is_null()) return std::nullopt;
  return required_string(body, name);
}

std::vector<std::string> optional_string_array(const boost::json::object& body, std::string_view name,
                                               std::size_t max_items) {
  std::vector<std::string> out;
  auto* field = body.if_contains(name);
  if (!field || field->is_null()) return out;
  auto invalid = [&] {
    return core::error_exception(bad_request("invalid_field", "'" + std::string(name) + "' must be a list of ids"));
  };
  if (!field->is_array()) throw invalid();
  if (field->get_array().size() > max_items)
    throw core::error_exception(bad_request("invalid_field", "'" + std::string(name) + "' has too many items"));
  for (const auto& item : field->get_array()) {
    if (!item.is_string()) throw invalid();
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<long long> query_integer(const request_context& ctx, std::string_view name) {
  auto text = ctx.query(name);
  if (!text) return std::nullopt;
  long long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty())
    throw core::error_exception(bad_request("invalid_" + std::string(name), "'" + std::string(name) + "' must be an integer"));
  return value;
}

boost::json::object parse_body(const request_context& ctx) { return http::parse_json_object(ctx.req).value(); }

generator reply(const request_context& ctx, http::status code, boost::json::value body) {
  return http::json_response(ctx.req, code, body);
}

generator no_content(const request_context& ctx) { return http::empty_response(ctx.req, http::status::no_content); }

}  // namespace suda::net::api
