#include "realtime/engineio/server.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "realtime/engineio/http_replies.hpp"
#include "realtime/engineio/origin_policy.hpp"
#include "realtime/engineio/payload.hpp"
#include "realtime/engineio/session.hpp"
#include "realtime/engineio/websocket_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

// Heartbeats: one sweep for all sessions
// --------------------------------------
// Every connection must be pinged every ping_interval and dropped ping_timeout after an unanswered ping.
// One steady_timer per session would be re-armed on every pong (a timer-queue insert and cancel each time,
// plus a pending handler per session). Instead each session publishes its next deadline (next ping, pong
// deadline, upgrade deadline, end of its closing grace) in an atomic, and one timer ticks every `tick`
// (min(ping_interval, ping_timeout, upgrade_timeout) / 8, clamped to [5 ms, 250 ms]). Each tick walks the
// registry under its mutex doing one relaxed atomic load per session (no allocation, no strand hop) and
// posts a heartbeat handler only to the sessions that are due. Cost: O(sessions) loads per tick — about
// 100 µs for 100k sessions, four times a second with the default settings — and deadlines are late by at
// most one tick, which the protocol's margins (seconds) absorb. The tick is also the unit in which pings
// come in bursts: the first pings are spread over half an interval (heartbeat.hpp), and each tick pings
// the sessions that fell due in it together, so a shorter tick means smaller bursts.

namespace suda::realtime::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view log_component = "eio";

// The completion of a WebSocket connection's handshake coroutine: an exception is logged, never rethrown.
void log_connection_failure(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    core::log::error(log_component, "WebSocket connection failed: ", e.what());
  }
}

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A client must finish the WebSocket opening (and later, closing) handshake within this.
constexpr std::chrono::seconds websocket_handshake_timeout{10};
// How long a refused upgrade request may take to receive its HTTP error.
constexpr std::chrono::seconds refusal_write_timeout{5};
// Packets in one polling POST. The engine.io client puts everything it has queued into one POST (bounded by
// maxPayload bytes only), so this must allow bursts; it bounds the vector of tiny packets a body of
// separators could produce.
constexpr std::size_t max_packets_per_post = 4096;

std::chrono::milliseconds sweep_tick(const server_options& options) {
  using std::chrono::milliseconds;
  const auto shortest = std::min({options.ping_interval, options.ping_timeout, options.upgrade_timeout});
  return std::clamp(shortest / 8, milliseconds(5), milliseconds(250));
}

std::string header_value(const server::request& req, http::field field) {
  auto it = req.find(field);
  return it == req.end() ? std::string() : std::string(it->value());
}

connection_info info_from(const server::request& req, std::string remote_ip) {
  connection_info info;
  info.remote_ip = std::move(remote_ip);
  info.origin = header_value(req, http::field::origin);
  info.cookie = header_value(req, http::field::cookie);
  info.authorization = header_value(req, http::field::authorization);
  info.user_agent = header_value(req, http::field::user_agent);
  return info;
}

// What a polling request turns into once checked: an answer now, or work for a session.
struct poll_job {
  std::weak_ptr<session> target;  // weak: a GET waiting for packets keeps nothing alive
};
struct post_job {
  std::shared_ptr<session> target;
  std::vector<packet> packets;
};
using http_plan = std::variant<http_response, poll_job, post_job>;

// A WebSocket request once checked: refused with an HTTP answer, or accepted (for a session to upgrade, or
// for a new connection when `upgrade_of` is null).
struct websocket_plan {
  std::shared_ptr<session> upgrade_of;
};
using ws_plan = std::variant<http_response, websocket_plan>;

asio::awaitable<void> refuse_upgrade(beast::tcp_stream& stream, http_response res) {
  res.keep_alive(false);
  stream.expires_after(refusal_write_timeout);
  // Best effort: a client that does not read its refusal is closed all the same.
  (void)co_await http::async_write(stream, res, use_tuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.close();
}

}  // namespace

