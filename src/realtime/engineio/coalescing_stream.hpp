#pragma once
// The stream layer under Beast's websocket::stream that turns many frame writes into one socket write.
//
// Why: in a fan-out every socket gets many small frames per burst. Written one async_write each, every frame
// costs a sendmsg, and the kernel time dominates. Here Beast still frames every message (and still writes
// its own control frames: the pong to a client ping, the closing handshake), but the bytes of a frame land
// in a buffer, and a whole batch leaves in one socket write.
//
//  - write_some (sync) appends the bytes and returns at once; it never blocks and never writes. The bytes
//    go out with the next flush: whoever appends this way must call async_flush afterwards.
//  - async_write_some appends the bytes and completes once they are on the socket, so Beast's own writes
//    (pong, close frame, the 101 response) keep their usual meaning.
//  - async_flush completes once everything appended so far is on the socket.
//  - hold_next_write makes the next async_write_some complete once its bytes are appended, without a socket
//    write: they leave with whatever is flushed next. A new WebSocket's 101 answer and its Engine.IO open
//    packet leave together that way (one send, one wake-up of the peer, instead of two).
//  - One flusher: at most one socket write is in flight; what is appended meanwhile goes in the next one.
//    Every append is whole (one write_some call = one contiguous run of bytes), so with everything on one
//    strand no frame can be split by another.
//  - The read side is the TCP stream's, untouched.
//
// Memory: the bytes of one batch are held until written (the caller takes its next batch only after the
// flush, so a slow reader backs up into its bounded queue, not here). The buffer is reused between batches
// but given back when it grew past kept_buffer_bytes, so a burst does not pin memory; release_idle_buffers()
// gives back everything when nothing is pending (an idle connection holds no buffer).
//
// Errors: the first socket error completes every waiter with it, drops the bytes, and every later write
// fails with it.
//
// Threads: like any Asio stream, one strand at a time (the session's). Completions run on the socket's
// executor (that strand) or the waiter's associated executor.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace suda::realtime::engineio {

class coalescing_stream {
 public:
  // The socket itself, not Beast's tcp_stream: its timeouts are never used here (Beast's websocket timer is),
  // and its state (two timers and their operation state) cost about 0.5 KiB per idle connection.
  using next_layer_type = boost::asio::ip::tcp::socket;
  using executor_type = next_layer_type::executor_type;
  using error_code = boost::system::error_code;

  // A buffer that grew past this (a burst, a big message) is given back once written.
  static constexpr std::size_t kept_buffer_bytes = 16 * 1024;

  explicit coalescing_stream(next_layer_type next);
  // Takes the socket out of an HTTP connection's stream.
  explicit coalescing_stream(boost::beast::tcp_stream next) : coalescing_stream(next.release_socket()) {}
  coalescing_stream(coalescing_stream&&) noexcept = default;
  coalescing_stream& operator=(coalescing_stream&&) = delete;
  coalescing_stream(const coalescing_stream&) = delete;
  coalescing_stream& operator=(const coalescing_stream&) = delete;
  // Closes the socket: a write in flight completes its waiters with an error instead of outliving us silently.
  ~coalescing_stream();

  executor_type get_executor() noexcept { return state_->next.get_executor(); }
  next_layer_type& next_layer() noexcept { return state_->next; }
  const next_layer_type& next_layer() const noexcept { return state_->next; }

