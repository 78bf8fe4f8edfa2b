#pragma once
// One Engine.IO connection (a "sid"), as the layer above (Socket.IO) sees it. It lives across the change of
// transport (long-polling, then WebSocket): the upper layer never knows which transport carries it.
//
// Threads: every callback runs on the socket's strand, one at a time. send() and close() may be called from
// any thread and never block: they post to the strand.
//
// Bounds: outgoing frames wait in a queue bounded in packets and bytes (server_options); a client that cannot
// keep up is closed with reason "backpressure" (logged once) instead of growing memory.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace suda::realtime::engineio {

// An outgoing Engine.IO `message` packet, encoded once and shared by every recipient of a broadcast.
struct frame {
  std::shared_ptr<const std::string> bytes;  // text: the data after the "4" type digit; binary: the raw bytes
  bool binary = false;
  // A broadcast that may wait up to server_options::broadcast_linger on a busy WebSocket to share a socket write
  // with the frames after it. Answers and acks leave this unset: they go out at once, with whatever waits.
  bool may_linger = false;
};

inline frame text_frame(std::string data) { return frame{std::make_shared<const std::string>(std::move(data)), false}; }
inline frame binary_frame(std::string data) { return frame{std::make_shared<const std::string>(std::move(data)), true}; }

// What the handshake request told us, kept for the upper layer (authentication, logs).
struct connection_info {
  std::string remote_ip;
  std::string origin;        // the Origin header ("" when absent)
  std::string cookie;        // the Cookie header ("" when absent)
  std::string authorization; // the Authorization header ("" when absent)
  std::string user_agent;
};

class socket {
 public:
  virtual ~socket() = default;

  virtual const std::string& id() const noexcept = 0;
  virtual const connection_info& info() const noexcept = 0;
  virtual boost::asio::any_io_executor get_executor() const = 0;  // the socket's strand

  // Queues a message; false (and nothing queued) when the socket is closed or closing. Crossing the queue's
  // bound closes the socket with reason "backpressure".
  virtual bool send(frame message) = 0;
  // Queues several frames that must stay together (a Socket.IO binary event: text part then attachments).
  virtual bool send_all(std::vector<frame> messages) = 0;

  // Holds the WebSocket writer for at most `at_most`: what is queued from now on (answers too) waits until
  // release_writes() or the end of the hold, then leaves in one socket write. For an answer whose follow-up
  // is coming (Socket.IO's CONNECT answer and the namespace's first event, see hold_connect_answer): one
  // send and one wake-up of the client instead of two. Call on the socket's strand. No effect on polling.
  virtual void hold_writes(std::chrono::milliseconds at_most) = 0;
  // Ends a hold now (thread-safe; nothing happens when there is none).
  virtual void release_writes() = 0;

  // Closes the connection (sends a close packet when the transport allows). Idempotent; on_close follows.
  virtual void close(std::string_view reason) = 0;

  // Set by the upper layer in the server's on_connection callback, before any message is delivered.
  struct handlers {
    std::function<void(std::string text)> on_text;      // a text `message` packet's data
    std::function<void(std::string bytes)> on_binary;   // a binary `message` packet
    // Once, when the connection ends: "transport close", "ping timeout", "transport error", "backpressure",
    // "server shutting down", "forced close" (close() was called), "parse error", "payload too large".
    std::function<void(std::string_view reason)> on_close;
  };
  virtual void set_handlers(handlers h) = 0;
};

}  // namespace suda::realtime::engineio
