#include "core/utf8.hpp"

#include <cstdint>

namespace suda::core {
namespace {

// Decodes one code point at text[i]; returns its length in bytes, 0 when the sequence is invalid
// (overlong forms, surrogates and values past U+10FFFF are invalid, as RFC 3629 says).
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& cp) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  std::size_t len;
  if (b0 < 0x80) { cp = b0; return 1; }
  if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; cp = b0 & 0x1F; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; cp = b0 & 0x0F; }
  else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

bool is_space_at(std::string_view text, std::size_t i, std::size_t& len) noexcept {
  std::uint32_t cp = 0;
  len = decode(text, i, cp);
  if (len == 0) return false;
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0xA0 ||
         cp == 0x3000;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    std::size_t len = decode(text, i, cp);
    if (len == 0) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

bool is_valid_utf8(std::string_view text) noexcept { return utf8_length(text).has_value(); }

std::string_view trim(std::string_view text) noexcept {
  std::size_t begin = 0, len = 0;
  while (begin < text.size() && is_space_at(text, begin, len)) begin += len;
  std::size_t end = text.size();
  while (end > begin) {
    // Step back to the start of the last code point.
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    if (!is_space_at(text, start, len) || start + len != end) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

bool has_control_characters(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    std::size_t len = decode(text, i, cp);
    if (len == 0) return true;
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) return true;
    i += len;
  }
  return false;
}

}  // namespace suda::core
