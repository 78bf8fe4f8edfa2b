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
//  - Presence, coalesced: a user is online while any of their clients is attached here. Changes are published on
//    the user's rooms at once, but delivered in batches, one `presence` event {online:[ids], offline:[ids]} per
//    room per window (presence_window), encoded once per room. A client gets one snapshot
//    {online:[ids], offline:[], snapshot:true} of its online co-members when its attach completes (so it leaves
//    in the same socket write as the CONNECT answer), and from then on every later change of a co-member once
//    (a co-member in several shared rooms is merged into one list), never its own user. Without that, every
//    connect in a room of n clients cost O(n) deliveries plus O(n) encodings for the newcomer: O(n^2) for a room
//    filling up.
//
// Threads: all state lives on the hub's strand; attach/detach/sync may be called from any thread. Bus
// handlers only post to the strand. Subscribers' deliver() is called on the strand and must not block: it is
// on the fan-out's hot path, once per recipient.
#include "bus/bus.hpp"
#include "chat/events.hpp"
#include "chat/profile_cache.hpp"
#include "store/reader_pool.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace suda::chat {

// An encoded packet, shared by every recipient.
using wire = std::shared_ptr<const std::string>;
// Encodes (event name, JSON data) for the transport, e.g. as a Socket.IO EVENT packet.
using wire_encoder = std::function<wire(std::string_view event, std::string_view data_json)>;

// A connected client as the hub sees it; the transport implements it.
class subscriber {
 public:
  virtual ~subscriber() = default;
  // A broadcast: the transport may hold it briefly to share a socket write with the next ones
  // (engineio::server_options::broadcast_linger).
  virtual void deliver(const wire& packet) = 0;
  // The answer to this client's own request (`synced` after its CONNECT): never held, and it takes whatever is
  // held along, in order. A client waits for it, so holding it would only slow every connect down.
  virtual void answer(const wire& packet) { deliver(packet); }
  // The login session whose token hashes to `token_hash` ended (logout): a client opened with it must stop.
  virtual void end_session(std::string_view token_hash) { (void)token_hash; }
};

class hub : public std::enable_shared_from_this<hub> {
 public:
  using session_id = std::uint64_t;  // from 1, never reused
  using seq_map = std::map<std::string, std::int64_t>;  // room id -> last seq the client has

  // How long presence changes are gathered before they go out in one batch per room (see above).
  static constexpr std::chrono::milliseconds default_presence_window{100};

  hub(boost::asio::any_io_executor executor, bus::bus& bus, store::reader_pool& readers, profile_cache& profiles,
      wire_encoder encoder, std::chrono::milliseconds presence_window = default_presence_window);

  // Registers a client of `user_id` and puts it in all the user's rooms. With `known`, the client is brought up
  // to date from those seqs and then gets "synced". `floors` are the user's rooms and their seqs, read before
  // the client was told it is connected: in a room `known` does not name, everything after its floor reaches
  // the client, so a message committed between that "connected" and this attach is not skipped. The hub
  // takes them as its first read of the user's rooms (one store round trip fewer per connect); without them
  // it reads itself. Returns the id to detach with.
  //
  // `floors_generation` is write_generation() taken just before `floors` were read. When the writer has
  // changed nothing since (store::writer::unchanged_since), the hub's confirming read of the user's rooms would
  // return `floors` again, so it is skipped: one store round trip fewer per connect. Without it (or without a
  // write generation), the hub reads again, as it must when another process may write.
  boost::asio::awaitable<session_id> attach(std::shared_ptr<subscriber> client, std::string user_id,
                                            std::optional<seq_map> known,
                                            std::optional<seq_map> floors = std::nullopt,
                                            std::optional<std::uint64_t> floors_generation = std::nullopt);
  void detach(session_id id);

