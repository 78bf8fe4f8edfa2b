#include "net/realtime/chat_gateway.hpp"

#include "chat/json.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "net/http/cookies.hpp"
#include "realtime/socketio/packet.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <limits>

namespace suda::net::realtime_chat {
namespace asio = boost::asio;
namespace json = boost::json;
namespace sio = suda::realtime::socketio;
namespace eio = suda::realtime::engineio;

namespace {

constexpr std::size_t max_sync_rooms = 10000;  // bounds the work one sync request can ask for

// What the gateway keeps per socket (in socket::data), and the socket as the hub sees it: one object, so an idle
// socket costs one allocation here. The hub registration may complete after the socket is already gone: then it
// is undone at once.
class client_state final : public chat::subscriber {
 public:
  client_state(std::weak_ptr<sio::socket> socket, store::session_record session, std::string token_hash)
      : user_id(std::move(session.user_id)),
        session_expires_at(session.expires_at),
        socket_(std::move(socket)),
        token_hash_(std::move(token_hash)) {}

  // Called on the hub's strand for every recipient of a broadcast: the socket queues the shared bytes on its
  // connection right there (one reference count increment, no post).
  void deliver(const chat::wire& packet) override {
    if (auto s = socket_.lock()) s->send_encoded(eio::frame{packet, false, /*may_linger=*/true});
  }
  void answer(const chat::wire& packet) override {
    if (auto s = socket_.lock()) s->send_encoded(eio::frame{packet, false, /*may_linger=*/false});
  }
  // The hub's attach is done (its "synced" and catch-up are queued) or failed: the held CONNECT answer goes.
  void release_connect_answer() {
    if (auto s = socket_.lock()) s->release_connect_answer();
  }
  // Logging out ends the sockets of that login session: the token no longer works anywhere.
  void end_session(std::string_view token_hash) override {
    if (token_hash != token_hash_) return;
    end();
  }
  void end() {
    if (auto s = socket_.lock()) s->disconnect();
  }
  std::shared_ptr<sio::socket> socket() const { return socket_.lock(); }
  const std::string& token_hash() const { return token_hash_; }

  // The hub registration, set once by whichever comes first: the attach completing (the hub's session id) or
  // the socket ending (gone). Whoever finds the other's value does the detach. An atomic, not a mutex and two
  // fields: there is one per idle socket. The hub numbers sessions from 1 and never reaches `gone`.
  static constexpr chat::hub::session_id attaching = 0;
  static constexpr chat::hub::session_id gone = std::numeric_limits<chat::hub::session_id>::max();
  std::atomic<chat::hub::session_id> hub_id{attaching};

  const std::string user_id;
  // When the login session ends by itself: from then on the socket's events are refused and it is disconnected.
  const core::millis session_expires_at;
  // The user's rooms' seqs, read before the CONNECT answer went out: where delivery starts (see authorize).
  // Handed to the hub's attach (moved out) as its first read.
  chat::hub::seq_map floors;
  std::optional<std::uint64_t> floors_generation;  // the writer's generation before `floors` were read
  // chat::service::session_revocations() when the session was last found valid. The hub's end_session comes
  // later than the log out's answer (a hop to its strand, or another node's bus): until it does, every event
  // compares this first, so that no event sent after the client saw its log out succeed is served.
  std::atomic<std::uint64_t> revocations_seen{0};

