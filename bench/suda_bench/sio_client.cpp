#include "sio_client.hpp"

#include "stamp.hpp"

#include "core/log.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/socketio/packet.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
// Beast's own Sec-WebSocket-Key / -Accept helpers: a detail header, but compiled into the one Beast
// translation unit (core/boost_impl.cpp), so using them costs nothing and keeps SHA-1 out of this tree.
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>

namespace suda::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
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

// One read takes up to this much: in a fan-out burst a client has many frames waiting, and each read is a
// syscall plus a coroutine resume, whatever it carries. The buffer grows only to hold a partial frame longer
// than this (up to the 1 MiB message limit) and shrinks back once that frame is handled.
constexpr std::size_t read_buffer_bytes = 64 << 10;

constexpr std::string_view websocket_target = "/socket.io/?EIO=4&transport=websocket";

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
      socket_(ioc),
      event_(ioc, asio::steady_timer::time_point::max()),
      deadline_(ioc) {}

asio::awaitable<bool> sio_client::connect(const connect_params& params) {
  const auto started = now_ns();
  state_ = state::connecting;
  wait_synced_ = params.wait_synced;
  auth_json_ = params.auth_json;

  boost::system::error_code ec;
  socket_.open(tcp::v4(), ec);
  if (!ec) {
    // The port is chosen at connect() time, per destination: without this, bind() would reserve a port per
    // source address for any destination and cap each address at the ephemeral range once, not per server.
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket_.bind(tcp::endpoint(params.source, 0), ec);
  }
  // A client that will stop reading gets a small receive buffer: otherwise the kernel would absorb tens of MB
  // of its backlog (tcp_rmem autotuning) and the server would never see a slow consumer.
  if (!ec && params.receive_buffer > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(params.receive_buffer), ec);
  if (ec) {
    core::log::warn("bench", "socket/bind from ", params.source.to_string(), " failed: ", ec.message());
    fail();
    co_return false;
  }

  deadline_.expires_after(params.timeout);
  deadline_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec && state_ != state::ready) fail();
  });

  auto [connect_ec] = co_await socket_.async_connect(params.server, asio::as_tuple(asio::use_awaitable));
  if (connect_ec || state_ == state::closed) {
    fail();
    co_return false;
  }
  socket_.set_option(tcp::no_delay(true), ec);

  // The upgrade (RFC 6455 section 4.1). The deadline above bounds it: it closes the socket, which ends a
  // pending write or read here.
  beast::websocket::detail::sec_ws_key_type key_text;
  beast::websocket::detail::make_sec_ws_key(key_text);
  const beast::string_view key(key_text.data(), key_text.size());
  http::request<http::empty_body> request(http::verb::get, websocket_target, 11);
  request.set(http::field::host, params.host);
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_version, "13");
  request.set(http::field::sec_websocket_key, key);
  request.set(http::field::user_agent, "suda-bench");
  auto [write_ec, written] = co_await http::async_write(socket_, request, asio::as_tuple(asio::use_awaitable));
  (void)written;
  if (write_ec || state_ == state::closed) {
    fail();
    co_return false;
  }
  // The server may send its first frames (the Engine.IO open packet) in the same segment as the 101: those
  // bytes stay in this buffer past the response and are the start of the frame stream.
  beast::flat_buffer handshake_buffer;
  http::response<http::string_body> response;
  auto [read_ec, response_bytes] =
      co_await http::async_read(socket_, handshake_buffer, response, asio::as_tuple(asio::use_awaitable));
  (void)response_bytes;
  if (read_ec || state_ == state::closed) {
    fail();
    co_return false;
  }
  beast::websocket::detail::sec_ws_accept_type accept;
  beast::websocket::detail::make_sec_ws_accept(accept, key);
  if (response.result() != http::status::switching_protocols ||
      !beast::iequals(response[http::field::upgrade], "websocket") ||
      response[http::field::sec_websocket_accept] != std::string_view(accept.data(), accept.size())) {
    fail();
    co_return false;
  }
  upgraded_ = true;
  in_capacity_ = std::max(read_buffer_bytes, handshake_buffer.size());
  in_ = std::make_unique_for_overwrite<char[]>(in_capacity_);
  in_size_ = handshake_buffer.size();
  if (in_size_ > 0) std::memcpy(in_.get(), handshake_buffer.data().data(), in_size_);

  asio::co_spawn(ioc_, read_loop(), log_failure);
  while (state_ != state::ready && state_ != state::closed) co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
  deadline_.cancel();
  if (state_ != state::ready) co_return false;
  stats_.connect_latency.record((now_ns() - started) / 1000);
  co_return true;
}