  // Where this process's writer is the only one that changes rooms, memberships and messages (one node: the
  // local bus), the hub may trust its generation (store::writer::generation) to tell that a read of the
  // user's rooms is still current. Set once, before the first attach; never set where another process writes.
  void set_write_generation(std::function<std::uint64_t()> source) { write_generation_ = std::move(source); }
  // The writer's generation, or nothing when the hub must not rely on it.
  std::optional<std::uint64_t> write_generation() const {
    if (!write_generation_) return std::nullopt;
    return write_generation_();
  }
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
    std::size_t slot = 0;           // this client's index in its room_entry::members
  };
  struct presence_change {
    bool online = false;
    std::uint64_t stamp = 0;  // presence_version_ when it was made: a snapshot taken since has told it
  };
  // One room's presence changes gathered in the current window: user id -> change, the last change wins.
  struct presence_changes {
    std::map<std::string, presence_change, std::less<>> users;
    std::uint64_t first_stamp = 0;  // of the window's first change here: no change here is older
    wire encoded;  // the batch as a packet, encoded at most once per window
  };
  // Heterogeneous lookup by std::string_view in the indexes keyed by std::string (no temporary string).
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };
  // Kept small: there is one per connected client, most of them idle. Ids are views of the keys of users_ and
  // rooms_ (whose nodes never move and outlive the session's use of them, see leave_room and detach) rather
  // than copies per client.
  struct session {
    std::shared_ptr<subscriber> client;
    std::string_view user_id;  // the key of this session's users_ entry
    // Room id (the key of its rooms_ entry) -> cursor. A node container: member::cursor points into it.
    std::map<std::string_view, room_cursor, std::less<>> rooms;
    std::vector<std::string> joined_live;  // rooms joined through a "room" event while attaching (rare, few)
    bool attaching = true;                 // until attach has confirmed the user's rooms
    bool sync_requested = false;
    // Presence: no batch reaches the client before its snapshot, sent when its attach completes.
    bool presence_snapshot_due = true;
    int catch_ups_running = 0;
    std::uint64_t presence_round = 0;               // the last window that found it in a changed room
    std::vector<presence_changes*> presence_rooms;  // that window's changed rooms it is in (capacity reused)
  };
  // A client in a room's index. The pointers stay valid while it is there: std::unordered_map never moves its
  // elements, and leave_room() takes it out before erasing either. They make a delivery cost no lookup.
  struct member {
    session_id id;
    session* s;
    room_cursor* cursor;
  };
  struct room_entry {
    std::vector<member> members;  // swap-and-pop removal through room_cursor::slot
    // User id (a view of the users_ key) -> how many of `members` are that user's clients. Who is online in a
    // room is then O(users), not O(clients): a user with many tabs (or a load test with 500 sockets per
    // user) made every presence snapshot a walk over all of them.
    std::unordered_map<std::string_view, std::uint32_t> users;
    bus::subscription subscription;
  };
  struct user_entry {
    std::unordered_set<session_id> sessions;
    bus::subscription subscription;
    // Its "online" came back from the bus and is in a batch (sent or pending). Until then the user is in the
    // room indexes but left out of snapshots: the batch will say it, and saying it in both is a duplicate.
    bool online_announced = false;
    // The last snapshot built for a client of this user: the same for another client in the same rooms while
    // nothing that a snapshot depends on changed (presence_version_). A user with many tabs, or a reconnect
    // wave, costs one walk and one encoding, not one per client.
    struct {
      std::uint64_t version = 0;
      std::vector<std::string> room_ids;  // the client's rooms, in order
      wire packet;                        // null: nobody online
    } snapshot;
  };

  boost::asio::awaitable<session_id> attach_on_strand(std::shared_ptr<subscriber> client, std::string user_id,
                                                      std::optional<seq_map> known, std::optional<seq_map> floors,
                                                      std::optional<std::uint64_t> floors_generation);
  void on_bus(const std::string& payload);
  void deliver_message(session_id id, session& s, room_cursor& cursor, const std::string& room_id,
                       std::int64_t seq, const wire& packet);
  void join_room(session_id id, session& s, std::string_view room_id, std::int64_t last_seq);
  void leave_room(session_id id, session& s, std::string_view room_id);
  void start_catch_up(session_id id, const std::string& room_id, std::int64_t seen);
  boost::asio::awaitable<void> catch_up(session_id id, std::string room_id);
  void maybe_synced(session& s);
  void publish_presence(std::string_view user_id, const std::vector<std::string>& room_ids, bool online);
  // A presence change from the bus: gathered for the window's batch of its room.
  void on_presence(const std::string& room_id, const event_view& e);
  // Arms the window's timer unless it is armed: the batch goes out one window after the previous one.
  void schedule_presence_flush();
  // The window's end: each changed room's batch.
  void flush_presence();
  // The users online here (attached, their "online" announced) who share a room with `s`, but not `s`'s own
  // user; a user with a change still waiting in `s`'s room's batch is left out when `without_pending` (the
  // batch will say it). O(users in s's rooms), whatever the number of their clients.
  std::vector<std::string_view> online_co_members(const session& s, const std::string* only_room,
                                                  bool without_pending) const;
  // The client's snapshot of who is online, at the end of its attach; from then on it gets the batches.
  void send_snapshot(session_id id, session& s);
  // Something a snapshot is built from changed: a user entered or left a room's index, or a presence change
  // arrived (an "online" is announced then). Cached snapshots built before are stale, and the version stamps
  // the change (presence_change::stamp).
  void presence_changed() { ++presence_version_; }
  wire encode_presence(const std::vector<std::string_view>& online, const std::vector<std::string_view>& offline,
                       bool snapshot);
  bus::subscription subscribe(const std::string& channel);
  // The set of sessions that got multi-room event `event_id` (profile changes): a client sharing several of
  // those rooms gets it once. Looked up once per event, not per recipient.
  std::unordered_set<session_id>& deliveries_of(const std::string& event_id);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  bus::bus& bus_;
  store::reader_pool& readers_;
  profile_cache& profiles_;
  wire_encoder encoder_;
  std::function<std::uint64_t()> write_generation_;  // see set_write_generation

  // All below: only on strand_.
  session_id next_id_ = 1;
  std::unordered_map<session_id, session> sessions_;
  std::unordered_map<std::string, room_entry, string_hash, std::equal_to<>> rooms_;  // room id -> its local sessions
  std::unordered_map<std::string, user_entry, string_hash, std::equal_to<>> users_;  // user id -> its local sessions
  // Presence (see the top): the window's changes per room, the timer.
  const std::chrono::milliseconds presence_window_;
  std::unordered_map<std::string, presence_changes, string_hash, std::equal_to<>> pending_presence_;
  std::uint64_t presence_version_ = 1;  // see presence_changed(); 0 is never a cached snapshot's
  // Clients whose snapshot was taken while changes waited for the window's batch -> presence_version_ then.
  // Their snapshot told those changes (stamped up to it), so the batch leaves them out for these clients, which
  // hear of each change once. Emptied at every flush: kept out of `session`, which every idle client pays for.
  std::unordered_map<session_id, std::uint64_t> snapshot_stamps_;
  boost::asio::steady_timer presence_timer_;
  bool presence_timer_armed_ = false;
  std::chrono::steady_clock::time_point last_presence_flush_{};
  std::uint64_t presence_round_ = 0;
  // Recent multi-room events and who got them; bounded: the copies of one event arrive back to back.
  std::unordered_map<std::string, std::unordered_set<session_id>> recent_deliveries_;
  std::deque<std::string> recent_order_;
};

}  // namespace suda::chat
