#pragma once
// One benchmark client: a WebSocket speaking Engine.IO v4 / Socket.IO v5 directly
// (/socket.io/?EIO=4&transport=websocket, no long-polling), as any socket.io server expects.
//
// Life: connect() opens TCP from a chosen 127.0.0.x source address, upgrades to WebSocket, reads the Engine.IO
// open packet, sends CONNECT with {token, lastSeqs}, and is ready once the server accepted the namespace and,
// with wait_synced, sent `synced` (the catch-up is done, so the socket is in its rooms: a message sent after
// that must reach it). Then it answers pings, records stamped `message` events and acks of its own emits.
//
// WebSocket is framed here (ws_frames.hpp), not by Beast's websocket::stream; Beast only does the HTTP
// upgrade. Why: in the fan-out benchmark the generator receives ~500k frames/s on one CPU, and Beast's
// per-message async read (a coroutine resume, a handler allocation, executor copies and a UTF-8 check per
// message) was about half of its CPU there, so the generator saturated before the server did and capped the
// measurement. Here one socket read takes whatever the kernel has (many frames in a fan-out) and every
// complete frame in it is handled synchronously.
//
// Threads: a client lives on one io_context run by one thread; nothing in it is locked. The shared message
// table and progress counters are atomics (run_state.hpp).
//
// Writes: one in flight (a whole masked frame), the rest in a queue bounded at max_queued frames; a sender
// waits for room instead of growing it (pongs skip the bound: they are rare and must not wait behind
// messages).
#include "run_state.hpp"
#include "ws_frames.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace suda::bench {

struct connect_params {
  boost::asio::ip::tcp::endpoint server;
  boost::asio::ip::address_v4 source;
  std::string host;         // Host header
  std::string auth_json;    // the CONNECT payload, e.g. {"token":"…","lastSeqs":{"r1":0}}
  bool wait_synced = true;  // ready on `synced` rather than on the CONNECT answer
  int receive_buffer = 0;   // SO_RCVBUF before connecting (0: the kernel's default, which autotunes up to MBs)
  std::chrono::milliseconds timeout{30000};
};

class sio_client {
 public:
  static constexpr std::size_t max_queued = 256;

  sio_client(boost::asio::io_context& ioc, thread_stats& stats, message_table& table, run_progress& progress,
             const std::vector<std::uint32_t>& expected_per_room);

  // Resolves true when ready, false on failure or timeout (the connection is closed then).
  boost::asio::awaitable<bool> connect(const connect_params& params);

  // Sends a stamped `message` event to `room_id` (table room `room`) with an ack id, and `client_msg_id` as its
  // clientMsgId unless empty; waits while the write queue is full. False when the client is closed or the
  // message table is full.
  boost::asio::awaitable<bool> send_message(const std::string& room_id, std::uint32_t room, std::int64_t intended_ns,
                                            std::size_t body_bytes, std::string_view client_msg_id = {});

  // Waits until fewer than `window` of this client's messages are unacknowledged, or until wake_all()/close.
  boost::asio::awaitable<void> wait_for_window(std::size_t window);
  // Wakes every coroutine waiting on this client (the controller ends a phase).
  void wake_all() { event_.cancel(); }

  // This client keeps its connection open but stops reading (the slow-consumer scenario); its deliveries are
  // no longer counted.
  void stop_reading() { reading_ = false; }
  void set_counting(bool counting) { counting_ = counting; }

  bool ready() const noexcept { return state_ == state::ready; }
  bool closed() const noexcept { return state_ == state::closed; }
  std::size_t unacked() const noexcept { return pending_acks_.size(); }
  void close();

 private:
  enum class state { idle, connecting, eio_open, ready, closed };

  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  // Queues one WebSocket frame (masked) carrying `payload`.
  void push(ws_opcode opcode, std::string_view payload);
  // A message or control frame from the server; false once the client is closed (stop handling frames).
  bool on_ws_message(const ws_message& message);
  void on_frame(std::string_view text);
  void on_socketio(std::string_view data);
  void on_ack(std::uint64_t id, bool failed);
  void record_delivery(std::string_view frame);
  void fail();

  boost::asio::io_context& ioc_;
  thread_stats& stats_;
  message_table& table_;
  run_progress& progress_;
  const std::vector<std::uint32_t>& expected_per_room_;

  boost::asio::ip::tcp::socket socket_;
  bool upgraded_ = false;  // the WebSocket handshake succeeded: frames may be written
  ws_parser parser_;
  // Received bytes not yet handled: [0, in_size_) of in_ (a partial frame at most, between reads).
  std::unique_ptr<char[]> in_;
  std::size_t in_capacity_ = 0;
  std::size_t in_size_ = 0;
  std::deque<std::string> out_;  // whole frames, as written
  bool writing_ = false;
  // Never expires: cancel() is the wake-up call for whoever waits on this client (ready, ack, queue room).
  boost::asio::steady_timer event_;
  boost::asio::steady_timer deadline_;
  state state_ = state::idle;
  bool reading_ = true;
  bool counting_ = true;
  bool wait_synced_ = true;
  bool connected_ = false;  // the Socket.IO CONNECT was accepted
  std::string auth_json_;
  std::uint64_t next_ack_id_ = 1;
  std::unordered_map<std::uint64_t, std::uint32_t> pending_acks_;  // ack id -> message index
};

}  // namespace suda::bench