asio::awaitable<void> sio_client::read_loop() {
  // Frames first, then a read: the bytes that came with the 101 may hold the open packet, and the server says
  // nothing more until it gets the CONNECT that packet triggers.
  for (;;) {
    const std::size_t used = parser_.feed(std::string_view(in_.get(), in_size_),
                                          [this](const ws_message& message) { return on_ws_message(message); });
    if (state_ == state::closed) co_return;
    if (parser_.failed()) {
      core::log::warn("bench", "WebSocket protocol error from the server: ", to_string(parser_.error()));
      fail();
      co_return;
    }
    // What is left is one partial frame: moved to the front, so the buffer never creeps and a read always has
    // the rest of it to fill.
    in_size_ -= used;
    if (in_size_ > 0 && used > 0) std::memmove(in_.get(), in_.get() + used, in_size_);
    if (in_size_ == in_capacity_ || (in_capacity_ > read_buffer_bytes && in_size_ < read_buffer_bytes / 2)) {
      // Full of one frame: grow (the parser has refused any frame beyond the message limit by its header).
      // Or past a large frame: shrink back, so one does not pin memory for the rest of the run.
      const std::size_t capacity = in_size_ == in_capacity_ ? in_capacity_ * 2 : read_buffer_bytes;
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);
      std::memcpy(grown.get(), in_.get(), in_size_);
      in_ = std::move(grown);
      in_capacity_ = capacity;
    }
    if (!reading_) co_return;  // a slow consumer: the kernel's buffers fill up, and then the server's queue
    auto [ec, bytes] = co_await socket_.async_read_some(asio::buffer(in_.get() + in_size_, in_capacity_ - in_size_),
                                                        asio::as_tuple(asio::use_awaitable));
    if (ec || state_ == state::closed) {
      fail();
      co_return;
    }
    in_size_ += bytes;
  }
}

bool sio_client::on_ws_message(const ws_message& message) {
  switch (message.opcode) {
    case ws_opcode::text:
      on_frame(message.payload);
      break;
    case ws_opcode::ping:
      push(ws_opcode::pong, message.payload);
      break;
    case ws_opcode::close:
      fail();
      break;
    case ws_opcode::pong:
      break;
    case ws_opcode::binary:
    default:
      ++stats_.unknown_frames;  // the chat sends no binary attachments
      break;
  }
  return state_ != state::closed;
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
      return push(ws_opcode::text, "4" + *encoded);
    }
    case eio::packet_type::ping:
      return push(ws_opcode::text, std::string(1, '0' + static_cast<char>(eio::packet_type::pong)));
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
  push(ws_opcode::text, frame);
  co_return true;
}

asio::awaitable<void> sio_client::wait_for_window(std::size_t window) {
  if (state_ == state::ready && pending_acks_.size() >= window)
    co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void sio_client::push(ws_opcode opcode, std::string_view payload) {
  if (state_ == state::closed) return;
  append_client_frame(out_.emplace_back(), opcode, payload, next_mask_key());
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(ioc_, write_loop(), log_failure);
}

asio::awaitable<void> sio_client::write_loop() {
  // deque::emplace_back keeps references valid, so front() stays put while push() appends during the write.
  while (!out_.empty() && state_ != state::closed) {
    auto [ec, bytes] = co_await asio::async_write(socket_, asio::buffer(out_.front()), asio::as_tuple(asio::use_awaitable));
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
  // A close frame (1000, normal closure) first, as a WebSocket client says goodbye, but only best effort: not
  // while a frame is being written (the close would land inside it), and never waiting for the socket. The
  // server's answer is not awaited; the socket closes at once.
  if (upgraded_ && !writing_ && state_ != state::closed && socket_.is_open()) {
    std::string frame;
    append_client_frame(frame, ws_opcode::close, std::string_view("\x03\xE8", 2), next_mask_key());
    [[maybe_unused]] const auto sent =
        ::send(socket_.native_handle(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  state_ = state::closed;
  boost::system::error_code ignored;
  socket_.close(ignored);
  deadline_.cancel();
  event_.cancel();
}

}  // namespace suda::bench
