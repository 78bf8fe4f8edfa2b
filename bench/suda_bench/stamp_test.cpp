#include "stamp.hpp"

#include <gtest/gtest.h>

namespace suda::bench {
namespace {

TEST(Stamp, RoundTripsThroughABody) {
  const stamp s{4242, 1234567890123};
  const auto body = stamp_body(s, 64);
  EXPECT_EQ(body.size(), 64u);
  EXPECT_EQ(find_stamp(body), s);
}

TEST(Stamp, IsFoundInsideTheServersJson) {
  const stamp s{7, 99};
  const std::string frame = R"(42["message",{"id":"a","seq":3,"roomId":"r","message":")" + stamp_body(s, 10) +
                            R"(","createdAt":"2026-11-25T13:00:00.000Z"}])";
  EXPECT_EQ(find_stamp(frame), s);
}

TEST(Stamp, BodyIsNeverCutShorterThanTheStamp) {
  const auto body = stamp_body(stamp{123456, 987654321}, 1);
  EXPECT_EQ(find_stamp(body), (stamp{123456, 987654321}));
}

TEST(Stamp, MalformedStampsAreRejected) {
  EXPECT_FALSE(find_stamp("no stamp here"));
  EXPECT_FALSE(find_stamp("~b12"));
  EXPECT_FALSE(find_stamp("~b12~t"));
  EXPECT_FALSE(find_stamp("~b12~t34"));  // no closing '~': the time may have been cut
  EXPECT_FALSE(find_stamp("~bx~t34~"));
  EXPECT_FALSE(find_stamp("~b99999999999~t34~"));  // index beyond 32 bits
}

}  // namespace
}  // namespace suda::bench
