#pragma once
// The writer: one thread that owns the write connection. Everything that changes the database is queued
// here. Consecutive message appends are committed together in one transaction (group commit): under load
// a single fsync covers hundreds of messages, and each caller resumes only after the commit that holds
// its message returned — an acknowledged message is on disk.
//
// The queue is bounded: past `max_queue` jobs, new jobs fail at once with errc::unavailable instead of
// growing memory. stop() refuses new jobs, finishes every queued one, then joins the thread.
//
// Upkeep that would delay a commit (the SQLite WAL checkpoint) runs once the queue has been empty for
// `idle_upkeep_after`: see connection::become_writer() and connection::idle().
#include "core/completion.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace suda::store {

class writer {
 public:
  struct options {
    std::size_t max_queue = 65536;   // jobs waiting; past this, jobs fail with errc::unavailable
    std::size_t max_batch = 4096;    // messages committed in one transaction at most
    // After work, an empty queue for this long runs connection::idle(); 0 runs it as soon as the queue is empty.
    std::chrono::milliseconds idle_upkeep_after{100};
  };

  writer(database& db, options opts);
  explicit writer(database& db) : writer(db, options{}) {}
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // Appends one message; resumes after the transaction holding it committed.
  boost::asio::awaitable<core::result<append_result>> append(new_message message);

  // Runs `fn(connection&)` on the writer thread, in queue order, and returns its value. Exceptions thrown by
  // fn propagate to the awaiting coroutine.
  template <class Fn>
  auto run(Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn&, connection&>> {
    using value_type = std::invoke_result_t<Fn&, connection&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                       void(std::exception_ptr, value_type)>(
        [this, fn = std::move(fn)](auto handler) mutable {
          auto done = std::make_shared<core::remote_completion<value_type>>(std::move(handler));
          enqueue_task([fn = std::move(fn), done](connection* conn, std::exception_ptr refused) mutable {
            if (refused) return done->complete(refused, value_type{});
            try {
              done->complete(nullptr, fn(*conn));
            } catch (...) {
              done->complete(std::current_exception(), value_type{});
            }
          });
        },
        boost::asio::use_awaitable);
  }

  // Called on the writer thread after each committed batch of appends, before the callers resume, with the
  // batch's results in commit order. Publishing from here keeps fan-out in commit order (DESIGN.md: publish
  // only after commit). Set once, before the first append. Must be quick and must not throw.
  using commit_listener = std::function<void(const std::vector<append_result>&)>;
  void set_commit_listener(commit_listener listener) { commit_listener_ = std::move(listener); }

  // Stops accepting jobs, commits everything queued, joins the thread. Idempotent and thread-safe.
  void stop();

  // The write generation: advanced when the writer starts running jobs (odd while it runs them) and again when
  // it is done with them (even). Two readings that are equal and even mean this writer changed nothing in
  // between and was not halfway through a change at the first: a read of the database begun after the first
  // reading is still current at the second. That says something only where every change goes through this
  // writer, i.e. one process on the database (see chat::hub::set_write_generation).
  std::uint64_t generation() const noexcept { return generation_.load(); }
  static bool unchanged_since(std::uint64_t earlier, std::uint64_t now) noexcept {
    return earlier % 2 == 0 && earlier == now;
  }

  // Counters for logs, tests and benchmarks.
  std::size_t batches_committed() const noexcept;
  std::size_t messages_committed() const noexcept;
  std::size_t idle_upkeeps() const noexcept;

 private:
  // A queued unit of work. A task gets the connection, or a non-null `refused` when the writer is stopped.
  using task = std::function<void(connection*, std::exception_ptr refused)>;
  struct append_job {
    new_message message;
    std::shared_ptr<core::remote_completion<core::result<append_result>>> done;
  };
  struct job {
    std::unique_ptr<append_job> append;  // either an append...
    task generic;                        // ...or a generic task
  };

  void enqueue_task(task t);
  void enqueue(job j);
  void run_loop();
  void commit_appends(std::vector<append_job>& batch);
  void upkeep();

  options options_;
  std::unique_ptr<connection> connection_;
  std::mutex mutex_;  // guards queue_ and stopping_; never held while a job runs
  std::condition_variable wake_;
  std::deque<job> queue_;
  bool stopping_ = false;
  commit_listener commit_listener_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> batches_{0};
  std::atomic<std::size_t> messages_{0};
  std::atomic<std::size_t> upkeeps_{0};
  std::once_flag joined_;
  std::thread thread_;
};

}  // namespace suda::store
