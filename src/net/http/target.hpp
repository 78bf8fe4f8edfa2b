#pragma once
// Reading a request target: the path split into decoded segments, shared by the router and the static
// files so that both refuse the same tricks (`..`, `%2e%2e`, `//`, NUL) in one place.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suda::net::http {

// The path of an origin-form target ("/a/b?x=1" -> "/a/b"), still percent-encoded; nullopt when the
// target is not in origin form (absolute URLs, "*", garbage).
std::optional<std::string_view> target_path(std::string_view target);

// Percent-decodes `text`; nullopt when an escape is malformed ("%zz", a lone "%"). '+' stays '+'.
std::optional<std::string> percent_decode(std::string_view text);

// The decoded segments of an encoded path: "/api/room/a%20b/" -> {"api", "room", "a b"}; "/" -> {}.
// nullopt when the path does not start with '/', has an empty segment before the last ("//"), a segment
// that is "." or ".." once decoded, a malformed escape or a NUL. A trailing slash is tolerated.
std::optional<std::vector<std::string>> path_segments(std::string_view encoded_path);

}  // namespace suda::net::http
