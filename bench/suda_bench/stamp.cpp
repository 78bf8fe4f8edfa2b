#include "stamp.hpp"

#include <charconv>

namespace suda::bench {

std::string stamp_body(const stamp& s, std::size_t body_bytes) {
  std::string body = "~b" + std::to_string(s.index) + "~t" + std::to_string(s.intended_ns) + "~";
  if (body.size() < body_bytes) body.append(body_bytes - body.size(), 'x');
  return body;
}

std::optional<stamp> find_stamp(std::string_view text) noexcept {
  const auto at = text.find("~b");
  if (at == std::string_view::npos) return std::nullopt;
  const char* p = text.data() + at + 2;
  const char* end = text.data() + text.size();
  stamp s;
  auto [after_index, ec1] = std::from_chars(p, end, s.index);
  if (ec1 != std::errc{} || end - after_index < 2 || after_index[0] != '~' || after_index[1] != 't')
    return std::nullopt;
  auto [after_time, ec2] = std::from_chars(after_index + 2, end, s.intended_ns);
  if (ec2 != std::errc{} || after_time == end || *after_time != '~') return std::nullopt;
  return s;
}

}  // namespace suda::bench
