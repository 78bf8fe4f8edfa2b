#include "realtime/engineio/websocket_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>

#include <array>
#include <unistd.h>

namespace suda::realtime::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

std::optional<beast::tcp_stream> websocket_transport::rebind(beast::tcp_stream stream,
                                                               const asio::any_io_executor& executor) {
  // Engine.IO frames are small and written back to back; without TCP_NODELAY, Nagle holds each frame after
  // the first until the peer's (delayed, ~40 ms) ACK arrives.
  const asio::ip::tcp::no_delay no_delay(true);
  error_code ec;
  if (stream.get_executor() == executor) {
    // Already there (a new connection keeps the strand the HTTP server accepted it on): moving the descriptor
    // would only cost two epoll_ctl calls and an fcntl.
    stream.socket().set_option(no_delay, ec);
    if (ec) return std::nullopt;
    return std::optional<beast::tcp_stream>(std::move(stream));
  }
  // Beast's websocket timer and every completion must run on the session's strand, but a socket's executor
  // is fixed at construction: the descriptor is moved to a new socket object built on that strand.
  auto socket = stream.release_socket();
  const auto endpoint = socket.local_endpoint(ec);
  if (ec) return std::nullopt;
  const auto handle = socket.release(ec);
  if (ec) return std::nullopt;
  asio::ip::tcp::socket moved(executor);
  moved.assign(endpoint.protocol(), handle, ec);
  if (ec) {
    ::close(handle);
    return std::nullopt;
  }
  moved.set_option(no_delay, ec);
  return beast::tcp_stream(std::move(moved));
}

websocket_transport::websocket_transport(beast::tcp_stream stream, std::size_t max_message_bytes,
                                         std::chrono::milliseconds handshake_timeout)
    : stream_(std::move(stream)) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  stream_.set_option(timeouts);
  stream_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "suda"); }));
  stream_.read_message_max(max_message_bytes);
  // One frame per message: the whole message is in the buffer anyway, and fragments only add headers.
  stream_.auto_fragment(false);
}

asio::awaitable<websocket_transport::error_code> websocket_transport::accept(const request& req, bool hold_answer) {
  // Beast writes its answer (the 101, or an error response) with one asynchronous write to the layer below.
  if (hold_answer) stream_.next_layer().hold_next_write();
  auto [ec] = co_await stream_.async_accept(req, use_tuple);
  co_return ec;
}

void websocket_transport::prepare_read() {
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > small_read_bytes) buffer_.shrink_to_fit();
}

websocket_transport::incoming websocket_transport::received(const error_code& ec) const {
  incoming in;
  in.ec = ec;
  if (!ec) {
    in.binary = stream_.got_binary();
    const auto data = buffer_.data();
    in.data = std::string_view(static_cast<const char*>(data.data()), data.size());
  }
  return in;
}

asio::awaitable<websocket_transport::incoming> websocket_transport::read() {
  prepare_read();
  std::size_t limit = small_read_bytes;
  for (;;) {
    auto [ec, bytes] = co_await stream_.async_read_some(buffer_, limit, use_tuple);
    if (message_done(ec)) co_return received(ec);
    limit = 0;
  }
}

websocket_transport::error_code websocket_transport::queue(std::span<const outgoing> packets) {
  error_code ec;
  for (const auto& packet : packets) {
    // Beast's synchronous write does not wait for a closing handshake in progress the way its asynchronous
    // one does (on its write lock), and no frame may follow a close frame.
    if (!stream_.is_open()) return websocket::error::closed;
    if (packet.binary) {
      stream_.binary(true);
      stream_.write(asio::buffer(packet.view()), ec);
    } else {
      stream_.text(true);
      const char digit = static_cast<char>('0' + static_cast<int>(packet.type));
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(&digit, 1), asio::buffer(packet.view())};
      stream_.write(buffers, ec);
    }
    if (ec) return ec;
  }
  return ec;
}

asio::awaitable<websocket_transport::error_code> websocket_transport::flush() {
  auto [ec, bytes] = co_await stream_.next_layer().async_flush(use_tuple);
  co_return ec;
}

asio::awaitable<websocket_transport::error_code> websocket_transport::write(const outgoing& packet) {
  if (const auto ec = queue(std::span<const outgoing>(&packet, 1)); ec) co_return ec;
  auto flushing = flush();
  co_return co_await std::move(flushing);
}

asio::awaitable<void> websocket_transport::close() {
  auto [ec] = co_await stream_.async_close(websocket::close_code::normal, use_tuple);
  (void)ec;  // the connection is over either way; a peer that does not answer is cut by the timeout
}

void websocket_transport::abort() noexcept {
  error_code ignored;
  beast::get_lowest_layer(stream_).close(ignored);
}

}  // namespace suda::realtime::engineio
