#include "net/http/types.hpp"

#include "net/http/cookies.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace suda::net::http {
namespace {

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

// Looks for `name` in one Cookie header value: "a=1; b=2" (spaces around ';' and '=' tolerated, since
// some clients and proxies add them). A value in double quotes is returned without them (RFC 6265).
std::optional<std::string> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = header.substr(0, semicolon);
    header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim_spaces(pair.substr(0, equals)) != name) continue;
    std::string_view value = trim_spaces(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

std::string_view request_context::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> request_context::query(std::string_view name) const {
  auto parsed = boost::urls::parse_origin_form(req.target());
  if (!parsed) return std::nullopt;
  // params() decodes keys and values, '+' as a space (the form encoding browsers use in queries).
  auto params = parsed->params();
  auto it = params.find(boost::core::string_view(name.data(), name.size()));
  if (it == params.end()) return std::nullopt;
  return (*it).value;
}

std::optional<std::string> request_context::session_token() const {
  // A client that sends a bearer token means it; a cookie of the same browser is only the fallback.
  for (auto [it, end] = req.equal_range(beast_http::field::authorization); it != end; ++it) {
    std::string_view value = trim_spaces(it->value());
    constexpr std::string_view scheme = "Bearer";
    if (value.size() > scheme.size() && iequals(value.substr(0, scheme.size()), scheme) &&
        (value[scheme.size()] == ' ' || value[scheme.size()] == '\t')) {
      std::string_view token = trim_spaces(value.substr(scheme.size()));
      if (!token.empty()) return std::string(token);
    }
  }
  auto from_cookie = cookie(session_cookie_name);
  if (from_cookie && from_cookie->empty()) return std::nullopt;
  return from_cookie;
}

std::optional<std::string> request_context::cookie(std::string_view name) const {
  // HTTP/1.1 clients send one Cookie header, but HTTP/2 gateways may split it into several.
  for (auto [it, end] = req.equal_range(beast_http::field::cookie); it != end; ++it) {
    if (auto value = find_cookie(it->value(), name)) return value;
  }
  return std::nullopt;
}

}  // namespace suda::net::http
