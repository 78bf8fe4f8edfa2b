#include "chat/hub.hpp"

#include "core/log.hpp"
#include "store/writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace suda::chat {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// Messages read from the store per round of a catch-up: bounds the memory one client's catch-up holds.
constexpr int catch_up_page = 100;

}  // namespace

hub::hub(asio::any_io_executor executor, bus::bus& bus, store::reader_pool& readers, profile_cache& profiles,
         wire_encoder encoder, std::chrono::milliseconds presence_window)
    : strand_(asio::make_strand(executor)),
      bus_(bus),
      readers_(readers),
      profiles_(profiles),
      encoder_(std::move(encoder)),
      presence_window_(presence_window),
      presence_timer_(strand_) {}

bus::subscription hub::subscribe(const std::string& channel) {
  std::weak_ptr<hub> weak = weak_from_this();
  // The bus calls this on the publisher's thread: only hop to the strand, in order.
  return bus_.subscribe(channel, [weak](const std::string&, const bus::payload& bytes) {
    if (auto self = weak.lock())
      asio::post(self->strand_, [self, bytes] { self->on_bus(*bytes); });
  });
}

asio::awaitable<hub::session_id> hub::attach(std::shared_ptr<subscriber> client, std::string user_id,
                                             std::optional<seq_map> known, std::optional<seq_map> floors,
                                             std::optional<std::uint64_t> floors_generation) {
  co_return co_await asio::co_spawn(strand_,
                                    attach_on_strand(std::move(client), std::move(user_id), std::move(known),
                                                     std::move(floors), floors_generation),
                                    asio::use_awaitable);
}

