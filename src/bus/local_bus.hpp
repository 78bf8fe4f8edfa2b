#pragma once
// The in-process bus (one node): publish() calls the channel's handlers on the publisher's thread.
#include "bus/bus.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>

namespace suda::bus {

class local_bus final : public bus, public std::enable_shared_from_this<local_bus> {
 public:
  void publish(const std::string& channel, payload bytes) override;
  [[nodiscard]] subscription subscribe(const std::string& channel, handler h) override;
  std::size_t channel_count() const;

 private:
  void unsubscribe(const std::string& channel, std::uint64_t id);

  struct entry {
    std::shared_ptr<handler> fn;  // shared so publish() can call it after releasing the lock
  };
  mutable std::mutex mutex_;  // guards channels_ and next_id_; never held while a handler runs
  std::unordered_map<std::string, std::map<std::uint64_t, entry>> channels_;
  std::uint64_t next_id_ = 1;
  // Held while handlers of a publish run, so unsubscribe() can wait for running handlers to finish.
  std::recursive_mutex delivery_mutex_;
};

}  // namespace suda::bus
