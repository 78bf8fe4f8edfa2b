// The writer against a real SQLite database in a temp folder: group commit, ordering, failures, shutdown
// and its bounded queue.
#include "store/writer.hpp"

#include "core/ids.hpp"
#include "store/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <latch>
#include <numeric>
#include <thread>

namespace suda::store {
namespace {

namespace asio = boost::asio;
using append_outcome = core::result<append_result>;

constexpr millis t0 = 1'700'000'000'000;

// A database in a new temp folder, removed afterwards, with one room and its two members.
class scratch {
 public:
  scratch() : root_(std::filesystem::temp_directory_path() / ("suda-writer-" + core::new_uuid())) {
    db_ = open_database("sqlite:" + (root_ / "suda.db").string());
    auto conn = db_->connect();
    alice = add_user(*conn, "alice");
    bob = add_user(*conn, "bob");
    outsider = add_user(*conn, "outsider");
    room = conn->create_group_room(core::new_uuid(), "room", alice, {bob}, t0);
  }
  ~scratch() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  database& db() { return *db_; }

  new_message message(std::string body, const std::string& author, std::optional<std::string> client_id = {}) const {
    return new_message{core::new_uuid(), room.id, author, std::move(body), std::move(client_id), t0};
  }

  std::string alice, bob, outsider;
  room_record room;

