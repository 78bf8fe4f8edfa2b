#include "realtime/engineio/session.hpp"

#include "core/log.hpp"
#include "realtime/engineio/handshake.hpp"
#include "realtime/engineio/heartbeat.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>
#include <limits>

namespace suda::realtime::engineio {
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

namespace {

using error_code = boost::system::error_code;
constexpr std::string_view log_component = "eio";

// v4 clients never ping (the server does), but a few pings are answered for tolerance; a client that
// keeps pinging is either broken or trying to make the server work for it, and is closed.
constexpr unsigned max_client_pings_per_interval = 10;

constexpr session::clock::rep never = std::numeric_limits<session::clock::rep>::max();

// The WebSocket writer keeps its batch vector between batches up to this many packets (32 bytes each).
constexpr std::size_t kept_batch_packets = 64;
// Write buffers up to this size are given back as soon as the writer is idle (see write_websocket).
constexpr std::size_t small_write_buffer_bytes = 1024;

// Why a WebSocket ended, in the vocabulary of on_close.
std::string_view reason_for(const boost::system::error_code& ec) {
  if (ec == websocket::error::message_too_big) return "payload too large";
  if (ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe) {
    return "transport close";
  }
  if (ec.category() == websocket::make_error_code(websocket::error::closed).category()) return "parse error";
  return "transport error";
}

void log_exception(std::string_view sid, std::string_view where, std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    core::log::error(log_component, "sid ", sid, ": ", where, " threw: ", e.what());
  } catch (...) {
    core::log::error(log_component, "sid ", sid, ": ", where, " threw a non-standard exception");
  }
}

}  // namespace

session::session(std::string id, connection_info info, transport initial,
                 std::shared_ptr<const server_options> options, strand_type strand, finished_handler on_finished)
    : id_(std::move(id)),
      info_(std::move(info)),
      options_(std::move(options)),
      strand_(std::move(strand)),
      on_finished_(std::move(on_finished)),
      outbox_(outbox::limits{options_->max_queued_packets, options_->max_queued_bytes}),
      transport_hint_(initial),
      next_check_(never),
      transport_(initial) {
  handshake open;
  open.sid = id_;
  if (initial == transport::websocket) open.upgrades.clear();  // nothing better to upgrade to
  open.ping_interval_ms = static_cast<std::uint64_t>(options_->ping_interval.count());
  open.ping_timeout_ms = static_cast<std::uint64_t>(options_->ping_timeout.count());
  open.max_payload = options_->max_payload;
  outbox_.push_control(outgoing::control(packet_type::open, handshake_json(open)));

  next_ping_at_ = clock::now() + first_ping_delay(id_, options_->ping_interval);
  update_next_check();
}

session::~session() = default;

// ---------------------------------------------------------------------------------------------------------
// Sending (any thread)

bool session::send(frame message) {
  if (!message.bytes) return false;
  return after_push(outbox_.push(outgoing::message(message)));
}

bool session::send_all(std::vector<frame> messages) {
  std::vector<outgoing> items;
  items.reserve(messages.size());
  for (const auto& message : messages) {
    if (!message.bytes) return false;
    items.push_back(outgoing::message(message));
  }
  return after_push(outbox_.push(items));
}

void session::hold_writes(std::chrono::milliseconds at_most) {
  // The writer sees it at its next run: it leaves the queue alone, so pushes meanwhile do not wake it (the
  // outbox wakes only an idle consumer), and comes back at the deadline (its timer) or at the release.
  held_until_ = clock::now() + at_most;
}

void session::release_writes() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->held_until_ == clock::time_point{}) return;
    self->held_until_ = {};
    // The timer was armed for the hold's bound only (nothing lingers during a hold): an idle connection
    // keeps no timer, and a busy one makes its own at its first linger.
    self->linger_timer_.reset();
    self->flush();
  });
}

bool session::after_push(outbox::push_result result) {
  switch (result) {
    case outbox::push_result::queued:
      return true;
    case outbox::push_result::queued_wake:
      asio::post(strand_, [self = shared_from_this()] { self->flush(); });
      return true;
    case outbox::push_result::closed:
      return false;
    case outbox::push_result::over_limit:
      core::log::warn(log_component, "sid ", id_, ": outgoing queue over its bound (", options_->max_queued_packets,
                      " packets / ", options_->max_queued_bytes, " bytes), closing (backpressure)");
      close_async("backpressure", close_mode::immediate);
      return false;
  }
  return false;
}

