#include "chat/validation.hpp"

#include <gtest/gtest.h>

namespace suda::chat {

TEST(Validation, AcceptsPlausibleEmailsAndTrimsThem) {
  EXPECT_EQ(validate_email(" Kim@Example.com ").value(), "Kim@Example.com");
  EXPECT_TRUE(validate_email("a.b+tag@mail.co.kr"));
}

TEST(Validation, RejectsImplausibleEmails) {
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b..com", "a b@c.com", "a@b@c.com",
                          "a@b.com.", "<a>@b.com"}) {
    auto r = validate_email(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "invalid_email");
  }
}

TEST(Validation, PasswordsNeedEightCharactersNotBytes) {
  EXPECT_FALSE(validate_password("short"));
  EXPECT_TRUE(validate_password("12345678"));
  EXPECT_FALSE(validate_password("비밀번호"));          // 4 characters, 12 bytes
  EXPECT_TRUE(validate_password("비밀번호비밀번호"));   // 8 characters
  EXPECT_FALSE(validate_password(std::string(2000, 'x')));
}

TEST(Validation, MessagesAreTrimmedAndBetweenOneAnd4000Characters) {
  EXPECT_EQ(validate_message("  hello\n ").value(), "hello");
  EXPECT_EQ(validate_message("line1\nline2").value(), "line1\nline2");
  EXPECT_FALSE(validate_message("   \n\t "));
  std::string korean;
  for (int i = 0; i < 4000; ++i) korean += "가";
  EXPECT_TRUE(validate_message(korean));
  EXPECT_FALSE(validate_message(korean + "가"));
  EXPECT_FALSE(validate_message("bell\x07"));
  EXPECT_EQ(validate_message("\xFF").error().code, "invalid_message");
}

TEST(Validation, DisplayNamesAndTitlesAreSingleLines) {
  EXPECT_EQ(validate_display_name(" 민수 ").value(), "민수");
  EXPECT_FALSE(validate_display_name("two\nlines"));
  EXPECT_FALSE(validate_display_name(std::string(51, 'a')));
  EXPECT_FALSE(validate_title(""));
  EXPECT_TRUE(validate_title(std::string(100, 'a')));
  EXPECT_FALSE(validate_title(std::string(101, 'a')));
}

TEST(Validation, ClientMessageIdsArePrintableAscii) {
  EXPECT_TRUE(validate_client_msg_id("c-1700000000-42"));
  EXPECT_FALSE(validate_client_msg_id(""));
  EXPECT_FALSE(validate_client_msg_id("has space"));
  EXPECT_FALSE(validate_client_msg_id(std::string(101, 'a')));
}

TEST(Validation, DefaultDisplayNameIsTheLocalPart) {
  EXPECT_EQ(default_display_name("minsu@example.com"), "minsu");
  EXPECT_EQ(default_display_name(std::string(80, 'a') + "@x.com").size(), 50u);
}

TEST(Validation, PageLimitsAreBetweenOneAndAHundred) {
  EXPECT_FALSE(validate_limit(0));
  EXPECT_FALSE(validate_limit(101));
  EXPECT_EQ(validate_limit(100).value(), 100);
}

}  // namespace suda::chat
