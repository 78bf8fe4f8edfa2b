// suda-micro: Google Benchmark of the per-message encoding work on the durable and fan-out paths. Every
// acknowledged message is encoded twice: once as the broadcast event (on the writer thread, after the commit,
// with its author) and once as the sender's ack (on the I/O thread). Both build the message's JSON object and
// format its time. Run: build-release/bench/suda-micro
#include "chat/events.hpp"
#include "chat/json.hpp"
#include "core/clock.hpp"
#include "store/records.hpp"

#include <benchmark/benchmark.h>
#include <boost/json/serialize.hpp>

namespace {

suda::store::message_record sample_message() {
  suda::store::message_record m;
  m.id = "01938a6e-3ae6-7c11-9f2a-5b0c8d1e2f30";
  m.room_id = "c0773162-dd5a-487a-bbc0-303491e1ab43";
  m.seq = 123456;
  m.user_id = "5f1d0b2e-8c3a-4e5f-9a7b-1c2d3e4f5a6b";
  m.body = std::string(64, 'x');  // the benchmarks' default body size
  m.client_msg_id = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
  m.created_at = 1'764'000'000'123;
  return m;
}

// The sender's ack: the stored message as JSON text.
void ack_payload(benchmark::State& state) {
  const auto m = sample_message();
  for (auto _ : state) {
    auto text = boost::json::serialize(suda::chat::message_json(m));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(ack_payload);

// The broadcast: the bus event with the message and its author.
void broadcast_event(benchmark::State& state) {
  const auto m = sample_message();
  const suda::chat::author_profile author{"Kim Suda", std::string("3")};
  for (auto _ : state) {
    auto text = suda::chat::encode_event("message", m.room_id, m.seq, m.user_id, "",
                                         suda::chat::message_event_data(m, author));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(broadcast_event);

void iso8601_time(benchmark::State& state) {
  std::int64_t ms = 1'764'000'000'123;
  for (auto _ : state) {
    auto text = suda::core::format_iso8601(ms++);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(iso8601_time);

}  // namespace

BENCHMARK_MAIN();
