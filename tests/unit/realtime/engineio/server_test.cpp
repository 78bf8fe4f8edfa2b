#include "realtime/engineio/server.hpp"
#include "realtime/engineio/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace suda::realtime::engineio {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using http_reply = http::response<http::string_body>;
using header_list = std::vector<std::pair<std::string, std::string>>;

// How long anything may take before the test fails instead of hanging. Every wait below is for an event
// (a future, a condition); this only bounds a broken server.
constexpr auto patience = 5s;

template <class T>
T wait(std::future<T> pending) {
  if (pending.wait_for(patience) != std::future_status::ready) throw std::runtime_error("timed out waiting");
  return pending.get();
}

// The options every test starts from: heartbeats far away unless a test is about them.
server_options quiet_options() {
  server_options options;
  options.ping_interval = 10s;
  options.ping_timeout = 10s;
  options.upgrade_timeout = 10s;
  return options;
}

// --- what the layer above saw -----------------------------------------------------------------------------

class recorder {
 public:
  void on_connection(const std::shared_ptr<socket>& s) {
    const std::string sid = s->id();
    s->set_handlers({
        [this, sid](std::string text) { add(sid, [&](record& r) { r.events.push_back("text:" + text); }); },
        [this, sid](std::string bytes) { add(sid, [&](record& r) { r.events.push_back("binary:" + bytes); }); },
        [this, sid](std::string_view reason) { add(sid, [&](record& r) { r.closes.emplace_back(reason); }); },
    });
    add(sid, [&](record& r) { r.connection = s; });
  }

  void request_seen(std::string target) {
    std::lock_guard lock(mutex_);
    targets_seen_.push_back(std::move(target));
    changed_.notify_all();
  }
  void wait_request(const std::string& target) {
    const bool seen = wait_for([&] {
      return std::find(targets_seen_.begin(), targets_seen_.end(), target) != targets_seen_.end();
    });
    if (!seen) throw std::runtime_error("request never reached the server: " + target);
  }

  std::shared_ptr<socket> socket_of(const std::string& sid) {
    std::shared_ptr<socket> found;
    wait_for([&] { return (found = records_[sid].connection) != nullptr; });
    if (!found) throw std::runtime_error("no connection for sid " + sid);
    return found;
  }

  // Waits until `sid` has at least `n` events and returns them all.
  std::vector<std::string> events(const std::string& sid, std::size_t n) {
    wait_for([&] { return records_[sid].events.size() >= n; });
    std::lock_guard lock(mutex_);
    return records_[sid].events;
  }

  // Waits for the first on_close of `sid`; "" when none came.
  std::string close_reason(const std::string& sid) {
    wait_for([&] { return !records_[sid].closes.empty(); });
    std::lock_guard lock(mutex_);
    auto& closes = records_[sid].closes;
    return closes.empty() ? std::string() : closes.front();
  }

  std::size_t close_count(const std::string& sid) {
    std::lock_guard lock(mutex_);
    return records_[sid].closes.size();
  }

  bool all_closed() {
    return wait_for([&] {
      for (auto& [sid, r] : records_) {
        if (r.connection && r.closes.empty()) return false;
      }
      return true;
    });
  }

  std::string only_sid() {
    std::string sid;
    wait_for([&] {
      if (records_.size() != 1 || !records_.begin()->second.connection) return false;
      sid = records_.begin()->first;
      return true;
    });
    return sid;
  }

  void forget_sockets() {
    std::lock_guard lock(mutex_);
    for (auto& [sid, r] : records_) r.connection.reset();
  }

 private:
  struct record {
    std::shared_ptr<engineio::socket> connection;
    std::vector<std::string> events;
    std::vector<std::string> closes;
  };

  template <class Fn>
  void add(const std::string& sid, Fn&& fn) {
    std::lock_guard lock(mutex_);
    fn(records_[sid]);
    changed_.notify_all();
  }

  template <class Pred>
  bool wait_for(Pred&& pred) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, pred);
  }

  std::mutex mutex_;  // guards everything below; the server's strands and the test thread both touch it
  std::condition_variable changed_;
  std::map<std::string, record> records_;
  std::vector<std::string> targets_seen_;
};

// --- the server side: a tiny HTTP front end on loopback, as net/http does it --------------------------------

class harness {
 public:
  explicit harness(server_options options = quiet_options()) {
    eio_ = std::make_unique<server>(server_ioc_, std::move(options),
                                    [this](std::shared_ptr<socket> s) { rec.on_connection(s); });
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(server_ioc_, accept_loop(), asio::detached);
    // Two threads, as in production: the strands must do the serializing.
    for (int i = 0; i < 2; ++i) server_threads_.emplace_back([this] { server_ioc_.run(); });
    client_thread_ = std::thread([this] { client_ioc_.run(); });
  }

  ~harness() {
    eio_->shutdown();
    rec.all_closed();
    asio::post(server_ioc_, [this] { acceptor_.close(); });
    server_ioc_.stop();
    for (auto& t : server_threads_) t.join();
    client_work_.reset();
    client_ioc_.stop();
    client_thread_.join();
    rec.forget_sockets();
    eio_.reset();
  }

