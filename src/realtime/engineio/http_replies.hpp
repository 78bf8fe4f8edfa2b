#pragma once
// The HTTP side of Engine.IO: reading the query of a request (EIO, transport, sid) and building the answers
// the reference `engine.io` server gives — polling bodies as text/plain, errors as 400/403 with a JSON
// {"code":N,"message":"..."} body, CORS headers for allowed cross-origin pages, the OPTIONS preflight.
// Pure: no sockets, no sessions.
#include "realtime/engineio/packet.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace suda::realtime::engineio {

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// The reference server's error codes; clients (and the protocol test suite) branch on them.
enum class http_error {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

std::string_view error_message(http_error code) noexcept;

// The Engine.IO query parameters of a request target ("/socket.io/?EIO=4&transport=polling&sid=...").
struct eio_query {
  std::string eio;                      // "" when absent
  std::optional<std::string> transport; // nullopt when absent
  std::optional<std::string> sid;       // nullopt when absent or empty
};

// nullopt when the target is not a valid origin-form target.
std::optional<eio_query> parse_query(std::string_view target);

// "polling" / "websocket" -> the transport; nullopt for anything else.
std::optional<transport> transport_from_name(std::string_view name) noexcept;

// What every answer needs from the request it answers.
struct reply_context {
  unsigned version = 11;
  bool keep_alive = true;
  std::string cors_origin;  // the allowed Origin to echo in CORS headers; "" for none
};

// 200 text/plain; charset=UTF-8, Cache-Control: no-store (a polling payload, or "ok" for a POST).
http_response text_reply(const reply_context& ctx, std::string body);

// 400 (403 for `forbidden`) application/json {"code":N,"message":"..."}.
http_response error_reply(const reply_context& ctx, http_error code);

// Any other status with a JSON {"message":"..."} body (413 payload too large, 503 unavailable).
http_response status_reply(const reply_context& ctx, boost::beast::http::status status, std::string_view message);

// 204 with Access-Control-Allow-Methods/-Headers (and the CORS origin headers when ctx has one).
http_response preflight_reply(const reply_context& ctx);

}  // namespace suda::realtime::engineio