asio::awaitable<hub::session_id> hub::attach_on_strand(std::shared_ptr<subscriber> client, std::string user_id,
                                                       std::optional<seq_map> known, std::optional<seq_map> floors,
                                                       std::optional<std::uint64_t> floors_generation) {
  auto self = shared_from_this();  // keeps the hub alive across the reads below
  const session_id id = next_id_++;
  // In the user's index first, so a room this user joins from now on is not missed.
  auto& [user_key, user] = *users_.try_emplace(user_id).first;
  session& fresh = sessions_[id];
  fresh.client = std::move(client);
  fresh.user_id = user_key;
  fresh.sync_requested = known.has_value();
  const bool first_session = user.sessions.empty();
  if (!user.subscription) user.subscription = subscribe(user_channel(user_id));
  user.sessions.insert(id);

  // The user's rooms and their last seqs, from one snapshot of the store (one query). The caller's read
  // (`floors`) serves as the first one: a room the user joined after it, but before the registration above,
  // is missing from it and its "room" event went to nobody here; the confirming read below finds it, and the
  // loop takes it in the same way.
  auto read = [user_id](store::connection& c) { return c.room_seqs_of_user(user_id); };
  // The write generation taken before the last read of the user's rooms, and that read whole: while the writer
  // has changed nothing since, it stands in for the confirming read (see set_write_generation).
  std::optional<std::uint64_t> read_at = floors ? floors_generation : write_generation();
  std::vector<store::room_seq> first;
  if (floors) {
    first.reserve(floors->size());
    for (const auto& [room_id, seq] : *floors) first.push_back(store::room_seq{room_id, seq});
  } else {
    first = co_await readers_.run(read);
  }
  std::vector<store::room_seq> last_read;
  if (read_at) last_read = first;
  bool announced = false;  // this user's "online" was published on some room
  for (;;) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) co_return id;  // detached while reading
    // Joined, but held until the next read confirms the membership: a leave committed after `first` was read
    // can have been handled before this join, and then nothing would take this client out of the room before
    // that read (members only). A held room delivers no message: like during a catch-up, live messages only
    // raise highest_seen, and the release below fetches them from the store.
    std::vector<std::string> room_ids;
    room_ids.reserve(first.size());
    for (auto& r : first) {
      if (it->second.rooms.contains(r.room_id)) continue;  // joined meanwhile through a "room" event
      // Where the client starts: what it says it has, else the seq read (for rooms of `floors`: read before it
      // was told it is connected). Past the room's last seq is clamped at the release below, against the
      // confirming read.
      std::int64_t from = r.last_seq;
      if (known)
        if (auto k = known->find(r.room_id); k != known->end()) from = std::max<std::int64_t>(k->second, 0);
      join_room(id, it->second, r.room_id, from);
      room_cursor& joined = it->second.rooms.find(r.room_id)->second;
      joined.catching_up = true;
      joined.held = true;
      room_ids.push_back(std::move(r.room_id));
    }
    // Presence: tell the others I am online (first client of this user here). Who is online reaches me as one
    // snapshot, at the first presence window after this attach completes.
    if (first_session && !room_ids.empty()) {
      publish_presence(user_id, room_ids, true);
      announced = true;
    }

    // Messages committed between the read above and joining the rooms' indexes were published before this
    // client could see them: read the rooms' seqs again and fill any gap from the store. Unless nothing was
    // written since the last read: then this one would return the same, and whatever is committed from now on
    // is published after this check, to the indexes just joined (both on this strand, without a suspension
    // between them).
    std::vector<store::room_seq> second;
    if (const auto now = write_generation(); read_at && now && store::writer::unchanged_since(*read_at, *now)) {
      second = std::move(last_read);
    } else {
      read_at = write_generation();
      second = co_await readers_.run(read);
      it = sessions_.find(id);
      if (it == sessions_.end()) co_return id;
    }
    if (read_at) last_read = second;
    // Rooms left meanwhile (a leave processed before this client was in the room's index) are dropped.
    std::unordered_set<std::string> still_member;
    for (const auto& r : second) still_member.insert(r.room_id);
    const auto& joined_live = it->second.joined_live;
    std::vector<std::string> stale;
    for (auto& [room_id, cursor] : it->second.rooms)
      if (!still_member.contains(std::string(room_id)) &&
          std::find(joined_live.begin(), joined_live.end(), room_id) == joined_live.end())
        stale.emplace_back(room_id);
    for (auto& room_id : stale) leave_room(id, it->second, room_id);
    first.clear();
    for (auto& r : second) {
      auto cursor = it->second.rooms.find(r.room_id);
      if (cursor == it->second.rooms.end()) {
        first.push_back(std::move(r));  // a member, not joined: the next round joins and confirms it
        continue;
      }
      room_cursor& c = cursor->second;
      if (c.held) {
        // Joined held in this round and still a member: release the room, fetching what was committed since
        // `from` (seen live or not).
        c.last = std::min(c.last, r.last_seq);
        const std::int64_t newest = std::max(r.last_seq, c.highest_seen);
        c.catching_up = false;
        c.held = false;
        c.highest_seen = 0;
        if (newest > c.last) start_catch_up(id, r.room_id, newest);
      } else if (!c.catching_up && r.last_seq > c.last) {
        start_catch_up(id, r.room_id, r.last_seq);
      }
    }
    if (first.empty()) break;
  }
  auto it = sessions_.find(id);
  // In no room, nobody is told: nothing is in flight that a snapshot could repeat.
  if (first_session && !announced) {
    user.online_announced = true;
    presence_changed();
  }
  it->second.joined_live.clear();
  it->second.joined_live.shrink_to_fit();
  it->second.attaching = false;
  maybe_synced(it->second);
  // Its rooms are confirmed: who is online goes now, queued before the gateway releases the CONNECT answer, so
  // all leave in one socket write.
  send_snapshot(id, it->second);
  co_return id;
}

