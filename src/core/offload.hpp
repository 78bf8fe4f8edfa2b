#pragma once
// Runs blocking work (SQLite calls, Argon2id, libvips) on another executor and resumes the awaiting
// coroutine on its own executor, so an I/O thread never blocks.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace suda::core {

template <class Executor, class Fn>
auto offload(Executor pool, Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn&>> {
  using value_type = std::invoke_result_t<Fn&>;
  // Named, not a temporary inside the co_await: GCC 12 destroys closure temporaries of a co_await twice
  // (see docs/coroutines.md).
  auto task = [fn = std::move(fn)]() mutable -> boost::asio::awaitable<value_type> { co_return fn(); };
  co_return co_await boost::asio::co_spawn(pool, std::move(task), boost::asio::use_awaitable);
}

}  // namespace suda::core
