#pragma once
// One Engine.IO connection (a "sid") on the server: the `socket` the layer above sees, and the state machine
// behind it — its outgoing queue, the transport carrying it (long-polling, then maybe a WebSocket), the
// upgrade between the two, and its heartbeat.
//
// Threads: everything but send()/send_all()/close() and the few atomics the server reads runs on the
// session's strand. The server hands work to the strand (a GET, the packets of a POST, a WebSocket, a
// heartbeat tick); the layer above's callbacks run there too, one at a time.
//
// Life: open -> closing -> closed.
//  - open: messages flow. on_close runs when leaving this state, exactly once, with the reason.
//  - closing: nothing new is accepted; what is already queued is still delivered (the next GET gets it and
//    a close packet; a WebSocket writes it and then the closing handshake), for at most close_grace.
//  - closed: resources released, the server forgets the sid (later requests get "Session ID unknown").
//
// Upgrade (polling -> WebSocket), as the reference server does it:
//  1. the client opens a WebSocket with ?sid=; it is the "probe" until step 3, polling still carries the
//     session; 2. the client sends "2probe", the session answers "3probe" on the WebSocket and releases a
//     waiting GET (a noop, "6", when nothing is queued) — the client now pauses polling, so later GETs are
//     answered at once instead of being held; 3. the client sends "5": the WebSocket becomes the transport
//     and everything still queued is written there. Packets leave the queue exactly once, through exactly
//     one transport, so none is lost or duplicated. A probe that does not finish within upgrade_timeout,
//     or misbehaves, is closed and the session stays on polling.
//
// Heartbeat: the server pings every ping_interval and closes with "ping timeout" when no pong arrives
// within ping_timeout. The session keeps no timer: it publishes its next deadline in an atomic that the
// server's periodic sweep reads (see server.cpp), and handles the tick on its strand.
#include "core/completion.hpp"
#include "realtime/engineio/outbox.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/engineio/websocket_transport.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::engineio {

// What a long-polling GET is answered with.
struct poll_reply {
  enum class outcome {
    payload,          // 200 with `body`
    unknown_session,  // 400 code 1: the session is gone
    bad_request,      // 400 code 3: wrong transport, or a second GET while one waits
  };
  outcome result = outcome::payload;
  std::string body;
};

// What a polling POST is answered with.
enum class post_outcome { ok, unknown_session, bad_request };

// How a connection ends (see close_now in session.cpp).
enum class close_mode {
  graceful,   // close() by the layer above: deliver what is queued, then close
  immediate,  // the peer is gone or broke the protocol: release everything now
  client,     // the client sent a close packet
  shutdown,   // server shutdown: waiting GETs are answered at once, WebSockets write their queue, then close
};

class session final : public socket, public std::enable_shared_from_this<session> {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;
  using clock = std::chrono::steady_clock;
  // Called once, on the strand, when the session is closed: the server forgets the sid.
  using finished_handler = std::function<void(const std::string& sid)>;

  session(std::string id, connection_info info, transport initial, std::shared_ptr<const server_options> options,
          strand_type strand, finished_handler on_finished);
  ~session() override;

  // --- socket ---
  const std::string& id() const noexcept override { return id_; }
  const connection_info& info() const noexcept override { return info_; }
  boost::asio::any_io_executor get_executor() const override { return strand_; }
  bool send(frame message) override;
  bool send_all(std::vector<frame> messages) override;
  void hold_writes(std::chrono::milliseconds at_most) override;
  void release_writes() override;
  void close(std::string_view reason) override;
  void set_handlers(handlers h) override;

  // --- for the server; any thread unless marked "strand" ---
  const strand_type& strand() const noexcept { return strand_; }

  // Hands the connection to the layer above (on the strand; inline when already there). The open packet
  // is already queued, so it is the first thing the client receives.
  void start(server::connection_handler on_connection);

  // Routing hints for requests arriving on other threads; the strand checks again.
  transport current_transport() const noexcept { return transport_hint_.load(std::memory_order_relaxed); }
  bool upgrading() const noexcept { return upgrading_hint_.load(std::memory_order_relaxed); }

