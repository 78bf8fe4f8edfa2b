#include "core/utf8.hpp"

#include <gtest/gtest.h>

namespace suda::core {

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("수다"), 2u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);  // an emoji is one character
}

TEST(Utf8, RejectsInvalidSequences) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abc\xE3\x81"));       // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));              // a lone continuation byte
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Utf8, TrimRemovesAsciiAndWideSpacesOnly) {
  EXPECT_EQ(trim("  hi \n"), "hi");
  EXPECT_EQ(trim("\xE3\x80\x80" "안녕" "\xC2\xA0"), "안녕");  // ideographic space, no-break space
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim("a b"), "a b");
}

TEST(Utf8, FindsControlCharactersButAllowsNewlines) {
  EXPECT_FALSE(has_control_characters("line\nnext\ttab"));
  EXPECT_TRUE(has_control_characters(std::string("nul\0here", 8)));
  EXPECT_TRUE(has_control_characters("bell\x07"));
}

}  // namespace suda::core
