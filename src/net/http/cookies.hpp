#pragma once
// The session cookie: HttpOnly (scripts never see the token), SameSite=Lax (no cross-site POSTs carry it),
// Secure when the server is reached over HTTPS (config.secure_cookies).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace suda::net::http {

inline constexpr std::string_view session_cookie_name = "suda_session";

// The Set-Cookie value: "suda_session=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=<seconds>[; Secure]".
// `token` must be cookie-safe (our tokens are base64url).
std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure);

// The Set-Cookie value that makes the browser forget the session (empty value, Max-Age=0).
std::string clear_session_cookie(bool secure);

// The value of cookie `name` in one Cookie header value ("a=1; b=2"), nullopt when absent.
std::optional<std::string> find_cookie(std::string_view cookie_header, std::string_view name);

}  // namespace suda::net::http