 private:
  const std::weak_ptr<sio::socket> socket_;
  const std::string token_hash_;  // of the login session the socket was opened with
};

std::shared_ptr<client_state> state_of(const sio::socket& socket) {
  return std::any_cast<std::shared_ptr<client_state>>(socket.data);
}

json::object error_json(const core::error& e) {
  return json::object{{"error", json::object{{"code", e.code}, {"message", e.message}}}};
}

void reply(const sio::ack_sender& ack, json::value value) {
  if (!ack) return;
  sio::arguments args;
  args.values.push_back(std::move(value));
  ack(std::move(args));
}

// The socket's login session is over (logged out, or ran out): the event is refused and the socket disconnected.
void refuse_ended_session(client_state& state, const sio::ack_sender& ack, std::string message) {
  reply(ack, error_json(core::unauthorized(std::move(message))));
  state.end();
}

// The event's payload: its first argument, which must be an object.
core::result<json::object> payload_of(const sio::arguments& args) {
  if (args.values.empty() || !args.values[0].is_object())
    return core::bad_request("invalid_payload", "The event's argument must be an object");
  return args.values[0].get_object();
}

core::result<std::string> string_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return core::bad_request("invalid_field", "'" + std::string(name) + "' must be a string");
  return std::string(v->get_string());
}

core::result<std::optional<std::int64_t>> optional_int(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::optional<std::int64_t>{};
  if (!v->is_int64() && !v->is_uint64())
    return core::bad_request("invalid_field", "'" + std::string(name) + "' must be an integer");
  return std::optional<std::int64_t>(v->to_number<std::int64_t>());
}

// {roomId: seq} from a client, validated and bounded.
core::result<chat::hub::seq_map> seq_map_of(const json::value* v) {
  chat::hub::seq_map out;
  if (!v || v->is_null()) return out;
  if (!v->is_object() || v->get_object().size() > max_sync_rooms)
    return core::bad_request("invalid_field", "'lastSeqs' must be an object of room ids to seqs");
  for (const auto& [room_id, seq] : v->get_object()) {
    if (!seq.is_int64() && !seq.is_uint64())
      return core::bad_request("invalid_field", "'lastSeqs' values must be integers");
    out[std::string(room_id)] = std::max<std::int64_t>(0, seq.to_number<std::int64_t>());
  }
  return out;
}

// Runs one event's work as a coroutine; a result or error is sent with the ack, an exception as "internal".
template <class Work>
void spawn_event(asio::any_io_executor executor, sio::ack_sender ack, Work work) {
  asio::co_spawn(executor, std::move(work), [ack](std::exception_ptr failure, json::value result) {
    if (!failure) return reply(ack, std::move(result));
    try {
      std::rethrow_exception(failure);
    } catch (const core::error_exception& e) {
      reply(ack, error_json(e.err()));
    } catch (const std::exception& e) {
      core::log::error("realtime", "event failed: ", e.what());
      reply(ack, error_json(core::internal_error("Something went wrong")));
    }
  });
}

}  // namespace

chat_gateway::chat_gateway(asio::any_io_executor executor, chat::service& chat, std::shared_ptr<chat::hub> hub)
    : executor_(std::move(executor)), chat_(chat), hub_(std::move(hub)) {}

chat::wire chat_gateway::encode(std::string_view event, std::string_view data_json) {
  std::string_view args[] = {data_json};
  auto packet = sio::encode_event("/", event, args);
  if (!packet) throw core::error_exception(packet.error());
  return std::make_shared<const std::string>(std::move(*packet));
}

sio::namespace_options chat_gateway::main_namespace() {
  // The namespace's handlers, not the socket's: the same for every socket, so an idle socket pays for none.
  sio::namespace_options options;
  // The CONNECT answer waits for the hub's attach (one store read, about a millisecond), so that it leaves in
  // one socket write with "synced" and any catch-up: a connection storm pays one send per connect less. The
  // bound only matters if the attach is slow (a store under load): then the answer goes first, as usual.
  options.hold_connect_answer = std::chrono::milliseconds(100);
  options.authorize = [this](sio::socket& socket) { return authorize(socket); };
  options.on_connection = [this](std::shared_ptr<sio::socket> socket) { on_connection(std::move(socket)); };
  options.on_event = [this](sio::socket& socket, std::string_view event, sio::arguments args, sio::ack_sender ack) {
    on_event(socket, event, std::move(args), std::move(ack));
  };
  options.on_disconnect = [this](sio::socket& socket, std::string_view) { on_disconnect(socket); };
  return options;
}

