#include "chat/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <string>

namespace suda::chat {

// Each hash takes tens of milliseconds by design, so the suite hashes once and shares the result.
class Password : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stored_ = new_hash(); }
  static std::string new_hash() { return hash_password("correct horse battery staple"); }
  static inline std::string stored_;
};

TEST_F(Password, HashThenVerifySucceeds) { EXPECT_TRUE(verify_password(stored_, "correct horse battery staple")); }

TEST_F(Password, WrongPasswordDoesNotVerify) {
  EXPECT_FALSE(verify_password(stored_, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(stored_, "Correct horse battery staple"));
  EXPECT_FALSE(verify_password(stored_, ""));
}

TEST_F(Password, HashIsArgon2idInLibsodiumFormat) {
  EXPECT_TRUE(stored_.starts_with("$argon2id$")) << stored_;
  EXPECT_NE(stored_.find("$v=19$"), std::string::npos) << stored_;
}

TEST_F(Password, TwoHashesOfTheSamePasswordDifferBecauseOfTheSalt) {
  const std::string other = new_hash();
  EXPECT_NE(other, stored_);
  EXPECT_TRUE(verify_password(other, "correct horse battery staple"));
}

TEST_F(Password, MalformedStoredHashIsFalseNotACrash) {
  EXPECT_FALSE(verify_password("", "correct horse battery staple"));
  EXPECT_FALSE(verify_password("not a hash", "correct horse battery staple"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$", "correct horse battery staple"));
  EXPECT_FALSE(verify_password(stored_.substr(0, stored_.size() - 5), "correct horse battery staple"));
  EXPECT_FALSE(verify_password(std::string(stored_.size(), '$'), "correct horse battery staple"));
  EXPECT_FALSE(verify_password(std::string(4096, 'a'), "correct horse battery staple"));
  // An embedded NUL must not let a prefix of the stored string be verified instead of the whole.
  EXPECT_FALSE(verify_password(stored_ + std::string(1, '\0') + "junk", "correct horse battery staple"));
}

TEST_F(Password, FreshHashDoesNotNeedRehash) { EXPECT_FALSE(password_needs_rehash(stored_)); }

TEST_F(Password, WeakerOrForeignHashesNeedRehash) {
  const char password[] = "correct horse battery staple";
  // Same algorithm, lower limits: what an account hashed before the limits were raised looks like.
  std::array<char, crypto_pwhash_STRBYTES> weaker{};
  ASSERT_EQ(crypto_pwhash_str_alg(weaker.data(), password, sizeof password - 1, crypto_pwhash_OPSLIMIT_MIN,
                                  crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_TRUE(verify_password(weaker.data(), password));  // still usable to log in...
  EXPECT_TRUE(password_needs_rehash(weaker.data()));      // ...and upgraded when that happens

  // The older algorithm, Argon2i (which needs at least 3 passes).
  std::array<char, crypto_pwhash_STRBYTES> argon2i{};
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i.data(), password, sizeof password - 1, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                  crypto_pwhash_argon2i_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2I13),
            0);
  EXPECT_TRUE(verify_password(argon2i.data(), password));
  EXPECT_TRUE(password_needs_rehash(argon2i.data()));

  EXPECT_TRUE(password_needs_rehash("not a hash"));
  EXPECT_TRUE(password_needs_rehash(""));
}

TEST_F(Password, EmptyAndBinaryPasswordsRoundTrip) {
  const std::string binary("pa\0ss\xFFword", 11);
  const std::string hashed = hash_password(binary);
  EXPECT_TRUE(verify_password(hashed, binary));
  EXPECT_FALSE(verify_password(hashed, "pa"));  // the bytes after the NUL count

  const std::string empty = hash_password("");
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, " "));
}

TEST_F(Password, DummyVerificationCostsARealArgon2Verification) {
  verify_against_dummy("first call also creates the dummy hash");
  const auto start = std::chrono::steady_clock::now();
  verify_against_dummy("whatever");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Filling Argon2id's 64 MiB alone takes longer than this on any machine; a shortcut (no verification,
  // or a cheap comparison) takes microseconds. Load only makes it slower, so the bound cannot flake.
  EXPECT_GE(elapsed, std::chrono::milliseconds(5));
  EXPECT_NO_THROW(verify_against_dummy(""));
}

TEST_F(Password, InitCryptoIsIdempotent) {
  EXPECT_NO_THROW(init_crypto());
  EXPECT_NO_THROW(init_crypto());
}

}  // namespace suda::chat