void hub::detach(session_id id) {
  asio::post(strand_, [self = shared_from_this(), id] {
    auto it = self->sessions_.find(id);
    if (it == self->sessions_.end()) return;
    session& s = it->second;
    std::vector<std::string> room_ids;
    for (auto& [room_id, cursor] : s.rooms) room_ids.emplace_back(room_id);
    for (auto& room_id : room_ids) self->leave_room(id, s, room_id);
    // Before the user's entry goes: s.user_id is a view of its key.
    auto user = self->users_.find(s.user_id);
    if (user != self->users_.end()) {
      user->second.sessions.erase(id);
      if (user->second.sessions.empty()) {
        self->publish_presence(s.user_id, room_ids, false);
        self->users_.erase(user);
        self->presence_changed();
      }
    }
    self->sessions_.erase(it);
  });
}

void hub::sync(session_id id, seq_map known) {
  asio::post(strand_, [self = shared_from_this(), id, known = std::move(known)] {
    auto it = self->sessions_.find(id);
    if (it == self->sessions_.end()) return;
    it->second.sync_requested = true;
    for (auto& [room_id, seq] : known) {
      auto cursor = it->second.rooms.find(room_id);
      if (cursor == it->second.rooms.end() || seq >= cursor->second.last || cursor->second.catching_up) continue;
      // The client lacks what it was sent before (it reconnected): send again from what it has.
      std::int64_t had = cursor->second.last;
      cursor->second.last = std::max<std::int64_t>(seq, 0);
      self->start_catch_up(id, room_id, had);
    }
    self->maybe_synced(it->second);
  });
}

void hub::join_room(session_id id, session& s, std::string_view room_id, std::int64_t last_seq) {
  if (auto it = s.rooms.find(room_id); it != s.rooms.end()) {
    // Already in the room's index: a fresh cursor, same place.
    const std::size_t slot = it->second.slot;
    it->second = room_cursor{};
    it->second.last = last_seq;
    it->second.slot = slot;
    return;
  }
  // The room's entry first: the session's key is a view of the entry's.
  auto entry = rooms_.find(room_id);
  if (entry == rooms_.end()) entry = rooms_.try_emplace(std::string(room_id)).first;
  auto& [room_key, room] = *entry;
  if (!room.subscription) room.subscription = subscribe(room_channel(room_key));
  room_cursor& cursor = s.rooms.try_emplace(room_key).first->second;
  cursor.last = last_seq;
  cursor.slot = room.members.size();
  room.members.push_back(member{id, &s, &cursor});
  if (++room.users[s.user_id] == 1) presence_changed();
}

void hub::leave_room(session_id id, session& s, std::string_view room_id) {
  (void)id;
  auto cursor = s.rooms.find(room_id);
  if (cursor == s.rooms.end()) return;
  auto room = rooms_.find(room_id);
  const std::size_t slot = cursor->second.slot;
  // The session's entry goes first: its key is a view of the room entry's, which may go below.
  s.rooms.erase(cursor);
  if (room == rooms_.end()) return;
  if (auto user = room->second.users.find(s.user_id); user != room->second.users.end() && --user->second == 0) {
    room->second.users.erase(user);
    presence_changed();
  }
  // Swap-and-pop: the last member takes this one's slot.
  auto& members = room->second.members;
  if (slot != members.size() - 1) {
    members[slot] = members.back();
    members[slot].cursor->slot = slot;
  }
  members.pop_back();
  if (members.empty()) rooms_.erase(room);  // drops the bus subscription
}

namespace {
// The events the hub routes differently, told apart once per bus event rather than per recipient.
enum class kind { message, typing, presence, user, member, other };
kind kind_of(std::string_view event) {
  if (event == "message") return kind::message;
  if (event == "typing") return kind::typing;
  if (event == "presence") return kind::presence;
  if (event == "user") return kind::user;
  if (event == "member") return kind::member;
  return kind::other;
}
}  // namespace