asio::awaitable<std::optional<std::string>> chat_gateway::authorize(sio::socket& socket) {
  // The token from auth.token (API clients), else the Authorization header, else the session cookie.
  std::optional<std::string> token;
  if (auto* auth = socket.auth().if_object(); auth && auth->contains("token") && auth->at("token").is_string())
    token = std::string(auth->at("token").get_string());
  const auto& info = socket.info();
  if (!token && info.authorization.starts_with("Bearer ")) token = info.authorization.substr(7);
  if (!token) token = http::find_cookie(info.cookie, http::session_cookie_name);
  const std::optional<std::string> refused = "unauthorized: log in first";
  if (!token || token->empty()) co_return refused;
  const auto revocations = chat_.session_revocations();  // before the check: a log out during it is seen later
  auto session = co_await chat_.session(*token);
  if (!session) co_return refused;
  auto state = std::make_shared<client_state>(socket.weak_from_this(), std::move(*session), core::hash_token(*token));
  state->revocations_seen.store(revocations, std::memory_order_relaxed);
  // Read before the CONNECT answer goes out, so that "connect" on the client means: whatever is committed from
  // now on reaches this socket. The hub's attach (after the answer) takes it as its first read of the user's
  // rooms; a read of its own, made then, would skip what was committed in between.
  // The writer's generation before it: if nothing is written until the attach, the hub need not read again.
  state->floors_generation = hub_->write_generation();
  auto rooms = co_await chat_.room_seqs(state->user_id);
  if (!rooms) co_return std::optional<std::string>("unavailable: try again");
  for (auto& r : *rooms) state->floors.emplace(std::move(r.room_id), r.last_seq);
  socket.data = std::move(state);
  co_return std::nullopt;
}

void chat_gateway::on_connection(std::shared_ptr<sio::socket> socket) {
  auto state = state_of(*socket);
  std::optional<chat::hub::seq_map> known;
  if (auto* auth = socket->auth().if_object(); auth && auth->contains("lastSeqs")) {
    auto seqs = seq_map_of(auth->if_contains("lastSeqs"));
    if (seqs) known = std::move(*seqs);
  }

  // Into the hub: every room of the user. The registration completes asynchronously; if the socket is gone by
  // then, it is undone at once (on_disconnect).
  auto hub = hub_;
  auto attaching = hub_->attach(state, state->user_id, std::move(known),  // named: see docs/coroutines.md
                                std::move(state->floors), state->floors_generation);
  asio::co_spawn(executor_, std::move(attaching), [state, hub](std::exception_ptr failure, chat::hub::session_id id) {
    state->release_connect_answer();  // attached or not, the held CONNECT answer goes
    if (failure) {
      core::log::error("realtime", "could not attach a client to the hub");
      return;
    }
    auto expected = client_state::attaching;
    if (!state->hub_id.compare_exchange_strong(expected, id)) hub->detach(id);  // gone meanwhile
  });
}

void chat_gateway::on_disconnect(sio::socket& socket) {
  auto state = state_of(socket);
  const auto id = state->hub_id.exchange(client_state::gone);
  if (id != client_state::attaching && id != client_state::gone) hub_->detach(id);
}

