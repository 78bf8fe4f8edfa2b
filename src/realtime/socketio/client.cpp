#include "realtime/socketio/client.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "realtime/socketio/frames.hpp"
#include "realtime/socketio/guarded.hpp"
#include "realtime/socketio/socket_impl.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace suda::realtime::socketio {
namespace {

namespace asio = boost::asio;
constexpr std::string_view log_component = "sio";

// Close reasons, as the reference server names them; the sockets' on_disconnect receives them.
constexpr std::string_view reason_parse_error = "parse error";            // malformed input
constexpr std::string_view reason_forced = "forced server close";         // protocol misuse, connect timeout
constexpr std::string_view reason_client_disconnect = "client namespace disconnect";

// The refusal sent when an authorizer throws: its exception may say more than a client should read.
constexpr std::string_view authorize_failed_message = "Server error";

// The Socket.IO socket id: 120 random bits, as long as the reference's ids.
constexpr std::size_t socket_id_length = 20;

reconstructor_limits limits_of(const server_options& options) {
  reconstructor_limits limits;
  limits.decode.max_attachments = options.max_attachments;
  limits.max_attachment_bytes = options.max_attachment_bytes;
  return limits;
}

}  // namespace

client::client(std::shared_ptr<const server_context> context, const std::shared_ptr<engineio::socket>& connection)
    : context_(std::move(context)),
      connection_(connection),
      sid_(connection->id()),
      info_(std::make_shared<const engineio::connection_info>(connection->info())),
      executor_(connection->get_executor()),
      limits_(limits_of(context_->options)),
      reconstructor_(limits_) {}

void client::start() {
  auto connection = connection_.lock();
  if (!connection) return;
  // The handlers own the client: it lives as long as the Engine.IO connection delivers to it.
  auto self = shared_from_this();
  engineio::socket::handlers h;
  h.on_text = [self](std::string text) { self->on_text(std::move(text)); };
  h.on_binary = [self](std::string bytes) { self->on_binary(std::move(bytes)); };
  h.on_close = [self](std::string_view reason) { self->on_close(reason); };
  connection->set_handlers(std::move(h));

  // The timer is strand state: arm it there (at once when this callback already runs on the strand).
  asio::dispatch(executor_, [self] {
    if (self->closed_ || !self->sockets_.empty()) return;
    self->connect_timer_ = std::make_unique<asio::steady_timer>(self->executor_);
    self->connect_timer_->expires_after(self->context_->options.connect_timeout);
    self->connect_timer_->async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->on_connect_timeout();
    });
  });
}

// ---- Engine.IO events ----

void client::on_text(std::string text) {
  if (closed_) return;
  incoming_bytes_ = text.size();
  auto decoded = decode(text, limits_.decode);
  if (!decoded) {
    core::log::debug(log_component, sid_, ": malformed packet (", decoded.error().code, ": ",
                     decoded.error().message, "); closing");
    return close(reason_parse_error);
  }
  auto complete = reconstructor_.add_packet(std::move(*decoded));
  if (!complete) {
    core::log::debug(log_component, sid_, ": ", complete.error().message, "; closing");
    return close(reason_parse_error);
  }
  if (*complete) on_packet(std::move(**complete), incoming_bytes_);
}

void client::on_binary(std::string bytes) {
  if (closed_) return;
  incoming_bytes_ += bytes.size();
  auto complete = reconstructor_.add_binary(bytes);
  if (!complete) {
    core::log::debug(log_component, sid_, ": ", complete.error().message, "; closing");
    return close(reason_parse_error);
  }
  if (*complete) on_packet(std::move(**complete), incoming_bytes_);
}

void client::on_close(std::string_view reason) {
  if (closed_) return;  // closed on our side: every socket has already ended
  closed_ = true;
  core::log::debug(log_component, sid_, ": closed (", reason, ")");
  connect_timer_.reset();  // cancels its wait
  reconstructor_.reset();
  end_all(reason);
}

