#include "net/http/server.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "net/http/responses.hpp"
#include "net/http/target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace suda::net::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::uint32_t header_limit = 16 * 1024;
// After an error answer (400, 413) the client may still be sending the request we refused; unread bytes
// would turn our close into a reset that can destroy the answer before the client reads it. So the
// server reads and discards a little, briefly, before closing.
constexpr std::chrono::seconds linger_time{1};
constexpr std::size_t linger_bytes = 256 * 1024;
// An error answer is small; a client that cannot take it within this time is not waited for.
constexpr std::chrono::seconds refusal_write_time{5};
// Pause before accepting again after an accept error (EMFILE: the process is out of descriptors), so
// the loop does not spin while connections close.
constexpr std::chrono::milliseconds accept_retry_pause{100};

// One accepted connection. Everything but `executor` is touched only on the connection's strand.
struct connection {
  explicit connection(tcp::socket socket) : executor(socket.get_executor()), stream(std::move(socket)) {}

  const asio::any_io_executor executor;  // kept apart: the stream may be moved out by an upgrade
  beast::tcp_stream stream;
  std::string remote_ip;
  bool idle = false;      // waiting for the first byte of the next request: stop() may close it now
  bool released = false;  // the stream was handed to the upgrade handler: no longer ours to touch
  // The request whose handler is running. stop() turns its keep_alive off, so that an answer built after
  // the shutdown began (handlers copy keep_alive from the request) says "Connection: close".
  request* in_flight = nullptr;
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A request with only what an answer built before (or without) a parsed header needs: HTTP/1.1, close.
request closing_request() {
  request req;
  req.version(11);
  req.keep_alive(false);
  return req;
}

void log_exception(std::string_view what, std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    core::log::error("http", what, ": ", e.what());
  } catch (...) {
    core::log::error("http", what, ": unknown exception");
  }
}

}  // namespace

namespace detail {

// The part of the server that connection coroutines share; owned by shared_ptr so that a coroutine
// finishing after the server object is gone still finds it.
struct server_state {
  server_state(asio::io_context& io, const core::config& cfg, const router& r, const static_files* f)
      : ioc(io),
        config(cfg),
        routes(r),
        files(f),
        strand(asio::make_strand(io)),
        acceptor(strand),
        grace_timer(strand) {}

  asio::io_context& ioc;
  const core::config config;
  const router& routes;
  const static_files* files;
  server::upgrade_handler on_upgrade;  // set before start(), read-only afterwards

  asio::strand<asio::io_context::executor_type> strand;  // serializes the acceptor and the grace timer
  tcp::acceptor acceptor;
  asio::steady_timer grace_timer;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> stopping{false};

  std::mutex mutex;  // guards connections and on_drained; held only for map updates, never across I/O
  std::unordered_map<connection*, std::weak_ptr<connection>> connections;
  std::function<void()> on_drained;

  // Registers a new connection; false once stopping (the caller then drops it).
  bool add(const std::shared_ptr<connection>& conn) {
    std::lock_guard lock(mutex);
    if (stopping.load()) return false;
    connections.emplace(conn.get(), conn);
    return true;
  }

  // Forgets a connection; the last one to go during a shutdown completes it.
  void remove(connection* conn, const std::shared_ptr<server_state>& self) {
    std::function<void()> done;
    {
      std::lock_guard lock(mutex);
      connections.erase(conn);
      if (stopping.load() && connections.empty()) done = std::exchange(on_drained, nullptr);
    }
    if (done) {
      asio::post(strand, [self, done = std::move(done)] {
        self->grace_timer.cancel();
        done();
      });
    }
  }

  std::vector<std::shared_ptr<connection>> snapshot() {
    std::vector<std::shared_ptr<connection>> alive;
    std::lock_guard lock(mutex);
    alive.reserve(connections.size());
    for (const auto& [ptr, weak] : connections) {
      if (auto conn = weak.lock()) alive.push_back(std::move(conn));
    }
    return alive;
  }

  std::size_t body_limit_for(const request& header) const {
    // Only avatar uploads may be large; every other body is JSON.
    if (header.method() == verb::put) {
      auto path = target_path(header.target());
      if (path && path->ends_with("/avatar")) return config.max_upload_body;
    }
    return config.max_json_body;
  }
};

}  // namespace detail

