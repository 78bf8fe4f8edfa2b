#include "core/ids.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <sodium.h>

#include <array>
#include <cstdint>

namespace suda::core {

std::string new_uuid() {
  // One generator per thread: boost's random_generator is not thread-safe and is costly to seed.
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

std::string new_uuid_v7(std::int64_t unix_ms) {
  constexpr std::size_t random_bytes = 10;
  thread_local std::array<unsigned char, 4000> pool{};
  thread_local std::size_t used = pool.size();
  if (used + random_bytes > pool.size()) {
    randombytes_buf(pool.data(), pool.size());
    used = 0;
  }
  const unsigned char* r = pool.data() + used;
  used += random_bytes;

  const auto ms = static_cast<std::uint64_t>(unix_ms);
  boost::uuids::uuid id{};
  for (std::size_t i = 0; i < 6; ++i) id.data[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  id.data[6] = static_cast<std::uint8_t>(0x70 | (r[0] & 0x0f));  // version 7
  id.data[7] = r[1];
  id.data[8] = static_cast<std::uint8_t>(0x80 | (r[2] & 0x3f));  // RFC 9562 variant
  for (std::size_t i = 9; i < 16; ++i) id.data[i] = r[i - 6];
  return boost::uuids::to_string(id);
}

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string new_token() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string hash_token(std::string_view token) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

}  // namespace suda::core
