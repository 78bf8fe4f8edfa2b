// The reader pool against a real SQLite database in a temp folder: where reads run, what they see, and
// that they run side by side.
#include "store/reader_pool.hpp"

#include "core/ids.hpp"
#include "store/sqlite/handle.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace suda::store {
namespace {

namespace asio = boost::asio;

constexpr millis t0 = 1'700'000'000'000;

// A database in a new temp folder, removed afterwards, with one user and one room.
class scratch {
 public:
  scratch() : root_(std::filesystem::temp_directory_path() / ("suda-readers-" + core::new_uuid())) {
    db_ = open_database("sqlite:" + path());
    auto conn = db_->connect();
    alice = conn->create_user({core::new_uuid(), "alice@example.com", "hash", "alice", t0}).value().id;
    room = conn->create_group_room(core::new_uuid(), "room", alice, {}, t0).id;
  }
  ~scratch() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  database& db() { return *db_; }
  std::string path() const { return (root_ / "suda.db").string(); }

  std::string alice, room;

 private:
  std::filesystem::path root_;
  std::unique_ptr<database> db_;
};

// An io_context on a thread of its own runs the coroutines under test; the test thread waits on their futures.
class io_thread {
 public:
  io_thread() : guard_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~io_thread() {
    guard_.reset();
    thread_.join();
  }
  template <class Fn>
  auto spawn(Fn fn) {
    return asio::co_spawn(ioc_, std::move(fn), asio::use_future);
  }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

template <class Fn>
auto read(io_thread& io, reader_pool& pool, Fn fn) {
  using value_type = std::invoke_result_t<Fn&, connection&>;
  return io.spawn([&pool, fn = std::move(fn)]() mutable -> asio::awaitable<value_type> {
    co_return co_await pool.run(std::move(fn));
  });
}

// ---------------------------------------------------------------------------------------------------------

TEST(ReaderPool, ReadsRunOnPoolThreads) {
  scratch s;
  reader_pool pool(s.db(), 2);
  io_thread io;
  auto where = read(io, pool, [](connection&) { return std::this_thread::get_id(); }).get();
  EXPECT_NE(where, io.id());  // never on the I/O thread
  EXPECT_NE(where, std::this_thread::get_id());
}

TEST(ReaderPool, ReadsRunUnderSchedBatch) {
  scratch s;
  reader_pool pool(s.db(), 1);
  io_thread io;
  // A read does not preempt the I/O thread that asked for it (core/batch_scheduling.hpp).
  EXPECT_EQ(read(io, pool, [](connection&) { return sched_getscheduler(0); }).get(), SCHED_BATCH);
}

TEST(ReaderPool, ReadsSeeWhatTheWriterCommitted) {
  scratch s;
  reader_pool pool(s.db(), 1);  // one thread: the second read reuses the first read's connection
  writer w(s.db());
  io_thread io;
  auto count = [&] {
    return read(io, pool, [&](connection& conn) { return conn.history(s.room, std::nullopt, 10).size(); }).get();
  };
  EXPECT_EQ(count(), 0u);
  auto appended = io.spawn([&]() -> asio::awaitable<core::result<append_result>> {
    // A named message, not a braced temporary in the co_await expression: GCC 12 relocates such a temporary
    // argument bitwise into the coroutine frame, which corrupts a std::string member.
    new_message m{core::new_uuid(), s.room, s.alice, "hello", std::nullopt, t0};
    co_return co_await w.append(std::move(m));
  }).get();
  ASSERT_TRUE(appended);
  EXPECT_EQ(count(), 1u);  // acknowledged means visible, also to a connection that read before
}

TEST(ReaderPool, AnIdleConnectionIsReused) {
  scratch s;
  reader_pool pool(s.db(), 2);
  io_thread io;
  auto first = read(io, pool, [](connection& conn) { return &conn; }).get();
  auto second = read(io, pool, [](connection& conn) { return &conn; }).get();
  EXPECT_EQ(first, second);
}

TEST(ReaderPool, ReadsDoNotWaitForAnOpenWriteTransaction) {
  scratch s;
  reader_pool pool(s.db(), 1);
  io_thread io;
  auto name = [&] {
    return read(io, pool, [&](connection& conn) { return conn.find_user(s.alice)->display_name; }).get();
  };
  sqlite::handle other(s.path());
  other.exec("BEGIN IMMEDIATE; UPDATE profiles SET display_name = 'renamed';", "test");
  // With the write lock held elsewhere, a read still answers at once (it would otherwise wait out the busy
  // timeout and throw), from the last commit.
  EXPECT_EQ(name(), "alice");
  other.exec("COMMIT", "test");
  EXPECT_EQ(name(), "renamed");
}

TEST(ReaderPool, ReadsRunConcurrently) {
  constexpr unsigned threads = 3;
  scratch s;
  reader_pool pool(s.db(), threads);
  io_thread io;

  // Each read waits inside the pool until all of them are inside at once; run one after another, they would
  // each give up after the timeout instead.
  std::mutex mutex;  // guards inside
  std::condition_variable all_in;
  unsigned inside = 0;
  auto rendezvous = [&](connection& conn) {
    std::unique_lock lock(mutex);
    ++inside;
    all_in.notify_all();
    bool met = all_in.wait_for(lock, std::chrono::seconds(10), [&] { return inside == threads; });
    return std::pair{met, &conn};
  };
  std::vector<std::future<std::pair<bool, connection*>>> reads;
  for (unsigned i = 0; i < threads; ++i) reads.push_back(read(io, pool, rendezvous));
  std::set<connection*> connections;
  for (auto& r : reads) {
    auto [met, conn] = r.get();
    EXPECT_TRUE(met);
    connections.insert(conn);
  }
  EXPECT_EQ(connections.size(), threads);  // concurrent reads never share a connection
}

TEST(ReaderPool, ReadsMayCaptureValues) {
  scratch s;
  reader_pool pool(s.db(), 1);
  io_thread io;
  // Captured by value, and long enough to live on the heap: the function object is moved across threads and
  // coroutine frames, and must be destroyed exactly once. (GCC 12 destroys a closure temporary written inside
  // a co_await expression twice; core::offload must name its closure before awaiting co_spawn.)
  std::string id = s.alice;
  std::string suffix(64, 'x');
  auto found = read(io, pool, [id, suffix](connection& conn) { return conn.find_user(id)->display_name + suffix; });
  EXPECT_EQ(found.get(), "alice" + std::string(64, 'x'));
}

}  // namespace
}  // namespace suda::store
