#include "core/config.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace suda::core {

TEST(Config, DefaultsServeLocalhost8080WithSqliteUnderData) {
  const char* argv[] = {"suda"};
  auto cfg = parse_config(1, argv);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->listen_host, "127.0.0.1");
  EXPECT_EQ(cfg->listen_port, 8080);
  EXPECT_EQ(cfg->database_url(), "sqlite:./data/suda.db");
}

TEST(Config, FlagsOverrideDefaults) {
  const char* argv[] = {"suda", "--listen", "0.0.0.0:9000", "--data-dir", "/tmp/x", "--login-rate-ip", "5"};
  auto cfg = parse_config(7, argv);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->listen_host, "0.0.0.0");
  EXPECT_EQ(cfg->listen_port, 9000);
  EXPECT_EQ(cfg->database_url(), "sqlite:/tmp/x/suda.db");
  EXPECT_EQ(cfg->login_per_ip_per_minute, 5u);
}

TEST(Config, RejectsAMalformedListenAddress) {
  for (const char* bad : {"8080", "host:", "host:99999", ":80"}) {
    const char* argv[] = {"suda", "--listen", bad};
    EXPECT_FALSE(parse_config(3, argv)) << bad;
  }
}

// suda's config from these flags (after the program name).
result<config> parse(std::vector<const char*> flags) {
  flags.insert(flags.begin(), "suda");
  return parse_config(static_cast<int>(flags.size()), flags.data());
}

TEST(Config, BroadcastLingerIs50MsUnlessSetAndAtMostASecond) {
  EXPECT_EQ(parse({}).value().broadcast_linger_us, 50'000u);
  EXPECT_EQ(parse({"--broadcast-linger-us", "0"}).value().broadcast_linger_us, 0u);
  EXPECT_EQ(parse({"--broadcast-linger-us", "1000001"}).error().code, "bad_option");
}

TEST(Config, ASessionLastsThirtyDaysUnlessSetAndNeverZero) {
  EXPECT_EQ(parse({}).value().session_lifetime_seconds, 30u * 24 * 3600);
  EXPECT_EQ(parse({"--session-lifetime", "3600"}).value().session_lifetime_seconds, 3600u);
  EXPECT_EQ(parse({"--session-lifetime", "0"}).error().code, "bad_option");
}

TEST(Config, RejectsUnknownFlags) {
  const char* argv[] = {"suda", "--no-such-flag"};
  auto cfg = parse_config(2, argv);
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, "bad_option");
}

}  // namespace suda::core