  server& eio() { return *eio_; }
  std::uint16_t port() const { return port_; }
  asio::io_context& client_ioc() { return client_ioc_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  // --- HTTP client (each request on its own connection, run on the client thread) ---

  std::future<http_reply> start(http::verb method, std::string target, std::string body = {}, header_list headers = {}) {
    return asio::co_spawn(client_ioc_, exchange(port_, method, std::move(target), std::move(body), std::move(headers)),
                          asio::use_future);
  }
  http_reply request(http::verb method, std::string target, std::string body = {}, header_list headers = {}) {
    return wait(start(method, std::move(target), std::move(body), std::move(headers)));
  }
  http_reply get(const std::string& target, header_list headers = {}) {
    return request(http::verb::get, target, {}, std::move(headers));
  }

  static std::string polling(const std::string& sid = {}) {
    return "/engine.io/?EIO=4&transport=polling" + (sid.empty() ? std::string() : "&sid=" + sid);
  }
  std::future<http_reply> start_poll(const std::string& sid) { return start(http::verb::get, polling(sid)); }
  http_reply poll(const std::string& sid) { return get(polling(sid)); }
  http_reply post(const std::string& sid, std::string body) {
    return request(http::verb::post, polling(sid), std::move(body), {{"Content-Type", "text/plain;charset=UTF-8"}});
  }

  // Opens a polling session and returns its sid (the open packet checked by the handshake test).
  std::string handshake() {
    auto res = get(polling());
    if (res.result() != http::status::ok || res.body().empty() || res.body()[0] != '0') {
      throw std::runtime_error("handshake failed: " + res.body());
    }
    return boost::json::parse(res.body().substr(1)).as_object().at("sid").as_string().c_str();
  }

  // Starts a GET on `sid` and returns once the server holds it (it reached the session's strand with
  // nothing to send), so a test can tell "released by X" from "answered at once".
  std::future<http_reply> park_poll(const std::string& sid) {
    // A unique target (clients add t=... the same way) tells this request from any other.
    const auto target = polling(sid) + "&t=park" + std::to_string(++parked_);
    auto pending = start(http::verb::get, target);
    rec.wait_request(target);
    settle(rec.socket_of(sid));
    return pending;
  }

  // Returns once the socket's strand has run everything posted to it before this call.
  static void settle(const std::shared_ptr<socket>& s) {
    std::promise<void> done;
    auto finished = done.get_future();
    asio::post(s->get_executor(), [&done] { done.set_value(); });
    wait(std::move(finished));
  }

  recorder rec;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(server_ioc_), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(socket.get_executor(), serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> serve(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(16 << 20);
      auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto req = parser.release();
      // Posted to this connection's strand: it runs after handle_http below has handed the request to the
      // session (that happens before handle_http first suspends), which park_poll relies on.
      asio::post(stream.get_executor(), [this, target = std::string(req.target())] { rec.request_seen(target); });
      if (websocket::is_upgrade(req)) {
        auto upgraded = eio_->handle_websocket(std::move(stream), std::move(req), "127.0.0.1");
        co_await std::move(upgraded);
        co_return;
      }
      const bool keep_alive = req.keep_alive();
      auto handling = eio_->handle_http(req, "127.0.0.1");
      auto reply = co_await std::move(handling);
      auto [wec, written] = co_await beast::async_write(stream, std::move(reply), asio::as_tuple(asio::use_awaitable));
      if (wec || !keep_alive) co_return;
    }
  }

  static asio::awaitable<http_reply> exchange(std::uint16_t port, http::verb method, std::string target,
                                              std::string body, header_list headers) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(patience);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::user_agent, "engineio-test");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    if (method == http::verb::post || !req.body().empty()) req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http_reply res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    co_return res;
  }

  asio::io_context server_ioc_;
  asio::io_context client_ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> client_work_ = asio::make_work_guard(client_ioc_);
  std::unique_ptr<server> eio_;
  tcp::acceptor acceptor_{server_ioc_};
  std::uint16_t port_ = 0;
  int parked_ = 0;
  std::vector<std::thread> server_threads_;
  std::thread client_thread_;
};

// --- a WebSocket client (operations run on the harness's client thread) ------------------------------------

struct ws_message {
  bool binary = false;
  std::string data;
};

class ws_client {
 public:
  explicit ws_client(harness& h) : h_(h), ws_(h.client_ioc()) {}

  // Opens the WebSocket; false (and `refusal` holds the server's answer) when the upgrade is refused.
  bool connect(const std::string& target, header_list headers = {}) {
    return wait(asio::co_spawn(h_.client_ioc(), do_connect(target, std::move(headers)), asio::use_future));
  }
  static std::string direct() { return "/engine.io/?EIO=4&transport=websocket"; }
  static std::string upgrade(const std::string& sid) { return direct() + "&sid=" + sid; }

  void write(std::string data, bool binary = false) {
    wait(asio::co_spawn(h_.client_ioc(), do_write(std::move(data), binary), asio::use_future));
  }
  // Writes `data` `times` times, stopping quietly at the first error (the server may close midway).
  void write_repeatedly(std::string data, int times) {
    wait(asio::co_spawn(h_.client_ioc(), do_write_repeatedly(std::move(data), times), asio::use_future));
  }
  ws_message read() { return wait(asio::co_spawn(h_.client_ioc(), do_read(), asio::use_future)); }
  std::string read_text() {
    auto message = read();
    if (message.binary) throw std::runtime_error("expected a text frame");
    return message.data;
  }

  // Reads until the server ends the connection; returns the frames that came before, and the error.
  std::pair<std::vector<std::string>, boost::system::error_code> read_until_closed() {
    return wait(asio::co_spawn(h_.client_ioc(), do_read_until_closed(), asio::use_future));
  }

  websocket::response_type refusal;

 private:
  asio::awaitable<bool> do_connect(std::string target, header_list headers) {
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.expires_after(patience);
    co_await tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), h_.port()), asio::use_awaitable);
    tcp_layer.expires_never();
    tcp_layer.socket().set_option(tcp::no_delay(true));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = patience;
    timeouts.idle_timeout = patience;  // a read that gets nothing fails instead of hanging
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    const auto host = h_.host();
    auto [ec] = co_await ws_.async_handshake(refusal, host, target, asio::as_tuple(asio::use_awaitable));
    if (ec == websocket::error::upgrade_declined) co_return false;
    if (ec) throw boost::system::system_error(ec);
    co_return true;
  }

  asio::awaitable<void> do_write(std::string data, bool binary) {
    ws_.binary(binary);
    co_await ws_.async_write(asio::buffer(data), asio::use_awaitable);
  }

  asio::awaitable<void> do_write_repeatedly(std::string data, int times) {
    ws_.text(true);
    for (int i = 0; i < times; ++i) {
      auto [ec, bytes] = co_await ws_.async_write(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
  }

  asio::awaitable<ws_message> do_read() {
    beast::flat_buffer buffer;
    co_await ws_.async_read(buffer, asio::use_awaitable);
    co_return ws_message{ws_.got_binary(), beast::buffers_to_string(buffer.data())};
  }

  asio::awaitable<std::pair<std::vector<std::string>, boost::system::error_code>> do_read_until_closed() {
    std::vector<std::string> frames;
    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, bytes] = co_await ws_.async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return std::make_pair(std::move(frames), ec);
      frames.push_back(beast::buffers_to_string(buffer.data()));
    }
  }

  harness& h_;
  websocket::stream<beast::tcp_stream> ws_;
};