void hub::on_bus(const std::string& payload) {
  auto e = decode_event(payload);
  if (!e) {
    core::log::warn("hub", "dropped a malformed bus event");
    return;
  }
  const std::string room_id(e->room_id);
  if (e->event == "logout") {  // a user channel: one of this user's login sessions ended
    auto user = users_.find(e->user_id);
    if (user == users_.end()) return;
    for (session_id id : user->second.sessions) sessions_.at(id).client->end_session(e->action);
    return;
  }
  const kind k = kind_of(e->event);
  if (k == kind::presence) return on_presence(room_id, *e);
  const wire packet = encoder_(e->event, e->data);  // once, for every recipient

  if (e->event == "room") {  // a user channel: this user was added to a room
    auto user = users_.find(e->user_id);
    if (user == users_.end()) return;
    for (session_id id : user->second.sessions) {
      session& s = sessions_.at(id);
      if (!s.rooms.contains(room_id)) join_room(id, s, room_id, e->seq);
      // Only attach's second read needs to know.
      if (s.attaching && std::find(s.joined_live.begin(), s.joined_live.end(), room_id) == s.joined_live.end())
        s.joined_live.push_back(room_id);
      s.client->deliver(packet);
    }
    // New co-members: tell the newcomer which of them are online (the rest learn of the newcomer through the
    // room's "member" join). One list, encoded once for all the newcomer's clients; a client still waiting for
    // its snapshot gets them there.
    wire presence;
    for (session_id id : user->second.sessions) {
      session& s = sessions_.at(id);
      if (s.presence_snapshot_due) continue;
      if (!presence) {
        auto online = online_co_members(s, &room_id, /*without_pending=*/true);
        if (online.empty()) break;
        presence = encode_presence(online, {}, false);
      }
      s.client->deliver(presence);
    }
    return;
  }

  auto room = rooms_.find(room_id);
  if (room == rooms_.end()) return;
  std::unordered_set<session_id>* already = nullptr;  // for "user": who got this event through another room
  if (k == kind::user && !e->action.empty()) already = &deliveries_of(std::string(e->action));
  // By index: nothing below changes the room's members (deliver() does not call back into the hub, and a
  // catch-up started here reads the store before it touches anything).
  auto& members = room->second.members;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const member m = members[i];
    session& s = *m.s;
    if (m.cursor->held) {
      // Membership not confirmed yet: messages are fetched at release; other events are not for it yet.
      if (k == kind::message) m.cursor->highest_seen = std::max(m.cursor->highest_seen, e->seq);
      continue;
    }
    switch (k) {
      case kind::message:
        deliver_message(m.id, s, *m.cursor, room_id, e->seq, packet);
        continue;
      case kind::typing:
        if (s.user_id == e->user_id) continue;  // not echoed to the actor's own clients
        break;
      case kind::user:
        // The copy of this event from another shared room was delivered already.
        if (already && !already->insert(m.id).second) continue;
        break;
      default:
        break;
    }
    s.client->deliver(packet);
  }
  if (k == kind::member && e->action == "join" && users_.contains(e->user_id)) {
    // The newcomer is online here: the members already in the room learn it now, not at their next connect
    // (those still waiting for their snapshot learn it there).
    const std::vector<std::string_view> newcomer{e->user_id};
    wire presence;
    for (const member& m : room->second.members) {
      if (m.s->user_id == e->user_id || m.s->presence_snapshot_due || m.cursor->held) continue;
      if (!presence) presence = encode_presence(newcomer, {}, false);
      m.s->client->deliver(presence);
    }
  }
  if (k == kind::member && e->action == "leave") {
    // Delivered to everyone in the room above, the leaver included; from now on the leaver gets nothing.
    auto user = users_.find(e->user_id);
    if (user != users_.end())
      for (session_id id : user->second.sessions) leave_room(id, sessions_.at(id), room_id);
  }
}

void hub::deliver_message(session_id id, session& s, room_cursor& cursor, const std::string& room_id,
                          std::int64_t seq, const wire& packet) {
  if (cursor.catching_up) {
    cursor.highest_seen = std::max(cursor.highest_seen, seq);
    return;
  }
  if (seq <= cursor.last) return;  // already delivered
  if (seq == cursor.last + 1) {
    s.client->deliver(packet);
    cursor.last = seq;
    return;
  }
  start_catch_up(id, room_id, seq);  // a gap: the store has what is missing, this one included
}

