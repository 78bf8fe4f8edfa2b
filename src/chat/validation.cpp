#include "chat/validation.hpp"

#include "core/utf8.hpp"

namespace suda::chat {
using core::bad_request;

namespace {
// Trims and checks length (in code points) and control characters; `what` names the field in messages.
core::result<std::string> checked_text(std::string_view text, std::size_t max_chars, bool allow_newlines,
                                       const char* code, const char* what) {
  std::string_view trimmed = core::trim(text);
  auto length = core::utf8_length(trimmed);
  if (!length) return bad_request(code, std::string(what) + " must be valid UTF-8");
  if (*length == 0) return bad_request(code, std::string(what) + " must not be empty");
  if (*length > max_chars)
    return bad_request(code, std::string(what) + " must be at most " + std::to_string(max_chars) + " characters");
  bool has_newline = trimmed.find_first_of("\r\n\t") != std::string_view::npos;
  if (core::has_control_characters(trimmed) || (!allow_newlines && has_newline))
    return bad_request(code, std::string(what) + " must not contain control characters");
  return std::string(trimmed);
}
}  // namespace

core::result<std::string> validate_email(std::string_view email) {
  std::string_view e = core::trim(email);
  auto invalid = [] { return bad_request("invalid_email", "Enter a valid email address"); };
  if (e.size() < 3 || e.size() > 254 || !core::is_valid_utf8(e)) return invalid();
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string_view::npos)
    return invalid();
  std::string_view domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos)
    return invalid();
  for (char c : e)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == ',')
      return invalid();
  return std::string(e);
}

core::result<std::string> validate_password(std::string_view password) {
  auto length = core::utf8_length(password);
  if (!length) return bad_request("weak_password", "Password must be valid UTF-8");
  if (*length < min_password_chars)
    return bad_request("weak_password", "Password must be at least 8 characters");
  if (password.size() > max_password_bytes)
    return bad_request("weak_password", "Password must be at most 1024 bytes");
  return std::string(password);
}

core::result<std::string> validate_display_name(std::string_view name) {
  return checked_text(name, max_display_name_chars, false, "invalid_display_name", "Display name");
}

core::result<std::string> validate_title(std::string_view title) {
  return checked_text(title, max_title_chars, false, "invalid_title", "Title");
}

core::result<std::string> validate_message(std::string_view body) {
  return checked_text(body, max_message_chars, true, "invalid_message", "Message");
}

core::result<std::string> validate_client_msg_id(std::string_view id) {
  if (id.empty() || id.size() > max_client_msg_id_bytes)
    return bad_request("invalid_client_msg_id", "clientMsgId must be 1 to 100 characters");
  for (char c : id)
    if (c < 0x21 || c > 0x7E) return bad_request("invalid_client_msg_id", "clientMsgId must be printable ASCII");
  return std::string(id);
}

core::result<int> validate_limit(long long limit) {
  if (limit < 1 || limit > max_page_size) return bad_request("invalid_limit", "limit must be between 1 and 100");
  return static_cast<int>(limit);
}

std::string default_display_name(std::string_view email) {
  std::string_view local = email.substr(0, email.find('@'));
  // Cut at a character boundary: local parts are ASCII in practice, but may be UTF-8.
  std::string name;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < local.size() && chars < max_display_name_chars; ++chars) {
    std::size_t len = 1;
    while (i + len < local.size() && (static_cast<unsigned char>(local[i + len]) & 0xC0) == 0x80) ++len;
    name.append(local.substr(i, len));
    i += len;
  }
  return name.empty() ? std::string("user") : name;
}

}  // namespace suda::chat
