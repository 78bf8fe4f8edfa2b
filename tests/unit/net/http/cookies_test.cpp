#include "net/http/cookies.hpp"

#include <gtest/gtest.h>

namespace suda::net::http {
namespace {

using namespace std::chrono_literals;

TEST(Cookies, SessionCookieIsHttpOnlyLaxAndScopedToTheSite) {
  EXPECT_EQ(session_cookie("tok123", 3600s, false),
            "suda_session=tok123; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
}

TEST(Cookies, SessionCookieIsSecureWhenAsked) {
  EXPECT_EQ(session_cookie("tok", std::chrono::hours(24 * 30), true),
            "suda_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000; Secure");
}

TEST(Cookies, ClearingExpiresTheCookieAtOnce) {
  EXPECT_EQ(clear_session_cookie(false), "suda_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  EXPECT_EQ(clear_session_cookie(true), "suda_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
}

TEST(Cookies, NegativeMaxAgeIsClampedToZero) {
  EXPECT_EQ(session_cookie("t", -5s, false), "suda_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

}  // namespace
}  // namespace suda::net::http
