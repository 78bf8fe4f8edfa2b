#include "realtime/engineio/base64.hpp"

#include <gtest/gtest.h>

namespace suda::realtime::engineio {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\x01\x02\x03\x04", 4)), "AQIDBA==");
}

TEST(Base64, DecodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_decode(""), std::string());
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("AQIDBA=="), std::string("\x01\x02\x03\x04", 4));
}

TEST(Base64, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (std::size_t len = 0; len <= all.size(); ++len) {
    std::string bytes = all.substr(all.size() - len);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << len;
  }
}

TEST(Base64, RejectsAnythingButCanonicalPaddedBase64) {
  EXPECT_FALSE(base64_decode("Zg"));        // padding missing
  EXPECT_FALSE(base64_decode("Zg="));       // length not a multiple of four
  EXPECT_FALSE(base64_decode("Zg=a"));      // data after padding
  EXPECT_FALSE(base64_decode("Z==="));      // three padding symbols
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("=Zg="));
  EXPECT_FALSE(base64_decode("Zh=="));      // unused bits set: not what any encoder writes for "f"
  EXPECT_FALSE(base64_decode("Zm9="));
  EXPECT_FALSE(base64_decode("Zm 9"));      // whitespace
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("-_=="));      // the URL-safe alphabet is another encoding
  EXPECT_FALSE(base64_decode(std::string("Zm9\0", 4)));
}

}  // namespace
}  // namespace suda::realtime::engineio
