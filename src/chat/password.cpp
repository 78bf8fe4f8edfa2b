#include "chat/password.hpp"

#include <sodium.h>

#include <array>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace suda::chat {

namespace {

// libsodium's "interactive" limits: about 2 passes over 64 MiB, tens of milliseconds per hash. Enough
// to make offline guessing expensive while a login stays fast; password_needs_rehash compares stored
// hashes against these, so raising them upgrades accounts on their next login.
constexpr unsigned long long hash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t hash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

// An empty view may have a null data(); libsodium gets a valid pointer to zero bytes instead.
const char* password_data(std::string_view password) noexcept { return password.empty() ? "" : password.data(); }

// libsodium reads a stored hash as a NUL-terminated string that fits its buffer. Anything longer cannot be
// one of our hashes, and an embedded NUL would make libsodium check a shorter string than was stored.
std::optional<std::string> as_c_string(std::string_view stored_hash) {
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES ||
      stored_hash.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(stored_hash);
}

}  // namespace

void init_crypto() {
  // call_once rather than a bare sodium_init(): the first logins may arrive on several pool threads at
  // once. If the lambda throws, call_once lets the next caller try again.
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialized");
  });
}

std::string hash_password(std::string_view password) {
  init_crypto();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password_data(password), password.size(), hash_opslimit, hash_memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("Argon2id hashing failed (out of memory)");
  }
  return std::string(out.data());  // libsodium NUL-terminates the string inside the buffer
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  init_crypto();
  const std::optional<std::string> terminated = as_c_string(stored_hash);
  return terminated && crypto_pwhash_str_verify(terminated->c_str(), password_data(password), password.size()) == 0;
}

bool password_needs_rehash(std::string_view stored_hash) {
  init_crypto();
  const std::optional<std::string> terminated = as_c_string(stored_hash);
  // The argon2id-specific check (not the generic crypto_pwhash_str_needs_rehash): it also answers "yes"
  // (-1) for an Argon2i hash with the same limits, which the generic one would keep.
  return !terminated || crypto_pwhash_argon2id_str_needs_rehash(terminated->c_str(), hash_opslimit, hash_memlimit) != 0;
}

void verify_against_dummy(std::string_view password) {
  // A function-local static is initialized once, thread-safely. Its password is random so that no
  // input can ever match; only the cost of the verification matters.
  static const std::string dummy_hash = [] {
    std::array<unsigned char, 16> secret{};
    init_crypto();
    randombytes_buf(secret.data(), secret.size());
    std::array<char, secret.size() * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), secret.data(), secret.size());
    return hash_password(hex.data());
  }();
  // The result is meaningless by construction and deliberately dropped.
  static_cast<void>(verify_password(dummy_hash, password));
}

}  // namespace suda::chat
