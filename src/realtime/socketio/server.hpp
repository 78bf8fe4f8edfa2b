#pragma once
// The Socket.IO v5 server on top of Engine.IO: namespaces, CONNECT with an `auth` payload (and an async
// authorization step), EVENT/ACK in both directions, BINARY_EVENT/BINARY_ACK with attachments,
// CONNECT_ERROR, DISCONNECT. It knows nothing of chat; suda's chat events and suda-echo are built on it.
//
// Threads: a socket's handlers run on its Engine.IO connection's strand, one at a time. emit(),
// send_encoded() and disconnect() may be called from any thread; they queue at once, in call order.
#include "realtime/engineio/server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::socketio {

// Arguments of an event or ack: JSON values where binary blobs appear as {"_placeholder":true,"num":i}
// and the blobs themselves in `attachments` (the wire form; see socketio/binary.hpp).
struct arguments {
  boost::json::array values;
  std::vector<std::string> attachments;
};

class socket;

// Answers an event that asked for an acknowledgement. Empty (operator bool false) when none was asked.
// Call at most once, from any thread.
using ack_sender = std::function<void(arguments)>;

// One client's connection to one namespace.
class socket : public std::enable_shared_from_this<socket> {
 public:
  virtual ~socket() = default;
  virtual const std::string& id() const noexcept = 0;       // the Socket.IO socket id (not the Engine.IO sid)
  virtual const std::string& nsp() const noexcept = 0;
  // The CONNECT payload ({} when none), for the authorizer and the connection handler. It is not kept after
  // the connection handler returns ({} from then on): most sockets sit idle for hours, and a token and the
  // client's seqs per socket add up. Keep what is needed in `data`.
  virtual const boost::json::value& auth() const noexcept = 0;
  virtual const engineio::connection_info& info() const noexcept = 0;

  // Emits an event to this client. Thread-safe, never blocks; false when the socket is gone.
  virtual bool emit(std::string_view event, arguments args) = 0;
  // Sends a pre-encoded EVENT (see socketio/packet.hpp encode_event, wrapped as an engineio frame): the
  // fan-out path, where the same bytes go to many sockets. By value: the frame's shared bytes are moved into
  // the connection's queue, so a delivery costs one reference count increment.
  virtual bool send_encoded(engineio::frame packet) = 0;

  // Handlers for client events; set them in the namespace's connection handler. `on_any` gets events
  // with no specific handler. Each costs the socket a few allocations: for handlers that are the same for
  // every socket, prefer the namespace's on_event / on_disconnect (namespace_options).
  using event_handler = std::function<void(arguments args, ack_sender ack)>;
  virtual void on(std::string event, event_handler handler) = 0;
  virtual void on_any(std::function<void(std::string_view event, arguments args, ack_sender ack)> handler) = 0;
  // Once, when the socket leaves the namespace, with the reason: "client namespace disconnect",
  // "server namespace disconnect" (disconnect()), "parse error" (the client broke the protocol), "forced
  // server close", or the Engine.IO close reason ("transport close", "ping timeout", ...).
  virtual void on_disconnect(std::function<void(std::string_view reason)> handler) = 0;

  // Sends DISCONNECT for this namespace and forgets the socket.
  virtual void disconnect() = 0;
  // Lets the CONNECT answer held by namespace_options::hold_connect_answer go, with whatever was sent since.
  // Thread-safe; nothing happens when nothing is held.
  virtual void release_connect_answer() = 0;

  std::any data;  // for the layer above (e.g. the signed-in user); touched only on the socket's strand
};

// Decides on CONNECT: nullopt accepts; a string refuses with CONNECT_ERROR {"message": <string>}.
using authorizer = std::function<boost::asio::awaitable<std::optional<std::string>>(socket&)>;
using connection_handler = std::function<void(std::shared_ptr<socket>)>;

struct namespace_options {
  authorizer authorize;             // may be empty: accept all
  connection_handler on_connection; // after a successful CONNECT: set handlers, join rooms, emit
  // Zero: the CONNECT answer is written at once. Otherwise, over a WebSocket, it waits for
  // socket::release_connect_answer() (at most this long) and leaves in one socket write with what the
  // connection handler's work sent meanwhile (one send, one wake-up of the client). For a namespace whose
  // handler always has something to say soon after the connect, and calls release_connect_answer() then.
  std::chrono::milliseconds hold_connect_answer{0};
  // Shared by every socket of the namespace, so they cost a socket nothing (the socket's own state belongs in
  // socket::data). on_event gets the events that none of the socket's handlers (on, on_any) took; on_disconnect
  // runs once when a connected socket leaves, after the socket's own on_disconnect, with the same reason.
  // Both run on the socket's strand, like the socket's handlers; either may be empty.
  std::function<void(socket& s, std::string_view event, arguments args, ack_sender ack)> on_event;
  std::function<void(socket& s, std::string_view reason)> on_disconnect;
};

struct server_options {
  std::size_t max_attachments = 10;
  std::size_t max_attachment_bytes = 1 << 20;
  std::chrono::milliseconds connect_timeout{45000};  // an Engine.IO connection must CONNECT a namespace by then
  // Packets a client sends to a namespace while its CONNECT is being authorized wait, in order, within
  // these bounds (attachments included); past either, the connection is closed.
  std::size_t max_connecting_packets = 64;
  std::size_t max_connecting_bytes = 1 << 20;
};

class server {
 public:
  explicit server(server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Registers a namespace ("/" or "/custom"); CONNECT to an unregistered one gets CONNECT_ERROR
  // {"message":"Invalid namespace"}. Call before serving: after the first accept() it throws
  // std::logic_error (connections read the registry without a lock); a malformed or repeated name throws
  // std::invalid_argument.
  void add_namespace(std::string name, namespace_options options);

  // Takes a new Engine.IO connection: pass this as (or call it from) the Engine.IO server's connection
  // handler, e.g. engineio::server eio(ioc, opts, [&sio](auto s) { sio.accept(std::move(s)); });
  void accept(std::shared_ptr<engineio::socket> connection);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace suda::realtime::socketio