 private:
  static std::string add_user(connection& conn, const std::string& name) {
    return conn.create_user({core::new_uuid(), name + "@example.com", "hash", name, t0}).value().id;
  }
  std::filesystem::path root_;
  std::unique_ptr<database> db_;
};

// An io_context on a thread of its own runs the coroutines under test; the test thread waits on their futures.
class io_thread {
 public:
  io_thread() : guard_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~io_thread() {
    guard_.reset();  // run() returns once every spawned coroutine finished
    thread_.join();
  }
  // Runs `fn` (a function returning an awaitable) as a coroutine on the io_context.
  template <class Fn>
  auto spawn(Fn fn) {
    return asio::co_spawn(ioc_, std::move(fn), asio::use_future);
  }
  // Waits until every coroutine spawned before this call has started: the io_context runs their first
  // steps in the order they were spawned, and an append is queued by its first step.
  void settle() {
    spawn([]() -> asio::awaitable<void> { co_return; }).get();
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

std::future<append_outcome> append(io_thread& io, writer& w, new_message m) {
  return io.spawn([&w, m = std::move(m)]() -> asio::awaitable<append_outcome> { co_return co_await w.append(m); });
}

// Holds the writer thread inside a task until released. Constructed once the writer has picked the task up,
// so its queue is empty then, and every job queued afterwards waits behind the gate: tests can fill the
// queue, or make jobs share a batch, without any timing assumption.
class writer_gate {
 public:
  writer_gate(io_thread& io, writer& w) {
    auto released = released_.get_future().share();
    held_ = io.spawn([&w, released, this]() -> asio::awaitable<int> {
      // Named, not written inside the co_await: GCC 12 destroys a closure temporary of a co_await expression
      // twice, which would release the shared_future's state once too often.
      auto hold = [released, this](connection&) {
        started_.set_value();
        released.wait();
        return 0;
      };
      co_return co_await w.run(std::move(hold));
    });
    started_.get_future().wait();
  }
  ~writer_gate() {
    release();  // also when an assertion left the test early, so that the writer can finish
    held_.wait();
  }
  void release() {
    if (released_once_) return;
    released_once_ = true;
    released_.set_value();
  }

 private:
  std::promise<void> started_;
  std::promise<void> released_;
  bool released_once_ = false;
  std::future<int> held_;
};

// ---------------------------------------------------------------------------------------------------------

TEST(Writer, ConcurrentAppendsShareCommitsAndGetDenseSeqs) {
  scratch s;
  writer w(s.db());
  io_thread io;
  constexpr int n = 200;
  std::vector<new_message> sent;
  std::vector<std::future<append_outcome>> outcomes;
  {
    writer_gate gate(io, w);
    for (int i = 0; i < n; ++i) {
      sent.push_back(s.message("m" + std::to_string(i), i % 2 == 0 ? s.alice : s.bob));
      outcomes.push_back(append(io, w, sent.back()));
    }
    io.settle();
  }  // released: the writer finds all n appends queued

  std::vector<std::int64_t> seqs;
  for (int i = 0; i < n; ++i) {
    append_outcome outcome = outcomes[i].get();
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->status, append_status::stored);
    EXPECT_EQ(outcome->message.id, sent[i].id);  // each caller gets its own message back
    EXPECT_EQ(outcome->message.body, sent[i].body);
    seqs.push_back(outcome->message.seq);
  }
  std::sort(seqs.begin(), seqs.end());
  std::vector<std::int64_t> expected(n);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(seqs, expected);

  EXPECT_EQ(w.messages_committed(), static_cast<std::size_t>(n));
  EXPECT_LT(w.batches_committed(), static_cast<std::size_t>(n));  // group commit happened
  EXPECT_GE(w.batches_committed(), 1u);
  // Acknowledged means stored: a fresh connection sees every message.
  EXPECT_EQ(s.db().connect()->messages_after(s.room.id, 0, 1000).size(), static_cast<std::size_t>(n));
}

TEST(Writer, EachCallerGetsItsOwnOutcome) {
  scratch s;
  writer w(s.db());
  io_thread io;
  std::future<append_outcome> first, retry, intruder, nowhere;
  {
    writer_gate gate(io, w);  // all four in one batch
    first = append(io, w, s.message("hello", s.alice, "c-1"));
    retry = append(io, w, s.message("hello again", s.alice, "c-1"));
    intruder = append(io, w, s.message("let me in", s.outsider));
    auto lost = s.message("lost", s.alice);
    lost.room_id = core::new_uuid();
    nowhere = append(io, w, lost);
    io.settle();
  }
  auto stored = first.get();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, append_status::stored);
  auto duplicate = retry.get();
  ASSERT_TRUE(duplicate);
  EXPECT_EQ(duplicate->status, append_status::duplicate);
  EXPECT_EQ(duplicate->message.id, stored->message.id);
  EXPECT_EQ(intruder.get()->status, append_status::not_member);
  EXPECT_EQ(nowhere.get()->status, append_status::no_room);
  EXPECT_EQ(w.batches_committed(), 1u);
}

TEST(Writer, AFailingBatchFailsEveryAppendInIt) {
  scratch s;
  writer w(s.db());
  io_thread io;
  auto m1 = s.message("one", s.alice);
  auto m2 = s.message("two", s.bob);
  m2.id = m1.id;  // the primary key clashes: a storage failure, not an outcome
  std::future<append_outcome> f1, f2;
  {
    writer_gate gate(io, w);
    f1 = append(io, w, m1);
    f2 = append(io, w, m2);
    io.settle();
  }
  EXPECT_THROW(f1.get(), std::runtime_error);
  EXPECT_THROW(f2.get(), std::runtime_error);
  EXPECT_EQ(w.messages_committed(), 0u);
  EXPECT_EQ(s.db().connect()->find_room(s.room.id)->last_seq, 0);  // rolled back as a whole

  // The writer carries on.
  auto after = append(io, w, s.message("three", s.alice)).get();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->message.seq, 1);
}

TEST(Writer, RunReturnsTheValueOfItsFunctionInQueueOrder) {
  scratch s;
  writer w(s.db());
  io_thread io;
  auto appended = append(io, w, s.message("first", s.alice));
  // Queued after the append, so it runs after the append's commit and sees the message.
  auto seen = io.spawn([&]() -> asio::awaitable<std::size_t> {
    co_return co_await w.run([&](connection& conn) { return conn.history(s.room.id, std::nullopt, 10).size(); });
  });
  auto renamed = io.spawn([&]() -> asio::awaitable<std::optional<user_record>> {
    co_return co_await w.run([&](connection& conn) { return conn.update_display_name(s.bob, "Robert", t0 + 1); });
  });
  ASSERT_TRUE(appended.get());
  EXPECT_EQ(seen.get(), 1u);
  auto user = renamed.get();
  ASSERT_TRUE(user);
  EXPECT_EQ(user->display_name, "Robert");
  EXPECT_EQ(s.db().connect()->find_user(s.bob)->display_name, "Robert");
}

TEST(Writer, ItsGenerationIsOddWhileAJobRunsAndMovesOnByTwoPerRound) {
  // The hub trusts two equal, even readings to mean "nothing was written in between" (chat::hub::attach).
  scratch s;
  writer w(s.db());
  io_thread io;
  const std::uint64_t before = w.generation();
  EXPECT_EQ(before % 2, 0u);
  EXPECT_FALSE(writer::unchanged_since(before + 1, before + 1));  // read mid-job: never trusted
  EXPECT_TRUE(writer::unchanged_since(before, w.generation()));
  std::promise<void> release;
  auto released = release.get_future().share();
  auto during = io.spawn([&]() -> asio::awaitable<std::uint64_t> {
    auto held = [&](connection&) {
      released.wait();
      return w.generation();
    };
    co_return co_await w.run(std::move(held));
  });
  // While the job runs (held above), the generation is odd and moved on from `before`.
  std::uint64_t running = w.generation();
  for (int i = 0; i < 2000 && running == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    running = w.generation();
  }
  EXPECT_EQ(running, before + 1);
  EXPECT_FALSE(writer::unchanged_since(before, running));
  release.set_value();
  EXPECT_EQ(during.get(), before + 1);
  // Done: even again, and not the value it had before the job.
  std::uint64_t after = w.generation();
  for (int i = 0; i < 2000 && after % 2 == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    after = w.generation();
  }
  EXPECT_EQ(after, before + 2);
  EXPECT_FALSE(writer::unchanged_since(before, after));
  ASSERT_TRUE(append(io, w, s.message("hi", s.alice)).get());
  EXPECT_GE(w.generation(), before + 3);  // an append is a change too
}

TEST(Writer, ItsThreadRunsUnderSchedBatch) {
  // So that on a core shared with the I/O thread an append does not preempt it, and the appends queued
  // meanwhile share one commit (core/batch_scheduling.hpp).
  scratch s;
  writer w(s.db());
  io_thread io;
  auto policy = io.spawn([&]() -> asio::awaitable<int> {
    co_return co_await w.run([](connection&) { return sched_getscheduler(0); });
  });
  EXPECT_EQ(policy.get(), SCHED_BATCH);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // the caller's thread keeps its own
}

TEST(Writer, RunPropagatesExceptionsToTheCaller) {
  scratch s;
  writer w(s.db());
  io_thread io;
  auto failed = io.spawn([&]() -> asio::awaitable<int> {
    co_return co_await w.run([](connection&) -> int { throw std::runtime_error("boom"); });
  });
  try {
    failed.get();
    ADD_FAILURE() << "the exception was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  auto refused = io.spawn([&]() -> asio::awaitable<int> {
    co_return co_await w.run([](connection&) -> int {
      throw core::error_exception(core::forbidden("not yours"));
    });
  });
  try {
    refused.get();
    ADD_FAILURE() << "the exception was lost";
  } catch (const core::error_exception& e) {
    EXPECT_EQ(e.err().kind, core::errc::forbidden);
  }
  // The writer thread survived both.
  auto fine = io.spawn([&]() -> asio::awaitable<int> { co_return co_await w.run([](connection&) { return 7; }); });
  EXPECT_EQ(fine.get(), 7);
}

