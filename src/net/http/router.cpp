#include "net/http/router.hpp"

#include "net/http/target.hpp"

#include <algorithm>
#include <stdexcept>

namespace suda::net::http {
namespace {

bool is_parameter(std::string_view segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void router::add(verb method, std::string pattern, handler h) {
  // Patterns are written by us, not by clients: a malformed one is a programming error, caught at start-up.
  auto segments = path_segments(pattern);
  if (!segments) throw std::invalid_argument("router: malformed pattern " + pattern);
  routes_.push_back(route{method, std::move(*segments), std::move(h)});
}

router::match_result router::match(verb method, std::string_view path) const {
  match_result result;
  auto segments = path_segments(path);
  if (!segments) return result;  // "..", "//", bad escapes: no route, whatever the patterns

  // Where several patterns match ("/api/room/new" and "/api/room/{id}"), the most literal one wins: a literal
  // segment beats a parameter at the first position where they differ.
  const route* best = nullptr;
  std::vector<verb> allowed;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments->size()) continue;
    bool matches = true;
    for (std::size_t i = 0; i < r.segments.size() && matches; ++i) {
      matches = is_parameter(r.segments[i]) || r.segments[i] == (*segments)[i];
    }
    if (!matches) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
    if (r.method != method) continue;
    if (best != nullptr) {
      bool more_literal = false;
      for (std::size_t i = 0; i < r.segments.size(); ++i) {
        const bool mine = is_parameter(r.segments[i]);
        const bool theirs = is_parameter(best->segments[i]);
        if (mine != theirs) {
          more_literal = !mine;
          break;
        }
      }
      if (!more_literal) continue;
    }
    best = &r;
  }

  for (verb v : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += beast_http::to_string(v);
  }
  if (best == nullptr) {
    result.path_matched = !allowed.empty();
    return result;
  }
  result.found = &best->h;
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    const auto& name = best->segments[i];
    if (is_parameter(name)) result.params.emplace_back(name.substr(1, name.size() - 2), std::move((*segments)[i]));
  }
  return result;
}

}  // namespace suda::net::http
