#include "realtime/engineio/coalescing_stream.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>

namespace suda::realtime::engineio {
namespace asio = boost::asio;

coalescing_stream::coalescing_stream(next_layer_type next) : state_(std::make_shared<state>(std::move(next))) {}

coalescing_stream::~coalescing_stream() {
  if (!state_) return;  // moved from
  error_code ignored;
  state_->next.close(ignored);
}

std::size_t coalescing_stream::buffer_capacity() const noexcept {
  // std::string keeps a small inline buffer; only heap storage counts.
  constexpr std::size_t inline_capacity = std::string().capacity();
  const auto heap = [](const std::string& s) { return s.capacity() > inline_capacity ? s.capacity() : 0; };
  return heap(state_->pending) + heap(state_->writing);
}

void coalescing_stream::release_idle_buffers() noexcept {
  if (state_->flushing || !state_->pending.empty()) return;
  std::string().swap(state_->pending);
  std::string().swap(state_->writing);
  if (state_->waiters.empty()) std::vector<state::waiter>().swap(state_->waiters);
}

void teardown(boost::beast::role_type role, coalescing_stream& stream, boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

namespace {

// The completion of a socket write. Waiters often hold the owner of this stream (a session's flush handler
// holds the session, which holds the transport, which holds us): if the io_context is destroyed with the
// write pending, this handler is destroyed uncalled, and it drops the waiters then, or the cycle would
// never be freed.
class round_handler {
 public:
  using state_ptr = std::shared_ptr<coalescing_stream::state>;
  explicit round_handler(state_ptr s) : state_(std::move(s)) {}
  round_handler(round_handler&&) noexcept = default;
  round_handler& operator=(round_handler&&) = delete;
  ~round_handler() {
    if (state_) coalescing_stream::state::abandon(state_);
  }

  void operator()(const boost::system::error_code& ec, std::size_t written) {
    auto s = std::move(state_);  // called: not abandoned
    coalescing_stream::state::on_round(s, ec, written);
  }

 private:
  state_ptr state_;
};

}  // namespace

void coalescing_stream::state::abandon(const std::shared_ptr<state>& s) noexcept {
  s->flushing = false;
  auto dropped = std::move(s->waiters);  // destroyed here, after the list is consistent again
  s->waiters.clear();
}

// One round: everything pending goes out in one socket write. The buffers are swapped, not copied: what is
// appended during the write goes to the other one.
void coalescing_stream::state::start_round(const std::shared_ptr<state>& s) {
  if (s->pending.empty()) return;
  s->flushing = true;
  ++s->rounds;
  s->writing.swap(s->pending);
  const auto bytes = asio::buffer(s->writing);
  asio::async_write(s->next, bytes, round_handler(s));
}

void coalescing_stream::state::on_round(const std::shared_ptr<state>& s, const error_code& ec, std::size_t bytes) {
  s->flushing = false;
  if (ec) {
    fail(s, ec);
    return;
  }
  s->written += bytes;
  s->writing.clear();
  if (s->writing.capacity() > kept_buffer_bytes) std::string().swap(s->writing);
  if (!s->pending.empty()) {
    start_round(s);  // appended meanwhile: the next round starts before anyone is told, keeping the order
  } else {
    // Quiet again: keep the buffer that just carried a batch for the next one (pending is the one
    // appended to), so a steady stream of batches allocates nothing.
    s->pending.swap(s->writing);
  }
  complete_ready(s);
}

void coalescing_stream::state::complete(const std::shared_ptr<state>& s, waiter_handler handler, error_code ec,
                                        std::size_t bytes) {
  // Inline when already on the waiter's executor (the usual case: the session's strand), as Asio's own
  // operations complete.
  const auto ex = asio::get_associated_executor(handler, s->next.get_executor());
  asio::dispatch(ex, [handler = std::move(handler), ec, bytes]() mutable { std::move(handler)(ec, bytes); });
}

void coalescing_stream::state::complete_ready(const std::shared_ptr<state>& s) {
  // One at a time, re-reading the list: a completion runs inline and may append, flush (adding a waiter)
  // or fail the stream.
  while (!s->waiters.empty() && s->waiters.front().until <= s->written) {
    auto done = std::move(s->waiters.front());
    s->waiters.erase(s->waiters.begin());
    complete(s, std::move(done.handler), error_code(), done.bytes);
  }
}

void coalescing_stream::state::fail(const std::shared_ptr<state>& s, const error_code& ec) {
  if (!s->failed) s->failed = ec;
  std::string().swap(s->pending);
  std::string().swap(s->writing);
  s->written = s->appended;  // nothing more will be written; no waiter may be left behind
  while (!s->waiters.empty()) {
    auto done = std::move(s->waiters.front());
    s->waiters.erase(s->waiters.begin());
    complete(s, std::move(done.handler), s->failed, 0);
  }
}

}  // namespace suda::realtime::engineio
