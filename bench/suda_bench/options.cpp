#include "options.hpp"

#include "core/log.hpp"

#include <boost/program_options.hpp>

#include <iostream>

namespace suda::bench {
namespace po = boost::program_options;

namespace {

std::optional<scenario> scenario_from(const std::string& name) {
  if (name == "idle") return scenario::idle;
  if (name == "storm") return scenario::storm;
  if (name == "fanout") return scenario::fanout;
  if (name == "latency") return scenario::latency;
  if (name == "durable") return scenario::durable;
  if (name == "slow") return scenario::slow;
  if (name == "history") return scenario::history;
  return std::nullopt;
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  po::options_description desc(
      "suda-bench: a Socket.IO load generator for suda and the Node.js reference\n"
      "usage: suda-bench --url http://127.0.0.1:8080 --scenario latency [flags]\n\nflags");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("url", po::value(&o.url)->default_value(o.url), "server base URL (127.0.0.0/8 only)")
      ("scenario", po::value(&o.scenario_name)->default_value(o.scenario_name),
       "idle | storm | fanout | latency | durable | slow | history")
      ("label", po::value(&o.label), "the server's name in the report")
      ("clients", po::value(&o.clients)->default_value(o.clients), "WebSocket clients to connect")
      ("users", po::value(&o.users)->default_value(o.users),
       "users to sign up (clients share them round-robin; 0: one per client)")
      ("rooms", po::value(&o.rooms)->default_value(o.rooms), "rooms to create")
      ("members-per-room", po::value(&o.members_per_room)->default_value(o.members_per_room), "users per room")
      ("senders", po::value(&o.senders)->default_value(o.senders), "sending clients (0: one per room)")
      ("rate", po::value(&o.rate)->default_value(o.rate), "messages/s over all senders, open loop (window 0)")
      ("window", po::value(&o.window),
       "saturation mode: each sender keeps this many unacked messages in flight (default: fanout 4, durable 1, "
       "else 0 = open loop at --rate)")
      ("duration", po::value(&o.duration)->default_value(o.duration), "seconds of load (idle: of holding)")
      ("drain", po::value(&o.drain)->default_value(o.drain), "seconds at most to wait for late acks/deliveries")
      ("settle", po::value(&o.settle)->default_value(o.settle),
       "seconds between the last client ready and the load (the connect storm's aftermath is not the load's)")
      ("body-bytes", po::value(&o.body_bytes)->default_value(o.body_bytes), "message body size")
      ("client-msg-ids", po::value<std::string>()->default_value("none"),
       "clientMsgId on each message: none, random (v4 UUIDs) or ordered (v7, time-ordered)")
      ("slow-fraction", po::value(&o.slow_fraction)->default_value(o.slow_fraction), "slow: share of clients that stop reading")
      ("slow-rcvbuf", po::value(&o.slow_receive_buffer)->default_value(o.slow_receive_buffer),
       "slow: SO_RCVBUF of the clients that stop reading (small, so the backlog lands in the server)")
      ("server-pid", po::value(&o.server_pid)->default_value(o.server_pid), "server process for RSS and CPU (0: none)")
      ("json", po::value(&o.json_path), "write the result as JSON to this file")
      ("setup-out", po::value(&o.setup_out), "history: write {url, token, roomId} here for wrk")
      ("history-messages", po::value(&o.history_messages)->default_value(o.history_messages), "history: messages to seed")
      ("smoke", po::bool_switch(&o.smoke), "correctness run: exit 1 if any message was lost, failed or not acked")
      ("threads", po::value(&o.threads)->default_value(o.threads), "generator threads (one io_context each)")
      ("source-addresses", po::value(&o.source_addresses)->default_value(o.source_addresses),
       "127.0.0.x source addresses to spread clients over (0: one per 20,000 clients)")
      ("connect-concurrency", po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
       "connection attempts in flight")
      ("setup-concurrency", po::value(&o.setup_concurrency)->default_value(o.setup_concurrency), "HTTP setup requests in flight")
      ("max-messages", po::value(&o.max_messages)->default_value(o.max_messages), "bound on messages sent in one run")
      ("no-wait-synced", "count a client ready on the CONNECT answer instead of on `synced`")
      ("password", po::value(&o.password)->default_value(o.password), "password of the bench users")
      ("user-prefix", po::value(&o.user_prefix)->default_value(o.user_prefix), "email prefix of the bench users")
      ("connect-timeout", po::value(&o.connect_timeout)->default_value(o.connect_timeout), "seconds per connection");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    core::log::error("bench", e.what());
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    exit_code = 0;
    return std::nullopt;
  }
  auto kind = scenario_from(o.scenario_name);
  if (!kind) {
    core::log::error("bench", "unknown scenario '", o.scenario_name, "'");
    exit_code = 2;
    return std::nullopt;
  }
  o.kind = *kind;
  o.wait_synced = !vm.count("no-wait-synced");
  if (const auto& ids = vm["client-msg-ids"].as<std::string>(); ids == "random") {
    o.msg_ids = client_msg_ids::random;
  } else if (ids == "ordered") {
    o.msg_ids = client_msg_ids::ordered;
  } else if (ids != "none") {
    core::log::error("bench", "--client-msg-ids must be none, random or ordered");
    exit_code = 2;
    return std::nullopt;
  }
  if (!vm.count("window")) o.window = o.kind == scenario::fanout ? 4 : o.kind == scenario::durable ? 1 : 0;
  if (o.label.empty()) o.label = o.url;
  if (o.threads == 0 || o.duration < 0 || o.drain < 0 || o.settle < 0 || o.rate < 0 || o.slow_fraction < 0 || o.slow_fraction >= 1) {
    core::log::error("bench", "--threads must be > 0; --duration, --drain, --settle, --rate >= 0; --slow-fraction in [0, 1)");
    exit_code = 2;
    return std::nullopt;
  }
  return o;
}

}  // namespace suda::bench
