#include "core/config.hpp"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <sstream>

namespace suda::core {
namespace po = boost::program_options;

std::string config::database_url() const {
  if (!database.empty()) return database;
  return "sqlite:" + data_dir + "/suda.db";
}

namespace {

// Splits "host:port" (or "[v6]:port"); false when malformed.
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  char* end = nullptr;
  long value = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || value < 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// Maps SUDA_FOO_BAR to the option "foo-bar" (the environment fills what flags did not).
std::string env_to_option(const std::string& env) {
  static const std::pair<const char*, const char*> names[] = {
      {"SUDA_LISTEN", "listen"},
      {"SUDA_DATA_DIR", "data-dir"},
      {"SUDA_DATABASE", "database"},
      {"SUDA_WEB_ROOT", "web-root"},
      {"SUDA_THREADS", "threads"},
      {"SUDA_LOG_LEVEL", "log-level"},
      {"SUDA_SECURE_COOKIES", "secure-cookies"},
      {"SUDA_LOGIN_RATE_IP", "login-rate-ip"},
      {"SUDA_LOGIN_RATE_ACCOUNT", "login-rate-account"},
      {"SUDA_SESSION_LIFETIME", "session-lifetime"},
      {"SUDA_READ_TIMEOUT", "read-timeout"},
      {"SUDA_BROADCAST_LINGER_US", "broadcast-linger-us"},
  };
  for (auto& [e, o] : names)
    if (env == e) return o;
  return {};
}

}  // namespace

result<config> parse_config(int argc, const char* const* argv) {
  config cfg;
  std::string listen = cfg.listen_host + ":" + std::to_string(cfg.listen_port);
  std::string origins;
  po::options_description options("suda options (each also read from the environment as SUDA_<NAME>)");
  options.add_options()
      ("help,h", "print this help and exit")
      ("listen", po::value(&listen)->default_value(listen), "address to serve HTTP on, host:port")
      ("data-dir", po::value(&cfg.data_dir)->default_value(cfg.data_dir), "folder for the database and other state")
      ("database", po::value(&cfg.database), "database URL: sqlite:PATH (default sqlite:<data-dir>/suda.db)")
      ("web-root", po::value(&cfg.web_root), "folder of the built web UI (default ./web/dist)")
      ("threads", po::value(&cfg.threads)->default_value(0), "I/O threads; 0 means one per core the process may run on (its CPU affinity)")
      ("log-level", po::value(&cfg.log_level)->default_value(cfg.log_level), "debug, info, warn or error")
      ("allowed-origin", po::value(&cfg.allowed_origins)->composing(),
       "an Origin allowed for cross-site requests (repeatable); same-origin is always allowed")
      ("secure-cookies", po::bool_switch(&cfg.secure_cookies), "mark the session cookie Secure (behind HTTPS)")
      ("login-rate-ip", po::value(&cfg.login_per_ip_per_minute)->default_value(cfg.login_per_ip_per_minute),
       "login attempts allowed per minute from one IP address")
      ("login-rate-account",
       po::value(&cfg.login_per_account_per_minute)->default_value(cfg.login_per_account_per_minute),
       "login attempts allowed per minute for one account")
      ("session-lifetime", po::value(&cfg.session_lifetime_seconds)->default_value(cfg.session_lifetime_seconds),
       "seconds a login lasts: then its token stops working and its sockets are disconnected")
      ("read-timeout", po::value(&cfg.read_timeout_seconds)->default_value(cfg.read_timeout_seconds),
       "seconds a client has to send a whole request")
      ("broadcast-linger-us", po::value(&cfg.broadcast_linger_us)->default_value(cfg.broadcast_linger_us),
       "microseconds a broadcast may wait on a busy WebSocket to share a socket write with the next ones (0: off)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::store(po::parse_environment(options, env_to_option), vm);
    if (const char* env = std::getenv("SUDA_ALLOWED_ORIGINS")) origins = env;
    po::notify(vm);
  } catch (const std::exception& e) {
    return bad_request("bad_option", e.what());
  }
  if (vm.count("help")) {
    std::ostringstream usage;
    usage << options;
    return bad_request("help", usage.str());
  }
  if (!split_host_port(listen, cfg.listen_host, cfg.listen_port))
    return bad_request("bad_option", "--listen must be host:port, got '" + listen + "'");
  for (std::size_t start = 0; start < origins.size();) {
    auto comma = origins.find(',', start);
    if (comma == std::string::npos) comma = origins.size();
    if (comma > start) cfg.allowed_origins.push_back(origins.substr(start, comma - start));
    start = comma + 1;
  }
  if (cfg.read_timeout_seconds == 0) return bad_request("bad_option", "--read-timeout must be positive");
  if (cfg.session_lifetime_seconds == 0) return bad_request("bad_option", "--session-lifetime must be positive");
  if (cfg.broadcast_linger_us > 1'000'000)
    return bad_request("bad_option", "--broadcast-linger-us must be at most 1000000 (one second)");
  return cfg;
}

}  // namespace suda::core
