#pragma once
// The chat over Socket.IO (docs/realtime.md): authenticates a CONNECT (the session cookie or auth.token),
// puts the socket in the hub, and maps the client's events (message, history, read, typing, sync) to the chat
// service, each answered with an ack: the result, or {"error":{code,message}} like the HTTP API.
#include "chat/hub.hpp"
#include "chat/service.hpp"
#include "realtime/socketio/server.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace suda::net::realtime_chat {

class chat_gateway {
 public:
  chat_gateway(boost::asio::any_io_executor executor, chat::service& chat, std::shared_ptr<chat::hub> hub);

  // The main namespace "/" of suda's Socket.IO server.
  suda::realtime::socketio::namespace_options main_namespace();

  // Encodes a chat event for the hub: the Socket.IO EVENT text `2["<event>",<data>]`, once per broadcast.
  static chat::wire encode(std::string_view event, std::string_view data_json);

 private:
  boost::asio::awaitable<std::optional<std::string>> authorize(suda::realtime::socketio::socket& socket);
  void on_connection(std::shared_ptr<suda::realtime::socketio::socket> socket);
  // A client event, for every socket of the namespace (see main_namespace).
  void on_event(suda::realtime::socketio::socket& socket, std::string_view event,
                suda::realtime::socketio::arguments args, suda::realtime::socketio::ack_sender ack);
  void on_disconnect(suda::realtime::socketio::socket& socket);

  boost::asio::any_io_executor executor_;
  chat::service& chat_;
  std::shared_ptr<chat::hub> hub_;
};

}  // namespace suda::net::realtime_chat
