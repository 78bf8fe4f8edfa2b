#include "sio_client.hpp"

#include "stamp.hpp"

#include "core/log.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/socketio/packet.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/stream_base.hpp>
#include <boost/json/parse.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

namespace suda::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace eio = suda::realtime::engineio;
namespace sio = suda::realtime::socketio;
using asio::ip::tcp;

namespace {

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A broadcast `message` event on the main namespace, as every socket.io server frames it. Frames that start
// this way skip the Engine.IO / Socket.IO decoders: the stamp is all the generator needs from them, and they
// are nearly all the traffic.
constexpr std::string_view message_event_prefix = "42[\"message\",";

void log_failure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    core::log::error("bench", "client coroutine failed: ", e.what());
  }
}

}  // namespace

sio_client::sio_client(asio::io_context& ioc, thread_stats& stats, message_table& table, run_progress& progress,
                       const std::vector<std::uint32_t>& expected_per_room)
    : ioc_(ioc),
      stats_(stats),
      table_(table),
      progress_(progress),
      expected_per_room_(expected_per_room),
      ws_(ioc),
      event_(ioc, asio::steady_timer::time_point::max()),
      deadline_(ioc) {}

asio::awaitable<bool> sio_client::connect(const connect_params& params) {
  const auto started = now_ns();
  state_ = state::connecting;
  wait_synced_ = params.wait_synced;
  auth_json_ = params.auth_json;

  auto& stream = beast::get_lowest_layer(ws_);
  boost::system::error_code ec;
  stream.socket().open(tcp::v4(), ec);
  if (!ec) {
    // The port is chosen at connect() time, per destination: without this, bind() would reserve a port per
    // source address for any destination and cap each address at the ephemeral range once, not per server.
    int one = 1;
    ::setsockopt(stream.socket().native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    stream.socket().bind(tcp::endpoint(params.source, 0), ec);
  }
  // A client that will stop reading gets a small receive buffer: otherwise the kernel would absorb tens of MB
  // of its backlog (tcp_rmem autotuning) and the server would never see a slow consumer.
  if (!ec && params.receive_buffer > 0)
    stream.socket().set_option(asio::socket_base::receive_buffer_size(params.receive_buffer), ec);
  if (ec) {
    core::log::warn("bench", "socket/bind from ", params.source.to_string(), " failed: ", ec.message());
    fail();
    co_return false;
  }

  deadline_.expires_after(params.timeout);
  deadline_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec && state_ != state::ready) fail();
  });

  auto [connect_ec] = co_await stream.async_connect(params.server, asio::as_tuple(asio::use_awaitable));
  if (connect_ec || state_ == state::closed) {
    fail();
    co_return false;
  }
  stream.socket().set_option(tcp::no_delay(true), ec);

  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "suda-bench"); }));
  ws_.read_message_max(1 << 20);
  ws_.text(true);
  auto [handshake_ec] =
      co_await ws_.async_handshake(params.host, "/socket.io/?EIO=4&transport=websocket", asio::as_tuple(asio::use_awaitable));
  if (handshake_ec || state_ == state::closed) {
    fail();
    co_return false;
  }

  asio::co_spawn(ioc_, read_loop(), log_failure);
  while (state_ != state::ready && state_ != state::closed) co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
  deadline_.cancel();
  if (state_ != state::ready) co_return false;
  stats_.connect_latency.record((now_ns() - started) / 1000);
  co_return true;
}