void session::close(std::string_view reason) {
  // Refuse new packets now, so a send() right after close() on the same thread already returns false;
  // what was queued before is still delivered (graceful).
  outbox_.close();
  core::log::debug(log_component, "sid ", id_, ": closed by the server (", reason, ")");
  close_async("forced close", close_mode::graceful);
}

void session::close_async(std::string reason, close_mode mode) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason), mode] { self->close_now(reason, mode); });
}

void session::set_handlers(handlers h) {
  if (strand_.running_in_this_thread() && !in_callback_) {
    if (phase_ == phase::open) handlers_ = std::move(h);
    return;
  }
  asio::post(strand_, [self = shared_from_this(), h = std::move(h)]() mutable {
    if (self->phase_ == phase::open) self->handlers_ = std::move(h);
  });
}

void session::start(server::connection_handler on_connection) {
  asio::dispatch(strand_, [self = shared_from_this(), on_connection = std::move(on_connection)] {
    if (self->phase_ != phase::open || !on_connection) return;
    try {
      on_connection(self);
    } catch (...) {
      log_exception(self->id_, "the connection handler", std::current_exception());
      self->close_now("transport error", close_mode::immediate);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// The outgoing queue and its consumers (strand)

void session::push_own(const outgoing& packet) {
  if (outbox_.push_control(packet) == outbox::push_result::over_limit) {
    core::log::warn(log_component, "sid ", id_, ": outgoing queue over its bound, closing (backpressure)");
    close_now("backpressure", close_mode::immediate);
    return;
  }
  flush();
}

void session::flush() {
  if (phase_ == phase::closed) return;
  if (transport_ == transport::websocket) {
    start_writer();
    return;
  }
  if (pending_get_) answer_pending_get();
}

void session::answer_pending_get() {
  auto batch = outbox_.take(/*go_idle=*/true);
  if (batch.empty()) return;  // keep waiting; the next push wakes us
  auto done = std::move(*pending_get_);
  pending_get_.reset();
  const bool sent = reply_payload(std::move(done), std::move(batch));
  if (!sent && phase_ == phase::open) {
    close_now("transport error", close_mode::immediate);
  } else if (phase_ == phase::closing) {
    finalize();  // the close packet is on its way
  }
}

bool session::reply_payload(core::remote_completion<poll_reply> done, std::vector<outgoing> batch) {
  auto body = encode_polling_payload(batch);
  if (!body) {
    core::log::error(log_component, "sid ", id_,
                     ": a text message holds the record separator and cannot travel by polling; closing");
    done.complete(nullptr, poll_reply{poll_reply::outcome::payload, "1"});
    return false;
  }
  done.complete(nullptr, poll_reply{poll_reply::outcome::payload, std::move(*body)});
  return true;
}

void session::release_pending_get(std::string_view body) {
  if (!pending_get_) return;
  auto done = std::move(*pending_get_);
  pending_get_.reset();
  done.complete(nullptr, poll_reply{poll_reply::outcome::payload, std::string(body)});
}

void session::on_poll(core::remote_completion<poll_reply> done) {
  using outcome = poll_reply::outcome;
  if (phase_ == phase::closed) return done.complete(nullptr, poll_reply{outcome::unknown_session, {}});
  if (transport_ != transport::polling) return done.complete(nullptr, poll_reply{outcome::bad_request, {}});

  if (pending_get_) {
    // Two GETs at once: the client is broken, or two tabs share a sid. The reference server closes the
    // session ("overlap from client"): the waiting GET gets the close packet, this one a 400.
    done.complete(nullptr, poll_reply{outcome::bad_request, {}});
    core::log::debug(log_component, "sid ", id_, ": a second GET while one waits, closing");
    close_now("transport error", close_mode::immediate);
    return;
  }

  if (probe_answered_) {
    // The client is pausing polling to move to the WebSocket: answer at once, never hold this GET.
    auto batch = outbox_.take(/*go_idle=*/false);
    if (batch.empty()) batch.push_back(outgoing::control(packet_type::noop));
    if (!reply_payload(std::move(done), std::move(batch))) close_now("transport error", close_mode::immediate);
    return;
  }

  auto batch = outbox_.take(/*go_idle=*/true);
  if (batch.empty()) {
    if (phase_ == phase::closing) {
      // Cannot happen (a closing polling session holds its close packet until a GET takes it); be safe.
      done.complete(nullptr, poll_reply{outcome::payload, "1"});
      finalize();
      return;
    }
    pending_get_.emplace(std::move(done));
    return;
  }
  const bool sent = reply_payload(std::move(done), std::move(batch));
  if (!sent && phase_ == phase::open) {
    close_now("transport error", close_mode::immediate);
  } else if (phase_ == phase::closing) {
    finalize();
  }
}

post_outcome session::on_post(std::vector<packet> packets) {
  if (phase_ != phase::open) return post_outcome::unknown_session;
  if (transport_ != transport::polling) return post_outcome::bad_request;
  for (auto& p : packets) {
    handle_packet(std::move(p));
    if (phase_ != phase::open) break;  // a close packet: the rest is not for us
  }
  return post_outcome::ok;
}

// ---------------------------------------------------------------------------------------------------------
// Incoming packets (strand)

void session::handle_packet(packet p) {
  switch (p.type) {
    case packet_type::message:
      if (p.binary) {
        deliver_binary(std::move(p.data));
      } else {
        deliver_text(std::move(p.data));
      }
      return;
    case packet_type::pong:
      on_pong();
      return;
    case packet_type::ping:
      on_client_ping(p.data);
      return;
    case packet_type::close:
      close_now("transport close", close_mode::client);
      return;
    case packet_type::open:
      close_now("parse error", close_mode::immediate);  // only the server opens
      return;
    case packet_type::upgrade:
    case packet_type::noop:
      return;  // meaningless on the current transport; harmless
  }
}

void session::deliver_text(std::string text) {
  if (!handlers_.on_text) return;
  in_callback_ = true;
  try {
    handlers_.on_text(std::move(text));
  } catch (...) {
    log_exception(id_, "on_text", std::current_exception());
  }
  in_callback_ = false;
}

void session::deliver_binary(std::string bytes) {
  if (!handlers_.on_binary) return;
  in_callback_ = true;
  try {
    handlers_.on_binary(std::move(bytes));
  } catch (...) {
    log_exception(id_, "on_binary", std::current_exception());
  }
  in_callback_ = false;
}

void session::on_pong() {
  if (!ping_outstanding_) return;  // an unsolicited pong proves nothing the next ping will not
  ping_outstanding_ = false;
  next_ping_at_ = clock::now() + options_->ping_interval;
  update_next_check();
}

void session::on_client_ping(std::string_view data) {
  const auto now = clock::now();
  if (now - client_ping_window_ >= options_->ping_interval) {
    client_ping_window_ = now;
    client_pings_ = 0;
  }
  if (++client_pings_ > max_client_pings_per_interval) {
    core::log::warn(log_component, "sid ", id_, ": client ping flood, closing");
    close_now("transport error", close_mode::immediate);
    return;
  }
  push_own(outgoing::control(packet_type::pong, data));
}

// ---------------------------------------------------------------------------------------------------------
// Heartbeat (the sweep claims, the strand handles)

void session::update_next_check() noexcept {
  auto next = clock::time_point::max();
  if (phase_ == phase::open) {
    next = ping_outstanding_ ? pong_deadline_ : next_ping_at_;
    if (probe_) next = std::min(next, upgrade_deadline_);
  } else if (phase_ == phase::closing) {
    next = close_deadline_;
  }
  next_check_.store(next == clock::time_point::max() ? never : next.time_since_epoch().count(),
                    std::memory_order_relaxed);
}

bool session::claim_if_due(clock::time_point now) noexcept {
  auto due = next_check_.load(std::memory_order_relaxed);
  if (due > now.time_since_epoch().count()) return false;
  // If the strand moved the deadline meanwhile, the exchange fails and the next sweep looks again.
  return next_check_.compare_exchange_strong(due, never, std::memory_order_relaxed);
}

void session::on_heartbeat() {
  const auto now = clock::now();
  if (phase_ == phase::closed) return;
  if (phase_ == phase::closing) {
    if (now >= close_deadline_) {
      finalize();  // the client did not come for its last packets in time
    } else {
      update_next_check();
    }
    return;
  }
  if (probe_ && now >= upgrade_deadline_) {
    core::log::debug(log_component, "sid ", id_, ": upgrade timed out, staying on polling");
    drop_probe();
  }
  if (ping_outstanding_) {
    if (now >= pong_deadline_) {
      close_now("ping timeout", close_mode::immediate);
      return;
    }
  } else if (now >= next_ping_at_) {
    if (ws_ && !ws_writing_) {
      // Once per ping interval, between batches: a quiet connection keeps no write buffers (the ping
      // frame fits in the string's inline storage).
      release_write_buffers(*ws_);
    }
    ping_outstanding_ = true;
    pong_deadline_ = now + options_->ping_timeout;
    update_next_check();
    push_own(outgoing::control(packet_type::ping));
    return;
  }
  update_next_check();
}

// ---------------------------------------------------------------------------------------------------------
// Closing (strand)

void session::close_now(std::string_view reason, close_mode mode) {
  if (phase_ == phase::closed) return;
  if (phase_ == phase::closing) {
    // Already delivering its last packets (bounded by close_deadline_); only a dead or misbehaving peer
    // finishes it early.
    if (mode == close_mode::immediate || mode == close_mode::client) finalize();
    return;
  }
  phase_ = phase::closing;
  // At most this long to deliver the last packets: the next GET must come by then, a WebSocket peer must
  // read them and answer the closing handshake by then (see on_heartbeat).
  close_deadline_ = clock::now() + options_->ping_timeout;
  outbox_.close();
  ping_outstanding_ = false;
  drop_probe();
  core::log::debug(log_component, "sid ", id_, ": closing (", reason, ")");
  notify_close(reason);

  if (transport_ == transport::polling) {
    if (mode == close_mode::client) {
      release_pending_get("6");  // the client is leaving: end its GET cleanly, as the reference does
      finalize();
      return;
    }
    // The close packet tells a polling client the session is over instead of leaving it to time out.
    (void)outbox_.push_control(outgoing::control(packet_type::close));
    if (pending_get_) {
      answer_pending_get();  // sends what is queued and the close packet, then finalizes
      if (phase_ != phase::closed) finalize();
      return;
    }
    if (mode == close_mode::graceful) {
      update_next_check();  // the next GET, if it comes before close_deadline_, gets the rest
      return;
    }
    finalize();
    return;
  }

  if (mode == close_mode::graceful || mode == close_mode::shutdown) {
    close_requested_ = true;
    update_next_check();
    start_writer();  // writes what is queued, then the closing handshake, then finalizes
    return;
  }
  finalize();
}

void session::notify_close(std::string_view reason) {
  // Moved out first: the handler may drop the last reference the layer above holds, and it must not be
  // called again.
  auto h = std::move(handlers_);
  handlers_ = {};
  if (!h.on_close) return;
  in_callback_ = true;
  try {
    h.on_close(reason);
  } catch (...) {
    log_exception(id_, "on_close", std::current_exception());
  }
  in_callback_ = false;
}

void session::finalize() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  outbox_.clear();
  release_pending_get("1");
  drop_probe();
  if (ws_) {
    ws_->abort();  // a no-op after a completed closing handshake
    ws_.reset();   // the reader and writer hold their own reference and see they are stale
  }
  update_next_check();
  upgrading_hint_.store(false, std::memory_order_relaxed);
  auto finished = std::move(on_finished_);
  on_finished_ = nullptr;
  if (finished) finished(id_);
}

// ---------------------------------------------------------------------------------------------------------
// WebSocket (strand)

void session::attach_websocket(std::shared_ptr<websocket_transport> ws) {
  if (phase_ == phase::closed) {
    ws->abort();
    return;
  }
  transport_ = transport::websocket;
  transport_hint_.store(transport::websocket, std::memory_order_relaxed);
  ws_ = std::move(ws);
  if (phase_ == phase::closing) close_requested_ = true;  // closed by the connection handler already
  start_writer();
}

bool session::attach_probe(std::shared_ptr<websocket_transport> ws) {
  if (phase_ != phase::open || transport_ != transport::polling || probe_) return false;
  probe_ = std::move(ws);
  probe_answered_ = false;
  upgrade_deadline_ = clock::now() + options_->upgrade_timeout;
  upgrading_hint_.store(true, std::memory_order_relaxed);
  update_next_check();
  return true;
}

void session::drop_probe() {
  if (!probe_) return;
  probe_->abort();
  probe_.reset();
  probe_answered_ = false;
  upgrading_hint_.store(false, std::memory_order_relaxed);
  update_next_check();
}

void session::start_writer() {
  if (phase_ == phase::closed || !ws_ || ws_writing_) return;
  ws_writing_ = true;
  write_websocket(ws_);
}

// The one writer of a WebSocket: everything queued is taken at once, framed into the transport's buffer and
// sent in one socket write (one syscall per batch, not per frame); when that write completes, the next
// batch. So a peer that does not read backs up into the bounded outbox, not into memory. A plain callback,
// not a coroutine: this runs once per batch, and fan-out makes many small batches.
void session::write_websocket(const std::shared_ptr<websocket_transport>& ws) {
  if (ws_ != ws || phase_ == phase::closed) {
    ws_writing_ = false;
    return;
  }
  // Held (hold_writes): everything waits, answers too, until the release or the bound.
  if (held_until_ != clock::time_point{}) {
    if (phase_ == phase::open && clock::now() < held_until_) {
      ws_writing_ = false;
      linger_until(held_until_);
      return;
    }
    held_until_ = {};  // over: its deadline passed, or the session is closing
  }
  // A busy socket's broadcasts wait for the ones after them, up to broadcast_linger after the last write that
  // carried one; a quiet socket's first broadcast, or anything with an answer among it, goes at once. Busy
  // means broadcasts, not answers: a client whose own messages were just acked, or that just connected, is
  // not in a stream of broadcasts, and holding the next one would only delay it (and arm a timer).
  const auto linger = options_->broadcast_linger;
  const auto now = linger.count() > 0 ? clock::now() : clock::time_point{};
  const bool may_linger = linger.count() > 0 && phase_ == phase::open && now < last_broadcast_write_ + linger;
  if (outbox_.take_into(write_batch_, /*go_idle=*/true, may_linger)) {
    ws_writing_ = false;
    linger_until(last_broadcast_write_ + linger);
    return;
  }
  if (write_batch_.empty()) {
    if (phase_ == phase::closing && close_requested_) {
      auto self = shared_from_this();
      asio::co_spawn(strand_, close_websocket(self, ws), [self](std::exception_ptr failure) {
        log_exception(self->id_, "the WebSocket closing handshake", failure);
      });
      return;
    }
    // Idle: nothing queued and nothing held. Small write buffers (a handshake's, a quiet chat's) go back now
    // rather than at the next ping, and so do the batch vectors (this one and the outbox's, which it swaps
    // with): a connection waiting for its next message holds none, and making them again is a few small
    // allocations. A buffer that grew for real batches is kept for the next one (a busy socket would otherwise
    // grow it anew every write), until the next ping.
    if (ws->write_buffer_bytes() <= small_write_buffer_bytes) release_write_buffers(*ws);
    ws_writing_ = false;
    return;
  }
  if (linger.count() > 0 && std::any_of(write_batch_.begin(), write_batch_.end(),
                                        [](const outgoing& o) { return o.may_linger; }))
    last_broadcast_write_ = now;
  const auto ec = ws->queue(write_batch_);
  // The bytes are copied: a broadcast's frames are released now, not once the peer has read them. A batch
  // vector grown by a burst is given back rather than kept by an idle connection.
  write_batch_.clear();
  if (write_batch_.capacity() > kept_batch_packets) std::vector<outgoing>().swap(write_batch_);
  if (ec) {
    ws_writing_ = false;
    on_websocket_ended(ws, ec);
    return;
  }
  // Completes on the strand (the socket's executor).
  ws->async_flush([self = shared_from_this(), ws](const boost::system::error_code& flushed, std::size_t) {
    if (flushed) {
      self->ws_writing_ = false;
      self->on_websocket_ended(ws, flushed);
      return;
    }
    self->write_websocket(ws);
  });
}

void session::release_write_buffers(websocket_transport& ws) {
  ws.release_idle_buffers();
  std::vector<outgoing>().swap(write_batch_);
  outbox_.release_spare_capacity();  // the vector the writer's batch last swapped with
}

// The writer comes back at `deadline` to write what lingered (the outbox wakes it earlier for an answer). One timer
// per session, made on its first linger, so a socket that never lingers carries none; re-arming it cancels the
// earlier wait, whose handler then does nothing.
void session::linger_until(clock::time_point deadline) {
  if (!linger_timer_) linger_timer_ = std::make_unique<asio::steady_timer>(strand_);
  linger_timer_->expires_at(deadline);
  linger_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->flush();
  });
}

asio::awaitable<void> session::close_websocket(std::shared_ptr<session> self, std::shared_ptr<websocket_transport> ws) {
  co_await ws->close();
  self->ws_writing_ = false;
  if (self->ws_ == ws) self->finalize();
}

void session::read_websocket(std::shared_ptr<session> self, std::shared_ptr<websocket_transport> ws) {
  auto& transport = *ws;
  transport.async_read_first([self = std::move(self), ws = std::move(ws)](const error_code& ec, std::size_t) mutable {
    self->on_websocket_read(std::move(ws), ec);
  });
}

void session::on_websocket_read(std::shared_ptr<websocket_transport> ws, const error_code& ec) {
  if (!ws->message_done(ec)) {  // a longer message: read on
    auto& transport = *ws;
    transport.async_read_more([self = shared_from_this(), ws](const error_code& more, std::size_t) mutable {
      self->on_websocket_read(std::move(ws), more);
    });
    return;
  }
  const auto in = ws->received(ec);
  if (in.ec) {
    on_websocket_ended(ws, in.ec);
    return;
  }
  if (ws == probe_) {
    // The probe's answer is a write to await: a coroutine for that frame only, then the reading goes on.
    // `in.data` stays valid until then: the buffer is only reused by the next read.
    auto probing = [self = shared_from_this(), ws, in]() -> asio::awaitable<void> {
      auto answering = self->on_probe_frame(ws, in.binary, in.data);  // named: see server.cpp on GCC 12
      co_await std::move(answering);
      read_websocket(self, ws);
    };
    asio::co_spawn(strand_, std::move(probing), [self = shared_from_this()](std::exception_ptr failure) {
      log_exception(self->id_, "the WebSocket upgrade", failure);
    });
    return;
  }
  if (ws != ws_) return;  // a dropped probe, or the session is over: stop reading
  // While closing, frames are read (to see the peer's close frame) but no longer delivered.
  if (phase_ == phase::open) {
    // A completion handler, not a coroutine: an exception here would leave the io_context's run().
    try {
      on_websocket_frame(in.binary, in.data);
    } catch (...) {
      log_exception(id_, "a WebSocket message", std::current_exception());
      close_now("transport error", close_mode::immediate);
      return;
    }
  }
  read_websocket(shared_from_this(), std::move(ws));
}

asio::awaitable<void> session::on_probe_frame(std::shared_ptr<websocket_transport> ws, bool binary,
                                              std::string_view data) {
  auto decoded = binary ? core::result<packet>(core::bad_request("eio_probe", "binary frame during the upgrade"))
                        : decode_packet(data);
  if (!decoded) {
    drop_probe();
    co_return;
  }
  if (!probe_answered_ && is_probe(*decoded, packet_type::ping)) {
    const auto answer = outgoing::control(packet_type::pong, probe_data);
    const auto ec = co_await ws->write(answer);
    if (probe_ != ws) co_return;  // dropped (timeout, session closed) while writing
    if (ec) {
      drop_probe();
      co_return;
    }
    probe_answered_ = true;
    // The client now pauses polling and waits for its GET to return: release it with what is queued, or
    // a noop. What is queued after this stays for the WebSocket.
    if (pending_get_) {
      auto done = std::move(*pending_get_);
      pending_get_.reset();
      auto batch = outbox_.take(/*go_idle=*/false);
      if (batch.empty()) batch.push_back(outgoing::control(packet_type::noop));
      if (!reply_payload(std::move(done), std::move(batch))) close_now("transport error", close_mode::immediate);
    }
    co_return;
  }
  if (probe_answered_ && decoded->type == packet_type::upgrade) {
    complete_upgrade(std::move(ws));
    co_return;
  }
  core::log::debug(log_component, "sid ", id_, ": unexpected packet during the upgrade, dropping the WebSocket");
  drop_probe();
}

void session::complete_upgrade(std::shared_ptr<websocket_transport> ws) {
  probe_.reset();
  probe_answered_ = false;
  upgrading_hint_.store(false, std::memory_order_relaxed);
  transport_ = transport::websocket;
  transport_hint_.store(transport::websocket, std::memory_order_relaxed);
  ws_ = std::move(ws);
  release_pending_get("6");  // a GET sent against the protocol meanwhile: end it, its packets go to the WebSocket
  update_next_check();
  core::log::debug(log_component, "sid ", id_, ": upgraded to WebSocket");
  start_writer();  // everything still queued goes out here, in order
}

void session::on_websocket_frame(bool binary, std::string_view data) {
  if (binary) {
    deliver_binary(std::string(data));
    return;
  }
  auto decoded = decode_packet(data);
  if (!decoded) {
    close_now("parse error", close_mode::immediate);
    return;
  }
  handle_packet(std::move(*decoded));
}

void session::on_websocket_ended(const std::shared_ptr<websocket_transport>& ws, const boost::system::error_code& ec) {
  if (ws == probe_) {
    drop_probe();  // the upgrade failed; polling carries on
    return;
  }
  if (ws != ws_) return;
  if (phase_ == phase::open) {
    close_now(reason_for(ec), close_mode::immediate);
  } else {
    finalize();
  }
}

}  // namespace suda::realtime::engineio
