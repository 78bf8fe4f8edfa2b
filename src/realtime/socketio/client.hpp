#pragma once
// One Engine.IO connection as Socket.IO sees it (the reference calls it a "client"): the binary
// reconstructor of its incoming frames, its sockets (one per connected namespace), the CONNECTs being
// authorized with the packets that wait for them, and the connect timeout.
//
// Routing, as the reference server does it: CONNECT joins a namespace (a second CONNECT to a joined one is a
// protocol error); any other packet goes to its namespace's socket; a packet for a namespace the client has
// not joined, a CONNECT_ERROR from the client, or anything malformed closes the whole connection.
//
// Threads: every member runs on the connection's strand (the Engine.IO callbacks, the timer, the
// authorization coroutines are all bound to it), so the state below needs no lock.
//
// Lifetime: the Engine.IO connection's handlers own the client; the client only observes the connection
// (weak_ptr), so there is no cycle, and pending work (timer, authorization) holds it alive until it ends.
#include "realtime/engineio/socket.hpp"
#include "realtime/socketio/binary.hpp"
#include "realtime/socketio/packet.hpp"
#include "realtime/socketio/server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::socketio {

class socket_impl;

// What every connection of one server shares; read-only once the server accepts connections.
struct server_context {
  server_options options;
  std::map<std::string, namespace_options, std::less<>> namespaces;
};

class client : public std::enable_shared_from_this<client> {
 public:
  client(std::shared_ptr<const server_context> context, const std::shared_ptr<engineio::socket>& connection);

  // Installs the Engine.IO handlers and arms the connect timeout. Call once, from the Engine.IO server's
  // connection callback (the handlers must be set before any message is delivered).
  void start();

  // From socket_impl::disconnect(), on the strand: the socket left its namespace on the server's side.
  void forget(const socket_impl& socket);

 private:
  // A namespace whose CONNECT is being authorized, with the client's packets for it that arrived meanwhile.
  struct connecting {
    std::shared_ptr<socket_impl> socket;
    const namespace_options* space = nullptr;  // points into context_, which outlives the client
    std::vector<packet> queued;
    std::size_t queued_bytes = 0;
  };

  void on_text(std::string text);
  void on_binary(std::string bytes);
  void on_close(std::string_view reason);
  void on_connect_timeout();

  // A whole packet (attachments included) that took `wire_bytes` on the wire.
  void on_packet(packet p, std::size_t wire_bytes);
  void on_connect(packet p);
  static boost::asio::awaitable<void> authorize(std::shared_ptr<client> self, std::shared_ptr<socket_impl> socket,
                                                const namespace_options* space);
  void finish_connect(const std::shared_ptr<socket_impl>& socket, std::optional<std::string> refusal);
  void accept(std::shared_ptr<socket_impl> socket, const namespace_options& space, std::vector<packet> queued);
  // A packet for a joined namespace (not CONNECT): to its socket, or a protocol error when there is none.
  void route(packet p);

  void send_packet(packet p);
  void refuse(std::string_view nsp, std::string_view message);  // CONNECT_ERROR {"message": ...}
  // Closes the connection on our side and ends every socket at once with `reason`: no handler runs after.
  void close(std::string_view reason);
  void end_all(std::string_view reason);
  std::vector<std::shared_ptr<socket_impl>>::iterator find_socket(std::string_view nsp);

  const std::shared_ptr<const server_context> context_;
  const std::weak_ptr<engineio::socket> connection_;
  const std::string sid_;  // the Engine.IO sid, for the logs
  const std::shared_ptr<const engineio::connection_info> info_;
  const boost::asio::any_io_executor executor_;
  const reconstructor_limits limits_;  // from the server's options

  binary_reconstructor reconstructor_;
  std::size_t incoming_bytes_ = 0;  // wire size of the packet being reconstructed
  // Only until the first namespace is joined (then freed: an idle connection does not carry it).
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;
  // Joined namespaces, one socket each; a connection joins one or a few, so a vector searched by nsp() beats a
  // map node per socket.
  std::vector<std::shared_ptr<socket_impl>> sockets_;
  std::map<std::string, connecting, std::less<>> connecting_;  // being authorized
  bool closed_ = false;  // no input is read and no socket created once set
};

}  // namespace suda::realtime::socketio
