// suda-echo: the realtime layers of suda with no chat on top, behaving as the Socket.IO and Engine.IO
// protocol test suites expect of a server under test.
//
//   /engine.io/  a raw Engine.IO server that sends every message packet back as it came (text or binary)
//   /socket.io/  Socket.IO: namespace "/" emits `auth` with the CONNECT payload, answers `message` with
//                `message-back` (same arguments, binary included) and acks `message-with-ack` with its
//                arguments; "/custom" emits `auth`; any other namespace is refused ("Invalid namespace")
//
// Engine.IO options are the suites': pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1,000,000,
// connectTimeout 1000 ms, any origin. Usage:
//
//   suda-echo [--listen 127.0.0.1:3000] [--threads N] [--log-level debug|info|warn|error]
//
// SIGINT/SIGTERM stop it gracefully: the Engine.IO connections are closed, the HTTP server drains, and
// the connections get a moment to finish closing before the io_context stops.
#include "core/config.hpp"
#include "core/log.hpp"
#include "net/engineio_http/mount.hpp"
#include "net/http/router.hpp"
#include "net/http/server.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace engineio = suda::realtime::engineio;
namespace socketio = suda::realtime::socketio;
namespace http = suda::net::http;
namespace engineio_http = suda::net::engineio_http;
namespace log = suda::core::log;
using namespace std::chrono_literals;

constexpr std::string_view log_component = "echo";
constexpr std::string_view usage =
    "usage: suda-echo [--listen HOST:PORT] [--threads N] [--log-level debug|info|warn|error]\n"
    "  --listen     address to serve on (default 127.0.0.1:3000)\n"
    "  --threads    I/O threads (default: one per core, at most 4)\n"
    "  --log-level  default info\n";

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  log::level level = log::level::info;
};

std::optional<unsigned> parse_number(std::string_view text, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

// "host:port", "[::1]:port", or ":port" for the default host.
bool parse_listen(std::string_view text, options& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto port = parse_number(text.substr(colon + 1), 65535);
  if (!port) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!host.empty()) out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(*port);
  return true;
}

// Returns the options, or nullopt after printing why (exit code in `status`).
std::optional<options> parse_arguments(int argc, char** argv, int& status) {
  options out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage.data(), stdout);
      status = 0;
      return std::nullopt;
    }
    const bool has_value = i + 1 < argc;
    std::string_view value = has_value ? std::string_view(argv[i + 1]) : std::string_view();
    bool ok = has_value;
    if (arg == "--listen") {
      ok = ok && parse_listen(value, out);
    } else if (arg == "--threads") {
      auto threads = ok ? parse_number(value, 256) : std::nullopt;
      ok = threads && *threads > 0;
      if (ok) out.threads = *threads;
    } else if (arg == "--log-level") {
      ok = ok && log::parse_level(value, out.level);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "suda-echo: bad argument %s\n%s", argv[i], usage.data());
      status = 2;
      return std::nullopt;
    }
    ++i;
  }
  return out;
}

// ---- The two servers' behaviour ----

// The raw Engine.IO echo: every message packet goes back as it came.
void echo_messages(const std::shared_ptr<engineio::socket>& connection) {
  // Weak: the connection owns these handlers; a strong reference would keep it alive forever.
  std::weak_ptr<engineio::socket> weak = connection;
  engineio::socket::handlers h;
  h.on_text = [weak](std::string text) {
    if (auto c = weak.lock()) c->send(engineio::text_frame(std::move(text)));
  };
  h.on_binary = [weak](std::string bytes) {
    if (auto c = weak.lock()) c->send(engineio::binary_frame(std::move(bytes)));
  };
  h.on_close = [](std::string_view) {};
  connection->set_handlers(std::move(h));
}

void emit_auth(socketio::socket& s) { s.emit("auth", socketio::arguments{boost::json::array{s.auth()}, {}}); }

void add_namespaces(socketio::server& sio) {
  socketio::namespace_options main_namespace;
  main_namespace.on_connection = [](std::shared_ptr<socketio::socket> s) {
    emit_auth(*s);
    // The handlers belong to the socket: they reach it through a weak reference, not a cycle.
    s->on("message", [weak = std::weak_ptr<socketio::socket>(s)](socketio::arguments args, socketio::ack_sender) {
      if (auto self = weak.lock()) self->emit("message-back", std::move(args));
    });
    s->on("message-with-ack", [](socketio::arguments args, socketio::ack_sender ack) {
      if (ack) ack(std::move(args));
    });
  };
  sio.add_namespace("/", std::move(main_namespace));

  socketio::namespace_options custom;
  custom.on_connection = [](std::shared_ptr<socketio::socket> s) { emit_auth(*s); };
  sio.add_namespace("/custom", std::move(custom));
}

// ---- HTTP wiring ----

int run(const options& opts) {
  asio::io_context ioc(static_cast<int>(opts.threads));

  engineio::server_options eio_options;
  eio_options.ping_interval = 300ms;
  eio_options.ping_timeout = 200ms;
  eio_options.max_payload = 1000000;
  eio_options.allowed_origins = {"*"};

  socketio::server_options sio_options;
  sio_options.connect_timeout = 1000ms;
  socketio::server sio(sio_options);
  add_namespaces(sio);

  engineio::server socketio_engine(ioc, eio_options, [&sio](std::shared_ptr<engineio::socket> c) {
    sio.accept(std::move(c));
  });
  engineio::server raw_engine(ioc, eio_options, [](std::shared_ptr<engineio::socket> c) { echo_messages(c); });

  http::router routes;
  engineio_http::mount(routes, "/engine.io", raw_engine);
  engineio_http::mount(routes, "/socket.io", socketio_engine);

  suda::core::config http_config;
  http_config.listen_host = opts.host;
  http_config.listen_port = opts.port;
  http::server http_server(ioc, http_config, routes, nullptr);
  http_server.set_upgrade_handler(
      engineio_http::upgrade_dispatcher({{"/socket.io", &socketio_engine}, {"/engine.io", &raw_engine}}));
  http_server.start();
  log::info(log_component, "suda-echo on http://", opts.host, ":", http_server.port(), " (Engine.IO at /engine.io/, ",
            "Socket.IO at /socket.io/), ", opts.threads, " I/O threads");

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info(log_component, "signal ", signal, ": closing the Engine.IO connections, then the HTTP server");
    socketio_engine.shutdown();  // pending polls are answered at once, so the HTTP server can drain
    raw_engine.shutdown();
    http_server.stop([&] {
      log::info(log_component, "all HTTP connections closed");
      asio::co_spawn(ioc, engineio_http::stop_when_closed(ioc, {&socketio_engine, &raw_engine}, 2000ms),
                     asio::detached);
    });
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < opts.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  log::info(log_component, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  auto opts = parse_arguments(argc, argv, status);
  if (!opts) return status;
  log::set_level(opts->level);
  try {
    return run(*opts);
  } catch (const std::exception& e) {
    log::error(log_component, "fatal: ", e.what());
    return 1;
  }
}
