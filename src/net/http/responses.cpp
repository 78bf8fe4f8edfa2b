#include "net/http/responses.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace suda::net::http {
namespace {

void set_common_headers(response& res, const request& req) {
  res.keep_alive(req.keep_alive());
  // API answers depend on who asks and change with every write: no cache may keep them.
  res.set(beast_http::field::cache_control, "no-store");
}

bool is_json_media_type(std::string_view content_type) {
  // "application/json", optionally with parameters ("; charset=utf-8"); type names are case-insensitive.
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view json = "application/json";
  return type.size() == json.size() && std::equal(type.begin(), type.end(), json.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace

status status_of(core::errc kind) noexcept {
  switch (kind) {
    case core::errc::bad_request: return status::bad_request;
    case core::errc::unauthorized: return status::unauthorized;
    case core::errc::forbidden: return status::forbidden;
    case core::errc::not_found: return status::not_found;
    case core::errc::method_not_allowed: return status::method_not_allowed;
    case core::errc::conflict: return status::conflict;
    case core::errc::payload_too_large: return status::payload_too_large;
    case core::errc::unsupported_media_type: return status::unsupported_media_type;
    case core::errc::rate_limited: return status::too_many_requests;
    case core::errc::unavailable: return status::service_unavailable;
    case core::errc::internal: return status::internal_server_error;
  }
  return status::internal_server_error;
}

response json_response(const request& req, status code, const boost::json::value& body) {
  response res{code, req.version()};
  set_common_headers(res, req);
  res.set(beast_http::field::content_type, "application/json; charset=utf-8");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  // A HEAD answer has the headers of the GET answer (Content-Length included) and no body.
  if (req.method() == verb::head) res.body().clear();
  return res;
}

response error_response(const request& req, const core::error& err) {
  boost::json::object inner;
  inner["code"] = err.code;
  inner["message"] = err.message;
  boost::json::object body;
  body["error"] = std::move(inner);
  return json_response(req, status_of(err.kind), body);
}

response empty_response(const request& req, status code) {
  response res{code, req.version()};
  set_common_headers(res, req);
  res.prepare_payload();
  // RFC 9110 8.6: no Content-Length on a 204 (beast would write "0"); a 304's would describe the cached body.
  if (code == status::no_content || code == status::not_modified) res.erase(beast_http::field::content_length);
  return res;
}

core::result<boost::json::object> parse_json_object(const request& req) {
  auto content_type = req.find(beast_http::field::content_type);
  if (content_type == req.end() || !is_json_media_type(content_type->value())) {
    return core::make_error(core::errc::unsupported_media_type, "unsupported_media_type",
                            "the body must be JSON (Content-Type: application/json)");
  }
  boost::json::parse_options options;
  options.max_depth = 32;            // deeper documents are an attack on the stack, not a chat message
  options.allow_invalid_utf8 = false;  // the default, stated: every string we keep is valid UTF-8
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(req.body(), ec, {}, options);
  if (ec) {
    if (ec == boost::json::error::too_deep) {
      return core::bad_request("invalid_json", "the JSON body is nested too deeply");
    }
    return core::bad_request("invalid_json", "the body is not valid JSON");
  }
  if (!value.is_object()) return core::bad_request("invalid_json", "the JSON body must be an object");
  return std::move(value.as_object());
}

}  // namespace suda::net::http
