// suda: parse the configuration, wire the modules, serve until SIGINT/SIGTERM, then shut down in order:
// stop accepting, let in-flight requests finish, commit pending writes, exit 0.
#include "bus/local_bus.hpp"
#include "chat/hub.hpp"
#include "chat/service.hpp"
#include "chat/session_sweeper.hpp"
#include "core/config.hpp"
#include "core/cpus.hpp"
#include "core/log.hpp"
#include "net/api/routes.hpp"
#include "net/engineio_http/mount.hpp"
#include "net/http/router.hpp"
#include "net/http/server.hpp"
#include "net/http/static_files.hpp"
#include "net/realtime/chat_gateway.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/server.hpp"
#include "store/reader_pool.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#ifdef SUDA_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// Which malloc serves the process: the log says so, since only a build without sanitizers links jemalloc.
std::string allocator_name() {
#ifdef SUDA_WITH_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) return std::string("jemalloc ") + version;
  return "jemalloc";
#else
  return "the default malloc";
#endif
}

namespace asio = boost::asio;
using namespace suda;

std::filesystem::path resolve_web_root(const core::config& cfg) {
  if (!cfg.web_root.empty()) return cfg.web_root;
  return "web/dist";
}

int run(const core::config& cfg) {
  const unsigned cores = core::usable_cpus();
  const unsigned io_threads = cfg.threads ? cfg.threads : cores;

  std::filesystem::create_directories(cfg.data_dir);
  auto db = store::open_database(cfg.database_url());
  store::writer writer(*db);
  store::reader_pool readers(*db, std::max(2u, cores));
  asio::thread_pool cpu(std::max(1u, cores));  // Argon2id, libvips
  auto bus = std::make_shared<bus::local_bus>();
  chat::profile_cache profiles;

  chat::service_options chat_options;
  chat_options.login_per_ip_per_minute = cfg.login_per_ip_per_minute;
  chat_options.login_per_account_per_minute = cfg.login_per_account_per_minute;
  chat_options.session_lifetime = std::chrono::seconds(cfg.session_lifetime_seconds);
  chat::service chat(writer, readers, cpu, *bus, profiles, chat_options);

  asio::io_context ioc(static_cast<int>(io_threads));
  // Sessions that ran out are deleted and their sockets disconnected, every minute.
  chat::session_sweeper sessions_sweep(ioc.get_executor(), chat);
  sessions_sweep.start();

  // Realtime: Socket.IO on Engine.IO, the chat events on top, fan-out through the hub.
  auto hub = std::make_shared<chat::hub>(ioc.get_executor(), *bus, readers, profiles,
                                         &net::realtime_chat::chat_gateway::encode);
  // One node (the local bus): every change to rooms and messages goes through this writer.
  hub->set_write_generation([&writer] { return writer.generation(); });
  net::realtime_chat::chat_gateway gateway(ioc.get_executor(), chat, hub);
  realtime::socketio::server sio(realtime::socketio::server_options{});
  sio.add_namespace("/", gateway.main_namespace());
  realtime::engineio::server_options eio_options;
  eio_options.allowed_origins = cfg.allowed_origins;
  eio_options.broadcast_linger = std::chrono::microseconds(cfg.broadcast_linger_us);
  realtime::engineio::server eio(ioc, eio_options, [&sio](std::shared_ptr<realtime::engineio::socket> connection) {
    sio.accept(std::move(connection));
  });

  net::http::router routes;
  net::api::add_all_routes(routes, chat, cfg);
  // The client's default path, and the path the original blog series used.
  net::engineio_http::mount(routes, "/socket.io", eio);
  net::engineio_http::mount(routes, "/api/socket.io", eio);

  std::unique_ptr<net::http::static_files> files;
  auto web_root = resolve_web_root(cfg);
  if (std::filesystem::is_regular_file(web_root / "index.html")) {
    files = std::make_unique<net::http::static_files>(web_root);
    core::log::info("main", "serving the web UI from ", web_root.string());
  } else {
    core::log::warn("main", "no web UI at ", web_root.string(), " (build it with ./scripts/run); serving the API only");
  }

  net::http::server server(ioc, cfg, routes, files.get());
  server.set_upgrade_handler(net::engineio_http::upgrade_dispatcher({{"/socket.io", &eio}, {"/api/socket.io", &eio}}));
  server.start();
  core::log::info("main", "suda ready on http://", cfg.listen_host, ":", server.port(), " with ",
                  io_threads, " I/O threads, database ", cfg.database_url(), ", allocator ", allocator_name());

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    core::log::info("main", "signal ", signal, ": stopping (finishing in-flight requests)");
    sessions_sweep.stop();
    eio.shutdown();  // realtime clients are told at once; pending polls are answered, so HTTP can drain
    server.stop([&] {
      core::log::info("main", "all HTTP connections closed");
      asio::co_spawn(ioc, net::engineio_http::stop_when_closed(ioc, {&eio}, std::chrono::seconds(2)), asio::detached);
    });
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();

  // No request is running any more: commit what the writer still holds, then close the pools.
  writer.stop();
  readers.stop();
  cpu.join();
  core::log::info("main", "stopped cleanly; ", writer.messages_committed(), " messages committed in ",
                  writer.batches_committed(), " batches");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = suda::core::parse_config(argc, argv);
  if (!cfg) {
    if (cfg.error().code == "help") {
      std::fputs(cfg.error().message.c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "suda: %s\n", cfg.error().message.c_str());
    return 2;
  }
  suda::core::log::level level{};
  if (!suda::core::log::parse_level(cfg->log_level, level)) {
    std::fprintf(stderr, "suda: --log-level must be debug, info, warn or error\n");
    return 2;
  }
  suda::core::log::set_level(level);
  try {
    return run(*cfg);
  } catch (const std::exception& e) {
    suda::core::log::error("main", "fatal: ", e.what());
    return 1;
  }
}
