#pragma once
// Every setting of the server, with its default. Each can be given as a flag or as an environment
// variable (flag wins); docs/configuration.md and the README list them.
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace suda::core {

struct config {
  std::string listen_host = "127.0.0.1";     // --listen / SUDA_LISTEN (host:port)
  std::uint16_t listen_port = 8080;
  std::string data_dir = "./data";           // --data-dir / SUDA_DATA_DIR
  std::string database = "";                 // --database / SUDA_DATABASE; empty: sqlite:<data-dir>/suda.db
  std::string web_root = "";                 // --web-root / SUDA_WEB_ROOT; empty: ./web/dist if present
  unsigned threads = 0;                      // --threads / SUDA_THREADS; 0: one per core
  std::string log_level = "info";            // --log-level / SUDA_LOG_LEVEL: debug|info|warn|error
  std::vector<std::string> allowed_origins;  // --allowed-origin (repeatable) / SUDA_ALLOWED_ORIGINS (comma list)
  bool secure_cookies = false;               // --secure-cookies / SUDA_SECURE_COOKIES=1: set when served over HTTPS

  // Limits at the edge.
  std::size_t max_json_body = 1 << 20;       // 1 MiB
  std::size_t max_upload_body = 8 << 20;     // 8 MiB
  unsigned read_timeout_seconds = 30;        // a request's header and body must arrive within this
  unsigned idle_timeout_seconds = 60;        // keep-alive connections idle longer than this are closed

  // Realtime.
  // --broadcast-linger-us / SUDA_BROADCAST_LINGER_US (engineio::server_options::broadcast_linger): how long a
  // broadcast may wait on a socket that wrote a broadcast less than this long ago. 50 ms: a socket receiving fewer
  // than 20 broadcasts a second never waits; a busy room's sockets write several frames per send
  // (docs/performance.md).
  unsigned broadcast_linger_us = 50'000;

  // How long a login lasts (the session cookie's Max-Age, and when its token and its sockets stop working).
  unsigned session_lifetime_seconds = 30 * 24 * 3600;  // --session-lifetime / SUDA_SESSION_LIFETIME

  // Login rate limits: attempts per minute.
  unsigned login_per_ip_per_minute = 20;     // --login-rate-ip / SUDA_LOGIN_RATE_IP
  unsigned login_per_account_per_minute = 10;// --login-rate-account / SUDA_LOGIN_RATE_ACCOUNT

  // The resolved database URL ("sqlite:path").
  std::string database_url() const;
};

// Parses flags and environment. Returns the config, or an error describing the bad setting.
// `--help` is reported as an error with code "help" and the usage text as message.
result<config> parse_config(int argc, const char* const* argv);

}  // namespace suda::core
