#include "realtime/engineio/http_replies.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace suda::realtime::engineio {
namespace http = boost::beast::http;

namespace {

http_response base_reply(const reply_context& ctx, http::status status) {
  http_response res{status, ctx.version};
  res.keep_alive(ctx.keep_alive);
  if (!ctx.cors_origin.empty()) {
    res.set(http::field::access_control_allow_origin, ctx.cors_origin);
    res.set(http::field::access_control_allow_credentials, "true");
    res.set(http::field::vary, "Origin");  // the answer depends on the Origin: caches must not share it
  }
  return res;
}

http_response json_reply(const reply_context& ctx, http::status status, boost::json::object body) {
  auto res = base_reply(ctx, status);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

}  // namespace

std::string_view error_message(http_error code) noexcept {
  switch (code) {
    case http_error::unknown_transport: return "Transport unknown";
    case http_error::unknown_sid: return "Session ID unknown";
    case http_error::bad_handshake_method: return "Bad handshake method";
    case http_error::bad_request: return "Bad request";
    case http_error::forbidden: return "Forbidden";
    case http_error::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

std::optional<eio_query> parse_query(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  eio_query query;
  const auto params = parsed->params();
  if (auto it = params.find("EIO"); it != params.end()) query.eio = (*it).value;
  if (auto it = params.find("transport"); it != params.end()) query.transport = (*it).value;
  if (auto it = params.find("sid"); it != params.end() && !(*it).value.empty()) query.sid = (*it).value;
  return query;
}

std::optional<transport> transport_from_name(std::string_view name) noexcept {
  if (name == "polling") return transport::polling;
  if (name == "websocket") return transport::websocket;
  return std::nullopt;
}

http_response text_reply(const reply_context& ctx, std::string body) {
  auto res = base_reply(ctx, http::status::ok);
  res.set(http::field::content_type, "text/plain; charset=UTF-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http_response error_reply(const reply_context& ctx, http_error code) {
  boost::json::object body;
  body["code"] = static_cast<int>(code);
  body["message"] = error_message(code);
  return json_reply(ctx, code == http_error::forbidden ? http::status::forbidden : http::status::bad_request,
                    std::move(body));
}

http_response status_reply(const reply_context& ctx, http::status status, std::string_view message) {
  boost::json::object body;
  body["message"] = message;
  return json_reply(ctx, status, std::move(body));
}

http_response preflight_reply(const reply_context& ctx) {
  auto res = base_reply(ctx, http::status::no_content);
  res.set(http::field::access_control_allow_methods, "GET, POST");
  res.set(http::field::access_control_allow_headers, "content-type");
  res.set(http::field::access_control_max_age, "86400");
  res.prepare_payload();
  return res;
}

}  // namespace suda::realtime::engineio