struct server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, server_options opts, connection_handler handler)
      : ioc(io),
        origins(opts.allowed_origins),
        tick(sweep_tick(opts)),
        options(std::make_shared<const server_options>(std::move(opts))),
        on_connection(std::move(handler)),
        sweep_timer(io) {}

  asio::io_context& ioc;
  const origin_policy origins;
  const std::chrono::milliseconds tick;
  const std::shared_ptr<const server_options> options;  // shared with the sessions, which may outlive us
  const connection_handler on_connection;
  asio::steady_timer sweep_timer;  // touched only by arm_sweep, i.e. by its own handler, one at a time

  mutable std::mutex mutex;  // guards the fields below; never held across I/O or a session's code
  std::unordered_map<std::string, std::shared_ptr<session>> sessions;
  bool shutting_down = false;
  bool stopped = false;  // the server object is gone: the sweep ends once the last session has

  // --- registry ---

  std::shared_ptr<session> find(const std::string& sid) const {
    std::lock_guard lock(mutex);
    auto it = sessions.find(sid);
    return it == sessions.end() ? nullptr : it->second;
  }

  // The reason a new connection is refused now ("" when it is not).
  std::string refusal() const {
    std::lock_guard lock(mutex);
    if (shutting_down) return "server shutting down";
    if (sessions.size() >= options->max_connections) return "too many connections";
    return {};
  }

  std::shared_ptr<session> create(connection_info info, transport initial, session::strand_type strand) {
    auto sid = core::new_token();  // 43 URL-safe characters from libsodium's CSPRNG
    std::lock_guard lock(mutex);
    if (shutting_down || sessions.size() >= options->max_connections) return nullptr;
    if (sessions.contains(sid)) return nullptr;  // 256 random bits do not collide; refuse rather than alias
    auto created = std::make_shared<session>(sid, std::move(info), initial, options, std::move(strand),
                                             [weak = weak_from_this()](const std::string& id) {
                                               if (auto self = weak.lock()) self->forget(id);
                                             });
    sessions.emplace(std::move(sid), created);
    return created;
  }

  void forget(const std::string& sid) {
    std::shared_ptr<session> released;  // destroyed after the lock is released
    std::lock_guard lock(mutex);
    auto it = sessions.find(sid);
    if (it == sessions.end()) return;
    released = std::move(it->second);
    sessions.erase(it);
  }

  std::size_t count() const {
    std::lock_guard lock(mutex);
    return sessions.size();
  }

  void shutdown() {
    std::vector<std::shared_ptr<session>> all;
    {
      std::lock_guard lock(mutex);
      shutting_down = true;
      all.reserve(sessions.size());
      for (const auto& entry : sessions) all.push_back(entry.second);
    }
    if (!all.empty()) core::log::info(log_component, "closing ", all.size(), " connection(s): server shutting down");
    for (const auto& s : all) s->close_async("server shutting down", close_mode::shutdown);
  }

  // --- heartbeat sweep ---

  void arm_sweep() {
    sweep_timer.expires_after(tick);
    sweep_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (self->sweep()) self->arm_sweep();
    });
  }

  // False when the sweep should end (the server is gone and so are its sessions).
  bool sweep() {
    const auto now = session::clock::now();
    std::vector<std::shared_ptr<session>> due;
    {
      std::lock_guard lock(mutex);
      if (stopped && sessions.empty()) return false;
      for (const auto& entry : sessions) {
        if (entry.second->claim_if_due(now)) due.push_back(entry.second);
      }
    }
    for (auto& s : due) {
      const auto strand = s->strand();
      asio::post(strand, [s = std::move(s)] { s->on_heartbeat(); });
    }
    return true;
  }

  // --- request checks ---

  http_plan plan_http(const request& req, const std::string& remote_ip, reply_context& ctx) {
    const auto origin = header_value(req, http::field::origin);
    const bool origin_allowed = origins.allows(origin, header_value(req, http::field::host));
    if (origin_allowed && !origin.empty()) ctx.cors_origin = origin;

    if (req.method() == http::verb::options) {
      if (!origin_allowed) return error_reply(ctx, http_error::forbidden);
      return preflight_reply(ctx);
    }
    const auto query = parse_query(req.target());
    if (!query) return error_reply(ctx, http_error::bad_request);
    const auto requested = query->transport ? transport_from_name(*query->transport) : std::nullopt;
    if (!requested) return error_reply(ctx, http_error::unknown_transport);
    if (query->eio != "4") return error_reply(ctx, http_error::unsupported_protocol_version);
    if (!origin_allowed) return error_reply(ctx, http_error::forbidden);
    // transport=websocket in a plain HTTP request (not an upgrade) cannot be served.
    if (*requested != transport::polling) return error_reply(ctx, http_error::bad_request);

    if (query->sid) {
      auto target = find(*query->sid);
      if (!target) return error_reply(ctx, http_error::unknown_sid);
      // After the upgrade, polling requests are refused: the WebSocket carries the session now.
      if (target->current_transport() != transport::polling) return error_reply(ctx, http_error::bad_request);
      if (req.method() == http::verb::get) return poll_job{target};
      if (req.method() != http::verb::post) return error_reply(ctx, http_error::bad_request);
      if (req.body().size() > options->max_payload) {
        target->close_async("payload too large", close_mode::immediate);
        return status_reply(ctx, http::status::payload_too_large, "payload too large");
      }
      auto packets = decode_payload(req.body(), payload_limits{max_packets_per_post});
      if (!packets) {
        core::log::debug(log_component, "sid ", target->id(), ": malformed payload (", packets.error().code, ")");
        target->close_async("parse error", close_mode::immediate);
        return error_reply(ctx, http_error::bad_request);
      }
      return post_job{std::move(target), std::move(*packets)};
    }

    if (req.method() != http::verb::get) return error_reply(ctx, http_error::bad_handshake_method);
    auto created = create(info_from(req, remote_ip), transport::polling, asio::make_strand(ioc));
    if (!created) return status_reply(ctx, http::status::service_unavailable, refusal_or_busy());
    core::log::debug(log_component, "sid ", created->id(), ": new polling connection from ", remote_ip);
    created->start(on_connection);
    return poll_job{created};
  }

  ws_plan plan_websocket(const request& req, reply_context& ctx) {
    const auto origin = header_value(req, http::field::origin);
    const bool origin_allowed = origins.allows(origin, header_value(req, http::field::host));
    const auto query = parse_query(req.target());
    if (!query) return error_reply(ctx, http_error::bad_request);
    const auto requested = query->transport ? transport_from_name(*query->transport) : std::nullopt;
    if (!requested) return error_reply(ctx, http_error::unknown_transport);
    if (*requested != transport::websocket) return error_reply(ctx, http_error::bad_request);
    if (query->eio != "4") return error_reply(ctx, http_error::unsupported_protocol_version);
    // Checked before accepting: a refused page never gets a WebSocket, not even for a moment.
    if (!origin_allowed) return error_reply(ctx, http_error::forbidden);
    if (query->sid) {
      auto target = find(*query->sid);
      if (!target) return error_reply(ctx, http_error::unknown_sid);
      if (target->current_transport() != transport::polling || target->upgrading()) {
        return error_reply(ctx, http_error::bad_request);  // already upgraded, or an upgrade is in progress
      }
      return websocket_plan{std::move(target)};
    }
    if (auto reason = refusal(); !reason.empty()) {
      return status_reply(ctx, http::status::service_unavailable, reason);
    }
    return websocket_plan{nullptr};
  }

  std::string refusal_or_busy() const {
    auto reason = refusal();
    return reason.empty() ? std::string("too many connections") : reason;
  }

  // Runs on the session's strand for the whole life of the WebSocket.
  static asio::awaitable<void> run_websocket(std::shared_ptr<impl> self, session::strand_type strand,
                                             std::shared_ptr<websocket_transport> ws, request req, connection_info info,
                                             std::shared_ptr<session> upgrade_of) {
    // A new connection's 101 waits for its open packet, and both leave in one socket write: one send and one
    // wake-up of the client instead of two. A probe's 101 goes at once: its client waits for it before sending
    // anything, and nothing of ours follows it until then.
    const bool hold_answer = !upgrade_of;
    if (const auto ec = co_await ws->accept(req, hold_answer); ec) {
      core::log::debug(log_component, "WebSocket handshake with ", info.remote_ip, " failed: ", ec.message());
      if (hold_answer) {  // the error answer Beast queued, then the end
        auto flushing = ws->flush();
        co_await std::move(flushing);
      }
      ws->abort();
      co_return;
    }
    req = request{};  // answered: its header fields would otherwise stay allocated for the connection's life
    std::shared_ptr<session> target;
    if (upgrade_of) {
      if (!upgrade_of->attach_probe(ws)) {  // closed or upgraded while the handshake ran
        co_await ws->close();
        co_return;
      }
      target = std::move(upgrade_of);
    } else {
      const auto remote_ip = info.remote_ip;
      target = self->create(std::move(info), transport::websocket, strand);
      if (!target) {  // shut down or full while the handshake ran
        co_await ws->close();
        co_return;
      }
      core::log::debug(log_component, "sid ", target->id(), ": new WebSocket connection from ", remote_ip);
      target->start(self->on_connection);  // inline: we are on its strand
      target->attach_websocket(ws);
    }
    self.reset();  // a connection does not keep the server's state alive
    // The read loop runs on completion handlers: this coroutine's frame (the handshake's parameters and locals,
    // about 0.6 KiB) ends here instead of staying allocated under it for the connection's whole life.
    session::read_websocket(std::move(target), std::move(ws));
  }
};

