#pragma once
// Reads run on a small pool of threads, each call on a connection of its own, so reads never wait for the
// writer (SQLite in WAL mode lets readers see the last commit while a write transaction is open).
#include "core/offload.hpp"
#include "store/store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

namespace suda::store {

class reader_pool {
 public:
  reader_pool(database& db, unsigned threads);
  ~reader_pool();

  // Runs fn(connection&) on a pool thread with a connection no other thread is using.
  template <class Fn>
  auto run(Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn&, connection&>> {
    return core::offload(pool_.get_executor(), [this, fn = std::move(fn)]() mutable {
      lease held(*this);
      return fn(*held.conn);
    });
  }

  void stop();

 private:
  // Borrows an idle connection (opening one when none is idle) and returns it on destruction.
  struct lease {
    explicit lease(reader_pool& owner);
    ~lease();
    reader_pool& owner;
    std::unique_ptr<connection> conn;
  };

  database& db_;
  boost::asio::thread_pool pool_;
  std::mutex mutex_;  // guards idle_
  std::vector<std::unique_ptr<connection>> idle_;
};

}  // namespace suda::store
