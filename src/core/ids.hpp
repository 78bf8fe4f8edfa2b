#pragma once
// Identifiers: random UUIDs for users, rooms and messages; random tokens for sessions.
#include <cstdint>
#include <string>
#include <string_view>

namespace suda::core {

// A random (version 4) UUID in its canonical lowercase form.
std::string new_uuid();

// A time-ordered (version 7, RFC 9562) UUID: `unix_ms` in its first 48 bits, then 74 random bits. Message
// ids use it: ids that grow with time put a batch of messages on the last pages of the store's id index,
// where random ids put each message on a page of its own that the commit must write and sync. The random
// bits come from a per-thread buffer filled by libsodium: one system call per 400 ids, not per id.
std::string new_uuid_v7(std::int64_t unix_ms);

// True for the canonical 36-character lowercase or uppercase UUID form. Ids from clients are checked with
// this before they reach the store, so a malformed id is a 400/404 and never a query.
bool is_uuid(std::string_view text) noexcept;

// A session token: 32 random bytes from libsodium, base64url without padding (43 characters).
std::string new_token();

// The SHA-256 of a token, hex-encoded. Only this is stored, so a leaked database holds no usable token.
std::string hash_token(std::string_view token);

}  // namespace suda::core
