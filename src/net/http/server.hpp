#pragma once
// The HTTP/1.1 server: one acceptor, one coroutine per connection (on its own strand), keep-alive.
//
// Limits at the edge, before any handler runs:
//  - the header is read first (16 KiB at most, else 431); the body limit then depends on the route:
//    config.max_upload_body for PUT .../avatar, config.max_json_body otherwise (413 and close past it);
//  - a request's header and body must arrive within config.read_timeout_seconds of its first byte, and a
//    keep-alive connection may wait config.idle_timeout_seconds for the next one: a slow or silent client
//    cannot hold a connection forever;
//  - malformed HTTP gets a 400 and the connection is closed.
// Dispatch: the router's handler; a path matched with another method -> 405 with Allow; otherwise GET and
// HEAD go to the static files (when given), the rest is a JSON 404. A handler that throws
// core::error_exception answers with that error; any other exception is a logged 500. Either way the
// connection keeps serving.
//
// Shutdown (stop): the acceptor closes; idle keep-alive connections are closed at once; a connection in
// the middle of a request finishes it, answers with "Connection: close" and closes. `on_drained` runs
// (once, on an I/O thread) when no connection remains, or after a 10 s grace period, when the remaining
// connections are closed by force. To get that "Connection: close" to a request already in a handler, the
// server turns the request's keep_alive off on the connection's strand while the handler is suspended:
// handlers read ctx.req on their own executor only (copy what another thread needs).
//
// The router, the static files and the io_context must outlive every connection: destroy them after
// io_context::run() has returned.
#include "core/config.hpp"
#include "net/http/router.hpp"
#include "net/http/static_files.hpp"
#include "net/http/types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace suda::net::http {

namespace detail {
struct server_state;  // defined in server.cpp
}

class server {
 public:
  // Takes over a connection whose request asked for "Upgrade: websocket" (any path: the handler decides,
  // and answers with its own error if it does not want it). The stream runs on the connection's strand;
  // the server no longer tracks it (the handler owns its shutdown), and no timeout is armed on it.
  using upgrade_handler = std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream, request)>;

  // `files` may be null (no web UI): unknown GET paths are then a JSON 404.
  server(boost::asio::io_context& ioc, const core::config& config, const router& routes,
         const static_files* files);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Call before start(). Without one, upgrade requests are routed like any other request.
  void set_upgrade_handler(upgrade_handler handler);

  // Binds and listens on config.listen_host:listen_port (port 0: any free port) and starts accepting.
  // Throws std::runtime_error with the address and the reason when it cannot.
  void start();

  // The bound port (the real one when config asked for 0); 0 before start().
  std::uint16_t port() const noexcept;

  // Starts the graceful shutdown described above; callable from any thread, once. Long-polling handlers
  // can check stopping() to answer early instead of holding the shutdown for the grace period.
  // `grace` is there for tests; the server's default is 10 s.
  void stop(std::function<void()> on_drained, std::chrono::milliseconds grace = std::chrono::seconds(10));
  bool stopping() const noexcept;

 private:
  std::shared_ptr<detail::server_state> state_;  // shared with every connection coroutine, so it outlives this object
};

}  // namespace suda::net::http
