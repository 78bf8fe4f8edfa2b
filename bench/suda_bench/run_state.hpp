#pragma once
// The state a run shares between the generator's threads, and what each thread counts on its own.
//
// message_table: one slot per message sent, indexed by the number in its stamp. Deliveries are counted per
// slot (atomically: members of one room may sit on different threads) so that loss is exact: an acked message
// whose slot holds fewer deliveries than the room has reading clients was lost for someone.
// Its size is fixed before the run (no allocation, no lock on the hot path); a sender stops when it is full.
#include "histogram.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace suda::bench {

enum class message_state : std::uint8_t { unused = 0, sent, acked, failed };

struct message_slot {
  std::int64_t intended_ns = 0;
  std::uint32_t room = 0;
  std::atomic<std::uint32_t> deliveries{0};
  std::atomic<message_state> state{message_state::unused};
};

class message_table {
 public:
  explicit message_table(std::size_t capacity) : slots_(std::make_unique<message_slot[]>(capacity)), capacity_(capacity) {}

  // A fresh slot for a message to `room`, or nullptr when the table is full.
  message_slot* allocate(std::uint32_t room, std::int64_t intended_ns, std::uint32_t& index) noexcept {
    const auto i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= capacity_) return nullptr;
    index = static_cast<std::uint32_t>(i);
    auto& slot = slots_[i];
    slot.room = room;
    slot.intended_ns = intended_ns;
    slot.state.store(message_state::sent, std::memory_order_release);
    return &slot;
  }
  message_slot* find(std::uint32_t index) noexcept { return index < used() ? &slots_[index] : nullptr; }
  std::size_t used() const noexcept { return std::min<std::size_t>(next_.load(std::memory_order_acquire), capacity_); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<message_slot[]> slots_;
  std::size_t capacity_;
  std::atomic<std::size_t> next_{0};
};

// Progress counters the controller polls while draining (relaxed: they only decide when to stop waiting).
struct run_progress {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> resolved{0};            // acked or failed
  std::atomic<std::uint64_t> expected_of_acked{0};   // deliveries the acked messages must produce
  std::atomic<std::uint64_t> delivered{0};
};

// Owned by one generator thread; merged after the threads stopped.
struct thread_stats {
  histogram delivery_latency;  // intended send time -> receipt, per delivery
  histogram ack_latency;       // intended send time -> ack
  histogram connect_latency;   // TCP connect -> Socket.IO ready (synced)
  std::uint64_t delivered = 0;
  std::uint64_t acked = 0;
  std::uint64_t ack_errors = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;       // connections the server (or the network) closed after set-up
  std::uint64_t unknown_frames = 0;    // frames the generator could not read
  std::uint64_t table_full = 0;        // sends skipped because the message table was full
  std::uint64_t behind_schedule = 0;   // open-loop sends that started later than 1 ms after their intended time

  void merge(const thread_stats& o) {
    delivery_latency.merge(o.delivery_latency);
    ack_latency.merge(o.ack_latency);
    connect_latency.merge(o.connect_latency);
    delivered += o.delivered;
    acked += o.acked;
    ack_errors += o.ack_errors;
    connect_failures += o.connect_failures;
    disconnects += o.disconnects;
    unknown_frames += o.unknown_frames;
    table_full += o.table_full;
    behind_schedule += o.behind_schedule;
  }
};

}  // namespace suda::bench