void hub::start_catch_up(session_id id, const std::string& room_id, std::int64_t seen) {
  auto& s = sessions_.at(id);
  auto& cursor = s.rooms.find(room_id)->second;
  cursor.catching_up = true;
  cursor.highest_seen = std::max(cursor.highest_seen, seen);
  ++s.catch_ups_running;
  // The completion runs on the strand (co_spawn's executor). A failed read must not leave the room stuck in
  // "catching up": the cursor is released, and the next live message finds the gap again.
  asio::co_spawn(strand_, catch_up(id, room_id), [self = shared_from_this(), id, room_id](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& ex) {
      core::log::error("hub", "catch-up failed: ", ex.what());
    }
    auto it = self->sessions_.find(id);
    if (it == self->sessions_.end()) return;
    if (auto cursor = it->second.rooms.find(room_id); cursor != it->second.rooms.end()) {
      cursor->second.catching_up = false;
      cursor->second.highest_seen = 0;
    }
    --it->second.catch_ups_running;
    self->maybe_synced(it->second);
  });
}

asio::awaitable<void> hub::catch_up(session_id id, std::string room_id) {
  auto self = shared_from_this();
  for (;;) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) co_return;
    auto cursor = it->second.rooms.find(room_id);
    if (cursor == it->second.rooms.end()) {  // left the room meanwhile
      --it->second.catch_ups_running;
      maybe_synced(it->second);
      co_return;
    }
    const std::int64_t from = cursor->second.last;
    struct page {
      std::vector<store::message_record> messages;
      std::map<std::string, author_profile> authors;
    };
    auto read = [this, room_id, from](store::connection& c) {
      page p;
      p.messages = c.messages_after(room_id, from, catch_up_page);
      for (const auto& m : p.messages) {
        if (p.authors.contains(m.user_id)) continue;
        if (auto known = profiles_.find(m.user_id)) {
          p.authors[m.user_id] = *known;
        } else if (auto user = c.find_user(m.user_id)) {
          author_profile profile{user->display_name, user->avatar_version};
          profiles_.put(m.user_id, profile);
          p.authors[m.user_id] = profile;
        }
      }
      return p;
    };
    page got = co_await readers_.run(read);

    it = sessions_.find(id);
    if (it == sessions_.end()) co_return;
    cursor = it->second.rooms.find(room_id);
    if (cursor == it->second.rooms.end()) continue;  // handled at the top of the loop
    room_cursor& c = cursor->second;
    for (const auto& m : got.messages) {
      if (m.seq <= c.last) continue;
      auto author = got.authors.find(m.user_id);
      author_profile profile = author != got.authors.end() ? author->second : author_profile{m.user_id, {}};
      it->second.client->deliver(encoder_("message", json::serialize(message_event_data(m, profile))));
      c.last = m.seq;
    }
    if (static_cast<int>(got.messages.size()) < catch_up_page && c.last >= c.highest_seen) {
      c.catching_up = false;
      c.highest_seen = 0;
      --it->second.catch_ups_running;
      maybe_synced(it->second);
      co_return;
    }
  }
}

void hub::maybe_synced(session& s) {
  if (!s.sync_requested || s.catch_ups_running > 0) return;
  s.sync_requested = false;
  json::object seqs;
  for (auto& [room_id, cursor] : s.rooms) seqs[room_id] = cursor.last;
  s.client->answer(encoder_("synced", json::serialize(json::object{{"lastSeqs", std::move(seqs)}})));
}

void hub::publish_presence(std::string_view user_id, const std::vector<std::string>& room_ids, bool online) {
  json::object data{{"userId", user_id}, {"online", online}};
  const std::string event_id = new_event_id();  // one id for all copies: each client gets one
  for (const auto& room_id : room_ids)
    bus_.publish(room_channel(room_id),
                 std::make_shared<const std::string>(encode_event("presence", room_id, 0, user_id, event_id, data)));
}

