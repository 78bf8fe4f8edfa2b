#pragma once
// What one run measured, as JSON (for bench/compare) and as a table for people.
#include "histogram.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace suda::bench {

struct run_result {
  std::string label;
  std::string scenario;
  // The load asked for.
  std::size_t clients = 0, users = 0, rooms = 0, members_per_room = 0, senders = 0, window = 0, slow_clients = 0;
  double rate = 0, duration = 0;
  unsigned threads = 1;

  // Connections.
  std::size_t connected = 0;
  std::uint64_t connect_failures = 0;
  double connect_seconds = 0;
  histogram connect_latency;

  // Messages. Rates are over the measurement: from the first intended send to the end of the drain.
  std::uint64_t sent = 0, acked = 0, ack_errors = 0, unacked = 0;
  std::uint64_t delivered = 0, expected = 0, lost = 0, duplicates = 0;
  std::uint64_t disconnects = 0, unknown_frames = 0, table_full = 0, behind_schedule = 0;
  double measure_seconds = 0;
  histogram delivery_latency;
  histogram ack_latency;

  // The server (only with --server-pid).
  bool server_sampled = false;
  double rss_before_connect = 0, rss_connected = 0, rss_end = 0;
  double server_cpu_seconds = 0;          // over the load phase
  double server_connect_cpu_seconds = 0;  // over the connect phase (handshakes, attach, presence)

  // The generator itself.
  double generator_cpu_seconds = 0;
  double generator_cpu_capacity = 0;  // wall seconds x usable CPUs (capped by its threads)
  bool generator_saturated = false;

  double setup_seconds = 0;
  std::vector<std::string> notes;

  // Derived.
  double cpu_us_per_connect() const {
    return connected ? server_connect_cpu_seconds * 1e6 / static_cast<double>(connected) : 0;
  }
  double connect_rate() const { return connect_seconds > 0 ? static_cast<double>(connected) / connect_seconds : 0; }
  double delivered_per_second() const { return per_second(delivered); }
  double acked_per_second() const { return per_second(acked); }
  double rss_per_client() const {
    return connected ? (rss_connected - rss_before_connect) / static_cast<double>(connected) : 0;
  }
  double cpu_us_per_delivery() const {
    return delivered ? server_cpu_seconds * 1e6 / static_cast<double>(delivered) : 0;
  }
  // Smoke: everything sent was acked and reached every reading member, nothing failed.
  bool clean() const {
    return connect_failures == 0 && connected == clients && unacked == 0 && ack_errors == 0 && lost == 0 &&
           disconnects == 0 && table_full == 0;
  }

 private:
  double per_second(std::uint64_t n) const { return measure_seconds > 0 ? static_cast<double>(n) / measure_seconds : 0; }
};

boost::json::object to_json(const run_result& r);
std::string to_table(const run_result& r);

}  // namespace suda::bench
