#include "realtime/engineio/outbox.hpp"

#include "realtime/engineio/base64.hpp"
#include "realtime/engineio/payload.hpp"

namespace suda::realtime::engineio {

outgoing outgoing::control(packet_type type, std::string_view data) {
  outgoing item{type, nullptr, false};
  if (!data.empty()) item.data = std::make_shared<const std::string>(data);
  return item;
}

outbox::push_result outbox::push_locked(std::span<const outgoing> items) {
  std::size_t bytes = 0;
  for (const auto& item : items) bytes += item.size();
  if (queue_.size() + items.size() > limits_.max_packets || queued_bytes_ + bytes > limits_.max_bytes) {
    open_ = false;
    return push_result::over_limit;
  }
  std::size_t urgent = 0;
  for (const auto& item : items) urgent += item.may_linger ? 0 : 1;
  queue_.insert(queue_.end(), items.begin(), items.end());
  queued_bytes_ += bytes;
  urgent_queued_ += urgent;
  if (consumer_idle_ && !items.empty()) {
    consumer_idle_ = false;
    return push_result::queued_wake;
  }
  if (consumer_lingering_ && urgent > 0) {
    consumer_lingering_ = false;
    return push_result::queued_wake;
  }
  return push_result::queued;
}

outbox::push_result outbox::push(std::span<const outgoing> items) {
  std::lock_guard lock(mutex_);
  if (!open_) return push_result::closed;
  return push_locked(items);
}

outbox::push_result outbox::push_control(const outgoing& item) {
  std::lock_guard lock(mutex_);
  return push_locked(std::span<const outgoing>(&item, 1));
}

std::vector<outgoing> outbox::take(bool go_idle) {
  std::vector<outgoing> taken;
  take_into(taken, go_idle);
  return taken;
}

bool outbox::take_into(std::vector<outgoing>& out, bool go_idle, bool may_linger) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) {
    if (go_idle) consumer_idle_ = true;
    return false;
  }
  if (may_linger && urgent_queued_ == 0) {
    consumer_lingering_ = true;
    return true;
  }
  out.swap(queue_);
  queued_bytes_ = 0;
  urgent_queued_ = 0;
  consumer_idle_ = false;
  consumer_lingering_ = false;
  return false;
}

void outbox::release_spare_capacity() {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) std::vector<outgoing>().swap(queue_);
}

void outbox::close() {
  std::lock_guard lock(mutex_);
  open_ = false;
}

void outbox::clear() {
  std::vector<outgoing> dropped;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  open_ = false;
  consumer_idle_ = false;
  consumer_lingering_ = false;
  dropped.swap(queue_);
  queued_bytes_ = 0;
  urgent_queued_ = 0;
}

bool outbox::is_open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::optional<std::string> encode_polling_payload(std::span<const outgoing> packets) {
  std::size_t size = 0;
  for (const auto& p : packets) {
    const auto data = p.view();
    if (!p.binary && data.find(record_separator) != std::string_view::npos) return std::nullopt;
    size += 2 + (p.binary ? (data.size() + 2) / 3 * 4 : data.size());
  }
  std::string body;
  body.reserve(size);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) body += record_separator;
    const auto& p = packets[i];
    if (p.binary) {
      body += 'b';
      base64_append(body, p.view());
    } else {
      body += static_cast<char>('0' + static_cast<int>(p.type));
      body += p.view();
    }
  }
  return body;
}

}  // namespace suda::realtime::engineio