std::unordered_set<hub::session_id>& hub::deliveries_of(const std::string& event_id) {
  constexpr std::size_t remembered_events = 1024;
  auto [it, inserted] = recent_deliveries_.try_emplace(event_id);
  if (inserted) {
    recent_order_.push_back(event_id);
    if (recent_order_.size() > remembered_events) {
      // Not the one just added: the deque holds it at the back.
      recent_deliveries_.erase(recent_order_.front());
      recent_order_.pop_front();
    }
  }
  return it->second;
}

// ---- Presence ----

void hub::on_presence(const std::string& room_id, const event_view& e) {
  boost::system::error_code parse_error;
  auto data = json::parse(e.data, parse_error);
  const auto* online = !parse_error && data.is_object() ? data.as_object().if_contains("online") : nullptr;
  if (!online || !online->is_bool() || e.user_id.empty()) {
    core::log::warn("hub", "dropped a malformed presence event");
    return;
  }
  presence_changed();
  if (online->as_bool())
    if (auto user = users_.find(e.user_id); user != users_.end()) user->second.online_announced = true;
  // Only rooms with local clients matter; the batch is built from the room's index at the window's end.
  if (!rooms_.contains(room_id)) return;
  auto& room_changes = pending_presence_[room_id];
  if (room_changes.users.empty()) room_changes.first_stamp = presence_version_;
  const presence_change change{online->as_bool(), presence_version_};
  if (auto it = room_changes.users.find(e.user_id); it != room_changes.users.end()) {
    it->second = change;  // the last change in the window wins
  } else {
    room_changes.users.emplace(std::string(e.user_id), change);
  }
  schedule_presence_flush();
}

void hub::schedule_presence_flush() {
  if (presence_timer_armed_) return;
  presence_timer_armed_ = true;
  // One window after the previous batch: a lone change goes out at once, a burst is gathered.
  presence_timer_.expires_at(std::max(std::chrono::steady_clock::now(), last_presence_flush_ + presence_window_));
  // weak: a pending window must not keep the hub alive (its timer is cancelled when the hub goes).
  presence_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->flush_presence();
  });
}

std::vector<std::string_view> hub::online_co_members(const session& s, const std::string* only_room,
                                                     bool without_pending) const {
  // The room indexes hold exactly the users attached here, in every room they are members of.
  std::unordered_set<std::string_view> seen;
  std::vector<std::string_view> out;
  auto add_room = [&](std::string_view room_id) {
    auto room = rooms_.find(room_id);
    if (room == rooms_.end()) return;
    const presence_changes* pending = nullptr;
    if (without_pending)
      if (auto p = pending_presence_.find(room_id); p != pending_presence_.end()) pending = &p->second;
    for (const auto& [user, clients] : room->second.users) {
      if (user == s.user_id || (pending && pending->users.contains(user))) continue;
      if (auto entry = users_.find(user); entry == users_.end() || !entry->second.online_announced) continue;
      if (seen.insert(user).second) out.push_back(user);
    }
  };
  if (only_room) {
    add_room(*only_room);
  } else {
    for (const auto& [room_id, cursor] : s.rooms) add_room(room_id);
  }
  return out;
}

wire hub::encode_presence(const std::vector<std::string_view>& online, const std::vector<std::string_view>& offline,
                          bool snapshot) {
  json::object data;
  json::array on(online.begin(), online.end());
  json::array off(offline.begin(), offline.end());
  data["online"] = std::move(on);
  data["offline"] = std::move(off);
  if (snapshot) data["snapshot"] = true;
  return encoder_("presence", json::serialize(data));
}