server::server(asio::io_context& ioc, server_options options, connection_handler on_connection)
    : impl_(std::make_shared<impl>(ioc, std::move(options), std::move(on_connection))) {
  impl_->arm_sweep();
}

server::~server() {
  impl_->shutdown();
  std::lock_guard lock(impl_->mutex);
  impl_->stopped = true;
}

void server::shutdown() { impl_->shutdown(); }

std::size_t server::connection_count() const { return impl_->count(); }

asio::awaitable<http::message_generator> server::handle_http(const request& req, std::string remote_ip) {
  reply_context ctx;
  ctx.version = req.version();
  ctx.keep_alive = req.keep_alive();
  auto plan = impl_->plan_http(req, remote_ip, ctx);
  // From here on, nothing of `this` is touched: the server may be destroyed while a GET waits.

  if (auto* ready = std::get_if<http_response>(&plan)) co_return http::message_generator(std::move(*ready));

  if (auto* job = std::get_if<post_job>(&plan)) {
    auto target = std::move(job->target);
    const auto strand = target->strand();
    // Awaited objects are named throughout: GCC 12 can destroy a temporary with a destructor that sits in a
    // co_await expression twice.
    auto deliver = [target = std::move(target), packets = std::move(job->packets)]() mutable {
      return target->on_post(std::move(packets));
    };
    const auto outcome = co_await core::offload(strand, std::move(deliver));
    switch (outcome) {
      case post_outcome::ok: co_return http::message_generator(text_reply(ctx, "ok"));
      case post_outcome::unknown_session: co_return http::message_generator(error_reply(ctx, http_error::unknown_sid));
      case post_outcome::bad_request: break;
    }
    co_return http::message_generator(error_reply(ctx, http_error::bad_request));
  }

  auto target = std::get<poll_job>(plan).target;
  plan = http_response{};
  auto polling = session::async_poll(std::move(target), asio::use_awaitable);
  const auto reply = co_await std::move(polling);
  switch (reply.result) {
    case poll_reply::outcome::payload: co_return http::message_generator(text_reply(ctx, reply.body));
    case poll_reply::outcome::unknown_session:
      co_return http::message_generator(error_reply(ctx, http_error::unknown_sid));
    case poll_reply::outcome::bad_request: break;
  }
  co_return http::message_generator(error_reply(ctx, http_error::bad_request));
}