  // --- read side: the TCP stream's ---
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    return state_->next.read_some(buffers);
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    return state_->next.read_some(buffers, ec);
  }
  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return state_->next.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  // --- write side ---

  // Appends all of `buffers` (never blocks, never writes); fails only once the stream has failed.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    ec = state_->failed;
    if (ec) return 0;
    return state_->append(buffers);
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    const auto n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Appends all of `buffers`; completes (error_code, bytes) once they are on the socket.
  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(error_code, std::size_t)>(
        [](auto handler, std::shared_ptr<state> s, const ConstBufferSequence& bytes) {
          if (s->failed) return post_completion(*s, std::move(handler), s->failed, 0);
          const auto n = s->append(bytes);
          const bool held = std::exchange(s->hold_next, false);
          if (n == 0 || held) return post_completion(*s, std::move(handler), {}, n);
          state::enqueue(s, s->appended, n, std::move(handler));
        },
        token, state_, buffers);
  }

  // Completes (error_code, bytes) once everything appended so far is on the socket.
  template <class FlushToken>
  auto async_flush(FlushToken&& token) {
    return boost::asio::async_initiate<FlushToken, void(error_code, std::size_t)>(
        [](auto handler, std::shared_ptr<state> s) {
          if (s->failed) return post_completion(*s, std::move(handler), s->failed, 0);
          const auto n = static_cast<std::size_t>(s->appended - s->written);
          if (n == 0) return post_completion(*s, std::move(handler), {}, 0);
          state::enqueue(s, s->appended, n, std::move(handler));
        },
        token, state_);
  }

  // The next async_write_some completes as soon as it has appended its bytes; they are written with the next
  // flush (or the next write after it). The caller must flush afterwards, or they never leave.
  void hold_next_write() noexcept { state_->hold_next = true; }

  // Bytes appended but not yet written.
  std::size_t pending_bytes() const noexcept { return static_cast<std::size_t>(state_->appended - state_->written); }
  // Socket writes issued so far (one per flush round), for tests and measurements.
  std::uint64_t socket_writes() const noexcept { return state_->rounds; }
  // Bytes of buffer held (appended data and spare capacity), for tests and memory accounting.
  std::size_t buffer_capacity() const noexcept;
  // Gives back the buffers when nothing is pending (an idle connection).
  void release_idle_buffers() noexcept;

 private:
  using waiter_handler = boost::asio::any_completion_handler<void(error_code, std::size_t)>;

  // Shared with the socket write in flight, whose completion may come after this layer is gone (Beast
  // destroys its stream, and us, while its own operations still hold only weak references).
 public:  // for the completion handler in the .cpp; not part of the interface
  struct state {
    explicit state(next_layer_type n) : next(std::move(n)) {}

    template <class ConstBufferSequence>
    std::size_t append(const ConstBufferSequence& buffers) {
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) n += b.size();
      pending.reserve(pending.size() + n);
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        pending.append(static_cast<const char*>(b.data()), b.size());
      }
      appended += n;
      return n;
    }

    template <class Handler>
    static void enqueue(const std::shared_ptr<state>& s, std::uint64_t until, std::size_t bytes, Handler&& handler) {
      s->waiters.emplace_back(until, bytes, waiter_handler(std::forward<Handler>(handler)));
      if (!s->flushing) start_round(s);
    }

    static void start_round(const std::shared_ptr<state>& s);
    static void on_round(const std::shared_ptr<state>& s, const error_code& ec, std::size_t bytes);
    static void complete_ready(const std::shared_ptr<state>& s);
    static void complete(const std::shared_ptr<state>& s, waiter_handler handler, error_code ec, std::size_t bytes);
    static void fail(const std::shared_ptr<state>& s, const error_code& ec);
    // The socket write's handler was destroyed uncalled (the io_context is going away): drop the waiters.
    static void abandon(const std::shared_ptr<state>& s) noexcept;

    struct waiter {
      std::uint64_t until;  // done once `written` reaches this
      std::size_t bytes;    // what the completion reports
      waiter_handler handler;

      waiter(std::uint64_t u, std::size_t b, waiter_handler h) : until(u), bytes(b), handler(std::move(h)) {}
      waiter(waiter&&) noexcept = default;
      // By hand: Boost 1.81's any_completion_handler move assignment copies its operand as an lvalue, which
      // its type-erasing constructor takes for a new handler to wrap, and recurses without end.
      waiter& operator=(waiter&& other) noexcept {
        until = other.until;
        bytes = other.bytes;
        handler = nullptr;
        handler.swap(other.handler);
        return *this;
      }
    };

    next_layer_type next;
    std::string pending;         // appended, not yet handed to the socket
    std::string writing;         // the socket write in flight
    std::uint64_t appended = 0;  // bytes ever appended
    std::uint64_t written = 0;   // bytes ever written
    std::uint64_t rounds = 0;    // socket writes issued
    error_code failed;           // the first socket error; sticky
    bool flushing = false;       // a socket write is in flight
    bool hold_next = false;      // hold_next_write(): the next async_write_some only appends
    // Waiters in append order (so `until` never decreases). Few: Beast has at most one write of its own in
    // flight (its write lock), plus the session's flush.
    std::vector<waiter> waiters;
  };


 private:
  template <class Handler>
  static void post_completion(state& s, Handler&& handler, error_code ec, std::size_t bytes) {
    // Never complete inside the initiating call (Asio's rule); post keeps the handler's own executor.
    boost::asio::post(s.next.get_executor(), boost::asio::append(std::forward<Handler>(handler), ec, bytes));
  }

  std::shared_ptr<state> state_;
};

// Beast's websocket closing handshake ends with a teardown of the layer below: the TCP socket's.
void teardown(boost::beast::role_type role, coalescing_stream& stream, boost::system::error_code& ec);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, coalescing_stream& stream, TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace suda::realtime::engineio