void chat_gateway::on_event(sio::socket& socket, std::string_view event, sio::arguments args, sio::ack_sender ack) {
  auto state = state_of(socket);
  if (core::now_ms() >= state->session_expires_at)  // the login session ran out while the socket was open
    return refuse_ended_session(*state, ack, "Your session has expired: log in again");
  // Some session was logged out (or ran out) since this socket's was last found valid: was it this one? One
  // atomic load when nothing was; else a look at the recent revocations, in memory and in order. Only when more
  // than those happened meanwhile is the session read from the store, and then this event may be handled after
  // the socket's next ones.
  const auto revocations = chat_.session_revocations();
  if (const auto seen = state->revocations_seen.load(std::memory_order_relaxed); revocations != seen) {
    const auto revoked = chat_.session_revoked_since(state->token_hash(), seen);
    if (revoked == true) return refuse_ended_session(*state, ack, "Your session has ended: log in again");
    if (revoked == false) state->revocations_seen.store(revocations, std::memory_order_relaxed);
  }
  if (revocations != state->revocations_seen.load(std::memory_order_relaxed)) {
    auto checking = [this, state, revocations, event = std::string(event), args = std::move(args),
                     ack]() mutable -> asio::awaitable<void> {
      auto session = co_await chat_.session_by_hash(state->token_hash());
      if (!session || session->user_id != state->user_id) {
        refuse_ended_session(*state, ack, "Your session has ended: log in again");
        co_return;
      }
      state->revocations_seen.store(revocations, std::memory_order_relaxed);
      if (auto s = state->socket()) on_event(*s, event, std::move(args), std::move(ack));
    };
    asio::co_spawn(executor_, std::move(checking), [ack](std::exception_ptr failure) {
      if (!failure) return;
      core::log::error("realtime", "could not check a socket's session");
      reply(ack, error_json(core::internal_error("Something went wrong")));
    });
    return;
  }
  auto& chat = chat_;
  const std::string& user_id = state->user_id;

  if (event == "message") {
    spawn_event(executor_, ack, [&chat, user_id, args = std::move(args)]() -> asio::awaitable<json::value> {
      auto payload = payload_of(args).value();
      auto room_id = string_field(payload, "roomId").value();
      auto body = string_field(payload, "message").value();
      std::optional<std::string> client_msg_id;
      if (auto* id = payload.if_contains("clientMsgId"); id && !id->is_null())
        client_msg_id = string_field(payload, "clientMsgId").value();
      auto posted = (co_await chat.post(user_id, room_id, body, client_msg_id)).value();
      co_return chat::message_json(posted.message);
    });
  } else if (event == "history") {
    spawn_event(executor_, ack, [&chat, user_id, args = std::move(args)]() -> asio::awaitable<json::value> {
      auto payload = payload_of(args).value();
      auto room_id = string_field(payload, "roomId").value();
      auto before = optional_int(payload, "before").value();
      auto limit_in = optional_int(payload, "limit").value();
      int limit = chat::validate_limit(limit_in.value_or(chat::default_page_size)).value();
      auto page = (co_await chat.history(user_id, room_id, before, limit)).value();
      json::array messages;
      for (const auto& m : page.messages) messages.push_back(chat::message_json(m));
      co_return json::object{{"messages", std::move(messages)}, {"hasMore", page.has_more}};
    });
  } else if (event == "read") {
    spawn_event(executor_, ack, [&chat, user_id, args = std::move(args)]() -> asio::awaitable<json::value> {
      auto payload = payload_of(args).value();
      auto room_id = string_field(payload, "roomId").value();
      auto seq = optional_int(payload, "seq").value();
      if (!seq) throw core::error_exception(core::bad_request("invalid_seq", "'seq' must be an integer"));
      auto stored = (co_await chat.mark_read(user_id, room_id, *seq)).value();
      co_return json::object{{"roomId", room_id}, {"lastReadSeq", stored}};
    });
  } else if (event == "typing") {
    spawn_event(executor_, ack, [&chat, user_id, args = std::move(args)]() -> asio::awaitable<json::value> {
      auto payload = payload_of(args).value();
      auto room_id = string_field(payload, "roomId").value();
      (co_await chat.typing(user_id, room_id)).value();
      co_return json::object{{"ok", true}};
    });
  } else if (event == "sync") {
    auto payload = payload_of(args);
    if (!payload) return reply(ack, error_json(payload.error()));
    auto seqs = seq_map_of(payload->if_contains("lastSeqs"));
    if (!seqs) return reply(ack, error_json(seqs.error()));
    // Not attached yet: the attach brings the client up to date anyway. Detached: the hub ignores the id.
    const auto id = state->hub_id.load();
    if (id != client_state::attaching && id != client_state::gone) hub_->sync(id, std::move(*seqs));
    reply(ack, json::object{{"ok", true}});
  } else {
    reply(ack, error_json(core::bad_request("unknown_event", "Unknown event '" + std::string(event) + "'")));
  }
}

}  // namespace suda::net::realtime_chat
