// suda-floors: what this machine (kernel, VM, disk) allows, measured without suda, so that a target of issue 5
// can be checked against a floor anyone can re-run: if the floor is above the target, no server code meets it.
//
//   build-release/bench/suda-floors                       # about 25 s; bench/README.md says what each line means
//   SUDA_FLOORS_DIR=/path/on/the/data/disk build-release/bench/suda-floors --benchmark_format=json
//
// The main thread (the one Google Benchmark times) plays the server: it is pinned to the first CPU it may run
// on (CPU 0 under `taskset -c 0`, as bench/compare pins the server). Peers (the other end of a socket) are
// pinned to another CPU, as the load generator is; the thread handoff's helper shares the main thread's CPU, as
// suda's I/O, writer and reader threads share CPU 0 in bench/compare. Plain POSIX and std::thread: a floor
// must not include any of suda's own costs (suda's log is used for a failure line only).
#include "core/log.hpp"
#include "percentile.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace suda::bench::floors {
namespace {

// A Socket.IO delivery of a short chat message, with its WebSocket header, is about this size on the wire.
constexpr std::size_t frame_bytes = 120;
// The ping of the round trip: small enough to be one segment, like a short message.
constexpr std::size_t ping_bytes = 64;

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// ---- CPUs ----------------------------------------------------------------------------------------------------

// server: the CPU the main thread runs on; peer: another one, or -1 on a one-CPU machine.
struct cpu_plan {
  int server = -1;
  int peer = -1;
};

cpu_plan& cpus() {
  static cpu_plan plan;
  return plan;
}

bool pin_current_thread(int cpu) {
  if (cpu < 0) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Called once from main, before any benchmark: fixes the CPUs so that no result depends on where the scheduler
// happened to put a thread.
void plan_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) fail("sched_getaffinity");
  int server = 0;
  while (server < CPU_SETSIZE && !CPU_ISSET(server, &allowed)) ++server;
  const int online = get_nprocs();
  cpus().server = server;
  // A peer may run outside the main thread's mask: `taskset -c 0` pins the server, not the machine.
  cpus().peer = online >= 2 ? (server + 1) % online : -1;
  pin_current_thread(server);
}

