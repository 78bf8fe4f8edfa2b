#pragma once
// UTF-8 checks for text from clients. Boost.JSON already rejects invalid UTF-8 in JSON strings; these
// are for the rules on top: lengths in characters (code points), trimming, control characters.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace suda::core {

bool is_valid_utf8(std::string_view text) noexcept;

// Number of code points, or nullopt when the text is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

// The text without leading and trailing whitespace (ASCII whitespace and U+00A0, U+3000).
std::string_view trim(std::string_view text) noexcept;

// True when the text holds a C0/C1 control character other than tab, line feed and carriage return.
bool has_control_characters(std::string_view text) noexcept;

}  // namespace suda::core