boost::json::object json_of(const http_reply& res) { return boost::json::parse(res.body()).as_object(); }

// Expects an Engine.IO HTTP error: status, and the reference's {"code":N,"message":"..."}.
void expect_error(const http_reply& res, http::status status, int code, std::string_view message) {
  EXPECT_EQ(res.result(), status) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/json");
  auto body = json_of(res);
  EXPECT_EQ(body.at("code").as_int64(), code);
  EXPECT_EQ(body.at("message").as_string(), message);
}

const std::string binary_1234("\x01\x02\x03\x04", 4);

// --- handshake and errors -----------------------------------------------------------------------------------

TEST(engineio_server, handshake_opens_a_polling_session_with_the_configured_options) {
  auto options = quiet_options();
  options.ping_interval = 25000ms;
  options.ping_timeout = 20000ms;
  options.max_payload = 1000000;
  harness h(options);

  auto res = h.get(harness::polling());
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; charset=UTF-8");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  ASSERT_FALSE(res.body().empty());
  EXPECT_EQ(res.body()[0], '0');
  auto open = boost::json::parse(res.body().substr(1)).as_object();
  const std::string sid(open.at("sid").as_string());
  EXPECT_GE(sid.size(), 20u);
  EXPECT_EQ(sid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_EQ(boost::json::serialize(open.at("upgrades")), R"(["websocket"])");
  EXPECT_EQ(open.at("pingInterval").as_int64(), 25000);
  EXPECT_EQ(open.at("pingTimeout").as_int64(), 20000);
  EXPECT_EQ(open.at("maxPayload").as_int64(), 1000000);
  EXPECT_EQ(open.size(), 5u);

  auto s = h.rec.socket_of(sid);
  EXPECT_EQ(s->id(), sid);
  EXPECT_EQ(s->info().remote_ip, "127.0.0.1");
  EXPECT_EQ(s->info().user_agent, "engineio-test");
  EXPECT_EQ(h.eio().connection_count(), 1u);

  EXPECT_NE(h.handshake(), sid);  // every handshake is a new session
  EXPECT_EQ(h.eio().connection_count(), 2u);
}

TEST(engineio_server, handshakes_beyond_max_connections_are_refused_with_503) {
  auto options = quiet_options();
  options.max_connections = 1;
  harness h(options);
  const auto sid = h.handshake();
  EXPECT_EQ(h.get(harness::polling()).result(), http::status::service_unavailable);
  ws_client ws(h);
  EXPECT_FALSE(ws.connect(ws_client::direct()));
  EXPECT_EQ(ws.refusal.result(), http::status::service_unavailable);
  h.rec.socket_of(sid)->close("make room");
  EXPECT_EQ(h.poll(sid).body(), "1");  // takes the close packet: the session is gone
  EXPECT_NE(h.handshake(), sid);
}

TEST(engineio_server, bad_requests_get_the_reference_error_codes) {
  harness h;
  expect_error(h.get("/engine.io/?EIO=4"), http::status::bad_request, 0, "Transport unknown");
  expect_error(h.get("/engine.io/?EIO=4&transport=abc"), http::status::bad_request, 0, "Transport unknown");
  expect_error(h.get(harness::polling("no-such-sid")), http::status::bad_request, 1, "Session ID unknown");
  expect_error(h.request(http::verb::post, harness::polling(), "4hello"), http::status::bad_request, 2,
               "Bad handshake method");
  expect_error(h.request(http::verb::put, harness::polling()), http::status::bad_request, 2, "Bad handshake method");
  expect_error(h.get("/engine.io/?EIO=4&transport=websocket"), http::status::bad_request, 3, "Bad request");
  expect_error(h.get("/engine.io/?EIO=3&transport=polling"), http::status::bad_request, 5,
               "Unsupported protocol version");
  expect_error(h.get("/engine.io/?transport=polling"), http::status::bad_request, 5, "Unsupported protocol version");
  EXPECT_EQ(h.eio().connection_count(), 0u);  // none of them opened a session
}

// --- long-polling -------------------------------------------------------------------------------------------

TEST(engineio_server, posted_packets_reach_the_handlers_in_order) {
  harness h;
  const auto sid = h.handshake();
  auto res = h.post(sid, "4first\x1e" "bAQIDBA==\x1e" "4second");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "ok");
  EXPECT_EQ(res[http::field::content_type], "text/plain; charset=UTF-8");
  EXPECT_EQ(h.rec.events(sid, 3), (std::vector<std::string>{"text:first", "binary:" + binary_1234, "text:second"}));
}

TEST(engineio_server, sent_messages_come_back_in_one_payload_with_binary_as_base64) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  EXPECT_TRUE(s->send(text_frame("hello")));
  EXPECT_TRUE(s->send(binary_frame(binary_1234)));
  EXPECT_TRUE(s->send_all({text_frame("with attachment"), binary_frame("\xff")}));
  auto res = h.poll(sid);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "4hello\x1e" "bAQIDBA==\x1e" "4with attachment\x1e" "b/w==");
}

TEST(engineio_server, a_waiting_get_is_released_by_send) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  auto pending = h.park_poll(sid);
  EXPECT_EQ(pending.wait_for(0ms), std::future_status::timeout);  // held: nothing to send yet
  EXPECT_TRUE(s->send(text_frame("released")));
  auto res = wait(std::move(pending));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "4released");
}

