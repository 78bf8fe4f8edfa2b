#include "net/http/static_files.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace suda::net::http {
namespace {

namespace fs = std::filesystem;

// Writes the generator's bytes as they would go to a socket, and parses them back as a client would.
response render(beast_http::message_generator gen, bool head = false) {
  std::string wire;
  boost::beast::error_code ec;
  while (!gen.is_done()) {
    auto buffers = gen.prepare(ec);
    if (ec) throw boost::system::system_error(ec);
    wire += boost::beast::buffers_to_string(buffers);
    gen.consume(boost::beast::buffer_bytes(buffers));
  }
  beast_http::response_parser<beast_http::string_body> parser;
  parser.eager(true);
  parser.skip(head);
  parser.put(boost::asio::buffer(wire), ec);
  if (ec) throw boost::system::system_error(ec);
  if (!parser.is_done()) throw std::runtime_error("incomplete response: " + wire);
  return parser.release();
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) /
            ("suda_static_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "dist";
    fs::create_directories(root_ / "assets");
    write(root_ / "index.html", "<!doctype html><title>suda</title>");
    write(root_ / "assets" / "index-3f2a1b.js", "console.log('hi')");
    write(root_ / "assets" / "index-3f2a1b.css", "body{}");
    write(root_ / "logo.svg", "<svg/>");
    write(root_ / "favicon.ico", "ico");
    write(root_ / "robots.txt", "User-agent: *");
    write(root_ / "app.wasm", "\0asm");
    write(root_ / "manifest.json", "{}");
    write(root_ / ".env", "SECRET=1");
    write(base_ / "secret.txt", "outside the root");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
  }

