#include "runner.hpp"

#include "plan.hpp"
#include "proc_stats.hpp"
#include "run_state.hpp"
#include "setup.hpp"
#include "sio_client.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <limits>
#include <thread>

namespace suda::bench {
namespace asio = boost::asio;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}
clock_type::time_point at_ns(std::int64_t ns) { return clock_type::time_point(std::chrono::nanoseconds(ns)); }
double seconds_between(std::int64_t from_ns, std::int64_t to_ns) { return static_cast<double>(to_ns - from_ns) / 1e9; }

struct target_address {
  asio::ip::tcp::endpoint endpoint;
  std::string host;  // Host header
};

// Only the loopback range is ever a target of this tool.
std::optional<target_address> parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    core::log::error("bench", "--url must be http://<127.x.y.z>:<port>, got ", url);
    return std::nullopt;
  }
  std::string host(parsed->host());
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = asio::ip::make_address_v4(host, ec);
  if (ec || !address.is_loopback()) {
    core::log::error("bench", "the server must be on 127.0.0.0/8 (a load generator targets only this machine), got ",
                     url);
    return std::nullopt;
  }
  const unsigned port = parsed->has_port() ? parsed->port_number() : 80;
  return target_address{asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)),
                        host + ":" + std::to_string(port)};
}

// The pacing of one sender. Open loop (window 0): message i is due at first_ns + i * interval_ns, whatever
// happened to the previous ones. Saturation (window > 0): the next message goes as soon as fewer than
// `window` are unacked, and its intended time is when it could go.
struct sender_pacing {
  std::int64_t first_ns = 0;
  std::int64_t stop_ns = 0;
  std::int64_t interval_ns = 0;
  std::size_t window = 0;
  std::size_t body_bytes = 0;
  client_msg_ids msg_ids = client_msg_ids::none;
};

// The clientMsgId of the next message, as --client-msg-ids asks.
std::string next_client_msg_id(client_msg_ids kind) {
  switch (kind) {
    case client_msg_ids::random:
      return core::new_uuid();
    case client_msg_ids::ordered: {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      return core::new_uuid_v7(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    }
    case client_msg_ids::none:
      break;
  }
  return {};
}

asio::awaitable<void> sender_loop(sio_client& client, const std::string& room_id, std::uint32_t room, sender_pacing pace,
                                  const std::atomic<bool>& stop, thread_stats& stats) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (std::int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
    std::int64_t intended = 0;
    if (pace.window == 0) {
      intended = pace.first_ns + i * pace.interval_ns;
      if (intended >= pace.stop_ns) break;
      if (intended > now_ns()) {
        timer.expires_at(at_ns(intended));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      } else if (now_ns() - intended > 1'000'000) {
        ++stats.behind_schedule;
      }
    } else {
      while (client.unacked() >= pace.window && client.ready() && !stop.load(std::memory_order_relaxed) &&
             now_ns() < pace.stop_ns)
        co_await client.wait_for_window(pace.window);
      intended = now_ns();
      if (intended >= pace.stop_ns) break;
    }
    if (stop.load(std::memory_order_relaxed)) break;
    const std::string client_msg_id = next_client_msg_id(pace.msg_ids);
    if (!co_await client.send_message(room_id, room, intended, pace.body_bytes, client_msg_id)) break;
  }
}

// Connects this thread's clients, `workers` at a time.
asio::awaitable<void> connect_worker(std::vector<std::unique_ptr<sio_client>>& clients, const std::vector<std::size_t>& mine,
                                     std::size_t& next, const std::vector<connect_params>& params, std::size_t& connected) {
  while (next < mine.size()) {
    const std::size_t c = mine[next++];
    sio_client& client = *clients[c];
    if (co_await client.connect(params[c])) ++connected;
  }
}

// Runs `make(thread)` as one coroutine on each thread's context and waits for all of them.
template <class Make>
void on_every_thread(std::vector<std::unique_ptr<asio::io_context>>& contexts, Make make) {
  std::vector<std::future<void>> done;
  for (std::size_t t = 0; t < contexts.size(); ++t) done.push_back(asio::co_spawn(*contexts[t], make(t), asio::use_future));
  for (auto& f : done) f.get();
}

}  // namespace

