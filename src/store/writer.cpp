#include "store/writer.hpp"

#include "core/batch_scheduling.hpp"
#include "core/log.hpp"

#include <stdexcept>

namespace suda::store {
namespace asio = boost::asio;

writer::writer(database& db, options opts) : options_(opts), connection_(db.connect()) {
  connection_->become_writer();
  thread_ = std::thread([this] { run_loop(); });
}

writer::~writer() { stop(); }

asio::awaitable<core::result<append_result>> writer::append(new_message message) {
  using value_type = core::result<append_result>;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, value_type)>(
      [this, message = std::move(message)](auto handler) mutable {
        auto job_ptr = std::make_unique<append_job>();
        job_ptr->message = std::move(message);
        job_ptr->done = std::make_shared<core::remote_completion<value_type>>(std::move(handler));
        enqueue(job{std::move(job_ptr), {}});
      },
      asio::use_awaitable);
}

void writer::enqueue_task(task t) { enqueue(job{nullptr, std::move(t)}); }

void writer::enqueue(job j) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.push_back(std::move(j));
      wake_.notify_one();
      return;
    }
  }
  // Refused: the writer is stopping or the queue is full. Fail the job here, outside the lock.
  core::error busy = core::make_error(core::errc::unavailable, "busy", "the server is busy or shutting down");
  if (j.append) {
    j.append->done->complete(nullptr, busy);
  } else {
    j.generic(nullptr, std::make_exception_ptr(core::error_exception(busy)));
  }
}

void writer::run_loop() {
  // Woken by every append: without this, on a core shared with the I/O thread it would commit each message as
  // soon as it is queued, one per transaction (see batch_scheduling.hpp).
  core::use_batch_scheduling();
  std::vector<job> taken;
  std::vector<append_job> batch;
  bool upkeep_due = false;  // work was done since the last upkeep
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      auto has_work = [&] { return stopping_ || !queue_.empty(); };
      if (!upkeep_due) {
        wake_.wait(lock, has_work);
      } else if (!wake_.wait_for(lock, options_.idle_upkeep_after, has_work)) {
        lock.unlock();
        upkeep();
        upkeep_due = false;
        continue;
      }
      if (queue_.empty()) return;  // stopping, and everything queued is done
      // Take everything queued (up to a batch): whatever arrived while the last commit ran shares the next.
      while (!queue_.empty() && taken.size() < options_.max_batch) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Run in queue order; consecutive appends go into one transaction. The generation is odd meanwhile: a
    // caller resumed by a job below may see it odd, never even and unchanged.
    generation_.fetch_add(1);
    for (auto& j : taken) {
      if (j.append) {
        batch.push_back(std::move(*j.append));
        continue;
      }
      commit_appends(batch);
      j.generic(connection_.get(), nullptr);
    }
    commit_appends(batch);
    generation_.fetch_add(1);
    taken.clear();
    upkeep_due = true;
  }
}

void writer::upkeep() {
  try {
    connection_->idle();
    ++upkeeps_;
  } catch (const std::exception& e) {  // the next commit reports a database that really is broken
    core::log::warn("writer", "idle upkeep failed: ", e.what());
  }
}

void writer::commit_appends(std::vector<append_job>& batch) {
  if (batch.empty()) return;
  std::vector<new_message> messages;
  messages.reserve(batch.size());
  for (auto& j : batch) messages.push_back(std::move(j.message));
  try {
    auto results = connection_->append_messages(messages);
    if (results.size() != batch.size()) throw std::logic_error("append_messages returned a wrong count");
    ++batches_;
    messages_ += batch.size();
    if (commit_listener_) {
      try {
        commit_listener_(results);
      } catch (const std::exception& e) {  // a fan-out failure must not fail messages that are committed
        core::log::error("writer", "commit listener failed: ", e.what());
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done->complete(nullptr, std::move(results[i]));
  } catch (...) {
    core::log::error("writer", "a batch of ", batch.size(), " messages failed to commit");
    auto failure = std::current_exception();
    for (auto& j : batch) j.done->complete(failure, core::result<append_result>{});
  }
  batch.clear();
}

void writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  // Once, even when called from several threads: the others wait here until the thread is joined.
  std::call_once(joined_, [this] {
    if (thread_.joinable()) thread_.join();
  });
}

std::size_t writer::batches_committed() const noexcept { return batches_.load(); }
std::size_t writer::messages_committed() const noexcept { return messages_.load(); }
std::size_t writer::idle_upkeeps() const noexcept { return upkeeps_.load(); }

}  // namespace suda::store