TEST(Writer, StopFinishesQueuedJobsThenRefusesNewOnes) {
  scratch s;
  writer w(s.db());
  io_thread io;
  constexpr int queued = 20;
  std::vector<std::future<append_outcome>> outcomes;
  std::future<std::int64_t> last_seq;
  {
    writer_gate gate(io, w);
    for (int i = 0; i < queued; ++i) outcomes.push_back(append(io, w, s.message(std::to_string(i), s.alice)));
    last_seq = io.spawn([&]() -> asio::awaitable<std::int64_t> {
      co_return co_await w.run([&](connection& conn) { return conn.find_room(s.room.id)->last_seq; });
    });
    io.settle();

    // stop() from another thread, while the jobs wait behind the gate; the gate opens once stop() is called.
    std::latch stopping(1);
    std::thread stopper([&] {
      stopping.count_down();
      w.stop();
    });
    stopping.wait();
    gate.release();
    stopper.join();  // stop() returned: everything queued before it must be done
  }
  // Stored, not refused: the jobs queued before stop() ran (their results reach the io thread a moment later).
  for (auto& f : outcomes) {
    auto outcome = f.get();
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->status, append_status::stored);
  }
  EXPECT_EQ(last_seq.get(), queued);

  auto late = append(io, w, s.message("too late", s.alice)).get();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, core::errc::unavailable);
  auto late_run = io.spawn([&]() -> asio::awaitable<int> { co_return co_await w.run([](connection&) { return 1; }); });
  try {
    late_run.get();
    ADD_FAILURE() << "a job ran after stop()";
  } catch (const core::error_exception& e) {
    EXPECT_EQ(e.err().kind, core::errc::unavailable);
  }
  w.stop();  // idempotent
  EXPECT_EQ(s.db().connect()->find_room(s.room.id)->last_seq, queued);
}