std::optional<run_result> run(const options& o) {
  auto target = parse_target(o.url);
  if (!target) return std::nullopt;
  const unsigned long fd_limit = raise_fd_limit();
  if (fd_limit < o.clients + 64) {
    core::log::error("bench", "the open-file limit is ", fd_limit, " and cannot be raised here: too low for ", o.clients,
                     " clients (raise the hard limit, e.g. `ulimit -Hn 1048576` as root, or use fewer clients)");
    return std::nullopt;
  }

  // The shape of the load.
  plan_input shape{o.clients, o.users, o.rooms, o.members_per_room, 0, 0};
  const bool sends = o.kind != scenario::idle && o.kind != scenario::storm;
  if (o.kind == scenario::history) shape = plan_input{1, 1, 1, 1, 1, 0};
  if (o.kind == scenario::slow) shape.slow_fraction = o.slow_fraction;
  if (sends && o.kind != scenario::history)
    shape.senders = o.senders ? o.senders : std::max<std::size_t>(o.rooms, 1);
  const plan layout = make_plan(shape);
  const std::size_t window = o.kind == scenario::history ? 16 : o.window;

  run_result result;
  result.label = o.label;
  result.scenario = o.scenario_name;
  result.clients = shape.clients;
  result.users = layout.users;
  result.rooms = layout.room_users.size();
  result.members_per_room = result.rooms ? layout.room_users[0].size() : 0;
  result.senders = layout.senders.size();
  result.window = window;
  result.slow_clients = static_cast<std::size_t>(std::count(layout.slow.begin(), layout.slow.end(), true));
  result.rate = window ? 0 : o.rate;
  result.duration = o.duration;
  result.threads = o.threads;
  if (sends && layout.senders.empty()) {
    core::log::error("bench", "this scenario needs rooms with members: check --rooms and --members-per-room");
    return std::nullopt;
  }

  // The generator's threads.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::io_context*> context_list;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (unsigned t = 0; t < o.threads; ++t) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    context_list.push_back(contexts.back().get());
    guards.push_back(asio::make_work_guard(*contexts.back()));
  }
  std::vector<std::thread> threads;
  for (auto& ctx : contexts) threads.emplace_back([&ioc = *ctx] { ioc.run(); });
  std::vector<thread_stats> stats(o.threads);

  // Table size: the open-loop schedule plus slack; saturation runs are bounded by --max-messages.
  std::size_t capacity = o.max_messages;
  if (o.kind == scenario::history) capacity = o.history_messages;
  else if (sends && window == 0)
    capacity = std::min(o.max_messages, static_cast<std::size_t>(o.rate * o.duration * 1.1) + layout.senders.size() + 16);
  message_table table(sends ? capacity : 0);
  run_progress progress;
  std::atomic<bool> stop_sending{false};

  std::optional<run_result> outcome;
  std::vector<std::unique_ptr<sio_client>> clients;
  [&] {
    // 1. Users and rooms over HTTP.
    const auto setup_start = now_ns();
    setup_target setup{target->endpoint, target->host, o.user_prefix, o.password, o.setup_concurrency};
    core::log::info("bench", "signing up and logging in ", layout.users, " users");
    auto users = create_users(context_list, setup, layout.users);
    if (!users) return;
    core::log::info("bench", "creating ", layout.room_users.size(), " rooms");
    auto rooms = create_rooms(context_list, setup, layout, *users);
    if (!rooms) return;
    result.setup_seconds = seconds_between(setup_start, now_ns());

    // 2. Connect every client, from as many 127.0.0.x addresses as the count needs (each address has about
    // 28,000 ephemeral ports toward one server port).
    std::vector<std::vector<std::size_t>> user_rooms(layout.users);
    for (std::size_t r = 0; r < layout.room_users.size(); ++r)
      for (auto u : layout.room_users[r]) user_rooms[u].push_back(r);
    const std::size_t sources = o.source_addresses ? o.source_addresses : std::max<std::size_t>(1, (shape.clients + 19999) / 20000);
    std::vector<connect_params> params(shape.clients);
    for (std::size_t c = 0; c < shape.clients; ++c) {
      const auto u = layout.client_user[c];
      json::object last_seqs;
      for (auto r : user_rooms[u]) last_seqs[(*rooms)[r]] = 0;
      params[c].server = target->endpoint;
      params[c].source = asio::ip::address_v4(asio::ip::address_v4::loopback().to_uint() + static_cast<std::uint32_t>(c % sources));
      params[c].host = target->host;
      params[c].auth_json = json::serialize(json::object{{"token", (*users)[u].token}, {"lastSeqs", std::move(last_seqs)}});
      params[c].wait_synced = o.wait_synced;
      if (layout.slow[c]) params[c].receive_buffer = o.slow_receive_buffer;
      params[c].timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.connect_timeout * 1000));
    }
    std::vector<std::vector<std::size_t>> thread_clients(o.threads);
    for (std::size_t c = 0; c < shape.clients; ++c) {
      const std::size_t t = c % o.threads;
      clients.push_back(std::make_unique<sio_client>(*contexts[t], stats[t], table, progress, layout.expected_deliveries));
      clients.back()->set_counting(!layout.slow[c]);
      thread_clients[t].push_back(c);
    }

    const auto before_connect = o.server_pid ? sample_process(o.server_pid) : std::nullopt;
    const double connect_start_cpu = before_connect ? before_connect->cpu_seconds : 0;
    std::vector<std::size_t> next(o.threads, 0), connected(o.threads, 0);
    const std::size_t workers = std::max<std::size_t>(1, o.connect_concurrency / o.threads);
    core::log::info("bench", "connecting ", shape.clients, " clients from ", sources, " source address(es)");
    const auto connect_start = now_ns();
    const double generator_connect_start = self_cpu_seconds();
    on_every_thread(contexts, [&](std::size_t t) -> asio::awaitable<void> {
      asio::steady_timer done(co_await asio::this_coro::executor, clock_type::time_point::max());
      std::size_t running = workers;
      for (std::size_t w = 0; w < workers; ++w) {
        asio::co_spawn(*contexts[t], connect_worker(clients, thread_clients[t], next[t], params, connected[t]),
                       [&](std::exception_ptr failure) {
                         if (failure) core::log::error("bench", "a connect worker failed");
                         if (--running == 0) done.cancel();
                       });
      }
      co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
    });
    result.connect_seconds = seconds_between(connect_start, now_ns());
    for (auto n : connected) result.connected += n;
    core::log::info("bench", result.connected, " clients ready in ", result.connect_seconds, " s");
    // Whatever the connects left the server to do (presence windows of 100 ms, the first commits after the
    // setup) is not the load's to wait for: at 1,000 users in rooms of 10 the first messages of a load started
    // at once waited up to 50-60 ms behind it on suda (docs/performance.md).
    if (sends && o.settle > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<std::int64_t>(o.settle * 1000)));

    // 3. The load.
    if (o.kind == scenario::slow) {
      on_every_thread(contexts, [&](std::size_t t) -> asio::awaitable<void> {
        for (auto c : thread_clients[t])
          if (layout.slow[c]) clients[c]->stop_reading();
        co_return;
      });
    }
    const auto server_start = o.server_pid ? sample_process(o.server_pid) : std::nullopt;
    const double load_start_cpu = server_start ? server_start->cpu_seconds : 0;
    const double generator_start = self_cpu_seconds();
    const auto t0 = now_ns();
    const auto stop_ns = t0 + static_cast<std::int64_t>(o.duration * 1e9);
    std::vector<std::future<void>> senders;
    if (sends) {
      const double per_sender_rate = o.rate / static_cast<double>(layout.senders.size());
      const auto interval = per_sender_rate > 0 ? static_cast<std::int64_t>(1e9 / per_sender_rate) : 1'000'000'000;
      const std::int64_t history_stop = std::numeric_limits<std::int64_t>::max();
      for (std::size_t s = 0; s < layout.senders.size(); ++s) {
        const auto& slot = layout.senders[s];
        const std::size_t t = slot.client % o.threads;
        // Phases spread evenly inside one interval, so the senders do not fire in bursts.
        sender_pacing pace{t0 + interval * static_cast<std::int64_t>(s) / static_cast<std::int64_t>(layout.senders.size()),
                           o.kind == scenario::history ? history_stop : stop_ns, interval, window, o.body_bytes,
                           o.msg_ids};
        senders.push_back(asio::co_spawn(*contexts[t],
                                         sender_loop(*clients[slot.client], (*rooms)[slot.room],
                                                     static_cast<std::uint32_t>(slot.room), pace, stop_sending, stats[t]),
                                         asio::use_future));
      }
    }
    if (o.kind == scenario::history) {
      // Seeding: the one sender stops by itself when the table (history_messages) is full.
      for (auto& f : senders) f.wait();
    } else {
      std::this_thread::sleep_until(at_ns(stop_ns));
    }
    stop_sending = true;
    on_every_thread(contexts, [&](std::size_t t) -> asio::awaitable<void> {
      for (auto c : thread_clients[t]) clients[c]->wake_all();
      co_return;
    });
    const auto drain_deadline = at_ns(now_ns()) + std::chrono::milliseconds(static_cast<std::int64_t>(o.drain * 1000));
    for (auto& f : senders) {
      if (f.wait_until(drain_deadline) != std::future_status::ready)
        result.notes.push_back("a sender was still blocked at the end of the drain (its queue was full)");
    }
    // Drain: wait (bounded) until every message is acked or failed and every acked one reached every reader.
    auto settled = [&] {
      return progress.resolved.load() == progress.sent.load() &&
             progress.delivered.load() >= progress.expected_of_acked.load();
    };
    while (sends && !settled() && clock_type::now() < drain_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto t_end = now_ns();
    result.measure_seconds = seconds_between(t0, t_end);
    if (sends && !settled()) result.notes.push_back("the drain timed out: 'lost' and 'unacked' include what was still on its way then");
    const auto server_end = o.server_pid ? sample_process(o.server_pid) : std::nullopt;
    // The generator's own CPU over the phase the scenario measures: the connections for idle and storm (whose
    // hold period is idle by design), the load for the others.
    const double cpus = static_cast<double>(std::min<unsigned>(o.threads, usable_cpus()));
    if (sends) {
      result.generator_cpu_seconds = self_cpu_seconds() - generator_start;
      result.generator_cpu_capacity = seconds_between(t0, t_end) * cpus;
    } else {
      result.generator_cpu_seconds = generator_start - generator_connect_start;
      result.generator_cpu_capacity = result.connect_seconds * cpus;
    }
    result.generator_saturated = result.generator_cpu_capacity > 0.05 &&
                                 result.generator_cpu_seconds >= 0.9 * result.generator_cpu_capacity;

    if (o.server_pid) {
      if (before_connect && server_start && server_end) {
        result.server_sampled = true;
        result.rss_before_connect = before_connect->rss_bytes;
        result.rss_connected = server_start->rss_bytes;
        result.rss_end = server_end->rss_bytes;
        result.server_cpu_seconds = server_end->cpu_seconds - load_start_cpu;
        result.server_connect_cpu_seconds = load_start_cpu - connect_start_cpu;
      } else {
        result.notes.push_back("the server process could not be sampled (gone?)");
      }
    }

    if (o.kind == scenario::history && !o.setup_out.empty()) {
      std::ofstream out(o.setup_out);
      out << json::serialize(json::object{{"url", o.url}, {"token", (*users)[0].token}, {"roomId", (*rooms)[0]}}) << "\n";
    }
    outcome = std::move(result);
  }();

  // Close every client on its own thread, then stop the threads. Clients are destroyed before the contexts.
  on_every_thread(contexts, [&](std::size_t t) -> asio::awaitable<void> {
    for (std::size_t c = t; c < clients.size(); c += o.threads) clients[c]->close();
    co_return;
  });
  guards.clear();
  for (auto& ctx : contexts) ctx->stop();
  for (auto& th : threads) th.join();
  if (!outcome) return std::nullopt;

  thread_stats total;
  for (const auto& s : stats) total.merge(s);
  run_result& r = *outcome;
  r.connect_failures = total.connect_failures;
  r.connect_latency = total.connect_latency;
  r.acked = total.acked;
  r.ack_errors = total.ack_errors;
  r.delivered = total.delivered;
  r.delivery_latency = total.delivery_latency;
  r.ack_latency = total.ack_latency;
  r.disconnects = total.disconnects;
  r.unknown_frames = total.unknown_frames;
  r.table_full = o.kind == scenario::history ? 0 : total.table_full;
  r.behind_schedule = total.behind_schedule;
  // Slow clients are disconnected by design: only the readers' disconnects count against the server.
  if (o.kind == scenario::slow && r.disconnects > 0)
    r.notes.push_back("disconnects include slow clients the server dropped (what a bounded queue should do)");

  // Loss, exactly: every acked message against the reading members of its room.
  for (std::size_t i = 0; i < table.used(); ++i) {
    message_slot* slot = table.find(static_cast<std::uint32_t>(i));
    if (!slot) break;
    const auto state = slot->state.load();
    const std::uint32_t expected = layout.expected_deliveries[slot->room];
    const std::uint32_t got = slot->deliveries.load();
    ++r.sent;
    if (state == message_state::sent) ++r.unacked;
    if (state != message_state::acked) continue;
    r.expected += expected;
    if (got < expected) r.lost += expected - got;
    if (got > expected) r.duplicates += got - expected;
  }
  if (r.generator_saturated)
    r.notes.push_back("the generator's CPU was saturated: the numbers show its limit, not necessarily the server's");
  return outcome;
}

}  // namespace suda::bench