TEST(engineio_server, a_second_get_while_one_waits_closes_the_session) {
  harness h;
  const auto sid = h.handshake();
  auto first = h.park_poll(sid);
  expect_error(h.poll(sid), http::status::bad_request, 3, "Bad request");
  auto res = wait(std::move(first));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "1");  // the close packet
  EXPECT_EQ(h.rec.close_reason(sid), "transport error");
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
}

TEST(engineio_server, a_client_close_packet_ends_the_waiting_get_with_a_noop) {
  harness h;
  const auto sid = h.handshake();
  auto pending = h.park_poll(sid);
  EXPECT_EQ(h.post(sid, "1").body(), "ok");
  EXPECT_EQ(wait(std::move(pending)).body(), "6");
  EXPECT_EQ(h.rec.close_reason(sid), "transport close");
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
  EXPECT_EQ(h.eio().connection_count(), 0u);
}

TEST(engineio_server, a_malformed_payload_closes_that_session_only) {
  harness h;
  const auto broken = h.handshake();
  const auto healthy = h.handshake();
  expect_error(h.post(broken, "abc"), http::status::bad_request, 3, "Bad request");
  EXPECT_EQ(h.rec.close_reason(broken), "parse error");
  expect_error(h.poll(broken), http::status::bad_request, 1, "Session ID unknown");

  EXPECT_EQ(h.post(healthy, "4still here").body(), "ok");
  EXPECT_EQ(h.rec.events(healthy, 1), std::vector<std::string>{"text:still here"});
  EXPECT_EQ(h.rec.close_count(healthy), 0u);
}

TEST(engineio_server, an_oversized_post_gets_413_and_closes_the_session) {
  auto options = quiet_options();
  options.max_payload = 100;
  harness h(options);
  const auto sid = h.handshake();
  auto res = h.post(sid, "4" + std::string(200, 'x'));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(h.rec.close_reason(sid), "payload too large");
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
  EXPECT_EQ(h.rec.events(sid, 0).size(), 0u);  // nothing of it was delivered
}

TEST(engineio_server, a_session_that_does_not_read_is_closed_at_its_queue_bound) {
  auto options = quiet_options();
  options.max_queued_packets = 3;
  harness h(options);
  const auto sid = h.handshake();  // takes the open packet, so the queue is empty
  auto s = h.rec.socket_of(sid);
  EXPECT_TRUE(s->send(text_frame("1")));
  EXPECT_TRUE(s->send(text_frame("2")));
  EXPECT_TRUE(s->send(text_frame("3")));
  EXPECT_FALSE(s->send(text_frame("4")));
  EXPECT_EQ(h.rec.close_reason(sid), "backpressure");
  EXPECT_FALSE(s->send(text_frame("5")));
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
  EXPECT_EQ(h.rec.close_count(sid), 1u);
}

TEST(engineio_server, close_delivers_what_was_queued_then_refuses_sends_and_reports_once) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  EXPECT_TRUE(s->send(text_frame("bye")));
  s->close("test");
  EXPECT_FALSE(s->send(text_frame("too late")));
  s->close("again");  // idempotent
  EXPECT_EQ(h.rec.close_reason(sid), "forced close");
  EXPECT_EQ(h.poll(sid).body(), "4bye\x1e" "1");
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
  harness::settle(s);
  EXPECT_EQ(h.rec.close_count(sid), 1u);
}

// --- heartbeat ----------------------------------------------------------------------------------------------

TEST(engineio_server, the_server_pings_and_pongs_keep_the_session_alive) {
  auto options = quiet_options();
  options.ping_interval = 100ms;
  options.ping_timeout = 150ms;
  harness h(options);
  const auto sid = h.handshake();
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 4; ++round) {
    auto ping = h.poll(sid);  // held until the ping is due
    ASSERT_EQ(ping.result(), http::status::ok);
    ASSERT_EQ(ping.body(), "2");
    ASSERT_EQ(h.post(sid, "3").body(), "ok");
  }
  // Longer than ping_interval + ping_timeout: only the pongs can have kept it open.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(h.rec.close_count(sid), 0u);
  EXPECT_EQ(h.eio().connection_count(), 1u);
}

TEST(engineio_server, a_missing_pong_closes_the_session_with_ping_timeout) {
  auto options = quiet_options();
  options.ping_interval = 100ms;
  options.ping_timeout = 100ms;
  harness h(options);
  const auto sid = h.handshake();
  EXPECT_EQ(h.rec.close_reason(sid), "ping timeout");
  expect_error(h.poll(sid), http::status::bad_request, 1, "Session ID unknown");
}

TEST(engineio_server, a_websocket_client_that_stops_answering_pings_is_closed) {
  auto options = quiet_options();
  options.ping_interval = 100ms;
  options.ping_timeout = 100ms;
  harness h(options);
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  EXPECT_EQ(ws.read_text()[0], '0');
  const auto sid = h.rec.only_sid();
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(ws.read_text(), "2");
    ws.write("3");
  }
  EXPECT_EQ(h.rec.close_count(sid), 0u);
  auto [frames, ec] = ws.read_until_closed();
  EXPECT_EQ(frames, std::vector<std::string>{"2"});
  EXPECT_TRUE(ec);
  EXPECT_EQ(h.rec.close_reason(sid), "ping timeout");
}

// --- WebSocket ----------------------------------------------------------------------------------------------