asio::awaitable<void> sio_client::read_loop() {
  while (state_ != state::closed && reading_) {
    auto [ec, bytes] = co_await ws_.async_read(buffer_, asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    if (ec) {
      fail();
      co_return;
    }
    const auto data = buffer_.cdata();
    if (ws_.got_text())
      on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    else
      ++stats_.unknown_frames;  // the chat sends no binary attachments
    buffer_.consume(buffer_.size());
  }
}

void sio_client::on_frame(std::string_view text) {
  if (text.starts_with(message_event_prefix)) return record_delivery(text);
  auto packet = eio::decode_packet(text);
  if (!packet) {
    ++stats_.unknown_frames;
    return;
  }
  switch (packet->type) {
    case eio::packet_type::open: {
      if (state_ != state::connecting) return;
      state_ = state::eio_open;
      sio::packet connect_packet;
      connect_packet.type = sio::packet_type::connect;
      boost::system::error_code ec;
      connect_packet.data = boost::json::parse(auth_json_, ec);
      auto encoded = sio::encode(connect_packet);
      if (ec || !encoded) {
        core::log::error("bench", "cannot encode the CONNECT packet");
        return fail();
      }
      return push("4" + *encoded);
    }
    case eio::packet_type::ping:
      return push(std::string(1, '0' + static_cast<char>(eio::packet_type::pong)));
    case eio::packet_type::close:
      return fail();
    case eio::packet_type::message:
      return on_socketio(packet->data);
    default:
      return;
  }
}

void sio_client::on_socketio(std::string_view data) {
  auto packet = sio::decode(data);
  if (!packet) {
    ++stats_.unknown_frames;
    return;
  }
  auto become_ready = [this] {
    if (state_ == state::ready) return;
    state_ = state::ready;
    event_.cancel();
  };
  switch (packet->type) {
    case sio::packet_type::connect:
      connected_ = true;
      if (!wait_synced_) become_ready();
      return;
    case sio::packet_type::connect_error:
      core::log::warn("bench", "CONNECT refused: ", data);
      return fail();
    case sio::packet_type::disconnect:
      return fail();
    case sio::packet_type::event:
    case sio::packet_type::binary_event: {
      const auto* args = packet->data.if_array();
      const auto* name = args && !args->empty() ? (*args)[0].if_string() : nullptr;
      if (!name) return;
      if (*name == "synced" && connected_) return become_ready();
      if (*name == "message") return record_delivery(data);  // a server that frames it unlike the fast path
      return;  // presence, room, member, ...: not measured
    }
    case sio::packet_type::ack:
    case sio::packet_type::binary_ack: {
      if (!packet->id) return;
      const auto* args = packet->data.if_array();
      const auto* first = args && !args->empty() ? (*args)[0].if_object() : nullptr;
      const bool failed = !first || first->contains("error");
      return on_ack(*packet->id, failed);
    }
  }
}

void sio_client::record_delivery(std::string_view frame) {
  if (!counting_) return;
  const auto found = find_stamp(frame);
  message_slot* slot = found ? table_.find(found->index) : nullptr;
  if (!slot) {
    ++stats_.unknown_frames;
    return;
  }
  const auto now = now_ns();
  slot->deliveries.fetch_add(1, std::memory_order_relaxed);
  progress_.delivered.fetch_add(1, std::memory_order_relaxed);
  ++stats_.delivered;
  stats_.delivery_latency.record((now - found->intended_ns) / 1000);
}

void sio_client::on_ack(std::uint64_t id, bool failed) {
  const auto pending = pending_acks_.find(id);
  if (pending == pending_acks_.end()) {
    ++stats_.unknown_frames;
    return;
  }
  message_slot* slot = table_.find(pending->second);
  pending_acks_.erase(pending);
  if (!slot) return;
  if (failed) {
    slot->state.store(message_state::failed, std::memory_order_release);
    ++stats_.ack_errors;
  } else {
    slot->state.store(message_state::acked, std::memory_order_release);
    ++stats_.acked;
    progress_.expected_of_acked.fetch_add(expected_per_room_[slot->room], std::memory_order_relaxed);
    stats_.ack_latency.record((now_ns() - slot->intended_ns) / 1000);
  }
  progress_.resolved.fetch_add(1, std::memory_order_relaxed);
  event_.cancel();  // a sender may be waiting for its window
}

asio::awaitable<bool> sio_client::send_message(const std::string& room_id, std::uint32_t room, std::int64_t intended_ns,
                                               std::size_t body_bytes, std::string_view client_msg_id) {
  while (out_.size() >= max_queued && state_ == state::ready)
    co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
  if (state_ != state::ready) co_return false;
  std::uint32_t index = 0;
  if (!table_.allocate(room, intended_ns, index)) {
    ++stats_.table_full;
    co_return false;
  }
  std::string payload =
      "{\"roomId\":\"" + room_id + "\",\"message\":\"" + stamp_body(stamp{index, intended_ns}, body_bytes) + "\"";
  if (!client_msg_id.empty()) payload.append(",\"clientMsgId\":\"").append(client_msg_id).append("\"");
  payload += '}';
  const std::string_view args[] = {payload};
  const std::uint64_t id = next_ack_id_++;
  std::string frame = "4";
  if (!sio::append_event(frame, sio::main_namespace, "message", args, id)) {
    core::log::error("bench", "cannot encode a message event");
    co_return false;
  }
  pending_acks_.emplace(id, index);
  progress_.sent.fetch_add(1, std::memory_order_relaxed);
  push(std::move(frame));
  co_return true;
}

asio::awaitable<void> sio_client::wait_for_window(std::size_t window) {
  if (state_ == state::ready && pending_acks_.size() >= window)
    co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void sio_client::push(std::string frame) {
  if (state_ == state::closed) return;
  out_.push_back(std::move(frame));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(ioc_, write_loop(), log_failure);
}

asio::awaitable<void> sio_client::write_loop() {
  // deque::push_back keeps references valid, so front() stays put while push() appends during the write.
  while (!out_.empty() && state_ != state::closed) {
    auto [ec, bytes] = co_await ws_.async_write(asio::buffer(out_.front()), asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    if (ec) {
      writing_ = false;
      fail();
      co_return;
    }
    out_.pop_front();
    if (out_.size() + 1 == max_queued) event_.cancel();  // was full: a sender may be waiting for room
  }
  writing_ = false;
}

void sio_client::fail() {
  if (state_ == state::closed) return;
  if (state_ == state::ready)
    ++stats_.disconnects;
  else
    ++stats_.connect_failures;
  close();
}

void sio_client::close() {
  state_ = state::closed;
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  deadline_.cancel();
  event_.cancel();
}

}  // namespace suda::bench