void client::on_connect_timeout() {
  if (closed_ || !sockets_.empty()) return;
  core::log::debug(log_component, sid_, ": no namespace joined within ", context_->options.connect_timeout.count(),
                   " ms; closing");
  close(reason_forced);
}

// ---- Packets ----

void client::on_packet(packet p, std::size_t wire_bytes) {
  if (p.type == packet_type::connect) return on_connect(std::move(p));
  if (p.type == packet_type::connect_error) {
    core::log::debug(log_component, sid_, ": CONNECT_ERROR from a client; closing");
    return close(reason_forced);
  }
  if (auto it = connecting_.find(p.nsp); it != connecting_.end()) {
    // Its CONNECT is being authorized: the packet waits, in order, within the bounds.
    auto& waiting = it->second;
    const auto& options = context_->options;
    if (waiting.queued.size() >= options.max_connecting_packets ||
        wire_bytes > options.max_connecting_bytes - waiting.queued_bytes) {
      core::log::info(log_component, sid_, ": more than ", options.max_connecting_packets, " packets or ",
                      options.max_connecting_bytes, " bytes for ", p.nsp, " while it was connecting; closing");
      return close(reason_forced);
    }
    waiting.queued_bytes += wire_bytes;
    waiting.queued.push_back(std::move(p));
    return;
  }
  route(std::move(p));
}

void client::route(packet p) {
  auto it = find_socket(p.nsp);
  if (it == sockets_.end()) {
    core::log::debug(log_component, sid_, ": ", to_string(p.type), " for ", p.nsp, ", not joined; closing");
    return close(reason_forced);
  }
  if (p.type == packet_type::disconnect) {
    auto socket = std::move(*it);
    sockets_.erase(it);
    socket->end(reason_client_disconnect);
    return;
  }
  // Held by a local reference: a handler may disconnect the socket (erasing it from sockets_) while it runs.
  auto socket = *it;
  socket->deliver(std::move(p));
}

void client::on_connect(packet p) {
  if (find_socket(p.nsp) != sockets_.end() || connecting_.contains(p.nsp)) {
    // A repeated CONNECT: the official client sends one more when a namespace socket's connect() is called
    // while the first is in flight. The reference server joins namespaces a tick later, so it answers both;
    // here the first answer serves, and the connection (with its other namespaces) stays up.
    core::log::debug(log_component, sid_, ": repeated CONNECT for ", p.nsp, "; ignored");
    return;
  }
  auto found = context_->namespaces.find(p.nsp);
  if (found == context_->namespaces.end()) return refuse(p.nsp, "Invalid namespace");
  const namespace_options& space = found->second;

  socket_impl::init init;
  init.id = core::new_token().substr(0, socket_id_length);
  init.nsp = std::move(p.nsp);
  init.auth = p.data.is_object() ? std::move(p.data) : boost::json::value(boost::json::object());
  init.info = info_;
  init.connection = connection_;
  init.executor = executor_;
  init.owner = weak_from_this();
  init.space = &space;
  auto socket = std::make_shared<socket_impl>(std::move(init));

  if (!space.authorize) return accept(std::move(socket), space, {});

  connecting_.emplace(socket->nsp(), connecting{socket, &space, {}, 0});
  // On the strand, like everything else here; the coroutine starts once this packet's handling returns.
  asio::co_spawn(executor_, authorize(shared_from_this(), socket, &space), [sid = sid_](std::exception_ptr e) {
    // authorize() catches what the authorizer throws; anything here is a bug of ours.
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& what) {
      core::log::error(log_component, sid, ": authorization failed: ", what.what());
    } catch (...) {
      core::log::error(log_component, sid, ": authorization failed with a non-standard exception");
    }
  });
}

asio::awaitable<void> client::authorize(std::shared_ptr<client> self, std::shared_ptr<socket_impl> socket,
                                        const namespace_options* space) {
  std::optional<std::string> refusal;
  try {
    refusal = co_await space->authorize(*socket);
  } catch (const std::exception& e) {
    core::log::error(log_component, self->sid_, ": the authorizer of ", socket->nsp(), " threw: ", e.what());
    refusal = std::string(authorize_failed_message);
  } catch (...) {
    core::log::error(log_component, self->sid_, ": the authorizer of ", socket->nsp(),
                     " threw a non-standard exception");
    refusal = std::string(authorize_failed_message);
  }
  self->finish_connect(socket, std::move(refusal));
}

