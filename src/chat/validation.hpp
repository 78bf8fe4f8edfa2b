#pragma once
// The rules for what clients send, in one place, shared by the HTTP API and the socket events.
// Each returns the normalized value or a bad_request error with a stable code.
#include "core/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace suda::chat {

inline constexpr std::size_t max_message_chars = 4000;
inline constexpr std::size_t max_display_name_chars = 50;
inline constexpr std::size_t max_title_chars = 100;
inline constexpr std::size_t min_password_chars = 8;
inline constexpr std::size_t max_password_bytes = 1024;  // bounds the hashing work a request can ask for
inline constexpr std::size_t max_client_msg_id_bytes = 100;
inline constexpr int max_page_size = 100;
inline constexpr int default_page_size = 50;

// A plausible address: one '@', non-empty local part (<= 64 bytes), a dotted domain, no spaces or
// control characters, at most 254 bytes. Returned trimmed; case is kept (uniqueness ignores it).
core::result<std::string> validate_email(std::string_view email);
core::result<std::string> validate_password(std::string_view password);
// 1..50 characters after trimming, no control characters.
core::result<std::string> validate_display_name(std::string_view name);
// 1..100 characters after trimming, no control characters.
core::result<std::string> validate_title(std::string_view title);
// 1..4000 characters after trimming; newlines and tabs allowed, other control characters not.
core::result<std::string> validate_message(std::string_view body);
// 1..100 bytes of printable ASCII.
core::result<std::string> validate_client_msg_id(std::string_view id);
// A page size: 1..100.
core::result<int> validate_limit(long long limit);

// The default display name for a new account: the email's local part, cut to the name limit.
std::string default_display_name(std::string_view email);

}  // namespace suda::chat
