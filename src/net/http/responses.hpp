#pragma once
// Building responses. Every JSON response carries Content-Type: application/json and Cache-Control:
// no-store; every error has the one shape {"error":{"code":"…","message":"…"}}.
#include "core/error.hpp"
#include "net/http/types.hpp"

#include <boost/json/value.hpp>

namespace suda::net::http {

// The HTTP status for a domain error kind: the one place this mapping is made.
status status_of(core::errc kind) noexcept;

response json_response(const request& req, status code, const boost::json::value& body);
response error_response(const request& req, const core::error& err);
response empty_response(const request& req, status code);  // e.g. 204

// Parses the body as a JSON object: 415 unless Content-Type is application/json, 400 for malformed JSON,
// invalid UTF-8, nesting deeper than 32 or a non-object. (Oversized bodies never get here: 413 at read.)
core::result<boost::json::object> parse_json_object(const request& req);

}  // namespace suda::net::http
