#pragma once
// The socketio::socket of one namespace on one Engine.IO connection. The client (client.hpp) creates it on
// CONNECT, hands it the packets of its namespace and ends it; the layer above holds it through the
// socketio::socket interface.
//
// Threads: everything but emit/send_encoded/disconnect/ack runs on the connection's strand. Those four may
// be called from any thread: they encode on the caller's thread and queue the frames on the Engine.IO
// connection right there (its send() is thread-safe), with no hop to the strand: a fan-out delivery costs a
// mutex and a queue push, not a post and an allocation. Ordering, which the strand gave before: the
// socket's `send_mutex_` is held around "is it open? then push" and around "push DISCONNECT, mark closed",
// so nothing is queued for this namespace after its DISCONNECT, and each caller's frames keep its order.
#include "realtime/engineio/socket.hpp"
#include "realtime/socketio/packet.hpp"
#include "realtime/socketio/server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::socketio {

class client;

class socket_impl final : public socket {
 public:
  struct init {
    std::string id;
    std::string nsp;
    boost::json::value auth;
    std::shared_ptr<const engineio::connection_info> info;  // shared by the sockets of one connection
    std::weak_ptr<engineio::socket> connection;  // weak: the Engine.IO server owns the connection
    boost::asio::any_io_executor executor;       // the connection's strand
    std::weak_ptr<client> owner;                 // to be forgotten on disconnect()
    const namespace_options* space = nullptr;    // its namespace's shared handlers; outlives the socket
  };
  explicit socket_impl(init from);

  const std::string& id() const noexcept override { return id_; }
  const std::string& nsp() const noexcept override { return nsp_; }
  const boost::json::value& auth() const noexcept override { return auth_; }
  const engineio::connection_info& info() const noexcept override { return *info_; }

  bool emit(std::string_view event, arguments args) override;
  bool send_encoded(engineio::frame packet) override;
  void on(std::string event, event_handler handler) override;
  void on_any(std::function<void(std::string_view event, arguments args, ack_sender ack)> handler) override;
  void on_disconnect(std::function<void(std::string_view reason)> handler) override;
  void disconnect() override;
  void release_connect_answer() override;

  // ---- For the client, on the strand ----

  // The CONNECT was accepted (its answer is queued already): from now on emit() sends.
  void set_connected();
  // The connection handler returned: auth() is not needed any more (see socket::auth()).
  void drop_auth() noexcept;
  bool connected() const noexcept;
  // An EVENT / BINARY_EVENT (to its handler) or ACK / BINARY_ACK (ignored: the server asks for none).
  void deliver(packet p);
  // Leaves the namespace: on_disconnect(reason) once if it was connected; the handlers are dropped, which
  // also breaks the cycles of handlers that captured the socket itself.
  void end(std::string_view reason);

 private:
  using any_handler = std::function<void(std::string_view event, arguments args, ack_sender ack)>;
  // closing: disconnect() queued the DISCONNECT; nothing more is sent, and end() on the strand follows.
  enum class state : std::uint8_t { connecting, connected, closing, gone };

  std::shared_ptr<socket_impl> self();
  ack_sender make_ack(std::uint64_t ack_id);
  // Encodes `p` here and queues it if the socket is still connected.
  bool send_packet(packet p, std::string_view what);
  // Runs `queue(connection)` under send_mutex_ if the socket is connected and its connection alive; false
  // when not queued. The one place that orders a frame against the DISCONNECT (see send_mutex_).
  template <class Queue>
  bool queue_if_connected(Queue&& queue);

  const std::string id_;
  const std::string nsp_;
  boost::json::value auth_;  // strand only
  const std::shared_ptr<const engineio::connection_info> info_;
  const std::weak_ptr<engineio::socket> connection_;
  const boost::asio::any_io_executor executor_;
  const std::weak_ptr<client> owner_;
  const namespace_options* const space_;  // may be null (no namespace handlers)

  // Changed only under send_mutex_ (from the strand, or from disconnect() on any thread); read without it for
  // early answers (emit, deliver), and under it wherever a frame is queued, which is what orders the
  // frames against the DISCONNECT. Never held while a handler runs; the connection's send() takes only
  // its own outbox mutex and never calls back, so the lock order is always this one, then the outbox's.
  std::mutex send_mutex_;
  std::atomic<state> state_{state::connecting};

  // Strand only. Handlers are held by shared_ptr so that one which replaces or drops handlers (on(),
  // disconnect()) while it runs does not destroy itself: the caller keeps a reference for the call.
  // Allocated by the first on*() call: a socket served by its namespace's handlers alone has none.
  struct own_handlers {
    std::map<std::string, std::shared_ptr<const event_handler>, std::less<>> events;
    std::shared_ptr<const any_handler> any;
    std::function<void(std::string_view)> disconnect;
  };
  own_handlers& handlers();
  std::unique_ptr<own_handlers> handlers_;
};

}  // namespace suda::realtime::socketio
