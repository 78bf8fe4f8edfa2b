#include "store/reader_pool.hpp"

#include "core/batch_scheduling.hpp"

namespace suda::store {

reader_pool::reader_pool(database& db, unsigned threads) : db_(db), pool_(threads) {}

reader_pool::~reader_pool() { stop(); }

void reader_pool::stop() { pool_.join(); }

reader_pool::lease::lease(reader_pool& o) : owner(o) {
  core::use_batch_scheduling();  // a pool thread's first read: see batch_scheduling.hpp
  {
    std::lock_guard lock(owner.mutex_);
    if (!owner.idle_.empty()) {
      conn = std::move(owner.idle_.back());
      owner.idle_.pop_back();
    }
  }
  if (!conn) conn = owner.db_.connect();
}

reader_pool::lease::~lease() {
  std::lock_guard lock(owner.mutex_);
  owner.idle_.push_back(std::move(conn));
}

}  // namespace suda::store
