#include "net/http/cookies.hpp"

namespace suda::net::http {

std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  std::string cookie;
  cookie.reserve(96 + token.size());
  cookie += session_cookie_name;
  cookie += '=';
  cookie += token;
  cookie += "; Path=/; HttpOnly; SameSite=Lax; Max-Age=";
  cookie += std::to_string(max_age.count() < 0 ? 0 : max_age.count());
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string clear_session_cookie(bool secure) { return session_cookie("", std::chrono::seconds{0}, secure); }

}  // namespace suda::net::http
