#pragma once
// The Engine.IO v4 server: handshake, HTTP long-polling (GET/POST), WebSocket, the upgrade from polling to
// WebSocket (probe, upgrade, the pending poll released with a noop) with no packet lost or duplicated, the
// server's pings and the ping timeout, maxPayload, and the Engine.IO HTTP errors for unknown sid, unknown
// transport and bad EIO version ({"code":1,"message":"Session ID unknown"} etc., as Engine.IO answers).
//
// It plugs into the HTTP server: the HTTP layer routes GET/POST/OPTIONS on the mount paths to
// handle_http() and gives WebSocket upgrade requests on those paths to handle_websocket().
// It knows nothing of Socket.IO or chat: new connections are handed to `on_connection`.
//
// Wiring (see server.cpp for the heartbeat sweep and session.hpp for a connection's life):
//  - the HTTP layer's body limit on the mount paths must be at least max_payload, or it answers 413 itself
//    and the session is not told (it then ends by ping timeout);
//  - `on_connection` runs on the new connection's strand, before any of its messages is delivered;
//  - stop in this order: shutdown(), let the io_context run until connection_count() is 0 (or a grace
//    period), stop it, destroy this object, then the io_context (connections hold strands of it).
#include "realtime/engineio/socket.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace suda::realtime::engineio {

struct server_options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1000000;  // bytes of one HTTP POST body or one WebSocket message
  std::chrono::milliseconds upgrade_timeout{10000};
  // Outgoing queue bound per connection; past either, the connection is closed ("backpressure").
  std::size_t max_queued_packets = 4096;
  std::size_t max_queued_bytes = 8 << 20;
  // How long a broadcast frame (frame::may_linger) may wait on a WebSocket that wrote a broadcast less than this
  // long ago, so that the frames of a busy room share socket writes (one send of several frames costs little
  // more than one of one). Zero, the default: every batch is written at once. Answers, acks and control packets
  // never wait, and take whatever is waiting along. A socket's first broadcast, and the first after a quiet
  // spell, never waits either: answers alone (a client's own acks, its handshake) do not make a socket busy.
  std::chrono::microseconds broadcast_linger{0};
  std::size_t max_connections = 100000;
  // Cross-origin policy: requests with an Origin header must be same-origin (Origin's host:port equals the
  // Host header) or listed here; "*" allows any origin (suda-echo, protocol test suites). Refused: 403.
  // CORS headers (Access-Control-Allow-Origin: <origin>, Allow-Credentials: true) for allowed origins on polling.
  std::vector<std::string> allowed_origins;
};

class server {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using connection_handler = std::function<void(std::shared_ptr<socket>)>;

  server(boost::asio::io_context& ioc, server_options options, connection_handler on_connection);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // A polling request (GET/POST) or CORS preflight (OPTIONS) on a mount path; `remote_ip` for connection_info.
  boost::asio::awaitable<boost::beast::http::message_generator> handle_http(const request& req, std::string remote_ip);

  // A WebSocket upgrade request on a mount path: a new connection (no sid) or the upgrade of a polling one.
  boost::asio::awaitable<void> handle_websocket(boost::beast::tcp_stream stream, request req, std::string remote_ip);

  // Closes every connection with reason "server shutting down"; pending polls are answered at once.
  void shutdown();

  std::size_t connection_count() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;  // shared with connection coroutines and timers, so it outlives them
};

}  // namespace suda::realtime::engineio
