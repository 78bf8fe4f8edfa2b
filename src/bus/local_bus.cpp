#include "bus/local_bus.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

namespace suda::bus {

void local_bus::publish(const std::string& channel, payload bytes) {
  // Snapshot, so handlers run without mutex_.
  std::vector<std::pair<std::uint64_t, std::shared_ptr<handler>>> recipients;
  std::lock_guard delivering(delivery_mutex_);
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    recipients.reserve(it->second.size());
    for (auto& [id, e] : it->second) recipients.emplace_back(id, e.fn);
  }
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    // An earlier handler of this publish may have dropped a later one's subscription (on this thread, so
    // delivery_mutex_ did not stop it): a handler is never called after its subscription's destructor
    // returned (bus.hpp), so check that it is still subscribed. Ids are never reused.
    if (i > 0) {
      std::lock_guard lock(mutex_);
      auto it = channels_.find(channel);
      if (it == channels_.end() || !it->second.contains(recipients[i].first)) continue;
    }
    (*recipients[i].second)(channel, bytes);
  }
}

subscription local_bus::subscribe(const std::string& channel, handler h) {
  // The subscription finds the bus through a weak_ptr: on a bus not owned by a shared_ptr it could never
  // unsubscribe, and its handler would still be called after the subscription was destroyed.
  if (weak_from_this().expired())
    throw std::logic_error("local_bus must be owned by a std::shared_ptr (std::make_shared)");
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
