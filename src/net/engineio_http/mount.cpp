#include "net/engineio_http/mount.hpp"

#include "core/log.hpp"
#include "net/http/responses.hpp"
#include "net/http/target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

namespace suda::net::engineio_http {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// The request's path without a trailing slash ("/socket.io/?EIO=4" -> "/socket.io").
std::string_view mount_of(const http::request& req) {
  auto path = http::target_path(req.target()).value_or(std::string_view());
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

asio::awaitable<void> refuse_upgrade(boost::beast::tcp_stream stream, const http::request& req) {
  auto res = http::error_response(req, core::not_found("no WebSocket endpoint at this path"));
  res.keep_alive(false);
  co_await http::beast_http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

void mount(http::router& routes, const std::string& path, realtime::engineio::server& engine) {
  for (auto method : {http::verb::get, http::verb::post, http::verb::options, http::verb::put}) {
    routes.add(method, path,
               [&engine](http::request_context& ctx) -> asio::awaitable<http::beast_http::message_generator> {
                 co_return co_await engine.handle_http(ctx.req, ctx.remote_ip);
               });
  }
}

http::server::upgrade_handler upgrade_dispatcher(
    std::vector<std::pair<std::string, realtime::engineio::server*>> mounts) {
  return [mounts = std::move(mounts)](boost::beast::tcp_stream stream, http::request req) -> asio::awaitable<void> {
    boost::system::error_code ec;
    auto peer = stream.socket().remote_endpoint(ec);
    std::string remote_ip = ec ? std::string() : peer.address().to_string();
    const auto path = mount_of(req);
    for (const auto& [mounted, engine] : mounts) {
      if (path == mounted) {
        co_await engine->handle_websocket(std::move(stream), std::move(req), std::move(remote_ip));
        co_return;
      }
    }
    co_await refuse_upgrade(std::move(stream), req);
  };
}

asio::awaitable<void> stop_when_closed(asio::io_context& ioc, std::vector<const realtime::engineio::server*> engines,
                                       std::chrono::milliseconds grace) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto open = [&engines] {
    std::size_t count = 0;
    for (const auto* engine : engines) count += engine->connection_count();
    return count;
  };
  while (open() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(20ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (auto left = open(); left > 0) core::log::warn("realtime", left, " Engine.IO connections still open; stopping anyway");
  ioc.stop();
}

}  // namespace suda::net::engineio_http
