#include "realtime/engineio/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace suda::realtime::engineio {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string normalized(std::string_view origin) {
  while (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  std::string out(origin);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "https://chat.example:8443" -> "chat.example:8443". An Origin is scheme "://" host [":" port] and nothing
// else; anything longer (a path, userinfo) is not a browser's Origin and matches no Host.
std::string_view authority_of(std::string_view origin) {
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
  std::string_view rest = origin.substr(scheme_end + 3);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) return {};
  return rest;
}

}  // namespace

origin_policy::origin_policy(std::vector<std::string> allowed_origins) {
  for (const auto& entry : allowed_origins) {
    if (entry == "*") {
      any_ = true;
      continue;
    }
    auto normal = normalized(entry);
    if (!normal.empty()) allowed_.push_back(std::move(normal));
  }
}

bool origin_policy::allows(std::string_view origin, std::string_view host) const {
  if (origin.empty() || any_) return true;
  const auto authority = authority_of(origin);
  if (!authority.empty() && !host.empty() && iequals(authority, host)) return true;
  const auto normal = normalized(origin);
  return std::find(allowed_.begin(), allowed_.end(), normal) != allowed_.end();
}

}  // namespace suda::realtime::engineio