  // A long-polling GET: completes (on the caller's executor) when there is something to send, at once if
  // something is queued. Holds only a weak reference while waiting, so a waiting GET keeps nothing alive.
  template <class CompletionToken>
  static auto async_poll(std::weak_ptr<session> target, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, poll_reply)>(
        [](auto handler, std::weak_ptr<session> weak) {
          core::remote_completion<poll_reply> done(std::move(handler));
          auto self = weak.lock();
          if (!self) {
            done.complete(nullptr, poll_reply{poll_reply::outcome::unknown_session, {}});
            return;
          }
          const auto strand = self->strand_;
          boost::asio::post(strand, [self = std::move(self), done = std::move(done)]() mutable {
            self->on_poll(std::move(done));
          });
        },
        token, std::move(target));
  }

  // strand: the packets of a polling POST, delivered in order.
  post_outcome on_post(std::vector<packet> packets);

  // Closes from any thread (posted to the strand).
  void close_async(std::string reason, close_mode mode);

  // strand: a direct WebSocket connection (no polling before it) becomes the transport.
  void attach_websocket(std::shared_ptr<websocket_transport> ws);
  // strand: a WebSocket opened to upgrade this polling session; false when it cannot be (closed,
  // already upgraded or upgrading) and the caller closes it.
  bool attach_probe(std::shared_ptr<websocket_transport> ws);
  // strand: reads the WebSocket until it ends (the probe or the transport; both run this). Completion handlers
  // that re-arm the read, not a coroutine: an idle connection spends its life in this wait, where a coroutine
  // kept its frame, its co_spawn's and the awaited operation's (about 1 KiB per idle socket).
  static void read_websocket(std::shared_ptr<session> self, std::shared_ptr<websocket_transport> ws);

  // The heartbeat sweep: claims the session when its next deadline has passed (then the caller posts
  // on_heartbeat to the strand). A claimed session is not due again until on_heartbeat has run.
  bool claim_if_due(clock::time_point now) noexcept;
  void on_heartbeat();  // strand

  // strand: socket writes of the WebSocket carrying the session (0 without one), for tests and measurements.
  std::uint64_t websocket_writes() const noexcept { return ws_ ? ws_->socket_writes() : 0; }
  std::size_t websocket_write_buffer_bytes() const noexcept { return ws_ ? ws_->write_buffer_bytes() : 0; }

 private:
  enum class phase { open, closing, closed };

  bool after_push(outbox::push_result result);
  void push_own(const outgoing& packet);
  void flush();
  void on_poll(core::remote_completion<poll_reply> done);
  void answer_pending_get();
  bool reply_payload(core::remote_completion<poll_reply> done, std::vector<outgoing> batch);
  void release_pending_get(std::string_view body);

  void handle_packet(packet p);
  void on_pong();
  void on_client_ping(std::string_view data);
  void deliver_text(std::string text);
  void deliver_binary(std::string bytes);

  void close_now(std::string_view reason, close_mode mode);
  void notify_close(std::string_view reason);
  void finalize();

  void start_writer();
  void write_websocket(const std::shared_ptr<websocket_transport>& ws);
  void linger_until(clock::time_point deadline);
  // strand, the writer idle: gives back the write buffer and the batch vectors (an idle connection holds none).
  void release_write_buffers(websocket_transport& ws);
  static boost::asio::awaitable<void> close_websocket(std::shared_ptr<session> self,
                                                      std::shared_ptr<websocket_transport> ws);
  boost::asio::awaitable<void> on_probe_frame(std::shared_ptr<websocket_transport> ws, bool binary,
                                              std::string_view data);
  // The read of `ws` completed (or one part of a longer message did).
  void on_websocket_read(std::shared_ptr<websocket_transport> ws, const boost::system::error_code& ec);
  void on_websocket_frame(bool binary, std::string_view data);
  void on_websocket_ended(const std::shared_ptr<websocket_transport>& ws, const boost::system::error_code& ec);
  void complete_upgrade(std::shared_ptr<websocket_transport> ws);
  void drop_probe();

  void update_next_check() noexcept;

  const std::string id_;
  const connection_info info_;
  const std::shared_ptr<const server_options> options_;  // shared with the server, which may go first
  const strand_type strand_;
  finished_handler on_finished_;
  outbox outbox_;  // thread-safe: send() pushes from any thread

  // Read from other threads (routing, the sweep); written on the strand.
  std::atomic<transport> transport_hint_;
  std::atomic<bool> upgrading_hint_{false};
  std::atomic<clock::rep> next_check_;

  // --- everything below: strand only ---
  phase phase_ = phase::open;
  transport transport_;
  handlers handlers_;
  bool in_callback_ = false;  // a handler is running: set_handlers must not replace it under its feet

  std::optional<core::remote_completion<poll_reply>> pending_get_;  // the GET waiting for packets

  std::shared_ptr<websocket_transport> ws_;     // the WebSocket carrying the session, once it does
  bool ws_writing_ = false;                     // its writer is running (a flush or the closing handshake)
  std::vector<outgoing> write_batch_;           // the writer's batch, kept between batches (small) for reuse
  clock::time_point last_broadcast_write_{};    // when the writer last started a socket write with a broadcast
  clock::time_point held_until_{};              // hold_writes(): the writer waits until then (or a release)
  std::unique_ptr<boost::asio::steady_timer> linger_timer_;  // made on the first linger (broadcast_linger)
  bool close_requested_ = false;                // the writer ends with the closing handshake
  std::shared_ptr<websocket_transport> probe_;  // a WebSocket being tested for the upgrade
  bool probe_answered_ = false;                 // "3probe" sent: the client is pausing polling
  clock::time_point upgrade_deadline_{};

  bool ping_outstanding_ = false;
  clock::time_point next_ping_at_{};
  clock::time_point pong_deadline_{};
  clock::time_point close_deadline_{};
  clock::time_point client_ping_window_{};
  unsigned client_pings_ = 0;
};

}  // namespace suda::realtime::engineio