namespace {

// Keeps a connection registered for as long as its coroutine lives (also when the frame is destroyed
// without finishing, e.g. with its io_context).
class registration {
 public:
  registration(std::shared_ptr<detail::server_state> s, connection* c) : state_(std::move(s)), conn_(c) {}
  ~registration() { release(); }
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;

  void release() {
    if (state_) state_->remove(conn_, state_);
    state_.reset();
  }

 private:
  std::shared_ptr<detail::server_state> state_;
  connection* conn_;
};

// Publishes the request whose handler runs, for stop(); cleared however the handler ends.
class in_flight_mark {
 public:
  in_flight_mark(connection& conn, request& req) : conn_(conn) { conn_.in_flight = &req; }
  ~in_flight_mark() { conn_.in_flight = nullptr; }
  in_flight_mark(const in_flight_mark&) = delete;
  in_flight_mark& operator=(const in_flight_mark&) = delete;

 private:
  connection& conn_;
};

// Shuts our side down, then reads and drops what the client still sends for a moment (see linger_time).
asio::awaitable<void> lingering_close(connection& conn) {
  beast::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    conn.stream.expires_after(linger_time);
    std::size_t drained = 0;
    char sink[4096];
    while (drained < linger_bytes) {
      auto [read_ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), use_tuple);
      if (read_ec) break;
      drained += n;
    }
  }
  conn.stream.socket().close(ec);
}

// Answers an error found before a request was complete, and closes the connection.
asio::awaitable<void> refuse(connection& conn, const request& req, status code, core::error err) {
  response res = error_response(req, err);
  res.result(code);
  res.keep_alive(false);
  conn.stream.expires_after(refusal_write_time);
  auto [ec, n] = co_await beast_http::async_write(conn.stream, res, use_tuple);
  if (!ec) co_await lingering_close(conn);
}

asio::awaitable<beast_http::message_generator> dispatch(detail::server_state& self, const connection& conn,
                                                         request& req) {
  const auto path = target_path(req.target());
  if (!path) {
    co_return beast_http::message_generator{
        error_response(req, core::bad_request("bad_target", "malformed request target"))};
  }

  auto match = self.routes.match(req.method(), *path);
  if (match.found != nullptr) {
    request_context ctx{req, conn.remote_ip, std::move(match.params)};
    std::optional<core::error> failure;
    try {
      co_return co_await (*match.found)(ctx);
    } catch (const core::error_exception& e) {
      failure = e.err();  // a deliberate abort: the client gets that error
    } catch (const std::exception& e) {
      core::log::error("http", req.method_string(), " ", *path, ": ", e.what());
      failure = core::internal_error("internal error");
    } catch (...) {
      core::log::error("http", req.method_string(), " ", *path, ": unknown exception");
      failure = core::internal_error("internal error");
    }
    co_return beast_http::message_generator{error_response(req, *failure)};
  }
  if (match.path_matched) {
    auto res = error_response(req, core::make_error(core::errc::method_not_allowed, "method_not_allowed",
                                                    "method not allowed for this path"));
    res.set(beast_http::field::allow, match.allow);
    co_return beast_http::message_generator{std::move(res)};
  }
  if ((req.method() == verb::get || req.method() == verb::head) && self.files != nullptr &&
      self.files->available()) {
    co_return self.files->serve(req);
  }
  co_return beast_http::message_generator{error_response(req, core::not_found("no such endpoint"))};
}

