#pragma once
// The fan-out seam. After the writer committed a message, the chat layer publishes the stored message's
// bytes on the channel of its room; every node's hub that subscribed to that room receives them and
// delivers them to its local sessions.
//
// Guarantees every implementation keeps:
//  - A payload is delivered to each handler subscribed to its channel when publish() is called, at most
//    once (a lost cross-node delivery is recovered by seq: sessions fetch gaps from the store).
//  - Payloads from one publisher on one channel arrive in publish order.
//  - A handler is never called after its subscription was destroyed and the destructor returned.
//  - Handlers run on a bus thread or the publisher's thread: they must be quick and must not block.
#include <functional>
#include <memory>
#include <string>

namespace suda::bus {

using payload = std::shared_ptr<const std::string>;  // immutable, shared among all recipients
using handler = std::function<void(const std::string& channel, const payload& bytes)>;

class bus;

// RAII: unsubscribes when destroyed. Movable, not copyable.
class subscription {
 public:
  subscription() = default;
  subscription(std::shared_ptr<void> token) : token_(std::move(token)) {}
  subscription(subscription&&) noexcept = default;
  subscription& operator=(subscription&&) noexcept = default;
  ~subscription() = default;
  explicit operator bool() const noexcept { return token_.use_count() > 0; }
  void reset() noexcept { token_.reset(); }

 private:
  std::shared_ptr<void> token_;  // its deleter removes the handler from the bus
};

class bus {
 public:
  virtual ~bus() = default;
  virtual void publish(const std::string& channel, payload bytes) = 0;
  [[nodiscard]] virtual subscription subscribe(const std::string& channel, handler h) = 0;
};

}  // namespace suda::bus
