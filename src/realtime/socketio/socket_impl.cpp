#include "realtime/socketio/socket_impl.hpp"

#include "core/log.hpp"
#include "core/utf8.hpp"
#include "realtime/socketio/client.hpp"
#include "realtime/socketio/frames.hpp"
#include "realtime/socketio/guarded.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <utility>

namespace suda::realtime::socketio {
namespace {

constexpr std::string_view log_component = "sio";

}  // namespace

socket_impl::socket_impl(init from)
    : id_(std::move(from.id)),
      nsp_(std::move(from.nsp)),
      auth_(std::move(from.auth)),
      info_(std::move(from.info)),
      connection_(std::move(from.connection)),
      executor_(std::move(from.executor)),
      owner_(std::move(from.owner)),
      space_(from.space) {}

std::shared_ptr<socket_impl> socket_impl::self() {
  return std::static_pointer_cast<socket_impl>(shared_from_this());
}

// ---- Outgoing, from any thread ----

bool socket_impl::emit(std::string_view event, arguments args) {
  if (!connected()) return false;
  if (!core::is_valid_utf8(event)) {
    core::log::warn(log_component, "socket ", id_, ": emit refused, the event name is not UTF-8");
    return false;
  }
  boost::json::array data;
  data.reserve(args.values.size() + 1);
  data.emplace_back(boost::json::string(event));
  for (auto& value : args.values) data.push_back(std::move(value));

  packet p;
  p.type = packet_type::event;
  p.nsp = nsp_;
  p.data = std::move(data);
  p.attachments = std::move(args.attachments);
  return send_packet(std::move(p), event);
}

template <class Queue>
bool socket_impl::queue_if_connected(Queue&& queue) {
  std::lock_guard lock(send_mutex_);
  if (state_.load(std::memory_order_relaxed) != state::connected) return false;
  auto connection = connection_.lock();
  return connection && queue(*connection);
}

bool socket_impl::send_encoded(engineio::frame packet) {
  // The fan-out path: the early answer avoids the lock for a socket that is gone.
  if (!connected()) return false;
  return queue_if_connected([&packet](engineio::socket& connection) { return connection.send(std::move(packet)); });
}

bool socket_impl::send_packet(packet p, std::string_view what) {
  auto frames = to_frames(std::move(p));
  if (!frames) {
    // The layer above built something the protocol cannot carry (a reserved event name, bad placeholders):
    // a bug to fix there, so it is logged loudly rather than sent half-right.
    core::log::warn(log_component, "socket ", id_, ": not sending ", what, ": ", frames.error().message);
    return false;
  }
  return queue_if_connected(
      [&frames](engineio::socket& connection) { return send_frames(connection, std::move(*frames)); });
}

ack_sender socket_impl::make_ack(std::uint64_t ack_id) {
  // Shared by the copies of the std::function, so "at most once" holds whichever copy is called.
  auto used = std::make_shared<std::atomic<bool>>(false);
  return [self = self(), ack_id, used](arguments args) {
    if (used->exchange(true)) {
      core::log::debug(log_component, "socket ", self->id_, ": ack ", ack_id, " sent twice; ignored");
      return;
    }
    if (!self->connected()) return;
    packet p;
    p.type = packet_type::ack;
    p.nsp = self->nsp_;
    p.id = ack_id;
    p.data = std::move(args.values);
    p.attachments = std::move(args.attachments);
    self->send_packet(std::move(p), "an ack");
  };
}

void socket_impl::release_connect_answer() {
  if (auto connection = connection_.lock()) connection->release_writes();
}

void socket_impl::disconnect() {
  {
    // The DISCONNECT is the last frame of this namespace: queued and the socket marked closing under the
    // lock that every other send takes, so no frame can follow it.
    std::lock_guard lock(send_mutex_);
    if (state_.load(std::memory_order_relaxed) != state::connected) return;
    if (auto connection = connection_.lock()) {
      packet p;
      p.type = packet_type::disconnect;
      p.nsp = nsp_;
      if (auto frames = to_frames(std::move(p))) send_frames(*connection, std::move(*frames));
    }
    state_.store(state::closing, std::memory_order_release);
  }
  // Forgetting the socket and running on_disconnect belong to the strand (the client's maps, the handlers).
  boost::asio::dispatch(executor_, [self = self()] {
    if (auto owner = self->owner_.lock()) owner->forget(*self);
    self->end("server namespace disconnect");
  });
}

// ---- Handlers, on the strand ----

socket_impl::own_handlers& socket_impl::handlers() {
  if (!handlers_) handlers_ = std::make_unique<own_handlers>();
  return *handlers_;
}

void socket_impl::on(std::string event, event_handler handler) {
  if (!handler) {
    if (handlers_) handlers_->events.erase(event);
    return;
  }
  handlers().events.insert_or_assign(std::move(event), std::make_shared<const event_handler>(std::move(handler)));
}

void socket_impl::on_any(std::function<void(std::string_view event, arguments args, ack_sender ack)> handler) {
  if (!handler && !handlers_) return;
  handlers().any = handler ? std::make_shared<const any_handler>(std::move(handler)) : nullptr;
}

void socket_impl::on_disconnect(std::function<void(std::string_view reason)> handler) {
  if (!handler && !handlers_) return;
  handlers().disconnect = std::move(handler);
}

// ---- From the client, on the strand ----

void socket_impl::set_connected() {
  std::lock_guard lock(send_mutex_);
  // Only a socket still connecting: one ended meanwhile stays gone.
  auto expected = state::connecting;
  state_.compare_exchange_strong(expected, state::connected, std::memory_order_acq_rel);
}

bool socket_impl::connected() const noexcept { return state_.load(std::memory_order_acquire) == state::connected; }

void socket_impl::drop_auth() noexcept { auth_ = boost::json::object(); }

void socket_impl::deliver(packet p) {
  if (!connected()) return;
  if (p.type == packet_type::ack || p.type == packet_type::binary_ack) {
    // The server emits nothing that asks for an ack, so any ACK is unknown: dropped, as the reference does.
    core::log::debug(log_component, "socket ", id_, ": ack ", p.id.value_or(0), " for no pending emit; ignored");
    return;
  }
  if (p.type != packet_type::event && p.type != packet_type::binary_event) return;

  // decode() guarantees an array whose first element is the event name.
  auto& values = p.data.as_array();
  const std::string name(values.front().as_string());
  values.erase(values.begin());
  arguments args{std::move(values), std::move(p.attachments)};
  ack_sender ack = p.id ? make_ack(*p.id) : ack_sender{};

  // A copy of the shared_ptr keeps the handler alive even if it replaces itself or ends the socket.
  std::shared_ptr<const event_handler> handler;
  std::shared_ptr<const any_handler> any;
  if (handlers_) {
    if (auto it = handlers_->events.find(name); it != handlers_->events.end()) {
      handler = it->second;
    } else {
      any = handlers_->any;
    }
  }
  if (handler) {
    guarded(id_, "the handler of event ", name, [&] { (*handler)(std::move(args), std::move(ack)); });
  } else if (any) {
    guarded(id_, "the on_any handler for event ", name, [&] { (*any)(name, std::move(args), std::move(ack)); });
  } else if (space_ && space_->on_event) {
    // The namespace's: it lives as long as the server, and the caller holds this socket for the call.
    guarded(id_, "the namespace's on_event handler for event ", name,
            [&] { space_->on_event(*this, name, std::move(args), std::move(ack)); });
  } else {
    core::log::debug(log_component, "socket ", id_, ": no handler for event \"", name, "\"");
  }
}

void socket_impl::end(std::string_view reason) {
  state before;
  {
    // Under the lock: a send that checked "connected" finishes its push before the socket is gone.
    std::lock_guard lock(send_mutex_);
    before = state_.exchange(state::gone, std::memory_order_acq_rel);
  }
  std::function<void(std::string_view)> on_disconnect;
  if (handlers_) {
    on_disconnect = std::move(handlers_->disconnect);
    handlers_->disconnect = nullptr;
  }
  // closing: disconnect() was called; its on_disconnect runs here, once.
  if (before == state::connected || before == state::closing) {
    if (on_disconnect) guarded(id_, "the on_disconnect handler", "", [&] { on_disconnect(reason); });
    if (space_ && space_->on_disconnect) {
      guarded(id_, "the namespace's on_disconnect handler", "", [&] { space_->on_disconnect(*this, reason); });
    }
  }
  // Dropping the handlers also drops one set by on_disconnect itself, which would never run.
  handlers_.reset();
}

}  // namespace suda::realtime::socketio
