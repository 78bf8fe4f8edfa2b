// suda: parse the configuration, wire the modules, serve until SIGINT/SIGTERM, then shut down in order:
// stop accepting, let in-flight requests finish, commit pending writes, exit 0.
#include "bus/local_bus.hpp"
#include "chat/service.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "net/api/routes.hpp"
#include "net/http/router.hpp"
#include "net/http/server.hpp"
#include "net/http/static_files.hpp"
#include "store/reader_pool.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace {
namespace asio = boost::asio;
using namespace suda;

std::filesystem::path resolve_web_root(const core::config& cfg) {
  if (!cfg.web_root.empty()) return cfg.web_root;
  return "web/dist";
}

int run(const core::config& cfg) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned io_threads = cfg.threads ? cfg.threads : cores;

  std::filesystem::create_directories(cfg.data_dir);
  auto db = store::open_database(cfg.database_url());
  store::writer writer(*db);
  store::reader_pool readers(*db, std::max(2u, cores));
  asio::thread_pool cpu(std::max(1u, cores));  // Argon2id, libvips
  auto bus = std::make_shared<bus::local_bus>();

  chat::service chat(writer, readers, cpu, *bus,
                     chat::service_options{cfg.login_per_ip_per_minute, cfg.login_per_account_per_minute});

  net::http::router routes;
  net::api::add_all_routes(routes, chat, cfg);

  std::unique_ptr<net::http::static_files> files;
  auto web_root = resolve_web_root(cfg);
  if (std::filesystem::is_regular_file(web_root / "index.html")) {
    files = std::make_unique<net::http::static_files>(web_root);
    core::log::info("main", "serving the web UI from ", web_root.string());
  } else {
    core::log::warn("main", "no web UI at ", web_root.string(), " (build it with ./scripts/run); serving the API only");
  }

  asio::io_context ioc(static_cast<int>(io_threads));
  net::http::server server(ioc, cfg, routes, files.get());
  server.start();
  core::log::info("main", "suda ready on http://", cfg.listen_host, ":", server.port(), " with ",
                  io_threads, " I/O threads, database ", cfg.database_url());

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    core::log::info("main", "signal ", signal, ": stopping (finishing in-flight requests)");
    server.stop([&] {
      core::log::info("main", "all connections closed");
      ioc.stop();
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
