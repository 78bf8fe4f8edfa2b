#include "http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>

namespace suda::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {
// Setup requests include Argon2id hashing on suda (tens of ms, queued behind others): generous, but bounded.
constexpr auto request_timeout = std::chrono::seconds(120);
}  // namespace

http_client::http_client(asio::any_io_executor executor, asio::ip::tcp::endpoint server, std::string host)
    : executor_(std::move(executor)), server_(server), host_(std::move(host)) {}

asio::awaitable<bool> http_client::ensure_connected() {
  if (stream_ && stream_->socket().is_open()) co_return true;
  stream_.emplace(executor_);
  stream_->expires_after(std::chrono::seconds(10));
  auto [ec] = co_await stream_->async_connect(server_, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    stream_.reset();
    co_return false;
  }
  stream_->socket().set_option(asio::ip::tcp::no_delay(true));
  co_return true;
}

asio::awaitable<http_reply> http_client::request(http::verb method, std::string target, std::string body,
                                                 std::string token) {
  // Two tries: a keep-alive connection the server closed meanwhile fails the first one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!co_await ensure_connected()) continue;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "suda-bench");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty() || method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    req.keep_alive(true);

    stream_->expires_after(request_timeout);
    auto [write_ec, written] = co_await http::async_write(*stream_, req, asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (write_ec) {
      stream_.reset();
      continue;
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto [read_ec, read] = co_await http::async_read(*stream_, buffer, res, asio::as_tuple(asio::use_awaitable));
    (void)read;
    if (read_ec) {
      stream_.reset();
      continue;
    }
    if (!res.keep_alive()) stream_.reset();
    co_return http_reply{res.result_int(), std::move(res.body())};
  }
  co_return http_reply{};
}

}  // namespace suda::bench