asio::awaitable<void> run_connection(std::shared_ptr<detail::server_state> self, std::shared_ptr<connection> conn) {
  registration registered(self, conn.get());
  const auto& config = self->config;
  beast::flat_buffer buffer;
  core::log::debug("http", "connection from ", conn->remote_ip);

  for (;;) {
    // Between requests: wait for the first byte under the idle timeout. A pipelined request may
    // already be in the buffer.
    if (buffer.size() == 0) {
      if (self->stopping.load()) break;
      conn->idle = true;
      conn->stream.expires_after(std::chrono::seconds(config.idle_timeout_seconds));
      auto [ec, n] = co_await conn->stream.async_read_some(buffer.prepare(4096), use_tuple);
      conn->idle = false;
      if (ec) {
        core::log::debug("http", conn->remote_ip, ": closed while idle (", ec.message(), ")");
        break;
      }
      buffer.commit(n);
    }

    // The request: header and body share one deadline, counted from the first byte.
    conn->stream.expires_after(std::chrono::seconds(config.read_timeout_seconds));
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(header_limit);
    // The Content-Length check at the end of the header uses this limit; the route's own is set below.
    parser.body_limit(std::max(config.max_json_body, config.max_upload_body));
    {
      auto [ec, n] = co_await beast_http::async_read_header(conn->stream, buffer, parser, use_tuple);
      if (ec == beast_http::error::header_limit) {
        co_await refuse(*conn, closing_request(), status::request_header_fields_too_large,
                        core::bad_request("header_too_large", "the request header is too large"));
        break;
      }
      if (ec == beast_http::error::body_limit) {
        co_await refuse(*conn, closing_request(), status::payload_too_large,
                        core::make_error(core::errc::payload_too_large, "payload_too_large", "the body is too large"));
        break;
      }
      if (ec && ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category() &&
          ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
        co_await refuse(*conn, closing_request(), status::bad_request,
                        core::bad_request("bad_http", "malformed HTTP request"));
        break;
      }
      if (ec) {
        core::log::debug("http", conn->remote_ip, ": closed while reading a header (", ec.message(), ")");
        break;
      }
    }

    request& header = parser.get();
    const std::size_t body_limit = self->body_limit_for(header);
    if (parser.content_length() && *parser.content_length() > body_limit) {
      header.keep_alive(false);
      co_await refuse(*conn, header, status::payload_too_large,
                      core::make_error(core::errc::payload_too_large, "payload_too_large", "the body is too large"));
      break;
    }
    parser.body_limit(body_limit);

    if (self->on_upgrade && beast::websocket::is_upgrade(header)) {
      // A client must wait for 101 before sending frames: bytes already buffered here would be lost.
      if (!parser.is_done() || buffer.size() != 0 || self->stopping.load()) {
        header.keep_alive(false);
        const bool stopping = self->stopping.load();
        co_await refuse(*conn, header, stopping ? status::service_unavailable : status::bad_request,
                        stopping ? core::make_error(core::errc::unavailable, "shutting_down", "the server is stopping")
                                 : core::bad_request("bad_upgrade", "unexpected data in an upgrade request"));
        break;
      }
      core::log::debug("http", conn->remote_ip, ": upgrade ", header.target());
      registered.release();
      conn->released = true;
      conn->stream.expires_never();
      auto stream = std::move(conn->stream);
      co_await self->on_upgrade(std::move(stream), parser.release());
      co_return;
    }

    if (!parser.is_done()) {
      // "Expect: 100-continue" clients wait for a go-ahead before sending the body; the limits are checked.
      auto expect = header.find(beast_http::field::expect);
      if (expect != header.end() && header.version() >= 11 && iequals(expect->value(), "100-continue")) {
        static constexpr std::string_view go_ahead = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [ec, n] = co_await asio::async_write(conn->stream, asio::buffer(go_ahead), use_tuple);
        if (ec) break;
      }
      auto [ec, n] = co_await beast_http::async_read(conn->stream, buffer, parser, use_tuple);
      if (ec == beast_http::error::body_limit) {
        parser.get().keep_alive(false);
        co_await refuse(*conn, parser.get(), status::payload_too_large,
                        core::make_error(core::errc::payload_too_large, "payload_too_large", "the body is too large"));
        break;
      }
      if (ec && ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category() &&
          ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
        parser.get().keep_alive(false);
        co_await refuse(*conn, parser.get(), status::bad_request,
                        core::bad_request("bad_http", "malformed HTTP request body"));
        break;
      }
      if (ec) {
        core::log::debug("http", conn->remote_ip, ": closed while reading a body (", ec.message(), ")");
        break;
      }
    }

    // The handler may take long (a long poll); no read deadline while it runs.
    conn->stream.expires_never();
    request req = parser.release();
    // During a shutdown the answer says "Connection: close": handlers copy keep_alive from the request.
    const bool client_keeps_alive = req.keep_alive();
    if (self->stopping.load()) req.keep_alive(false);
    core::log::debug("http", conn->remote_ip, " ", req.method_string(), " ", req.target());

    std::optional<beast_http::message_generator> answer;
    {
      in_flight_mark mark(*conn, req);
      answer.emplace(co_await dispatch(*self, *conn, req));
    }
    const bool keep_alive = answer->keep_alive() && client_keeps_alive;

    // A client that does not take its answer within the idle timeout is dropped.
    conn->stream.expires_after(std::chrono::seconds(config.idle_timeout_seconds));
    auto [ec, n] = co_await beast::async_write(conn->stream, std::move(*answer), use_tuple);
    if (ec) {
      core::log::debug("http", conn->remote_ip, ": write failed (", ec.message(), ")");
      break;
    }
    if (!keep_alive || self->stopping.load()) {
      beast::error_code ignored;
      conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      break;
    }
  }
  beast::error_code ignored;
  conn->stream.socket().close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<detail::server_state> self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(asio::make_strand(self->ioc), use_tuple);
    if (ec == asio::error::operation_aborted || self->stopping.load() || !self->acceptor.is_open()) co_return;
    if (ec) {
      core::log::warn("http", "accept failed: ", ec.message());
      asio::steady_timer pause(self->strand, accept_retry_pause);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    auto conn = std::make_shared<connection>(std::move(socket));
    beast::error_code endpoint_ec;
    const auto remote = conn->stream.socket().remote_endpoint(endpoint_ec);
    if (endpoint_ec) continue;  // the peer is already gone
    conn->remote_ip = remote.address().to_string();
    if (!self->add(conn)) continue;  // stopping: the socket closes with `conn`
    asio::co_spawn(conn->executor, run_connection(self, conn),
                   [](std::exception_ptr failure) { log_exception("connection", failure); });
  }
}

}  // namespace

