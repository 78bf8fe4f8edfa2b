#pragma once
// Identifiers: random UUIDs for users, rooms and messages; random tokens for sessions.
#include <string>
#include <string_view>

namespace suda::core {

// A random (version 4) UUID in its canonical lowercase form.
std::string new_uuid();

// True for the canonical 36-character lowercase or uppercase UUID form. Ids from clients are checked with
// this before they reach the store, so a malformed id is a 400/404 and never a query.
bool is_uuid(std::string_view text) noexcept;

// A session token: 32 random bytes from libsodium, base64url without padding (43 characters).
std::string new_token();

// The SHA-256 of a token, hex-encoded. Only this is stored, so a leaked database holds no usable token.
std::string hash_token(std::string_view token);

}  // namespace suda::core
