#include "realtime/engineio/base64.hpp"

#include <array>
#include <cstdint>

namespace suda::realtime::engineio {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Symbol -> 6-bit value; 0xFF marks bytes outside the alphabet (including '=', handled separately).
constexpr std::array<std::uint8_t, 256> make_reverse_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = 0xFF;
  for (std::size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return table;
}
constexpr auto reverse_table = make_reverse_table();

}  // namespace

void base64_append(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += alphabet[group & 0x3F];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t group = at(i) << 16;
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += "==";
  } else if (rest == 2) {
    std::uint32_t group = (at(i) << 16) | (at(i + 1) << 8);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_append(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  }
  // Any other '=' (or a lone '=' before a data symbol) fails the table lookup below.
  std::size_t symbols = text.size() - padding;

  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  std::size_t in_group = 0;
  for (std::size_t i = 0; i < symbols; ++i) {
    std::uint8_t value = reverse_table[static_cast<unsigned char>(text[i])];
    if (value == 0xFF) return std::nullopt;
    group = (group << 6) | value;
    if (++in_group == 4) {
      out += static_cast<char>((group >> 16) & 0xFF);
      out += static_cast<char>((group >> 8) & 0xFF);
      out += static_cast<char>(group & 0xFF);
      group = 0;
      in_group = 0;
    }
  }
  if (in_group == 3) {  // one '=': 18 bits carry two bytes, the low 2 bits must be zero
    if ((group & 0x3) != 0) return std::nullopt;
    out += static_cast<char>((group >> 10) & 0xFF);
    out += static_cast<char>((group >> 2) & 0xFF);
  } else if (in_group == 2) {  // two '=': 12 bits carry one byte, the low 4 bits must be zero
    if ((group & 0xF) != 0) return std::nullopt;
    out += static_cast<char>((group >> 4) & 0xFF);
  }
  // in_group == 1 cannot happen: a multiple of four minus at most two padding symbols leaves 0, 2 or 3.
  return out;
}

}  // namespace suda::realtime::engineio