server::server(asio::io_context& ioc, const core::config& config, const router& routes, const static_files* files)
    : state_(std::make_shared<detail::server_state>(ioc, config, routes, files)) {}

server::~server() = default;

void server::set_upgrade_handler(upgrade_handler handler) { state_->on_upgrade = std::move(handler); }

void server::start() {
  const auto& host = state_->config.listen_host;
  const auto port = state_->config.listen_port;
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    // A host name ("localhost"): resolved once, at start-up, where blocking is fine.
    tcp::resolver resolver(state_->ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve listen address " + where + ": " +
                               (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto& acceptor = state_->acceptor;
  auto fail = [&](std::string_view step) {
    throw std::runtime_error("cannot listen on " + where + " (" + std::string(step) + "): " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("reuse_address");
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  const auto bound = acceptor.local_endpoint(ec);
  if (ec) fail("local_endpoint");
  state_->port.store(bound.port());

  const auto shown = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string();
  core::log::info("http", "listening on ", shown, ":", bound.port());
  asio::co_spawn(state_->strand, accept_loop(state_),
                 [](std::exception_ptr failure) { log_exception("accept loop", failure); });
}

std::uint16_t server::port() const noexcept { return state_->port.load(); }

bool server::stopping() const noexcept { return state_->stopping.load(); }

void server::stop(std::function<void()> on_drained, std::chrono::milliseconds grace) {
  auto self = state_;
  {
    std::lock_guard lock(self->mutex);
    if (self->stopping.exchange(true)) return;
    asio::post(self->strand, [self] {
      beast::error_code ignored;
      self->acceptor.close(ignored);
    });
    if (self->connections.empty()) {
      if (on_drained) asio::post(self->strand, std::move(on_drained));
      return;
    }
    self->on_drained = std::move(on_drained);
    // Posted under the lock, so it precedes any "drained" completion posted by remove(): the grace
    // timer is always started before it can be cancelled.
    asio::post(self->strand, [self, grace] {
      self->grace_timer.expires_after(grace);
      self->grace_timer.async_wait([self, grace](beast::error_code ec) {
        if (ec) return;  // drained in time
        auto remaining = self->snapshot();
        core::log::warn("http", "shutdown: closing ", remaining.size(), " connection(s) still busy after ",
                        grace.count(), " ms");
        for (auto& conn : remaining) {
          asio::post(conn->executor, [conn] {
            if (conn->released) return;
            beast::error_code ignored;
            conn->stream.socket().close(ignored);
          });
        }
        std::function<void()> done;
        {
          std::lock_guard lock(self->mutex);
          done = std::exchange(self->on_drained, nullptr);
        }
        if (done) done();
      });
    });
  }
  // Idle connections close now; busy ones see `stopping` when their answer is written.
  for (auto& conn : self->snapshot()) {
    asio::post(conn->executor, [conn] {
      if (conn->released) return;
      // Idle means waiting for a request's first byte; one whose bytes have already arrived (their read has not
      // completed yet) is not idle but in flight, and is answered before the connection closes.
      if (conn->idle) {
        beast::error_code ec;
        if (conn->stream.socket().available(ec) == 0 || ec) conn->stream.cancel();
      }
      if (conn->in_flight != nullptr) conn->in_flight->keep_alive(false);
    });
  }
}

}  // namespace suda::net::http
