#pragma once
// Password hashing for accounts: Argon2id through libsodium, stored as libsodium's self-describing string
// ("$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>"), so the parameters and the random salt travel with
// the hash and can be raised later (see password_needs_rehash).
//
// Every function here except init_crypto is slow ON PURPOSE: one hash or verification costs tens of
// milliseconds and 64 MiB of memory (libsodium's "interactive" limits). Call them only off the I/O
// threads (core::offload to the CPU pool); an event loop that runs one blocks every session it serves.
// The caller bounds the password length (validation.hpp, max_password_bytes) before it gets here.
#include <string>
#include <string_view>

namespace suda::chat {

// Initializes libsodium once per process; idempotent and thread-safe. The functions below call it
// themselves, main may call it early so that a broken libsodium fails at start rather than on a login.
// Throws std::runtime_error if libsodium cannot initialize.
void init_crypto();

// A new Argon2id hash of `password` with a fresh random salt: two calls never return the same string.
// Throws std::runtime_error if libsodium fails (in practice: it could not allocate the Argon2 memory).
std::string hash_password(std::string_view password);

// True when `password` matches `stored_hash`. A malformed or truncated stored hash is simply false.
bool verify_password(std::string_view stored_hash, std::string_view password);

// True when `stored_hash` was made with another algorithm or other limits than hash_password uses now
// (or is not a valid hash at all): the login path re-hashes the password it has just verified.
bool password_needs_rehash(std::string_view stored_hash);

// Runs one verification of `password` against a fixed hash, discarding the result, so that a login for
// an unknown email costs the same time as one with a wrong password and does not reveal which emails
// have accounts. The fixed hash is made once per process, on first use (thread-safe).
void verify_against_dummy(std::string_view password);

}  // namespace suda::chat
