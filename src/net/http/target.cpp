#include "net/http/target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

namespace suda::net::http {

std::optional<std::string_view> target_path(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  auto path = parsed->encoded_path();
  return std::string_view(path.data(), path.size());
}

std::optional<std::string> percent_decode(std::string_view text) {
  auto checked = boost::urls::make_pct_string_view(text);
  if (!checked) return std::nullopt;
  return checked->decode();
}

std::optional<std::vector<std::string>> path_segments(std::string_view encoded_path) {
  if (encoded_path.empty() || encoded_path.front() != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::string_view rest = encoded_path.substr(1);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos || slash + 1 == rest.size();
    if (raw.empty()) return std::nullopt;  // "//": an empty segment in the middle
    auto decoded = percent_decode(raw);
    if (!decoded || *decoded == "." || *decoded == ".." || decoded->find('\0') != std::string::npos) {
      return std::nullopt;
    }
    segments.push_back(std::move(*decoded));
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace suda::net::http