TEST(engineio_server, a_direct_websocket_starts_with_the_open_packet_and_carries_text_and_binary) {
  harness h;
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  const auto open_packet = ws.read_text();
  ASSERT_EQ(open_packet[0], '0');
  auto open = boost::json::parse(open_packet.substr(1)).as_object();
  EXPECT_EQ(boost::json::serialize(open.at("upgrades")), "[]");
  const std::string sid(open.at("sid").as_string());
  auto s = h.rec.socket_of(sid);

  ws.write("4hi");
  ws.write(binary_1234, /*binary=*/true);
  ws.write("bAQIDBA==");  // a forceBase64 client's binary form
  EXPECT_EQ(h.rec.events(sid, 3),
            (std::vector<std::string>{"text:hi", "binary:" + binary_1234, "binary:" + binary_1234}));

  EXPECT_TRUE(s->send(text_frame("yo")));
  EXPECT_TRUE(s->send_all({text_frame("event"), binary_frame(binary_1234)}));
  EXPECT_EQ(ws.read_text(), "4yo");
  EXPECT_EQ(ws.read_text(), "4event");
  auto attachment = ws.read();
  EXPECT_TRUE(attachment.binary);
  EXPECT_EQ(attachment.data, binary_1234);

  // Polling requests for a WebSocket session are refused.
  expect_error(h.poll(sid), http::status::bad_request, 3, "Bad request");

  ws.write("1");  // the client closes
  EXPECT_EQ(h.rec.close_reason(sid), "transport close");
}

// Runs `fn` on the session's strand and returns its value.
template <class Fn>
auto on_strand(const std::shared_ptr<socket>& s, Fn fn) {
  std::promise<std::invoke_result_t<Fn&>> result;
  auto value = result.get_future();
  asio::post(s->get_executor(), [&] { result.set_value(fn()); });
  return wait(std::move(value));
}

// Runs `fn` on the Engine.IO session behind `s`, on its strand, and returns its value.
template <class Fn>
auto on_session(const std::shared_ptr<socket>& s, Fn fn) {
  auto eio_session = std::dynamic_pointer_cast<session>(s);
  if (!eio_session) throw std::logic_error("not an Engine.IO session");
  return on_strand(s, [&] { return fn(*eio_session); });
}

// Socket writes of the WebSocket carrying `s` so far.
std::uint64_t websocket_writes(const std::shared_ptr<socket>& s) {
  return on_session(s, [](const session& e) { return e.websocket_writes(); });
}

// Opens a direct WebSocket, reads its open packet (which comes with the 101), and returns the server's socket
// for it. Throws, which fails the test, when the upgrade is refused.
std::shared_ptr<socket> open_direct_websocket(harness& h, ws_client& ws) {
  if (!ws.connect(ws_client::direct())) throw std::runtime_error("the WebSocket upgrade was refused");
  ws.read_text();
  return h.rec.socket_of(h.rec.only_sid());
}

TEST(engineio_server, a_websocket_handshake_beast_refuses_still_gets_its_error_answer) {
  harness h;
  // Passes Engine.IO's checks (transport, EIO, origin) but not Beast's: a WebSocket version other than 13.
  // The answer Beast writes is held for the open packet that never comes, so the server must send it anyway.
  auto res = h.request(http::verb::get, "/engine.io/?EIO=4&transport=websocket", {},
                       {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                        {"Sec-WebSocket-Version", "12"}});
  EXPECT_EQ(res.result(), http::status::upgrade_required);
  EXPECT_EQ(res[http::field::sec_websocket_version], "13");
  EXPECT_EQ(h.eio().connection_count(), 0u);
}

TEST(engineio_server, a_direct_websocket_gets_its_handshake_answer_and_open_packet_in_one_socket_write) {
  harness h;
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  EXPECT_EQ(ws.read_text().substr(0, 1), "0");  // the open packet, right after the 101
  auto s = h.rec.socket_of(h.rec.only_sid());
  EXPECT_EQ(websocket_writes(s), 1u);
  // Held only until then: what follows is written as usual.
  EXPECT_TRUE(s->send(text_frame("next")));
  EXPECT_EQ(ws.read_text(), "4next");
  EXPECT_EQ(websocket_writes(s), 2u);
}

TEST(engineio_server, a_hold_keeps_answers_queued_until_the_release_and_sends_them_in_one_write) {
  harness h;
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);
  const auto before = websocket_writes(s);
  on_strand(s, [&] {
    s->hold_writes(30s);  // far longer than the test: only the release can end it
    return true;
  });
  EXPECT_TRUE(s->send(text_frame("answer")));
  harness::settle(s);
  EXPECT_TRUE(s->send(text_frame("event")));
  harness::settle(s);
  EXPECT_EQ(websocket_writes(s), before);  // held, although neither may linger
  s->release_writes();
  EXPECT_EQ(ws.read_text(), "4answer");
  EXPECT_EQ(ws.read_text(), "4event");
  EXPECT_EQ(websocket_writes(s), before + 1);
  // Released for good: the next packet goes at once.
  EXPECT_TRUE(s->send(text_frame("later")));
  EXPECT_EQ(ws.read_text(), "4later");
}

TEST(engineio_server, a_hold_that_is_never_released_ends_at_its_bound) {
  harness h;
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);
  on_strand(s, [&] {
    s->hold_writes(200ms);
    return true;
  });
  EXPECT_TRUE(s->send(text_frame("answer")));
  EXPECT_EQ(ws.read_text(), "4answer");  // the read waits up to its own patience, seconds
}

std::size_t websocket_write_buffer_bytes(const std::shared_ptr<socket>& s) {
  return on_session(s, [](const session& e) { return e.websocket_write_buffer_bytes(); });
}

TEST(engineio_server, an_idle_websocket_gives_back_a_small_write_buffer_at_once_and_keeps_a_grown_one) {
  harness h;
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);  // the 101 and the open packet: a small buffer
  harness::settle(s);  // the write's completion, which finds the writer idle
  EXPECT_EQ(websocket_write_buffer_bytes(s), 0u);

  const std::string big(3000, 'x');  // a batch that grows the buffer past the small size
  EXPECT_TRUE(s->send(text_frame(big)));
  EXPECT_EQ(ws.read_text(), "4" + big);
  harness::settle(s);
  EXPECT_GE(websocket_write_buffer_bytes(s), big.size());  // kept for the next batch, until the next ping
}

frame lingering(std::string data) {
  auto f = text_frame(std::move(data));
  f.may_linger = true;
  return f;
}

