#include "bus/local_bus.hpp"

#include <vector>

namespace suda::bus {

void local_bus::publish(const std::string& channel, payload bytes) {
  std::vector<std::shared_ptr<handler>> recipients;  // snapshot, so handlers run without mutex_
  std::lock_guard delivering(delivery_mutex_);
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    recipients.reserve(it->second.size());
    for (auto& [id, e] : it->second) recipients.push_back(e.fn);
  }
  for (auto& fn : recipients) (*fn)(channel, bytes);
}

subscription local_bus::subscribe(const std::string& channel, handler h) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    channels_[channel].emplace(id, entry{std::make_shared<handler>(std::move(h))});
  }
  std::weak_ptr<local_bus> self = weak_from_this();
  // The token's deleter unsubscribes; it holds the bus weakly so a subscription may outlive the bus.
  return subscription(std::shared_ptr<void>(nullptr, [self, channel, id](void*) {
    if (auto bus = self.lock()) bus->unsubscribe(channel, id);
  }));
}

void local_bus::unsubscribe(const std::string& channel, std::uint64_t id) {
  // Waits for an in-flight publish to finish, so the handler is not running after this returns
  // (recursive: a handler may drop its own subscription).
  std::lock_guard delivering(delivery_mutex_);
  std::lock_guard lock(mutex_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) channels_.erase(it);
}

std::size_t local_bus::channel_count() const {
  std::lock_guard lock(mutex_);
  return channels_.size();
}

}  // namespace suda::bus
