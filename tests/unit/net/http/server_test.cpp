#include "net/http/server.hpp"

#include "net/http/responses.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace suda::net::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// How long a client waits for anything before failing the test instead of hanging it.
constexpr int client_patience_seconds = 5;

// A blocking test client. Reads go through recv() with SO_RCVTIMEO, so a server that never answers or
// never closes fails the test after `client_patience_seconds` instead of blocking it forever.
class client {
 public:
  explicit client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval patience{client_patience_seconds, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  }

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  response read_response(bool head = false) {
    beast_http::response_parser<beast_http::string_body> parser;
    parser.eager(true);
    parser.skip(head);
    parser.body_limit(16 << 20);
    for (;;) {
      if (!pending_.empty()) {
        boost::beast::error_code ec;
        const auto used = parser.put(asio::buffer(pending_), ec);
        if (ec && ec != beast_http::error::need_more) throw boost::system::system_error(ec);
        pending_.erase(0, used);
        if (parser.is_done()) return parser.release();
        if (used > 0 && !pending_.empty()) continue;
      }
      if (!receive()) throw std::runtime_error("connection closed or silent before a full response");
    }
  }

  // True when the server closes the connection (EOF or reset); false if it is still open after the
  // client's patience ran out. Bytes that arrive meanwhile are kept in `pending_`.
  bool wait_closed() {
    char chunk[4096];
    for (;;) {
      const auto n = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
      if (n > 0) {
        pending_.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) return true;
      if (errno == EINTR) continue;
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

  const std::string& pending() const { return pending_; }

 private:
  bool receive() {
    char chunk[4096];
    for (;;) {
      const auto n = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
      if (n > 0) {
        pending_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }

  asio::io_context io_;  // only for the socket object; every operation on it is blocking
  tcp::socket socket_;
  std::string pending_;
};

std::string get_request(std::string_view target, std::string_view extra_headers = "") {
  return std::string("GET ") + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

std::string post_request(std::string_view target, std::string_view body, std::string_view extra_headers = "") {
  return std::string("POST ") + std::string(target) +
         " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

using reply = asio::awaitable<beast_http::message_generator>;

boost::json::value json_of(const response& res) { return boost::json::parse(res.body()); }

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    config_.listen_host = "127.0.0.1";
    config_.listen_port = 0;
    config_.max_json_body = 1024;
    config_.max_upload_body = 4096;
    config_.read_timeout_seconds = 5;
    config_.idle_timeout_seconds = 5;

    routes_.add(verb::get, "/api/hello/{name}", [](request_context& ctx) -> reply {
      const auto q = ctx.query("q").value_or("");
      co_return json_response(ctx.req, status::ok, {{"hello", ctx.param("name")}, {"ip", ctx.remote_ip}, {"q", q}});
    });
    routes_.add(verb::post, "/api/echo", [](request_context& ctx) -> reply {
      auto body = parse_json_object(ctx.req);
      if (!body) co_return error_response(ctx.req, body.error());
      co_return json_response(ctx.req, status::created, *body);
    });
    routes_.add(verb::put, "/api/me/avatar", [](request_context& ctx) -> reply {
      co_return json_response(ctx.req, status::ok, {{"bytes", ctx.req.body().size()}});
    });
    routes_.add(verb::get, "/api/forbidden", [](request_context&) -> reply {
      throw core::error_exception(core::forbidden("members only"));
      co_return empty_response(request{}, status::no_content);
    });
    routes_.add(verb::get, "/api/bug", [](request_context&) -> reply {
      throw std::logic_error("a bug");
      co_return empty_response(request{}, status::no_content);
    });
    // Answers only when the test releases it, so that a request can be caught in flight.
    routes_.add(verb::get, "/api/slow", [this](request_context& ctx) -> reply {
      slow_started_.set_value();
      co_await slow_gate_.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return json_response(ctx.req, status::ok, {{"slow", true}});
    });
  }

  ~ServerTest() override { shut_down(); }

  void start(const static_files* files = nullptr) {
    server_ = std::make_unique<server>(io_, config_, routes_, files);
    if (upgrade_) server_->set_upgrade_handler(upgrade_);
    server_->start();
    runner_ = std::thread([this] { io_.run(); });
  }

  // Stops the server and waits for it to drain; true when it did within the test's patience.
  bool stop_and_wait() {
    if (!server_ || server_->stopping()) return true;
    auto drained = std::make_shared<std::promise<void>>();
    auto done = drained->get_future();
    server_->stop([drained] { drained->set_value(); });
    return done.wait_for(15s) == std::future_status::ready;
  }

  void shut_down() {
    if (!runner_.joinable()) return;
    stop_and_wait();
    work_.reset();
    io_.stop();
    runner_.join();
  }

  std::uint16_t port() const { return server_->port(); }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::steady_timer slow_gate_{io_, asio::steady_timer::time_point::max()};
  std::promise<void> slow_started_;
  core::config config_;
  router routes_;
  server::upgrade_handler upgrade_;
  std::unique_ptr<server> server_;
  std::thread runner_;
};

TEST_F(ServerTest, BindsAnEphemeralPort) {
  start();
  EXPECT_NE(port(), 0);
}

TEST_F(ServerTest, StartFailsClearlyWhenThePortIsTaken) {
  start();
  core::config same = config_;
  same.listen_port = port();
  server second(io_, same, routes_, nullptr);
  try {
    second.start();
    FAIL() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port())), std::string::npos) << e.what();
  }
}

TEST_F(ServerTest, RouteAnswersJson) {
  start();
  client c(port());
  c.send(get_request("/api/hello/w%C3%B6rld?q=a+b"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(res[beast_http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(json_of(res), (boost::json::value{{"hello", "w\xC3\xB6rld"}, {"ip", "127.0.0.1"}, {"q", "a b"}}));
}

TEST_F(ServerTest, KeepsTheConnectionAliveBetweenRequests) {
  start();
  client c(port());
  c.send(get_request("/api/hello/one"));
  auto first = c.read_response();
  EXPECT_TRUE(first.keep_alive());
  c.send(post_request("/api/echo", R"({"n":2})"));
  auto second = c.read_response();
  EXPECT_EQ(second.result(), status::created);
  EXPECT_EQ(json_of(second), (boost::json::value{{"n", 2}}));
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  client c(port());
  c.send(get_request("/api/hello/a") + get_request("/api/hello/b"));
  EXPECT_EQ(json_of(c.read_response()).at("hello"), "a");
  EXPECT_EQ(json_of(c.read_response()).at("hello"), "b");
}

TEST_F(ServerTest, ClosesWhenTheClientAsksTo) {
  start();
  client c(port());
  c.send(get_request("/api/hello/x", "Connection: close\r\n"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  start();
  client plain(port());
  plain.send("GET /api/hello/x HTTP/1.0\r\n\r\n");
  auto res = plain.read_response();
  EXPECT_EQ(res.version(), 10u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(plain.wait_closed());

  client kept(port());
  kept.send("GET /api/hello/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(kept.read_response().keep_alive());
  kept.send("GET /api/hello/y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(json_of(kept.read_response()).at("hello"), "y");
}

TEST_F(ServerTest, RefusesABodyOverTheLimitWith413AndCloses) {
  start();
  client c(port());
  // The header announces more than max_json_body: refused before a byte of the body is read.
  c.send("POST /api/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2048\r\n\r\n");
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::payload_too_large);
  EXPECT_EQ(json_of(res).at("error").at("code"), "payload_too_large");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, RefusesAChunkedBodyThatGrowsOverTheLimit) {
  start();
  client c(port());
  const std::string chunk(800, 'x');
  c.send("POST /api/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n");
  c.send("320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(c.read_response().result(), status::payload_too_large);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, AvatarUploadsHaveTheLargerLimit) {
  start();
  client c(port());
  const std::string picture(3000, 'p');  // over max_json_body, under max_upload_body
  c.send("PUT /api/me/avatar HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\nContent-Length: 3000\r\n\r\n" +
         picture);
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(json_of(res).at("bytes"), 3000);

  client over(port());
  over.send("PUT /api/me/avatar HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_EQ(over.read_response().result(), status::payload_too_large);
}

TEST_F(ServerTest, SendsContinueToClientsThatExpectIt) {
  start();
  client c(port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
         "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_response().result(), status::continue_);
  c.send(R"({"a":1})");
  EXPECT_EQ(c.read_response().result(), status::created);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  start();
  client c(port());
  c.send(post_request("/api/hello/x", "{}"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::method_not_allowed);
  EXPECT_EQ(res[beast_http::field::allow], "GET");
  EXPECT_EQ(json_of(res).at("error").at("code"), "method_not_allowed");
  EXPECT_TRUE(res.keep_alive());
}

TEST_F(ServerTest, UnknownRoutesAreJson404WithoutStaticFiles) {
  start();
  client c(port());
  c.send(get_request("/api/nothing"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::not_found);
  EXPECT_EQ(json_of(res).at("error").at("code"), "not_found");
  c.send(get_request("/some/page"));
  EXPECT_EQ(c.read_response().result(), status::not_found);
}

TEST_F(ServerTest, UnknownGetsGoToStaticFiles) {
  const auto root = std::filesystem::path(::testing::TempDir()) / ("suda_server_web_" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  std::ofstream(root / "index.html") << "<p>ui</p>";
  static_files files(root);
  start(&files);
  client c(port());
  c.send(get_request("/room/abc"));
  auto page = c.read_response();
  EXPECT_EQ(page.result(), status::ok);
  EXPECT_EQ(page.body(), "<p>ui</p>");
  c.send("HEAD /index.html HTTP/1.1\r\nHost: test\r\n\r\n");
  auto head = c.read_response(true);
  EXPECT_EQ(head[beast_http::field::content_length], "9");
  c.send(post_request("/room/abc", "{}"));  // only GET and HEAD reach the files
  EXPECT_EQ(c.read_response().result(), status::not_found);
  c.send(get_request("/api/unknown"));
  EXPECT_EQ(json_of(c.read_response()).at("error").at("code"), "not_found");
  shut_down();
  std::filesystem::remove_all(root);
}

TEST_F(ServerTest, HandlerErrorsBecomeTheirResponse) {
  start();
  client c(port());
  c.send(get_request("/api/forbidden"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::forbidden);
  EXPECT_EQ(json_of(res), (boost::json::value{{"error", {{"code", "forbidden"}, {"message", "members only"}}}}));
}

TEST_F(ServerTest, UnexpectedExceptionsAre500AndTheConnectionGoesOn) {
  start();
  client c(port());
  c.send(get_request("/api/bug"));
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::internal_server_error);
  EXPECT_EQ(json_of(res).at("error").at("code"), "internal");
  EXPECT_EQ(res.body().find("a bug"), std::string::npos);  // details go to the log, not to clients
  c.send(get_request("/api/hello/again"));
  EXPECT_EQ(c.read_response().result(), status::ok);
}

TEST_F(ServerTest, MalformedHttpIs400AndCloses) {
  start();
  client c(port());
  c.send("GET /api/hello/x HTTP/1.1\r\nHost test\r\n\r\n");  // a header line without a colon
  auto res = c.read_response();
  EXPECT_EQ(res.result(), status::bad_request);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, OversizedHeaderIs431AndCloses) {
  start();
  client c(port());
  c.send(get_request("/api/hello/x", "X-Filler: " + std::string(20 * 1024, 'f') + "\r\n"));
  EXPECT_EQ(c.read_response().result(), status::request_header_fields_too_large);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, ReadTimeoutClosesASlowClient) {
  config_.read_timeout_seconds = 1;
  start();
  client c(port());
  const auto began = std::chrono::steady_clock::now();
  c.send("GET /api/hello/x HTTP/1.1\r\nHost: te");  // and never the rest
  EXPECT_TRUE(c.wait_closed());
  EXPECT_GE(std::chrono::steady_clock::now() - began, 900ms);  // closed by the deadline, not at once
  EXPECT_TRUE(c.pending().empty());
}

TEST_F(ServerTest, ReadTimeoutCoversTheBodyToo) {
  config_.read_timeout_seconds = 1;
  start();
  client c(port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n");
  c.send("{\"a\"");  // 4 of the 10 announced bytes
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosed) {
  config_.idle_timeout_seconds = 1;
  start();
  client c(port());
  c.send(get_request("/api/hello/x"));
  EXPECT_EQ(c.read_response().result(), status::ok);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, ShutdownDrainsAnInFlightRequestThenCompletes) {
  start();
  client idle(port());
  idle.send(get_request("/api/hello/idle"));
  EXPECT_EQ(idle.read_response().result(), status::ok);

  client busy(port());
  auto started = slow_started_.get_future();
  busy.send(get_request("/api/slow"));
  ASSERT_EQ(started.wait_for(std::chrono::seconds(client_patience_seconds)), std::future_status::ready);

  auto drained_promise = std::make_shared<std::promise<void>>();
  auto drained = drained_promise->get_future();
  server_->stop([drained_promise] { drained_promise->set_value(); });

  // The idle connection goes at once; the busy one is still waiting for its answer.
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_EQ(drained.wait_for(0s), std::future_status::timeout);
  EXPECT_THROW(client{port()}, boost::system::system_error);  // no longer accepting

  asio::post(io_, [this] { slow_gate_.cancel(); });
  auto res = busy.read_response();
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(json_of(res).at("slow"), true);
  EXPECT_FALSE(res.keep_alive());  // "Connection: close"
  EXPECT_TRUE(busy.wait_closed());
  EXPECT_EQ(drained.wait_for(std::chrono::seconds(client_patience_seconds)), std::future_status::ready);
}

TEST_F(ServerTest, ShutdownForceClosesWhatIsStillBusyAfterTheGracePeriod) {
  start();
  client busy(port());
  auto started = slow_started_.get_future();
  busy.send(get_request("/api/slow"));  // never released
  ASSERT_EQ(started.wait_for(std::chrono::seconds(client_patience_seconds)), std::future_status::ready);

  auto drained_promise = std::make_shared<std::promise<void>>();
  auto drained = drained_promise->get_future();
  server_->stop([drained_promise] { drained_promise->set_value(); }, 200ms);
  EXPECT_TRUE(busy.wait_closed());
  EXPECT_TRUE(busy.pending().empty());  // closed without an answer
  EXPECT_EQ(drained.wait_for(std::chrono::seconds(client_patience_seconds)), std::future_status::ready);
}

TEST_F(ServerTest, ShutdownWithoutConnectionsCompletesAtOnce) {
  start();
  EXPECT_TRUE(stop_and_wait());
}

TEST_F(ServerTest, UpgradeRequestsAreHandedOver) {
  auto seen = std::make_shared<std::promise<std::string>>();
  upgrade_ = [seen](boost::beast::tcp_stream stream, request req) -> asio::awaitable<void> {
    seen->set_value(std::string(req.target()));
    const std::string reply = "upgraded";
    co_await asio::async_write(stream, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
    stream.close();
  };
  start();
  client c(port());
  c.send(get_request("/socket.io/?EIO=4&transport=websocket",
                     "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.pending(), "upgraded");
  EXPECT_EQ(seen->get_future().get(), "/socket.io/?EIO=4&transport=websocket");
}

TEST_F(ServerTest, UpgradeRequestsAreOrdinaryWithoutAHandler) {
  start();
  client c(port());
  c.send(get_request("/api/hello/ws", "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  EXPECT_EQ(c.read_response().result(), status::ok);
}

}  // namespace
}  // namespace suda::net::http