TEST(engineio_server, a_busy_websocket_holds_broadcasts_until_an_answer_takes_them_along) {
  auto options = quiet_options();
  options.broadcast_linger = 30s;  // far longer than the test: only the answer can release what waits
  harness h(options);
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);  // the open packet
  EXPECT_TRUE(s->send(lingering("first")));  // a socket's first broadcast never waits, and makes it busy
  EXPECT_EQ(ws.read_text(), "4first");
  const auto before = websocket_writes(s);

  EXPECT_TRUE(s->send(lingering("a")));
  harness::settle(s);
  EXPECT_TRUE(s->send(lingering("b")));
  harness::settle(s);
  EXPECT_EQ(websocket_writes(s), before);  // both wait
  EXPECT_TRUE(s->send(text_frame("answer")));  // an ack, say: never waits, and takes the broadcasts along
  EXPECT_EQ(ws.read_text(), "4a");
  EXPECT_EQ(ws.read_text(), "4b");
  EXPECT_EQ(ws.read_text(), "4answer");
  EXPECT_EQ(websocket_writes(s), before + 1);  // one socket write for the three
}

TEST(engineio_server, a_lingering_broadcast_is_written_when_the_linger_ends) {
  auto options = quiet_options();
  options.broadcast_linger = 200ms;
  harness h(options);
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);
  EXPECT_TRUE(s->send(lingering("first")));
  EXPECT_EQ(ws.read_text(), "4first");
  EXPECT_TRUE(s->send(lingering("a")));
  EXPECT_TRUE(s->send(lingering("b")));
  // No answer follows: the writer's timer writes them (the read waits up to its own patience, seconds).
  EXPECT_EQ(ws.read_text(), "4a");
  EXPECT_EQ(ws.read_text(), "4b");
}

TEST(engineio_server, answers_alone_do_not_make_a_websocket_busy_so_the_next_broadcast_goes_at_once) {
  auto options = quiet_options();
  options.broadcast_linger = 30s;  // far longer than the read's patience: a held frame would fail the test
  harness h(options);
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);  // the open packet, written just now
  EXPECT_TRUE(s->send(text_frame("ack")));  // an answer, written just now too
  EXPECT_EQ(ws.read_text(), "4ack");
  const auto before = websocket_writes(s);
  EXPECT_TRUE(s->send(lingering("a")));  // the first broadcast: nothing to wait for
  EXPECT_EQ(ws.read_text(), "4a");
  EXPECT_EQ(websocket_writes(s), before + 1);
}

TEST(engineio_server, without_a_linger_broadcasts_are_written_at_once) {
  harness h;  // broadcast_linger 0, the default
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);
  const auto before = websocket_writes(s);
  EXPECT_TRUE(s->send(lingering("a")));
  EXPECT_EQ(ws.read_text(), "4a");
  EXPECT_EQ(websocket_writes(s), before + 1);
}

TEST(engineio_server, a_websocket_peer_that_stops_reading_is_closed_at_its_queue_bound) {
  auto options = quiet_options();
  options.max_queued_bytes = 1 << 20;
  harness h(options);
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  ws.read_text();  // the open packet; the client reads nothing more
  const auto sid = h.rec.only_sid();
  auto s = h.rec.socket_of(sid);
  // Each send reaches the strand before the next, so the writer takes them one by one until its socket write
  // stalls on the full kernel buffers; from then on they wait in the outbox, up to its bound.
  const auto chunk = text_frame(std::string(16 * 1024, 'x'));
  int sent = 0;
  while (sent < 20000 && s->send(chunk)) {
    ++sent;
    harness::settle(s);
  }
  EXPECT_LT(sent, 20000);
  EXPECT_EQ(h.rec.close_reason(sid), "backpressure");
  EXPECT_FALSE(s->send(chunk));
  EXPECT_EQ(h.rec.close_count(sid), 1u);
}

TEST(engineio_server, a_malformed_websocket_packet_closes_the_session) {
  harness h;
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  ws.read_text();
  const auto sid = h.rec.only_sid();
  ws.write("abc");
  auto [frames, ec] = ws.read_until_closed();
  EXPECT_TRUE(ec);
  EXPECT_EQ(h.rec.close_reason(sid), "parse error");
}

TEST(engineio_server, websocket_messages_longer_than_the_idle_read_buffer_arrive_whole_and_in_order) {
  // The reader waits with a small buffer and grows it for a longer message: what arrives must be the same.
  harness h;
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  const auto open_packet = ws.read_text();
  const std::string sid(boost::json::parse(open_packet.substr(1)).as_object().at("sid").as_string());
  std::string long_text(10000, 'a');
  for (std::size_t i = 0; i < long_text.size(); i += 97) long_text[i] = static_cast<char>('b' + i % 20);
  std::string long_binary(70000, '\0');
  for (std::size_t i = 0; i < long_binary.size(); ++i) long_binary[i] = static_cast<char>(i * 31 % 251);

  ws.write("4" + long_text);
  ws.write("4short");
  ws.write(long_binary, /*binary=*/true);
  ws.write("4" + std::string(257, 'z'));  // just past the idle buffer
  EXPECT_EQ(h.rec.events(sid, 4), (std::vector<std::string>{"text:" + long_text, "text:short",
                                                             "binary:" + long_binary,
                                                             "text:" + std::string(257, 'z')}));
}

TEST(engineio_server, an_oversized_websocket_message_closes_only_that_connection) {
  auto options = quiet_options();
  options.max_payload = 100;
  harness h(options);
  ws_client big(h);
  ws_client small(h);
  ASSERT_TRUE(big.connect(ws_client::direct()));
  const auto big_open = big.read_text();
  ASSERT_TRUE(small.connect(ws_client::direct()));
  const auto small_open = small.read_text();
  const std::string big_sid(boost::json::parse(big_open.substr(1)).as_object().at("sid").as_string());
  const std::string small_sid(boost::json::parse(small_open.substr(1)).as_object().at("sid").as_string());

  big.write("4" + std::string(200, 'x'));
  auto [frames, ec] = big.read_until_closed();
  EXPECT_TRUE(ec);
  EXPECT_EQ(h.rec.close_reason(big_sid), "payload too large");

  small.write("4fine");
  EXPECT_EQ(h.rec.events(small_sid, 1), std::vector<std::string>{"text:fine"});
  EXPECT_TRUE(h.rec.socket_of(small_sid)->send(text_frame("still open")));
  EXPECT_EQ(small.read_text(), "4still open");
  EXPECT_EQ(h.rec.close_count(small_sid), 0u);
}

