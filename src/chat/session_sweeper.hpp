#pragma once
// Ends the login sessions that ran out, every `interval`: their rows are deleted and their sockets, on every
// node, disconnected, as a log out does (chat::service::end_expired_sessions).
//
// Why a sweep: a socket's own events are refused the moment its session runs out (the chat gateway compares
// the expiry before each event), but a socket that only listens sends none, and would go on receiving its
// rooms' messages on a credential that no longer works. The sweep reaches those within one interval, and keeps
// the sessions table from filling with dead rows.
//
// Threads: start() and stop() from any thread; the sweeps run on a strand of the executor given.
#include "chat/service.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace suda::chat {

class session_sweeper {
 public:
  static constexpr std::chrono::milliseconds default_interval{std::chrono::minutes(1)};
  // Sessions ended per store job: a backlog (a server that was down for long) goes in several jobs, so that the
  // writer's other work is not held behind one long delete.
  static constexpr std::size_t batch = 1000;

  session_sweeper(boost::asio::any_io_executor executor, service& chat,
                  std::chrono::milliseconds interval = default_interval);
  session_sweeper(const session_sweeper&) = delete;
  session_sweeper& operator=(const session_sweeper&) = delete;

  // Sweeps now, then every interval, until stop().
  void start();
  // No sweep begins after this; a wait in progress ends at once, so the executor's run() can return.
  void stop();

  // Sessions ended so far (for tests and logs).
  std::size_t ended() const noexcept;

 private:
  struct state;
  static boost::asio::awaitable<void> run(std::shared_ptr<state> s);

  std::shared_ptr<state> state_;
};

}  // namespace suda::chat