void hub::flush_presence() {
  presence_timer_armed_ = false;
  last_presence_flush_ = std::chrono::steady_clock::now();
  const std::uint64_t round = ++presence_round_;

  // Each changed room's batch, to the clients in it that have had their snapshot. A client in several changed
  // rooms gets one merged list (a co-member in two shared rooms appears once), and so does a client whose own
  // user is in the batch (it never hears about itself) or whose snapshot, taken in this window, already told
  // some of the changes: all rare, so those are encoded per client.
  std::vector<std::pair<session_id, session*>> touched;
  for (auto& [room_id, changes] : pending_presence_) {
    auto room = rooms_.find(room_id);
    if (room == rooms_.end()) continue;
    for (const member& m : room->second.members) {
      session& s = *m.s;
      if (s.presence_snapshot_due || m.cursor->held) continue;
      if (s.presence_round != round) {
        s.presence_round = round;
        s.presence_rooms.clear();
        touched.emplace_back(m.id, &s);
      }
      s.presence_rooms.push_back(&changes);
    }
  }
  for (auto [id, s] : touched) {
    std::uint64_t snapshot_stamp = 0;  // changes up to this stamp were in its snapshot
    if (!snapshot_stamps_.empty())
      if (auto stamp = snapshot_stamps_.find(id); stamp != snapshot_stamps_.end()) snapshot_stamp = stamp->second;
    presence_changes& changes = *s->presence_rooms.front();
    if (s->presence_rooms.size() == 1 && !changes.users.contains(s->user_id) && snapshot_stamp < changes.first_stamp) {
      if (!changes.encoded) {
        std::vector<std::string_view> on, off;
        for (const auto& [user, change] : changes.users) (change.online ? on : off).push_back(user);
        changes.encoded = encode_presence(on, off, false);
      }
      s->client->deliver(changes.encoded);
    } else {
      std::map<std::string_view, bool> merged;
      for (const presence_changes* changes : s->presence_rooms)
        for (const auto& [user, change] : changes->users)
          if (user != s->user_id && change.stamp > snapshot_stamp) merged.insert_or_assign(user, change.online);
      std::vector<std::string_view> on, off;
      for (const auto& [user, online] : merged) (online ? on : off).push_back(user);
      if (!on.empty() || !off.empty()) s->client->deliver(encode_presence(on, off, false));
    }
    s->presence_rooms.clear();
  }
  pending_presence_.clear();
  snapshot_stamps_.clear();
}

void hub::send_snapshot(session_id id, session& s) {
  s.presence_snapshot_due = false;
  if (!pending_presence_.empty()) snapshot_stamps_[id] = presence_version_;
  auto user = users_.find(s.user_id);
  if (user == users_.end()) return;
  auto& cached = user->second.snapshot;
  const bool same_rooms =
      cached.version == presence_version_ && cached.room_ids.size() == s.rooms.size() &&
      std::equal(s.rooms.begin(), s.rooms.end(), cached.room_ids.begin(),
                 [](const auto& room, const std::string& id) { return room.first == id; });
  if (!same_rooms) {
    // Who is online now, the changes still waiting for the window's batch included (the batch leaves them out
    // for this client: snapshot_stamp). Nobody online: nothing to say (a client starts, and restarts after a
    // disconnect, with no one online).
    auto online = online_co_members(s, nullptr, /*without_pending=*/false);
    cached.version = presence_version_;
    cached.room_ids.assign(s.rooms.size(), {});
    std::size_t i = 0;
    for (const auto& [room_id, cursor] : s.rooms) cached.room_ids[i++] = std::string(room_id);
    cached.packet = online.empty() ? nullptr : encode_presence(online, {}, true);
  }
  // An answer to the client's CONNECT, like "synced": it does not make the socket a busy broadcast receiver.
  if (cached.packet) s.client->answer(cached.packet);
}

asio::awaitable<std::size_t> hub::room_count() {
  auto count = [this]() -> asio::awaitable<std::size_t> { co_return rooms_.size(); };
  co_return co_await asio::co_spawn(strand_, count, asio::use_awaitable);
}

}  // namespace suda::chat