TEST(engineio_server, a_websocket_ping_flood_is_cut_off) {
  harness h;
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  ws.read_text();
  const auto sid = h.rec.only_sid();
  ws.write_repeatedly("2", 20);
  auto [frames, ec] = ws.read_until_closed();
  EXPECT_TRUE(ec);
  EXPECT_LE(frames.size(), 10u);  // a few pongs at most, then the connection is closed
  for (const auto& frame : frames) EXPECT_EQ(frame, "3");
  EXPECT_EQ(h.rec.close_reason(sid), "transport error");
}

// --- sending from many threads -------------------------------------------------------------------------------

// Sends `per_thread` messages "<thread>:<n>" from each of `threads` threads at once.
void send_from_threads(const std::shared_ptr<socket>& s, int threads, int per_thread) {
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&s, t, per_thread] {
      for (int n = 0; n < per_thread; ++n) {
        if (!s->send(text_frame(std::to_string(t) + ":" + std::to_string(n)))) throw std::runtime_error("send refused");
      }
    });
  }
  for (auto& sender : senders) sender.join();
}

// Checks that every message arrived exactly once and each thread's in the order it sent them.
void expect_each_once_in_order(const std::vector<std::string>& received, int threads, int per_thread) {
  std::vector<int> next(static_cast<std::size_t>(threads), 0);
  for (const auto& message : received) {
    ASSERT_EQ(message[0], '4') << message;
    const auto colon = message.find(':');
    const int t = std::stoi(message.substr(1, colon - 1));
    const int n = std::stoi(message.substr(colon + 1));
    ASSERT_EQ(n, next[static_cast<std::size_t>(t)]) << "thread " << t;
    ++next[static_cast<std::size_t>(t)];
  }
  for (int t = 0; t < threads; ++t) EXPECT_EQ(next[static_cast<std::size_t>(t)], per_thread);
}

TEST(engineio_server, messages_sent_from_several_threads_arrive_once_and_in_order_over_polling) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  std::vector<std::string> received;
  auto client = std::async(std::launch::async, [&] {
    while (received.size() < threads * per_thread) {
      auto res = h.poll(sid);
      if (res.result() != http::status::ok) throw std::runtime_error("poll failed: " + res.body());
      std::size_t start = 0;
      for (;;) {
        const auto end = res.body().find('\x1e', start);
        received.push_back(res.body().substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
  });
  send_from_threads(s, threads, per_thread);
  wait(std::move(client));
  expect_each_once_in_order(received, threads, per_thread);
}

TEST(engineio_server, messages_sent_from_several_threads_arrive_once_and_in_order_over_websocket) {
  harness h;
  ws_client ws(h);
  auto s = open_direct_websocket(h, ws);
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  std::vector<std::string> received;
  auto client = std::async(std::launch::async, [&] {
    while (received.size() < threads * per_thread) received.push_back(ws.read_text());
  });
  send_from_threads(s, threads, per_thread);
  wait(std::move(client));
  expect_each_once_in_order(received, threads, per_thread);
}

// --- the upgrade from polling to WebSocket ------------------------------------------------------------------

TEST(engineio_server, the_upgrade_moves_the_session_to_the_websocket_without_loss_or_duplicates) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  auto waiting_get = h.park_poll(sid);

  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::upgrade(sid)));
  ws.write("2probe");
  EXPECT_EQ(ws.read_text(), "3probe");
  auto released = wait(std::move(waiting_get));
  EXPECT_EQ(released.result(), http::status::ok);
  EXPECT_EQ(released.body(), "6");  // the noop that lets the client pause polling

  // Queued between the probe and the upgrade: polling is paused, so it must wait for the WebSocket.
  EXPECT_TRUE(s->send(text_frame("during")));
  ws.write("5");
  EXPECT_EQ(ws.read_text(), "4during");

  expect_error(h.poll(sid), http::status::bad_request, 3, "Bad request");  // polling is over for this sid

  ws.write("4over websocket");
  EXPECT_EQ(h.rec.events(sid, 1), std::vector<std::string>{"text:over websocket"});
  EXPECT_TRUE(s->send(text_frame("after")));
  EXPECT_EQ(ws.read_text(), "4after");  // not a second "4during"

  EXPECT_EQ(h.eio().connection_count(), 1u);
  EXPECT_EQ(h.rec.close_count(sid), 0u);
  EXPECT_EQ(s->id(), sid);  // the same socket for the layer above, across the change of transport
}

TEST(engineio_server, a_get_during_the_upgrade_is_answered_at_once) {
  harness h;
  const auto sid = h.handshake();
  auto s = h.rec.socket_of(sid);
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::upgrade(sid)));
  ws.write("2probe");
  EXPECT_EQ(ws.read_text(), "3probe");
  EXPECT_EQ(h.poll(sid).body(), "6");
  EXPECT_TRUE(s->send(text_frame("queued")));
  EXPECT_EQ(h.poll(sid).body(), "4queued");  // still polling until "5": it goes there, once
  ws.write("5");
  EXPECT_TRUE(s->send(text_frame("next")));
  EXPECT_EQ(ws.read_text(), "4next");
}

TEST(engineio_server, an_upgrade_that_never_completes_times_out_and_polling_continues) {
  auto options = quiet_options();
  options.upgrade_timeout = 150ms;
  harness h(options);
  const auto sid = h.handshake();
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::upgrade(sid)));
  auto [frames, ec] = ws.read_until_closed();  // no probe: dropped after upgrade_timeout
  EXPECT_TRUE(frames.empty());
  EXPECT_TRUE(ec);

  EXPECT_EQ(h.post(sid, "4still polling").body(), "ok");
  EXPECT_EQ(h.rec.events(sid, 1), std::vector<std::string>{"text:still polling"});
  EXPECT_TRUE(h.rec.socket_of(sid)->send(text_frame("here")));
  EXPECT_EQ(h.poll(sid).body(), "4here");
  EXPECT_EQ(h.rec.close_count(sid), 0u);
}