asio::awaitable<void> server::handle_websocket(beast::tcp_stream stream, request req, std::string remote_ip) {
  auto self = impl_;
  reply_context ctx;
  ctx.version = req.version();
  ctx.keep_alive = false;
  auto plan = self->plan_websocket(req, ctx);
  if (auto* refused = std::get_if<http_response>(&plan)) {
    core::log::debug(log_component, "WebSocket request from ", remote_ip, " refused: ", refused->result_int());
    auto refusing = refuse_upgrade(stream, std::move(*refused));
    co_await std::move(refusing);
    co_return;
  }
  auto upgrade_of = std::move(std::get<websocket_plan>(plan).upgrade_of);
  // A new connection stays on the strand its socket was accepted on (the HTTP server gives each connection its
  // own; rebind() then moves nothing); a probe must join the strand of the session it upgrades.
  const auto accepted_executor = stream.get_executor();  // named: target() points into it
  const auto* accepted_on = accepted_executor.target<session::strand_type>();
  auto strand = upgrade_of ? upgrade_of->strand() : accepted_on ? *accepted_on : asio::make_strand(self->ioc);
  auto rebound = websocket_transport::rebind(std::move(stream), strand);
  if (!rebound) co_return;  // the peer left meanwhile
  auto ws = std::make_shared<websocket_transport>(std::move(*rebound), self->options->max_payload,
                                                  websocket_handshake_timeout);
  auto info = info_from(req, std::move(remote_ip));
  // Spawned, not awaited: the frames that brought the request here (the HTTP connection's coroutine with its
  // read buffer and parser, the upgrade dispatcher, this one with the stream it released) end now instead of
  // living as long as the WebSocket, which would cost several KiB per idle connection.
  auto connection = impl::run_websocket(std::move(self), strand, std::move(ws), std::move(req), std::move(info),
                                        std::move(upgrade_of));
  asio::co_spawn(strand, std::move(connection), log_connection_failure);
  co_return;
}

}  // namespace suda::realtime::engineio