TEST(Writer, AFullQueueRefusesJobsAtOnce) {
  scratch s;
  writer w(s.db(), writer::options{.max_queue = 3, .max_batch = 4096});
  io_thread io;
  std::vector<std::future<append_outcome>> outcomes;
  {
    writer_gate gate(io, w);
    for (int i = 0; i < 5; ++i) outcomes.push_back(append(io, w, s.message(std::to_string(i), s.alice)));
    io.settle();
    // While the writer is still held, the two jobs past the bound have already failed.
    for (int i = 3; i < 5; ++i) {
      ASSERT_EQ(outcomes[i].wait_for(std::chrono::seconds(10)), std::future_status::ready) << i;
      auto outcome = outcomes[i].get();
      ASSERT_FALSE(outcome);
      EXPECT_EQ(outcome.error().kind, core::errc::unavailable);
    }
  }
  for (int i = 0; i < 3; ++i) {
    auto outcome = outcomes[i].get();
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->message.seq, i + 1);
  }
  // With room again, new jobs are accepted.
  EXPECT_TRUE(append(io, w, s.message("later", s.alice)).get());
}

TEST(Writer, RunsItsUpkeepOnceTheQueueStaysEmpty) {
  scratch s;
  writer w(s.db(), writer::options{.idle_upkeep_after = std::chrono::milliseconds(1)});
  io_thread io;
  EXPECT_EQ(w.idle_upkeeps(), 0u);  // nothing was written yet: nothing to keep up
  ASSERT_TRUE(append(io, w, s.message("one", s.alice)).get());
  // Waits for the event (the counter moving), bounded so that a writer that never idles fails the test.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w.idle_upkeeps() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(w.idle_upkeeps(), 1u);
  // The writer still takes jobs afterwards, and the upkeep lost nothing.
  auto second = append(io, w, s.message("two", s.alice)).get();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->message.seq, 2);
  EXPECT_EQ(s.db().connect()->messages_after(s.room.id, 0, 10).size(), 2u);
}

TEST(Writer, StopDoesNotWaitForAPendingUpkeep) {
  scratch s;
  writer w(s.db(), writer::options{.idle_upkeep_after = std::chrono::hours(1)});
  io_thread io;
  ASSERT_TRUE(append(io, w, s.message("one", s.alice)).get());
  // The writer now waits for an hour of idleness; stop() must end that wait at once (else this test hangs).
  w.stop();
  EXPECT_EQ(w.idle_upkeeps(), 0u);
  EXPECT_EQ(w.messages_committed(), 1u);
}

}  // namespace
}  // namespace suda::store