TEST(engineio_server, a_websocket_for_an_unknown_or_upgraded_session_is_refused_before_accepting) {
  harness h;
  ws_client unknown(h);
  EXPECT_FALSE(unknown.connect(ws_client::upgrade("no-such-sid")));
  EXPECT_EQ(unknown.refusal.result(), http::status::bad_request);
  EXPECT_EQ(boost::json::parse(unknown.refusal.body()).at("code").as_int64(), 1);

  ws_client old_protocol(h);
  EXPECT_FALSE(old_protocol.connect("/engine.io/?EIO=3&transport=websocket"));
  EXPECT_EQ(boost::json::parse(old_protocol.refusal.body()).at("code").as_int64(), 5);

  const auto sid = h.handshake();
  ws_client first(h);
  ASSERT_TRUE(first.connect(ws_client::upgrade(sid)));
  first.write("2probe");
  EXPECT_EQ(first.read_text(), "3probe");
  first.write("5");
  EXPECT_TRUE(h.rec.socket_of(sid)->send(text_frame("upgraded")));
  EXPECT_EQ(first.read_text(), "4upgraded");

  ws_client second(h);
  EXPECT_FALSE(second.connect(ws_client::upgrade(sid)));
  EXPECT_EQ(second.refusal.result(), http::status::bad_request);
  EXPECT_EQ(boost::json::parse(second.refusal.body()).at("code").as_int64(), 3);

  EXPECT_TRUE(h.rec.socket_of(sid)->send(text_frame("first still works")));
  EXPECT_EQ(first.read_text(), "4first still works");
}

// --- origins and CORS ---------------------------------------------------------------------------------------

TEST(engineio_server, a_refused_origin_gets_403_and_an_allowed_one_gets_cors_headers) {
  auto options = quiet_options();
  options.allowed_origins = {"http://allowed.example"};
  harness h(options);

  expect_error(h.get(harness::polling(), {{"Origin", "http://evil.example"}}), http::status::forbidden, 4, "Forbidden");
  EXPECT_EQ(h.eio().connection_count(), 0u);

  auto allowed = h.get(harness::polling(), {{"Origin", "http://allowed.example"}});
  EXPECT_EQ(allowed.result(), http::status::ok);
  EXPECT_EQ(allowed[http::field::access_control_allow_origin], "http://allowed.example");
  EXPECT_EQ(allowed[http::field::access_control_allow_credentials], "true");

  auto same_origin = h.get(harness::polling(), {{"Origin", "http://" + h.host()}});
  EXPECT_EQ(same_origin.result(), http::status::ok);

  auto preflight = h.request(http::verb::options, harness::polling(), {},
                             {{"Origin", "http://allowed.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.result(), http::status::no_content);
  EXPECT_EQ(preflight[http::field::access_control_allow_origin], "http://allowed.example");
  EXPECT_EQ(preflight[http::field::access_control_allow_credentials], "true");
  EXPECT_EQ(preflight[http::field::access_control_allow_methods], "GET, POST");
  EXPECT_EQ(preflight[http::field::access_control_allow_headers], "content-type");

  auto refused_preflight = h.request(http::verb::options, harness::polling(), {}, {{"Origin", "http://evil.example"}});
  EXPECT_EQ(refused_preflight.result(), http::status::forbidden);
  EXPECT_EQ(refused_preflight.count(http::field::access_control_allow_origin), 0u);

  ws_client evil(h);
  EXPECT_FALSE(evil.connect(ws_client::direct(), {{"Origin", "http://evil.example"}}));
  EXPECT_EQ(evil.refusal.result(), http::status::forbidden);
  EXPECT_EQ(boost::json::parse(evil.refusal.body()).at("code").as_int64(), 4);

  ws_client good(h);
  EXPECT_TRUE(good.connect(ws_client::direct(), {{"Origin", "http://allowed.example"}}));
  EXPECT_EQ(good.read_text()[0], '0');
}

TEST(engineio_server, a_star_allows_any_origin) {
  auto options = quiet_options();
  options.allowed_origins = {"*"};
  harness h(options);
  auto res = h.get(harness::polling(), {{"Origin", "http://anywhere.example"}});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "http://anywhere.example");
}

// --- shutdown -----------------------------------------------------------------------------------------------

TEST(engineio_server, shutdown_releases_waiting_gets_closes_websockets_and_refuses_new_connections) {
  harness h;
  const auto polling_sid = h.handshake();
  auto waiting_get = h.park_poll(polling_sid);
  ws_client ws(h);
  ASSERT_TRUE(ws.connect(ws_client::direct()));
  const auto open = ws.read_text();
  const std::string ws_sid(boost::json::parse(open.substr(1)).as_object().at("sid").as_string());
  EXPECT_TRUE(h.rec.socket_of(ws_sid)->send(text_frame("last words")));

  h.eio().shutdown();
  auto released = wait(std::move(waiting_get));
  EXPECT_EQ(released.result(), http::status::ok);
  EXPECT_EQ(released.body(), "1");
  auto [frames, ec] = ws.read_until_closed();
  EXPECT_EQ(frames, std::vector<std::string>{"4last words"});  // its queue is written before the close
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(h.rec.close_reason(polling_sid), "server shutting down");
  EXPECT_EQ(h.rec.close_reason(ws_sid), "server shutting down");

  EXPECT_EQ(h.get(harness::polling()).result(), http::status::service_unavailable);
  ws_client late(h);
  EXPECT_FALSE(late.connect(ws_client::direct()));
  EXPECT_EQ(late.refusal.result(), http::status::service_unavailable);
}

}  // namespace
}  // namespace suda::realtime::engineio
