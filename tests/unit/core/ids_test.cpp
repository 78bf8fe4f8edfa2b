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
