#pragma once
// The outgoing queue of one Engine.IO connection: every packet the server sends (messages from the layer
// above, and the session's own ping / pong / noop / close) waits here until the transport takes it — a
// long-polling GET takes everything at once as one payload, the WebSocket writer takes everything queued
// and writes it back to back.
//
// Threads: send() runs on any thread, the consumer runs on the session's strand, so the queue is guarded
// by a mutex held only to push or to swap the vector out (never across I/O or encoding). Pushing does not
// post to the strand unless the consumer said it is idle (`take(/*go_idle=*/true)` found nothing): a burst
// of sends costs one wake-up, not one per packet.
//
// Bounds: the packets and bytes waiting are bounded; a push that would cross either bound is refused, the
// outbox closes itself, and the caller closes the connection with "backpressure" (this is reported once).
#include "realtime/engineio/packet.hpp"
#include "realtime/engineio/socket.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace suda::realtime::engineio {

// One queued packet. Messages share the bytes of their `frame` (a broadcast is encoded once); control
// packets carry their small data, or none.
struct outgoing {
  packet_type type = packet_type::message;
  std::shared_ptr<const std::string> data;  // may be null: no data
  bool binary = false;                      // only for messages
  bool may_linger = false;                  // see frame::may_linger; never for control packets

  std::size_t size() const noexcept { return 1 + (data ? data->size() : 0); }
  std::string_view view() const noexcept { return data ? std::string_view(*data) : std::string_view(); }

  static outgoing message(const frame& f) { return outgoing{packet_type::message, f.bytes, f.binary, f.may_linger}; }
  static outgoing control(packet_type type, std::string_view data = {});
};

class outbox {
 public:
  struct limits {
    std::size_t max_packets = 4096;
    std::size_t max_bytes = 8 << 20;
  };

  enum class push_result {
    queued,        // queued; the consumer is busy or will look at the queue by itself
    queued_wake,   // queued, and the consumer is idle: the caller must wake it (post to the strand)
    closed,        // refused: the outbox is closed (the connection is closing or gone)
    over_limit,    // refused: the bound would be crossed; the outbox is now closed. Returned once.
  };

  explicit outbox(limits bounds) : limits_(bounds) {}
  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  // Queues all of `items` or none of them (a Socket.IO binary event must not lose its attachments).
  push_result push(std::span<const outgoing> items);
  push_result push(const outgoing& item) { return push(std::span<const outgoing>(&item, 1)); }

  // Queues a packet of the session itself (ping, pong, noop, close). It is accepted after close(), so the
  // final close packet can follow the last messages, but it still respects the bounds.
  push_result push_control(const outgoing& item);

  // Takes everything queued. When nothing is, and `go_idle` is set, the consumer is marked idle: the next
  // push returns queued_wake.
  std::vector<outgoing> take(bool go_idle);
  // The same into `out` (which must be empty), handing `out`'s storage to the queue in exchange: a consumer
  // that keeps its vector allocates nothing per batch.
  //
  // With `may_linger`, a queue holding only packets that may linger (frame::may_linger) is left where it is and
  // the consumer is marked lingering: later pushes of such packets do not wake it, the first push of any other
  // packet does (queued_wake). Returns true when it lingers, so the consumer comes back by itself (a timer).
  bool take_into(std::vector<outgoing>& out, bool go_idle, bool may_linger = false);

  // Gives back the queue's storage if it is empty: take_into() swaps vectors, so the queue keeps the capacity of
  // the consumer's last batch, which an idle connection would hold until its next message.
  void release_spare_capacity();

  // Refuses further push(); push_control() still works. Idempotent.
  void close();
  // close(), and drops whatever is queued (the connection is gone).
  void clear();
  bool is_open() const;

 private:
  push_result push_locked(std::span<const outgoing> items);

  const limits limits_;
  mutable std::mutex mutex_;  // guards the fields below; held only to push or swap, never across I/O
  std::vector<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t urgent_queued_ = 0;  // queued packets that may not linger
  bool open_ = true;
  bool consumer_idle_ = false;
  bool consumer_lingering_ = false;  // woken only by a packet that may not linger
};

// The body of a long-polling response: the packets joined by the record separator, binary as "b"+base64.
// nullopt when a text packet holds the separator (it cannot travel in a payload; Socket.IO never sends one).
std::optional<std::string> encode_polling_payload(std::span<const outgoing> packets);

}  // namespace suda::realtime::engineio
