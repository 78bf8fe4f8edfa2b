#pragma once
// One WebSocket carrying (or being tested to carry) an Engine.IO connection: Beast's websocket::stream over
// the TCP stream the HTTP server handed over, with the settings Engine.IO needs.
//
//  - Every operation runs on the session's strand: the TCP socket is moved onto that strand when the
//    transport is made (rebind), so Beast's own timer (the handshake timeout) runs there too.
//  - Timeouts: the handshake timeout is on (a client that never finishes the upgrade or the closing
//    handshake is dropped); the idle timeout and Beast's keep-alive pings are off: the Engine.IO heartbeat
//    decides when a silent peer is gone.
//  - read_message_max = maxPayload: a bigger message fails the read (Beast answers close 1009).
//  - Text frames carry text packets ("4hello"), binary frames carry binary messages (raw bytes).
//  - At most one read and one write at a time; the session guarantees it (one reader, one writer).
//  - Writes are coalesced (see coalescing_stream.hpp): queue() frames packets into a buffer, flush() sends
//    everything framed so far in one socket write. Beast's own writes (pong, close) go through the same
//    buffer and are never split or overtaken.
#include "realtime/engineio/coalescing_stream.hpp"
#include "realtime/engineio/outbox.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace suda::realtime::engineio {

class websocket_transport {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using error_code = boost::system::error_code;

  // Puts the stream's socket on `executor` (the session's strand), moving it there unless it is there already,
  // with TCP_NODELAY set. nullopt when the socket is no longer usable (the peer left while the request was
  // being checked).
  static std::optional<boost::beast::tcp_stream> rebind(boost::beast::tcp_stream stream,
                                                         const boost::asio::any_io_executor& executor);

  websocket_transport(boost::beast::tcp_stream stream, std::size_t max_message_bytes,
                      std::chrono::milliseconds handshake_timeout);
  websocket_transport(const websocket_transport&) = delete;
  websocket_transport& operator=(const websocket_transport&) = delete;

  // Answers the upgrade request (101). With `hold_answer`, the answer is only queued: it leaves with the next
  // flush, so the caller's first packets share its socket write; the caller must flush (even after a failed
  // accept, whose error answer is held the same way).
  boost::asio::awaitable<error_code> accept(const request& req, bool hold_answer = false);

  struct incoming {
    error_code ec;
    bool binary = false;
    std::string_view data;  // valid until the next read
  };
  // Reads one message (a coroutine: for tests and short-lived readers).
  boost::asio::awaitable<incoming> read();
  // The same with completion handlers, as the session reads: `handler(error_code, std::size_t)` runs on the
  // socket's executor (the session's strand). An idle connection spends its life in this wait, which holds
  // nothing of ours but the handler (no coroutine frame).
  //   async_read_first(h) ... in h: if (!message_done(ec)) async_read_more(h); else use received(ec).
  template <class ReadHandler>
  void async_read_first(ReadHandler&& handler) {
    prepare_read();
    stream_.async_read_some(buffer_, small_read_bytes, std::forward<ReadHandler>(handler));
  }
  template <class ReadHandler>
  void async_read_more(ReadHandler&& handler) {
    // The rest of a longer message: Beast picks the size (read_message_max still bounds the total).
    stream_.async_read_some(buffer_, 0, std::forward<ReadHandler>(handler));
  }
  bool message_done(const error_code& ec) const { return ec || stream_.is_message_done(); }
  // The message read, or the error; its data is valid until the next read.
  incoming received(const error_code& ec) const;

  // Frames `packets` into the write buffer, one frame each: a text message as "4" + data, a binary message
  // as a binary frame, a control packet as its digit + data. Nothing is sent before flush(). Fails once
  // the connection is closing (no frame may follow a close frame) or has failed.
  error_code queue(std::span<const outgoing> packets);
  // Sends everything queued, in one socket write; completes once it is written (or failed).
  boost::asio::awaitable<error_code> flush();
  // flush() for callers that are not coroutines: `handler(error_code, std::size_t)` runs on the socket's
  // executor (the session's strand) unless it has an executor of its own.
  template <class FlushHandler>
  void async_flush(FlushHandler&& handler) {
    stream_.next_layer().async_flush(std::forward<FlushHandler>(handler));
  }
  // queue() and flush() of a single packet.
  boost::asio::awaitable<error_code> write(const outgoing& packet);

  // The closing handshake (close frame 1000), bounded by the handshake timeout.
  boost::asio::awaitable<void> close();

  // Closes the TCP connection now; pending operations complete with an error. Idempotent.
  void abort() noexcept;

  bool is_open() const noexcept { return stream_.is_open(); }
  // Socket writes issued so far (the 101 response included), for tests and measurements.
  std::uint64_t socket_writes() const noexcept { return stream_.next_layer().socket_writes(); }

  // Gives back the write buffer when nothing is pending (an idle connection).
  void release_idle_buffers() noexcept { stream_.next_layer().release_idle_buffers(); }
  // Bytes of write buffer held, for the decision above and for tests.
  std::size_t write_buffer_bytes() const noexcept { return stream_.next_layer().buffer_capacity(); }

 private:
  // The read buffer an idle connection waits with (Beast would size it 1.5 KiB before any byte arrives); a
  // longer message grows it, and the next read gives that back (prepare_read).
  static constexpr std::size_t small_read_bytes = 256;
  void prepare_read();

  boost::beast::websocket::stream<coalescing_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace suda::realtime::engineio
