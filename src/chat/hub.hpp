#pragma once
// The hub: which local clients are in which room, and delivery to them. It subscribes to the bus for every
// room that has a local member and for every user with a local client, and turns each bus event into one
// encoded packet (encode once) that it hands to every recipient.
//
// Invariants it keeps (DESIGN.md):
//  - Members only: a client is in a room's index only while its user is a member. A "member leave" event is
//    processed in order with the room's messages, so nothing after the leave reaches the leaver.
//  - No gaps, no duplicates: per client and room, messages are delivered in seq order, each once. A seq past
//    the next expected one starts a catch-up from the store instead of a skip.
//  - Recovery by seq: a client that says which seq it has per room gets the rest from the store, then
//    "synced".
//
// Threads: all state lives on the hub's strand; attach/detach/sync may be called from any thread. Bus
// handlers only post to the strand. Subscribers' deliver() is called on the strand and must not block.
#include "bus/bus.hpp"
#include "chat/events.hpp"
#include "chat/profile_cache.hpp"
#include "store/reader_pool.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace suda::chat {

// An encoded packet, shared by every recipient.
using wire = std::shared_ptr<const std::string>;
// Encodes (event name, JSON data) for the transport, e.g. as a Socket.IO EVENT packet.
using wire_encoder = std::function<wire(std::string_view event, std::string_view data_json)>;

// A connected client as the hub sees it; the transport implements it.
class subscriber {
 public:
  virtual ~subscriber() = default;
  virtual void deliver(const wire& packet) = 0;
  // The login session whose token hashes to `token_hash` ended (logout): a client opened with it must stop.
  virtual void end_session(std::string_view token_hash) { (void)token_hash; }
};

class hub : public std::enable_shared_from_this<hub> {
 public:
  using session_id = std::uint64_t;
  using seq_map = std::map<std::string, std::int64_t>;  // room id -> last seq the client has

  hub(boost::asio::any_io_executor executor, bus::bus& bus, store::reader_pool& readers, profile_cache& profiles,
      wire_encoder encoder);

  // Registers a client of `user_id` and puts it in all the user's rooms. With `known`, the client is brought up
  // to date from those seqs and then gets "synced". Returns the id to detach with.
  boost::asio::awaitable<session_id> attach(std::shared_ptr<subscriber> client, std::string user_id,
                                            std::optional<seq_map> known);
  void detach(session_id id);
  // The client asks to be brought up to date from `known` (then "synced").
  void sync(session_id id, seq_map known);

  // For tests and metrics.
  boost::asio::awaitable<std::size_t> room_count();

 private:
  struct room_cursor {
    std::int64_t last = 0;          // the last seq delivered to this client
    bool catching_up = false;       // a store read is filling a gap; live messages only raise highest_seen
    bool held = false;              // joined while attaching, membership not yet confirmed: nothing is delivered
    std::int64_t highest_seen = 0;  // the highest live seq seen while catching up
  };
  struct session {
    std::shared_ptr<subscriber> client;
    std::string user_id;
    std::unordered_map<std::string, room_cursor> rooms;
    bool attaching = true;                        // until attach's second read of the user's rooms
    std::unordered_set<std::string> joined_live;  // rooms joined through a "room" event while attaching
    bool sync_requested = false;
    int catch_ups_running = 0;
  };
  struct room_entry {
    std::unordered_set<session_id> sessions;
    bus::subscription subscription;
  };
  struct user_entry {
    std::unordered_set<session_id> sessions;
    bus::subscription subscription;
  };

  boost::asio::awaitable<session_id> attach_on_strand(std::shared_ptr<subscriber> client, std::string user_id,
                                                      std::optional<seq_map> known);
  void on_bus(const std::string& payload);
  void deliver_message(session_id id, session& s, const event_view& e, const wire& packet);
  void join_room(session_id id, session& s, const std::string& room_id, std::int64_t last_seq);
  void leave_room(session_id id, session& s, const std::string& room_id);
  void start_catch_up(session_id id, const std::string& room_id, std::int64_t seen);
  boost::asio::awaitable<void> catch_up(session_id id, std::string room_id);
  void maybe_synced(session& s);
  void publish_presence(const std::string& user_id, const std::vector<std::string>& room_ids, bool online);
  bus::subscription subscribe(const std::string& channel);
  // True the first time `event_id` is offered for session `id`: an event published on each of a user's rooms
  // (presence, profile changes) reaches a client sharing several of them once.
  bool first_delivery(const std::string& event_id, session_id id);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  bus::bus& bus_;
  store::reader_pool& readers_;
  profile_cache& profiles_;
  wire_encoder encoder_;

  // All below: only on strand_.
  session_id next_id_ = 1;
  std::unordered_map<session_id, session> sessions_;
  std::unordered_map<std::string, room_entry> rooms_;  // room id -> local sessions in it
  std::unordered_map<std::string, user_entry> users_;  // user id -> local sessions of that user
  // Recent multi-room events and who got them; bounded: the copies of one event arrive back to back.
  std::unordered_map<std::string, std::unordered_set<session_id>> recent_deliveries_;
  std::deque<std::string> recent_order_;
};

}  // namespace suda::chat
