#pragma once
// suda-bench's command line. `--help` lists every flag with its default; the scenarios are described in
// bench/README.md.
#include <cstddef>
#include <optional>
#include <string>

namespace suda::bench {

enum class scenario { idle, storm, fanout, latency, durable, slow, history };

enum class client_msg_ids { none, random, ordered };

struct options {
  std::string url = "http://127.0.0.1:8080";
  scenario kind = scenario::latency;
  std::string scenario_name = "latency";
  std::string label;              // names the server in the report ("suda", "reference", ...)
  std::size_t clients = 100;
  std::size_t users = 0;          // 0: one per client
  std::size_t rooms = 10;
  std::size_t members_per_room = 10;
  std::size_t senders = 0;        // 0: one per room
  double rate = 1000;             // messages per second over all senders (open loop)
  std::size_t window = 0;         // >0: saturation mode, each sender keeps this many messages unacked
  double duration = 10;           // seconds of sending (idle: of holding the connections)
  double drain = 10;              // seconds at most to wait for the last acks and deliveries
  // Seconds between the last client ready and the first message: the load measures the servers in a steady
  // state, not the tail of the connect storm (suda's presence windows, the first commits), for both alike.
  double settle = 1;
  std::size_t body_bytes = 64;
  // clientMsgId on each message: none (as the reference's clients), random (v4 UUIDs) or ordered (v7 UUIDs,
  // time-ordered, as the web UI sends). It decides where the server's dedupe index grows.
  client_msg_ids msg_ids = client_msg_ids::none;
  double slow_fraction = 0.1;
  int slow_receive_buffer = 8192; // SO_RCVBUF of the clients that stop reading
  int server_pid = 0;
  std::string json_path;
  std::string setup_out;          // history: where to write {url, token, roomId} for wrk
  std::size_t history_messages = 500;
  bool smoke = false;
  unsigned threads = 1;
  std::size_t source_addresses = 0;  // 0: enough 127.0.0.x addresses for the client count
  std::size_t connect_concurrency = 256;
  std::size_t setup_concurrency = 16;
  std::size_t max_messages = 4'000'000;
  bool wait_synced = true;
  std::string password = "bench-password-123";
  std::string user_prefix = "bench";
  double connect_timeout = 60;
};

// Parses argv; prints help or an error and returns nullopt when the program should exit (exit_code says how).
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace suda::bench