  response get(std::string target, verb method = verb::get, std::string if_none_match = "") {
    static_files files(root_);
    request req{method, target, 11};
    if (!if_none_match.empty()) req.set(beast_http::field::if_none_match, if_none_match);
    return render(files.serve(req), method == verb::head);
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, IsAvailableOnlyWithAnIndex) {
  EXPECT_TRUE(static_files(root_).available());
  EXPECT_FALSE(static_files(base_ / "missing").available());
  EXPECT_FALSE(static_files(root_ / "assets").available());
}

TEST_F(StaticFilesTest, ServesTheIndexAtTheRoot) {
  auto res = get("/");
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(res.body(), "<!doctype html><title>suda</title>");
  EXPECT_EQ(res[beast_http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(res[beast_http::field::cache_control], "no-cache");
}

TEST_F(StaticFilesTest, HtmlCarriesSecurityHeaders) {
  auto res = get("/index.html");
  EXPECT_EQ(res["Content-Security-Policy"],
            "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self'; "
            "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "same-origin");
}

TEST_F(StaticFilesTest, SetsTheMimeTypeFromTheExtension) {
  EXPECT_EQ(get("/assets/index-3f2a1b.js")[beast_http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/assets/index-3f2a1b.css")[beast_http::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(get("/logo.svg")[beast_http::field::content_type], "image/svg+xml");
  EXPECT_EQ(get("/favicon.ico")[beast_http::field::content_type], "image/x-icon");
  EXPECT_EQ(get("/robots.txt")[beast_http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(get("/app.wasm")[beast_http::field::content_type], "application/wasm");
  EXPECT_EQ(get("/manifest.json")[beast_http::field::content_type], "application/json");
  EXPECT_EQ(get("/logo.svg").count("Content-Security-Policy"), 0u);  // only HTML documents need it
}

TEST_F(StaticFilesTest, KnowsTheCommonWebTypes) {
  EXPECT_EQ(mime_type(".mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type(".PNG"), "image/png");
  EXPECT_EQ(mime_type(".jpg"), "image/jpeg");
  EXPECT_EQ(mime_type(".webp"), "image/webp");
  EXPECT_EQ(mime_type(".gif"), "image/gif");
  EXPECT_EQ(mime_type(".woff"), "font/woff");
  EXPECT_EQ(mime_type(".woff2"), "font/woff2");
  EXPECT_EQ(mime_type(".map"), "application/json");
  EXPECT_EQ(mime_type(".exe"), "application/octet-stream");
  EXPECT_EQ(mime_type(""), "application/octet-stream");
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableOthersRevalidate) {
  EXPECT_EQ(get("/assets/index-3f2a1b.js")[beast_http::field::cache_control], "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/logo.svg")[beast_http::field::cache_control], "no-cache");
}

TEST_F(StaticFilesTest, AnswersIfNoneMatchWith304) {
  auto first = get("/logo.svg");
  const std::string etag(first[beast_http::field::etag]);
  ASSERT_FALSE(etag.empty());
  auto again = get("/logo.svg", verb::get, etag);
  EXPECT_EQ(again.result(), status::not_modified);
  EXPECT_TRUE(again.body().empty());
  EXPECT_EQ(again[beast_http::field::etag], etag);
  EXPECT_EQ(get("/logo.svg", verb::get, "\"other\", W/" + etag).result(), status::not_modified);
  EXPECT_EQ(get("/logo.svg", verb::get, "\"other\"").result(), status::ok);
}

TEST_F(StaticFilesTest, EtagChangesWithTheFile) {
  const std::string before(get("/robots.txt")[beast_http::field::etag]);
  write(root_ / "robots.txt", "User-agent: *\nDisallow: /");
  const std::string after(get("/robots.txt")[beast_http::field::etag]);
  EXPECT_NE(before, after);
  EXPECT_EQ(get("/robots.txt", verb::get, before).result(), status::ok);
}

TEST_F(StaticFilesTest, HeadHasTheLengthWithoutTheBody) {
  auto res = get("/logo.svg", verb::head);
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(res[beast_http::field::content_length], "6");
  EXPECT_TRUE(res.body().empty());
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToTheIndex) {
  for (std::string target : {"/room/abc", "/login", "/settings/profile?tab=1"}) {
    auto res = get(target);
    EXPECT_EQ(res.result(), status::ok) << target;
    EXPECT_EQ(res.body(), "<!doctype html><title>suda</title>") << target;
    EXPECT_EQ(res[beast_http::field::cache_control], "no-cache") << target;
  }
}

TEST_F(StaticFilesTest, MissingFilesWithAnExtensionAre404) {
  auto res = get("/assets/gone-123.js");
  EXPECT_EQ(res.result(), status::not_found);
  EXPECT_EQ(res[beast_http::field::content_type], "application/json; charset=utf-8");
}

TEST_F(StaticFilesTest, ApiPathsNeverFallBack) {
  for (std::string target : {"/api", "/api/", "/api/rooms", "/api/nothing/here"}) {
    auto res = get(target);
    EXPECT_EQ(res.result(), status::not_found) << target;
    auto body = boost::json::parse(res.body());
    EXPECT_EQ(body.at("error").at("code"), "not_found") << target;
  }
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  for (std::string target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                             "/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
                             "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/..%5csecret.txt",
                             "/..\\secret.txt", "/index.html%00.js", "//secret.txt"}) {
    auto res = get(target);
    EXPECT_TRUE(res.result() == status::bad_request || res.result() == status::not_found)
        << target << " -> " << res.result_int();
    EXPECT_EQ(res.body().find("outside the root"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, DoesNotFollowLinksOutOfTheRoot) {
  fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
  auto res = get("/leak.txt");
  EXPECT_EQ(res.result(), status::not_found);
  EXPECT_EQ(res.body().find("outside the root"), std::string::npos);
}

TEST_F(StaticFilesTest, HidesDotFiles) {
  EXPECT_EQ(get("/.env").result(), status::not_found);
}

TEST_F(StaticFilesTest, OnlyGetAndHeadAreAllowed) {
  auto res = get("/index.html", verb::post);
  EXPECT_EQ(res.result(), status::method_not_allowed);
  EXPECT_EQ(res[beast_http::field::allow], "GET, HEAD");
}

TEST_F(StaticFilesTest, KeepsAliveLikeTheRequest) {
  static_files files(root_);
  request req{verb::get, "/logo.svg", 11};
  req.keep_alive(false);
  EXPECT_FALSE(render(files.serve(req)).keep_alive());
  request old{verb::get, "/logo.svg", 10};
  EXPECT_FALSE(render(files.serve(old)).keep_alive());
}

}  // namespace
}  // namespace suda::net::http
