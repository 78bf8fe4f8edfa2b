// suda-bench: drives a socket.io chat server (suda, or the Node.js reference in bench/reference) through one
// scenario and reports what it measured: a table on stdout, JSON with --json. See bench/README.md.
#include "options.hpp"
#include "report.hpp"
#include "runner.hpp"

#include "core/log.hpp"

#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  using namespace suda;
  int exit_code = 0;
  auto o = bench::parse_options(argc, argv, exit_code);
  if (!o) return exit_code;
  if (o->smoke) core::log::info("bench", "smoke run: exits 1 unless every message is acked and delivered");

  auto result = bench::run(*o);
  if (!result) return 2;

  std::cout << bench::to_table(*result) << std::flush;
  if (!o->json_path.empty()) {
    std::ofstream out(o->json_path);
    out << boost::json::serialize(bench::to_json(*result)) << "\n";
    if (!out) {
      core::log::error("bench", "cannot write ", o->json_path);
      return 2;
    }
  }
  if (o->smoke) {
    const bool delivered_something = o->kind == bench::scenario::idle || o->kind == bench::scenario::storm ||
                                     (result->sent > 0 && result->delivered > 0);
    if (!result->clean() || !delivered_something) {
      core::log::error("bench", "smoke run FAILED: ", result->lost, " lost, ", result->unacked, " unacked, ",
                       result->ack_errors, " ack errors, ", result->connect_failures, " connect failures, ",
                       result->disconnects, " disconnects, ", result->sent, " sent");
      return 1;
    }
    core::log::info("bench", "smoke run passed: ", result->sent, " messages acked, ", result->delivered,
                    " deliveries, none lost");
  }
  return 0;
}