void client::finish_connect(const std::shared_ptr<socket_impl>& socket, std::optional<std::string> refusal) {
  auto it = connecting_.find(socket->nsp());
  if (closed_ || it == connecting_.end() || it->second.socket != socket) return;  // closed meanwhile
  connecting waiting = std::move(it->second);
  connecting_.erase(it);
  if (refusal) {
    if (!waiting.queued.empty()) {
      core::log::debug(log_component, sid_, ": dropping ", waiting.queued.size(), " packets for refused ",
                       socket->nsp());
    }
    socket->end("refused");  // never connected: no on_disconnect
    return refuse(socket->nsp(), *refusal);
  }
  accept(socket, *waiting.space, std::move(waiting.queued));
}

void client::accept(std::shared_ptr<socket_impl> socket, const namespace_options& space, std::vector<packet> queued) {
  connect_timer_.reset();  // cancels its wait
  sockets_.push_back(socket);

  // The answer is queued before the socket opens: sends from other threads go straight to the connection
  // (no strand hop), so one let through earlier could reach the client before its CONNECT answer.
  packet answer;
  answer.type = packet_type::connect;
  answer.nsp = socket->nsp();
  answer.data = boost::json::object{{"sid", socket->id()}};
  if (space.hold_connect_answer.count() > 0)
    if (auto connection = connection_.lock()) connection->hold_writes(space.hold_connect_answer);
  send_packet(std::move(answer));
  socket->set_connected();
  core::log::debug(log_component, sid_, ": socket ", socket->id(), " joined ", socket->nsp());

  if (space.on_connection) {
    guarded(socket->id(), "the connection handler of ", socket->nsp(), [&] { space.on_connection(socket); });
  }
  socket->drop_auth();
  // The packets that waited for the CONNECT, in their order. Each may close the connection or end the socket.
  for (auto& p : queued) {
    if (closed_) return;
    route(std::move(p));
  }
}

// ---- Sending and closing ----

void client::send_packet(packet p) {
  auto connection = connection_.lock();
  if (!connection) return;
  auto frames = to_frames(std::move(p));
  if (!frames) {
    core::log::error(log_component, sid_, ": could not encode a packet: ", frames.error().message);
    return;
  }
  send_frames(*connection, std::move(*frames));
}

void client::refuse(std::string_view nsp, std::string_view message) {
  packet p;
  p.type = packet_type::connect_error;
  p.nsp = std::string(nsp);
  p.data = boost::json::object{{"message", message}};
  send_packet(std::move(p));
  core::log::debug(log_component, sid_, ": CONNECT to ", nsp, " refused: ", message);
}

void client::forget(const socket_impl& socket) {
  auto it = find_socket(socket.nsp());
  if (it != sockets_.end() && it->get() == &socket) sockets_.erase(it);
}

void client::close(std::string_view reason) {
  if (closed_) return;
  // Set first: the Engine.IO socket may report on_close from within close().
  closed_ = true;
  connect_timer_.reset();  // cancels its wait
  reconstructor_.reset();
  if (auto connection = connection_.lock()) connection->close(reason);
  end_all(reason);
}

void client::end_all(std::string_view reason) {
  // Moved out first: an on_disconnect handler may call back into this client (disconnect(), forget()).
  auto sockets = std::move(sockets_);
  sockets_.clear();
  auto waiting = std::move(connecting_);
  connecting_.clear();
  for (auto& socket : sockets) socket->end(reason);
  for (auto& [nsp, entry] : waiting) entry.socket->end(reason);
}

std::vector<std::shared_ptr<socket_impl>>::iterator client::find_socket(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(), [nsp](const auto& s) { return s->nsp() == nsp; });
}

}  // namespace suda::realtime::socketio
