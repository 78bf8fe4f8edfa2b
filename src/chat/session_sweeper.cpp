#include "chat/session_sweeper.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>

namespace suda::chat {
namespace asio = boost::asio;

// Shared with the sweep in progress, which may outlive a stop() by one store job.
struct session_sweeper::state {
  state(asio::any_io_executor executor, service& c, std::chrono::milliseconds i)
      : strand(asio::make_strand(std::move(executor))), timer(strand), chat(c), interval(i) {}

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timer;  // on the strand
  service& chat;
  const std::chrono::milliseconds interval;
  bool stopping = false;  // on the strand
  std::atomic<std::size_t> ended{0};
};

session_sweeper::session_sweeper(asio::any_io_executor executor, service& chat, std::chrono::milliseconds interval)
    : state_(std::make_shared<state>(std::move(executor), chat, interval)) {}

void session_sweeper::start() {
  auto sweeping = run(state_);
  asio::co_spawn(state_->strand, std::move(sweeping), [](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      core::log::error("chat", "the expired-session sweep stopped: ", e.what());
    }
  });
}

void session_sweeper::stop() {
  asio::post(state_->strand, [s = state_] {
    s->stopping = true;
    s->timer.cancel();
  });
}

std::size_t session_sweeper::ended() const noexcept { return state_->ended.load(); }

asio::awaitable<void> session_sweeper::run(std::shared_ptr<state> s) {
  while (!s->stopping) {
    for (;;) {  // a full batch means there may be more
      auto ending = s->chat.end_expired_sessions(batch);
      auto ended = co_await std::move(ending);
      if (!ended) {
        core::log::warn("chat", "could not end expired sessions: ", ended.error().message);
        break;
      }
      s->ended += *ended;
      if (*ended > 0) core::log::debug("chat", "ended ", *ended, " expired sessions");
      if (*ended < batch || s->stopping) break;
    }
    if (s->stopping) break;
    s->timer.expires_after(s->interval);
    auto waiting = s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(waiting);  // cancelled by stop(), or the interval passed
  }
}

}  // namespace suda::chat
