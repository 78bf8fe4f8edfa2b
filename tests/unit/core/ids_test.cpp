#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace suda::core {

TEST(Ids, NewUuidsAreCanonicalAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_uuid();
    EXPECT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4');  // version 4
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, V7UuidsAreCanonicalTimeOrderedAndDistinct) {
  std::set<std::string> seen;
  std::string previous;
  for (std::int64_t ms = 1'700'000'000'000; ms < 1'700'000'000'000 + 1000; ++ms) {
    auto id = new_uuid_v7(ms);
    EXPECT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '7') << id;                                   // version 7
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 9562 variant
    EXPECT_LT(previous, id);  // a later millisecond sorts after (the time comes first, big-endian)
    previous = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  // The time is readable from the first 48 bits.
  const auto id = new_uuid_v7(0x0123456789ab);
  EXPECT_EQ(id.substr(0, 13), "01234567-89ab");
  // Within one millisecond the random bits keep ids apart.
  EXPECT_NE(new_uuid_v7(42), new_uuid_v7(42));
}

TEST(Ids, IsUuidRejectsMalformedIds) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("344b5203-2fb8-4ab6-a504-66d8b2ab334"));    // one short
  EXPECT_FALSE(is_uuid("344b5203-2fb8-4ab6-a504-66d8b2ab334g"));   // not hex
  EXPECT_FALSE(is_uuid("344b52032fb8-4ab6-a504-66d8b2ab33466"));   // dash misplaced
  EXPECT_FALSE(is_uuid("../../etc/passwd-aaaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_TRUE(is_uuid("344b5203-2fb8-4ab6-a504-66d8b2ab3346"));
}

TEST(Ids, TokensAreLongRandomAndUrlSafe) {
  auto a = new_token(), b = new_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
}

TEST(Ids, TokenHashIsStableHexSha256) {
  EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(hash_token("abc"), hash_token("abd"));
}

}  // namespace suda::core