// What the label of a two-thread floor says about where its threads ran.
std::string placement(const char* peer_role, bool peer_pinned) {
  if (cpus().peer < 0 || !peer_pinned) return std::string("one CPU: the ") + peer_role + " shares it";
  return "main on CPU " + std::to_string(cpus().server) + ", " + peer_role + " on CPU " + std::to_string(cpus().peer);
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// ---- sockets -------------------------------------------------------------------------------------------------

class fd_owner {
 public:
  explicit fd_owner(int fd = -1) noexcept : fd_(fd) {}
  fd_owner(fd_owner&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  fd_owner& operator=(fd_owner&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
  ~fd_owner() { reset(); }

  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void set_nodelay(int fd) {
  // As suda's sockets: a small frame leaves at once instead of waiting for Nagle.
  const int on = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) fail("setsockopt(TCP_NODELAY)");
}

// Both ends of one TCP connection over 127.0.0.1, the path every bench/compare byte takes.
struct tcp_pair {
  fd_owner near;  // the main thread's end
  fd_owner far;   // the peer thread's end
};

tcp_pair make_loopback_pair() {
  fd_owner listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) fail("bind");
  if (::listen(listener.get(), 1) != 0) fail("listen");
  socklen_t length = sizeof address;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");

  tcp_pair pair;
  pair.near = fd_owner(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (pair.near.get() < 0) fail("socket");
  if (::connect(pair.near.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) fail("connect");
  pair.far = fd_owner(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (pair.far.get() < 0) fail("accept4");
  set_nodelay(pair.near.get());
  set_nodelay(pair.far.get());
  return pair;
}

// false when the peer has gone (EOF or reset): the peer threads end that way.
bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

bool recv_exact(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const auto got = ::recv(fd, data, size, MSG_WAITALL);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

// N frames back to back, each with a WebSocket text-frame header, so the bytes look like a coalesced write.
std::vector<char> frames(std::size_t count) {
  std::vector<char> bytes(count * frame_bytes, 'x');
  for (std::size_t i = 0; i < count; ++i) {
    bytes[i * frame_bytes] = static_cast<char>(0x81);                 // FIN + text
    bytes[i * frame_bytes + 1] = static_cast<char>(frame_bytes - 2);  // unmasked, 7-bit length
  }
  return bytes;
}

void report_samples(benchmark::State& state, std::vector<double> samples_us) {
  double sum = 0;
  for (const double s : samples_us) sum += s;
  state.counters["mean_us"] = samples_us.empty() ? 0.0 : sum / static_cast<double>(samples_us.size());
  state.counters["p50_us"] = percentile(samples_us, 0.50);
  state.counters["p99_us"] = percentile(std::move(samples_us), 0.99);
}

// ---- floors --------------------------------------------------------------------------------------------------

// The send and receive benchmarks' result: `count` frames per iteration, the measuring thread's CPU per frame.
void report_per_frame(benchmark::State& state, std::size_t count, double cpu_seconds, const std::string& label) {
  const auto frames_done = static_cast<double>(state.iterations()) * static_cast<double>(count);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  state.counters["us_per_frame"] = frames_done > 0 ? cpu_seconds * 1e6 / frames_done : 0.0;
  state.SetLabel(label);
}

// Bounds "fan-out CPU per delivery <= 1/10 of the reference": the CPU a server pays per frame it writes, when it
// writes N frames in one send(). On loopback the receiver's TCP path (softirq) runs in the sender's context, so
// this is most of a delivery's kernel cost. Measured as the sending thread's CPU time, the same accounting as the
// server CPU suda-bench reads from /proc/<pid>/stat.
void BM_loopback_send(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  auto pair = make_loopback_pair();
  std::atomic<bool> pinned{false};
  std::thread drain([fd = pair.far.get(), &pinned] {
    pinned = pin_current_thread(cpus().peer);
    std::vector<char> sink(256 * 1024);
    while (::recv(fd, sink.data(), sink.size(), 0) > 0) {
    }
  });
  const auto bytes = frames(count);
  const double cpu_before = thread_cpu_seconds();
  for (auto _ : state) {
    if (!send_all(pair.near.get(), bytes.data(), bytes.size())) {
      state.SkipWithError("the receiver went away");
      break;
    }
  }
  const double cpu = thread_cpu_seconds() - cpu_before;
  ::shutdown(pair.near.get(), SHUT_WR);  // the drain sees EOF and ends
  drain.join();

  report_per_frame(state, count, cpu, placement("receiver", pinned));
}
BENCHMARK(BM_loopback_send)->ArgName("frames")->Arg(1)->Arg(4)->Arg(16)->MinTime(0.5);

// Bounds "fan-out delivered msg/s >= 10x the reference" from the generator's side: suda-bench has one CPU, and
// this is what it pays per delivered frame when the server writes N frames per send() (one recv() per write).
void BM_loopback_recv(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  auto pair = make_loopback_pair();
  std::atomic<bool> stop{false};
  std::atomic<bool> pinned{false};
  std::thread writer([fd = pair.far.get(), count, &stop, &pinned] {
    pinned = pin_current_thread(cpus().peer);
    const auto bytes = frames(count);
    while (!stop.load(std::memory_order_relaxed) && send_all(fd, bytes.data(), bytes.size())) {
    }
    ::shutdown(fd, SHUT_WR);
  });
  std::vector<char> buffer(count * frame_bytes);
  const double cpu_before = thread_cpu_seconds();
  for (auto _ : state) {
    if (!recv_exact(pair.near.get(), buffer.data(), buffer.size())) {
      state.SkipWithError("the writer went away");
      break;
    }
  }
  const double cpu = thread_cpu_seconds() - cpu_before;
  stop = true;
  // Drain what the writer still had in flight, until its EOF: it may be blocked in a full send().
  while (::recv(pair.near.get(), buffer.data(), buffer.size(), 0) > 0) {
  }
  writer.join();

  report_per_frame(state, count, cpu, placement("writer", pinned));
}
BENCHMARK(BM_loopback_recv)->ArgName("frames")->Arg(1)->Arg(4)->Arg(16)->MinTime(0.5);

// Bounds "p99 latency at equal load <= 1/5 of the reference": a delivery crosses loopback twice (sender ->
// server -> receiver), and at a moderate rate both ends sleep between messages, so each crossing wakes an idle
// CPU. A ping-pong is those two crossings. gap_ms:0 is the busy case (back to back), gap_ms:10 the idle one.
void BM_idle_round_trip(benchmark::State& state) {
  const auto gap = std::chrono::milliseconds(state.range(0));
  auto pair = make_loopback_pair();
  std::atomic<bool> pinned{false};
  std::thread echo([fd = pair.far.get(), &pinned] {
    pinned = pin_current_thread(cpus().peer);
    char ping[ping_bytes];
    while (recv_exact(fd, ping, sizeof ping) && send_all(fd, ping, sizeof ping)) {
    }
  });
  char ping[ping_bytes] = {};
  std::vector<double> samples_us;
  samples_us.reserve(16384);
  for (auto _ : state) {
    if (gap.count() > 0) std::this_thread::sleep_for(gap);  // not timed: manual time is the round trip only
    const auto start = std::chrono::steady_clock::now();
    if (!send_all(pair.near.get(), ping, sizeof ping) || !recv_exact(pair.near.get(), ping, sizeof ping)) {
      state.SkipWithError("the echo went away");
      break;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(took.count());
    samples_us.push_back(took.count() * 1e6);
  }
  ::shutdown(pair.near.get(), SHUT_WR);
  echo.join();
  report_samples(state, std::move(samples_us));
  state.SetLabel(placement("echo", pinned));
}
BENCHMARK(BM_idle_round_trip)->ArgName("gap_ms")->Arg(0)->MinTime(0.5)->UseManualTime();
BENCHMARK(BM_idle_round_trip)->ArgName("gap_ms")->Arg(10)->Iterations(300)->UseManualTime();

// A file in SUDA_FLOORS_DIR (default: the current directory), removed at the end.
class scratch_file {
 public:
  scratch_file() {
    const char* dir = std::getenv("SUDA_FLOORS_DIR");
    path_ = std::string(dir && *dir ? dir : ".") + "/suda-floors." + std::to_string(::getpid()) + ".tmp";
    fd_ = fd_owner(::open(path_.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600));
    if (fd_.get() < 0) fail(("open " + path_).c_str());
  }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  ~scratch_file() {
    fd_.reset();
    ::unlink(path_.c_str());
  }
  int fd() const noexcept { return fd_.get(); }

 private:
  std::string path_;
  fd_owner fd_;
};

// Bounds "durable >= 50,000 acked msg/s with fsync on every commit" (one commit is at least one fdatasync, and a
// sender with one message in flight waits for it) and the p99 latency target (both servers deliver only after
// the commit). The writes overwrite a region written and synced beforehand, as SQLite reuses its WAL after a
// checkpoint: the cheapest sync the disk offers, with no file size to journal. gap_ms:10: an idle disk (and VM)
// is slower to answer, which is what a moderate message rate sees.
void BM_fdatasync(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  const auto gap = std::chrono::milliseconds(state.range(1));
  constexpr std::size_t region = 4 * 1024 * 1024;
  scratch_file file;
  std::vector<char> block(bytes, 'w');
  for (std::size_t offset = 0; offset < region; offset += bytes)
    if (::pwrite(file.fd(), block.data(), bytes, static_cast<off_t>(offset)) != static_cast<ssize_t>(bytes)) fail("pwrite");
  if (::fsync(file.fd()) != 0) fail("fsync");

  std::vector<double> samples_us;
  samples_us.reserve(8192);
  std::size_t offset = 0;
  for (auto _ : state) {
    if (gap.count() > 0) std::this_thread::sleep_for(gap);
    const auto start = std::chrono::steady_clock::now();
    if (::pwrite(file.fd(), block.data(), bytes, static_cast<off_t>(offset)) != static_cast<ssize_t>(bytes)) fail("pwrite");
    if (::fdatasync(file.fd()) != 0) fail("fdatasync");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(took.count());
    samples_us.push_back(took.count() * 1e6);
    offset = (offset + bytes) % region;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  report_samples(state, std::move(samples_us));
}
BENCHMARK(BM_fdatasync)->ArgNames({"bytes", "gap_ms"})->Args({4096, 0})->Args({65536, 0})->MinTime(0.5)->UseManualTime();
BENCHMARK(BM_fdatasync)->ArgNames({"bytes", "gap_ms"})->Args({4096, 10})->Args({65536, 10})->Iterations(300)->UseManualTime();

// Bounds what each hop to the store costs (I/O thread -> writer or reader pool -> back): a mutex + condition
// variable ping-pong between two threads on the SAME CPU, as suda's threads share CPU 0 in bench/compare, so
// every hop is a futex wake and a context switch. Reported as wall time per one-way hop.
void BM_thread_handoff(benchmark::State& state) {
  std::mutex mutex;
  std::condition_variable to_helper;
  std::condition_variable to_main;
  int turn = 0;  // 1: the helper's turn; 0: the main thread's; guarded by mutex
  bool stop = false;
  std::atomic<bool> pinned{false};
  std::thread helper([&] {
    pinned = pin_current_thread(cpus().server);
    std::unique_lock lock(mutex);
    while (true) {
      to_helper.wait(lock, [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      lock.unlock();
      to_main.notify_one();
      lock.lock();
    }
  });
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    {
      std::lock_guard lock(mutex);
      turn = 1;
    }
    to_helper.notify_one();
    std::unique_lock lock(mutex);
    to_main.wait(lock, [&] { return turn == 0; });
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  {
    std::lock_guard lock(mutex);
    stop = true;
  }
  to_helper.notify_one();
  helper.join();

  const auto hops = 2.0 * static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["us_per_hop"] = hops > 0 ? wall.count() * 1e6 / hops : 0.0;
  state.SetLabel(pinned ? "both threads on CPU " + std::to_string(cpus().server) : std::string("helper not pinned"));
}
BENCHMARK(BM_thread_handoff)->MinTime(0.5)->UseRealTime();

}  // namespace
}  // namespace suda::bench::floors

int main(int argc, char** argv) {
  try {
    suda::bench::floors::plan_cpus();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    suda::core::log::error("floors", e.what());
    return 1;
  }
}
