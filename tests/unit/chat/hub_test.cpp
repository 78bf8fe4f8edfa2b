// The hub against a real SQLite store, the real writer, reader pool and in-process bus. Events are published
// the way chat::service publishes them: messages from the writer's commit listener, membership changes from
// inside writer jobs, right after their commit. Clients are fakes that record what they were given.
//
// Checking that something did NOT arrive: the hub handles bus events one at a time on its strand, in the
// order they were published from one thread. A test publishes a "marker" event afterwards, waits until the
// client has the marker, and only then looks at what came before it.
#include "chat/hub.hpp"

#include "bus/local_bus.hpp"
#include "chat/events.hpp"
#include "chat/json.hpp"
#include "chat/profile_cache.hpp"
#include "core/ids.hpp"
#include "store/reader_pool.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace suda::chat {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using store::millis;

constexpr millis t0 = 1'700'000'000'000;
// How long a test waits for something that should happen; a passing test never waits that long.
constexpr auto patience = 10s;

// ---------------------------------------------------------------------------------------------------------
// A fake client

// What a client was given: the event name and its JSON data.
struct packet {
  std::string event;
  json::object data;

  // The room it is about: "roomId", or the room itself for a "room" event.
  std::string room() const {
    if (auto* r = data.if_contains("roomId")) return std::string(r->as_string());
    if (event == "room") return std::string(data.at("id").as_string());
    return {};
  }
};

// The test's transport encoding: event name, '|', JSON. Counts encodings, to check "encode once".
std::atomic<int> encodings{0};
wire encode(std::string_view event, std::string_view data) {
  ++encodings;
  return std::make_shared<const std::string>(std::string(event) + "|" + std::string(data));
}

// Records what the hub delivers (on its strand) for the test thread to wait on and read.
class recorder final : public subscriber {
 public:
  void answer(const wire& bytes) override {
    {
      std::lock_guard lock(mutex_);
      answers_.push_back(bytes);
    }
    deliver(bytes);
  }
  void deliver(const wire& bytes) override {
    auto bar = bytes->find('|');
    packet got{bytes->substr(0, bar), json::parse(std::string_view(*bytes).substr(bar + 1)).as_object()};
    std::lock_guard lock(mutex_);
    packets_.push_back(std::move(got));
    wires_.push_back(bytes);
    changed_.notify_all();
  }

  std::vector<packet> packets() const {
    std::lock_guard lock(mutex_);
    return packets_;
  }
  std::vector<wire> wires() const {
    std::lock_guard lock(mutex_);
    return wires_;
  }
  // What came as an answer (never held by the transport) rather than as a broadcast.
  std::vector<std::string> answer_events() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& w : answers_) out.push_back(w->substr(0, w->find('|')));
    return out;
  }

  // Waits until a packet satisfies `match`; false after `patience`.
  bool wait_for(const std::function<bool(const packet&)>& match) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] {
      for (const auto& p : packets_)
        if (match(p)) return true;
      return false;
    });
  }
  bool wait_for_count(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return packets_.size() >= n; });
  }
  bool wait_for_event(std::string_view event) {
    return wait_for([&](const packet& p) { return p.event == event; });
  }
  bool wait_for_message(const std::string& room, std::int64_t seq) {
    return wait_for([&](const packet& p) {
      return p.event == "message" && p.room() == room && p.data.at("seq").as_int64() == seq;
    });
  }
  bool wait_for_typing(const std::string& room, const std::string& user) {
    return wait_for([&](const packet& p) {
      return p.event == "typing" && p.room() == room && p.data.at("userId").as_string() == user;
    });
  }

  // The seqs of the room's messages, in delivery order.
  std::vector<std::int64_t> seqs(const std::string& room) const {
    std::vector<std::int64_t> out;
    for (const auto& p : packets())
      if (p.event == "message" && p.room() == room) out.push_back(p.data.at("seq").as_int64());
    return out;
  }
  std::size_t count(std::string_view event) const {
    std::size_t n = 0;
    for (const auto& p : packets()) n += p.event == event;
    return n;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return packets_.size();
  }

 private:
  mutable std::mutex mutex_;  // guards packets_, wires_ and answers_: written on the hub's strand, read by the test
  std::condition_variable changed_;
  std::vector<packet> packets_;
  std::vector<wire> wires_;
  std::vector<wire> answers_;
};

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (auto i = first; i <= last; ++i) out.push_back(i);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A store with hooks: SQLite underneath, plus a way to act at exact points of the hub's reads (to stage the
// races the hub must survive) and a count of catch-up reads.

struct store_hooks {
  // Runs on a reader thread right after room_seqs_of_user(user) read the rooms; `call` counts that user's reads.
  std::function<void(const std::string& user, int call)> after_room_seqs_of_user;
  // Runs on a reader thread right after messages_after() read a page; `call` counts all such reads.
  std::function<void(int call)> after_messages_after;

  std::mutex mutex;  // guards rooms_reads
  std::map<std::string, int> rooms_reads;
  std::atomic<int> messages_after_reads{0};
};

class hooked_connection final : public store::connection {
 public:
  hooked_connection(std::unique_ptr<store::connection> real, store_hooks& hooks)
      : real_(std::move(real)), hooks_(hooks) {}

  std::vector<store::room_seq> room_seqs_of_user(std::string_view user_id) override {
    auto out = real_->room_seqs_of_user(user_id);
    int call;
    {
      std::lock_guard lock(hooks_.mutex);
      call = ++hooks_.rooms_reads[std::string(user_id)];
    }
    if (hooks_.after_room_seqs_of_user) hooks_.after_room_seqs_of_user(std::string(user_id), call);
    return out;
  }
  std::vector<store::message_record> messages_after(std::string_view room_id, std::int64_t after,
                                                    int limit) override {
    auto out = real_->messages_after(room_id, after, limit);
    int call = ++hooks_.messages_after_reads;
    if (hooks_.after_messages_after) hooks_.after_messages_after(call);
    return out;
  }

  // The rest forwards unchanged.
  core::result<store::user_record> create_user(const store::new_user& user) override {
    return real_->create_user(user);
  }
  std::optional<store::credentials_record> find_credentials(std::string_view email) override {
    return real_->find_credentials(email);
  }
  std::optional<store::user_record> find_user(std::string_view user_id) override { return real_->find_user(user_id); }
  std::optional<std::string> find_email(std::string_view user_id) override { return real_->find_email(user_id); }
  std::vector<store::user_record> list_users(std::string_view query, std::optional<std::string> after_name,
                                             std::optional<std::string> after_id, int limit) override {
    return real_->list_users(query, std::move(after_name), std::move(after_id), limit);
  }
  void create_session(std::string_view token_hash, std::string_view user_id, millis created_at,
                      millis expires_at) override {
    real_->create_session(token_hash, user_id, created_at, expires_at);
  }
  std::optional<std::string> find_session_user(std::string_view token_hash, millis now) override {
    return real_->find_session_user(token_hash, now);
  }
  void delete_session(std::string_view token_hash) override { real_->delete_session(token_hash); }
  std::vector<store::ended_session> delete_expired_sessions(millis now, std::size_t limit) override {
    return real_->delete_expired_sessions(now, limit);
  }
  std::optional<store::user_record> update_display_name(std::string_view user_id, std::string_view name,
                                                        millis now) override {
    return real_->update_display_name(user_id, name, now);
  }
  std::optional<store::user_record> set_avatar(std::string_view user_id, std::string_view version,
                                               std::string_view webp_256, std::string_view webp_64,
                                               millis now) override {
    return real_->set_avatar(user_id, version, webp_256, webp_64, now);
  }
  std::optional<store::avatar_record> find_avatar(std::string_view user_id, int size) override {
    return real_->find_avatar(user_id, size);
  }
  store::room_record create_group_room(std::string_view room_id, std::string_view title, std::string_view creator_id,
                                       const std::vector<std::string>& member_ids, millis now) override {
    return real_->create_group_room(room_id, title, creator_id, member_ids, now);
  }
  store::room_record get_or_create_direct_room(std::string_view new_room_id, std::string_view user_a,
                                               std::string_view user_b, millis now) override {
    return real_->get_or_create_direct_room(new_room_id, user_a, user_b, now);
  }
  std::optional<store::room_record> find_room(std::string_view room_id) override { return real_->find_room(room_id); }
  std::vector<store::member_record> room_members(std::string_view room_id) override {
    return real_->room_members(room_id);
  }
  std::optional<store::member_role> membership(std::string_view room_id, std::string_view user_id) override {
    return real_->membership(room_id, user_id);
  }
  bool add_member(std::string_view room_id, std::string_view user_id, store::member_role role, millis now) override {
    return real_->add_member(room_id, user_id, role, now);
  }
  bool remove_member(std::string_view room_id, std::string_view user_id) override {
    return real_->remove_member(room_id, user_id);
  }
  std::vector<store::room_summary> rooms_of_user(std::string_view user_id) override {
    return real_->rooms_of_user(user_id);
  }
  std::vector<std::string> room_ids_of_user(std::string_view user_id) override {
    return real_->room_ids_of_user(user_id);
  }
  std::optional<std::int64_t> mark_read(std::string_view room_id, std::string_view user_id,
                                        std::int64_t seq) override {
    return real_->mark_read(room_id, user_id, seq);
  }
  std::vector<store::append_result> append_messages(const std::vector<store::new_message>& batch) override {
    return real_->append_messages(batch);
  }
  std::vector<store::message_record> history(std::string_view room_id, std::optional<std::int64_t> before,
                                             int limit) override {
    return real_->history(room_id, before, limit);
  }

 private:
  std::unique_ptr<store::connection> real_;
  store_hooks& hooks_;
};

class hooked_database final : public store::database {
 public:
  hooked_database(std::unique_ptr<store::database> real, store_hooks& hooks)
      : real_(std::move(real)), hooks_(hooks) {}
  std::unique_ptr<store::connection> connect() override {
    return std::make_unique<hooked_connection>(real_->connect(), hooks_);
  }

 private:
  std::unique_ptr<store::database> real_;
  store_hooks& hooks_;
};

// ---------------------------------------------------------------------------------------------------------
// The fixture: three users, three rooms, the hub on an io_context of its own thread.
//   r1: alice (owner), bob      r2: alice (owner), carol      r3: bob (owner), carol

class HubTest : public ::testing::Test {
 protected:
  HubTest() : root_(std::filesystem::temp_directory_path() / ("suda-hub-" + core::new_uuid())) {
    db_ = std::make_unique<hooked_database>(store::open_database("sqlite:" + (root_ / "suda.db").string()), hooks_);
    direct_ = db_->connect();
    alice = add_user("alice");
    bob = add_user("bob");
    carol = add_user("carol");
    r1 = direct_->create_group_room(core::new_uuid(), "r1", alice, {bob}, t0).id;
    r2 = direct_->create_group_room(core::new_uuid(), "r2", alice, {carol}, t0).id;
    r3 = direct_->create_group_room(core::new_uuid(), "r3", bob, {carol}, t0).id;

    writer_ = std::make_unique<store::writer>(*db_);
    // As chat::service does: stored messages are published on the writer thread right after their commit.
    writer_->set_commit_listener([this](const std::vector<store::append_result>& results) {
      for (const auto& r : results)
        if (r.status == store::append_status::stored) publish_message(r.message);
    });
    readers_ = std::make_unique<store::reader_pool>(*db_, 2);
    work_.emplace(asio::make_work_guard(ioc_));
    io_thread_ = std::thread([this] { ioc_.run(); });
    hub_ = std::make_shared<hub>(ioc_.get_executor(), *bus_, *readers_, profiles_, encode);
  }

  ~HubTest() override {
    hub_.reset();
    work_.reset();  // run() returns once every handler and catch-up finished
    io_thread_.join();
    readers_.reset();
    writer_->stop();
    writer_.reset();
    direct_.reset();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::string add_user(const std::string& name) {
    auto id = direct_->create_user({core::new_uuid(), name + "@example.com", "hash", name, t0}).value().id;
    profiles_.put(id, author_profile{name, std::nullopt});  // so delivered messages carry the display name
    return id;
  }

  template <class T>
  static T wait(std::future<T> f) {
    if (f.wait_for(patience) != std::future_status::ready) throw std::runtime_error("timed out");
    return f.get();
  }
  template <class Fn>
  auto spawn(Fn fn) {
    return asio::co_spawn(ioc_, std::move(fn), asio::use_future);
  }

  // --- the hub ---

  hub::session_id attach(const std::shared_ptr<recorder>& client, const std::string& user,
                         std::optional<hub::seq_map> known = std::nullopt,
                         std::optional<hub::seq_map> floors = std::nullopt) {
    return wait(spawn([this, client, user, known, floors]() -> asio::awaitable<hub::session_id> {
      std::shared_ptr<subscriber> as_subscriber = client;
      std::string user_id = user;
      std::optional<hub::seq_map> seqs = known;
      std::optional<hub::seq_map> starts = floors;
      co_return co_await hub_->attach(std::move(as_subscriber), std::move(user_id), std::move(seqs),
                                      std::move(starts));
    }));
  }
  // Also a barrier: it runs on the hub's strand after everything posted there before it.
  std::size_t room_count() {
    return wait(spawn([this]() -> asio::awaitable<std::size_t> { co_return co_await hub_->room_count(); }));
  }

  // --- publishing, as chat::service does ---

  void publish(const std::string& channel, const std::string& payload) {
    bus_->publish(channel, std::make_shared<const std::string>(payload));
  }
  void publish_message(const store::message_record& m) {
    publish(room_channel(m.room_id), encode_event("message", m.room_id, m.seq, m.user_id, "",
                                                  message_event_data(m, *profiles_.find(m.user_id))));
  }
  void typing(const std::string& room, const std::string& user) {
    publish(room_channel(room),
            encode_event("typing", room, 0, user, "", json::object{{"roomId", room}, {"userId", user}}));
  }

  // Through the writer: resumes after the commit, which published it.
  store::message_record post(const std::string& room, const std::string& author, const std::string& body = "hi") {
    auto appended = wait(spawn([this, room, author, body]() -> asio::awaitable<core::result<store::append_result>> {
      store::new_message m{core::new_uuid(), room, author, body, std::nullopt, t0};
      co_return co_await writer_->append(std::move(m));
    }));
    if (!appended || appended->status != store::append_status::stored) throw std::runtime_error("not stored");
    return appended->message;
  }
  // Stored without being published: what another node committed, or a publish the bus lost.
  std::vector<store::message_record> store_quietly(store::connection& c, const std::string& room,
                                                   const std::string& author, int count) {
    std::vector<store::new_message> batch;
    for (int i = 0; i < count; ++i)
      batch.push_back({core::new_uuid(), room, author, "quiet " + std::to_string(i), std::nullopt, t0});
    std::vector<store::message_record> out;
    for (auto& r : c.append_messages(batch)) out.push_back(r.message);
    return out;
  }
  std::vector<store::message_record> store_quietly(const std::string& room, const std::string& author, int count) {
    return store_quietly(*direct_, room, author, count);
  }

  // Membership changes in a writer job, published right after their commit (service::invite and leave).
  void invite(const std::string& room, const std::string& user) {
    wait(spawn([this, room, user]() -> asio::awaitable<bool> {
      auto job = [this, room, user](store::connection& c) {
        bool added = c.add_member(room, user, store::member_role::member, t0);
        if (added) announce_join(c, room, user);
        return added;
      };
      co_return co_await writer_->run(std::move(job));
    }));
  }
  void announce_join(store::connection& c, const std::string& room, const std::string& user) {
    auto record = *c.find_room(room);
    auto members = c.room_members(room);
    publish(user_channel(user), encode_event("room", room, record.last_seq, user, "join", room_json(record, members)));
    publish(room_channel(room), encode_event("member", room, 0, user, "join",
                                             json::object{{"roomId", room}, {"userId", user}, {"action", "join"}}));
  }
  void leave(const std::string& room, const std::string& user) {
    wait(spawn([this, room, user]() -> asio::awaitable<bool> {
      auto job = [this, room, user](store::connection& c) {
        bool removed = c.remove_member(room, user);
        if (removed) announce_leave(room, user);
        return removed;
      };
      co_return co_await writer_->run(std::move(job));
    }));
  }
  void announce_leave(const std::string& room, const std::string& user) {
    publish(room_channel(room), encode_event("member", room, 0, user, "leave",
                                             json::object{{"roomId", room}, {"userId", user}, {"action", "leave"}}));
  }

  std::filesystem::path root_;
  store_hooks hooks_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::connection> direct_;  // the test thread's own connection
  std::shared_ptr<bus::local_bus> bus_ = std::make_shared<bus::local_bus>();
  profile_cache profiles_;
  std::unique_ptr<store::writer> writer_;
  std::unique_ptr<store::reader_pool> readers_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  std::shared_ptr<hub> hub_;

  std::string alice, bob, carol;
  std::string r1, r2, r3;
};

// A presence packet: {online:[ids], offline:[ids]}, plus snapshot:true for the one sent after attaching.
bool lists(const packet& p, std::string_view list, const std::string& user) {
  if (p.event != "presence") return false;
  for (const auto& id : p.data.at(list).as_array())
    if (id.as_string() == user) return true;
  return false;
}
std::function<bool(const packet&)> is_presence(const std::string& user, bool online) {
  return [user, online](const packet& p) { return lists(p, online ? "online" : "offline", user); };
}
bool is_snapshot(const packet& p) { return p.event == "presence" && p.data.contains("snapshot"); }
// How many presence packets `client` got that say `user` is online (or offline).
std::size_t presence_count(const recorder& client, const std::string& user, bool online) {
  std::size_t n = 0;
  for (const auto& p : client.packets()) n += lists(p, online ? "online" : "offline", user);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Delivery to members

TEST_F(HubTest, AttachPutsTheClientInAllItsRoomsAndAMessageReachesItOnce) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  EXPECT_EQ(room_count(), 2u);  // r1 and r2

  auto m = post(r1, bob, "안녕");
  post(r2, carol);
  ASSERT_TRUE(client->wait_for_message(r2, 1));  // r1's message was handled before this one
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
  EXPECT_EQ(client->seqs(r2), std::vector<std::int64_t>{1});
  const json::object data = client->packets().front().data;
  EXPECT_EQ(data.at("id").as_string(), m.id);
  EXPECT_EQ(data.at("message").as_string(), "안녕");
  EXPECT_EQ(data.at("author").as_object().at("displayName").as_string(), "bob");
}

TEST_F(HubTest, EveryClientOfAUserGetsTheSameEncodedPacketOnce) {
  auto first = std::make_shared<recorder>(), second = std::make_shared<recorder>();
  attach(first, alice);
  attach(second, alice);
  room_count();  // both attached and settled
  const int encodings_before = encodings;
  post(r1, bob);
  post(r2, carol);
  ASSERT_TRUE(first->wait_for_message(r2, 1));
  ASSERT_TRUE(second->wait_for_message(r2, 1));
  for (auto* client : {first.get(), second.get()}) {
    EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
    EXPECT_EQ(client->seqs(r2), std::vector<std::int64_t>{1});
  }
  // Encoded once per event, not once per recipient: both hold the very same bytes.
  EXPECT_EQ(first->wires().at(first->size() - 2).get(), second->wires().at(second->size() - 2).get());
  EXPECT_EQ(encodings - encodings_before, 2);
}

TEST_F(HubTest, AClientOfANonMemberNeverGetsTheRoom) {
  auto outsider = std::make_shared<recorder>();  // carol: r2 and r3, not r1
  auto member = std::make_shared<recorder>();
  attach(outsider, carol);
  attach(member, alice);
  post(r1, bob);
  typing(r1, bob);
  post(r2, alice);  // the marker: carol is in r2
  ASSERT_TRUE(outsider->wait_for_message(r2, 1));
  ASSERT_TRUE(member->wait_for_typing(r1, bob));
  for (const auto& p : outsider->packets()) EXPECT_NE(p.room(), r1) << p.event;
}

TEST_F(HubTest, MessagesArriveInSeqOrderAndARepeatedPublishIsNotDeliveredAgain) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  std::vector<store::message_record> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(post(r1, bob, "m" + std::to_string(i)));
  ASSERT_TRUE(client->wait_for_message(r1, 3));
  publish_message(sent[1]);  // the same events again (a bus that delivers twice, a retried publish)
  publish_message(sent[2]);
  publish_message(sent[0]);
  post(r1, bob);  // the marker, seq 4
  ASSERT_TRUE(client->wait_for_message(r1, 4));
  EXPECT_EQ(client->seqs(r1), range(1, 4));
}

TEST_F(HubTest, AGapIsFilledFromTheStoreInOrder) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  auto quiet = store_quietly(r1, bob, 2);  // seqs 2 and 3, committed but never published
  ASSERT_EQ(quiet.back().seq, 3);
  publish_message(quiet.back());  // the client has 1 and sees 3
  ASSERT_TRUE(client->wait_for_message(r1, 3));
  EXPECT_EQ(client->seqs(r1), range(1, 3));
  // The catch-up is over: live delivery goes on from 3.
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 4));
  EXPECT_EQ(client->seqs(r1), range(1, 4));
  // Messages from the store carry their author like live ones.
  auto packets = client->packets();
  EXPECT_EQ(packets.at(1).data.at("author").as_object().at("displayName").as_string(), "bob");
  EXPECT_EQ(packets.at(1).data.at("message").as_string(), "quiet 0");
}

TEST_F(HubTest, LiveMessagesDuringACatchUpComeAfterItInOrderAndOnce) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  auto quiet = store_quietly(r1, bob, 3);
  // While the catch-up's first read is out, two more messages are committed and published.
  hooks_.after_messages_after = [this](int call) {
    if (call != 1) return;
    auto c = db_->connect();
    for (const auto& m : store_quietly(*c, r1, bob, 2)) publish_message(m);
  };
  publish_message(quiet.back());  // seq 3 while the client has 0
  ASSERT_TRUE(client->wait_for_message(r1, 5));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 6));
  EXPECT_EQ(client->seqs(r1), range(1, 6));
}

// ---------------------------------------------------------------------------------------------------------
// Recovery by seq

TEST_F(HubTest, AttachWithoutKnownSeqsStartsFromNowWithoutSynced) {
  store_quietly(r1, bob, 3);
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 4));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{4});
  EXPECT_EQ(client->count("synced"), 0u);
}

TEST_F(HubTest, MessagesCommittedAfterTheFloorsButBeforeAttachReachTheClientWithoutSynced) {
  // The gateway reads the floors before the client is told it is connected; these two messages are committed
  // after that, before the hub's own read: the client must get them, in order, once.
  store_quietly(r1, bob, 3);
  const hub::seq_map floors{{r1, 3}, {r2, 0}};
  store_quietly(r1, bob, 2);
  auto client = std::make_shared<recorder>();
  attach(client, alice, std::nullopt, floors);
  ASSERT_TRUE(client->wait_for_message(r1, 5));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 6));
  EXPECT_EQ(client->seqs(r1), range(4, 6));
  EXPECT_TRUE(client->seqs(r2).empty());
  EXPECT_EQ(client->count("synced"), 0u);
}

TEST_F(HubTest, ARoomJoinedAfterTheFloorsWereReadIsJoinedByAttach) {
  // The gateway's read (the floors) saw alice only in r2; she was added to r1 before the hub registered her
  // client, so its "room" event reached no client of hers. The hub's confirming read finds r1.
  const hub::seq_map floors{{r2, 0}};
  auto client = std::make_shared<recorder>();
  attach(client, alice, std::nullopt, floors);
  EXPECT_EQ(room_count(), 2u);
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
}

TEST_F(HubTest, ARoomLeftAfterTheFloorsWereReadIsNotJoined) {
  const hub::seq_map floors{{r1, 0}, {r2, 0}};
  leave(r1, alice);  // after the gateway's read, before the attach
  auto client = std::make_shared<recorder>(), watcher = std::make_shared<recorder>();
  attach(watcher, bob);
  attach(client, alice, std::nullopt, floors);
  post(r1, bob);
  post(r2, carol);
  ASSERT_TRUE(client->wait_for_message(r2, 1));
  ASSERT_TRUE(watcher->wait_for_message(r1, 1));
  room_count();  // everything published before is handled
  EXPECT_TRUE(client->seqs(r1).empty());
}

TEST_F(HubTest, KnownSeqsWinOverFloors) {
  store_quietly(r1, bob, 5);
  auto client = std::make_shared<recorder>();
  attach(client, alice, hub::seq_map{{r1, 4}}, hub::seq_map{{r1, 1}});
  ASSERT_TRUE(client->wait_for_event("synced"));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{5});
}

TEST_F(HubTest, AttachWithKnownSeqsReplaysWhatIsMissingThenSynced) {
  store_quietly(r1, bob, 5);
  store_quietly(r2, carol, 2);
  auto client = std::make_shared<recorder>();
  attach(client, alice, hub::seq_map{{r1, 2}, {r2, 2}});
  ASSERT_TRUE(client->wait_for_event("synced"));
  auto packets = client->packets();
  EXPECT_EQ(client->seqs(r1), range(3, 5));
  EXPECT_TRUE(client->seqs(r2).empty());  // it has everything of r2
  EXPECT_EQ(packets.back().event, "synced");  // after the replay
  EXPECT_EQ(client->count("synced"), 1u);
  // The replayed messages are broadcasts (the transport may hold them); `synced`, which the client waits for,
  // is the one answer, and takes them along.
  EXPECT_EQ(client->answer_events(), std::vector<std::string>{"synced"});
  EXPECT_EQ(json::value(packets.back().data), json::parse(R"({"lastSeqs":{")" + r1 + R"(":5,")" + r2 + R"(":2}})"));
  // Live delivery goes on from there.
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 6));
  EXPECT_EQ(client->seqs(r1), range(3, 6));
}

TEST_F(HubTest, AKnownSeqOfZeroReplaysTheWholeRoom) {
  store_quietly(r1, bob, 2);
  auto client = std::make_shared<recorder>();
  attach(client, alice, hub::seq_map{{r1, 0}});
  ASSERT_TRUE(client->wait_for_event("synced"));
  EXPECT_EQ(client->seqs(r1), range(1, 2));
}

TEST_F(HubTest, AKnownSeqPastTheRoomsLastIsClamped) {
  store_quietly(r1, bob, 2);
  auto client = std::make_shared<recorder>();
  attach(client, alice, hub::seq_map{{r1, 40}});
  ASSERT_TRUE(client->wait_for_event("synced"));
  EXPECT_EQ(client->packets().back().data.at("lastSeqs").as_object().at(r1).as_int64(), 2);
  post(r1, bob);  // seq 3: delivered, not taken for old news
  ASSERT_TRUE(client->wait_for_message(r1, 3));
}

TEST_F(HubTest, AReplayOfManyMessagesTakesSeveralPagesAndStaysInOrder) {
  store_quietly(r1, bob, 250);
  auto client = std::make_shared<recorder>();
  attach(client, alice, hub::seq_map{{r1, 0}});
  ASSERT_TRUE(client->wait_for_event("synced"));
  EXPECT_EQ(client->seqs(r1), range(1, 250));
  EXPECT_GE(hooks_.messages_after_reads.load(), 3);  // 100 per page: at least three reads
  EXPECT_EQ(client->packets().back().event, "synced");
  EXPECT_EQ(client->packets().back().data.at("lastSeqs").as_object().at(r1).as_int64(), 250);
}

TEST_F(HubTest, SyncOnAnAttachedClientResendsWhatItLacksThenSynced) {
  auto client = std::make_shared<recorder>();
  auto id = attach(client, alice);
  for (int i = 0; i < 5; ++i) post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 5));
  const auto before = client->size();

  hub_->sync(id, hub::seq_map{{r1, 2}});  // it lost 3..5 (say, a page reload)
  ASSERT_TRUE(client->wait_for_event("synced"));
  auto packets = client->packets();
  std::vector<std::int64_t> resent;
  for (auto i = before; i < packets.size(); ++i)
    if (packets[i].event == "message") resent.push_back(packets[i].data.at("seq").as_int64());
  EXPECT_EQ(resent, range(3, 5));
  EXPECT_EQ(packets.back().event, "synced");
  EXPECT_EQ(packets.back().data.at("lastSeqs").as_object().at(r1).as_int64(), 5);

  // Up to date: only "synced".
  const auto before_second = client->size();
  hub_->sync(id, hub::seq_map{{r1, 5}, {r2, 0}});
  ASSERT_TRUE(client->wait_for_count(before_second + 1));
  packets = client->packets();
  ASSERT_EQ(packets.size(), before_second + 1);
  EXPECT_EQ(packets.back().event, "synced");
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 6));
  EXPECT_EQ(client->seqs(r1), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 3, 4, 5, 6}));
}

// ---------------------------------------------------------------------------------------------------------
// Membership changes

TEST_F(HubTest, ARoomJoinAddsEveryClientOfTheUser) {
  store_quietly(r3, bob, 2);
  auto first = std::make_shared<recorder>(), second = std::make_shared<recorder>();
  attach(first, alice);
  attach(second, alice);
  EXPECT_EQ(room_count(), 2u);

  invite(r3, alice);
  for (auto* client : {first.get(), second.get()})
    ASSERT_TRUE(client->wait_for([&](const packet& p) { return p.event == "room" && p.room() == r3; }));
  EXPECT_EQ(room_count(), 3u);
  post(r3, carol);  // seq 3: the first message after the join
  for (auto* client : {first.get(), second.get()}) {
    ASSERT_TRUE(client->wait_for_message(r3, 3));
    EXPECT_EQ(client->seqs(r3), std::vector<std::int64_t>{3});
  }
}

TEST_F(HubTest, AMemberLeaveRemovesEveryClientOfTheUserFromTheRoom) {
  auto first = std::make_shared<recorder>(), second = std::make_shared<recorder>();
  auto other = std::make_shared<recorder>();
  attach(first, alice);
  attach(second, alice);
  attach(other, bob);
  post(r1, bob);
  ASSERT_TRUE(first->wait_for_message(r1, 1));

  leave(r1, alice);
  post(r1, bob);
  typing(r1, bob);
  post(r2, carol);  // the marker: alice is still in r2
  ASSERT_TRUE(other->wait_for_message(r1, 2));
  for (auto* client : {first.get(), second.get()}) {
    ASSERT_TRUE(client->wait_for_message(r2, 1));
    auto packets = client->packets();
    // The leave itself is delivered, to the leaver too; nothing of r1 after it.
    std::size_t leave_at = packets.size();
    for (std::size_t i = 0; i < packets.size(); ++i)
      if (packets[i].event == "member" && packets[i].data.at("action").as_string() == "leave") leave_at = i;
    ASSERT_LT(leave_at, packets.size());
    for (auto i = leave_at + 1; i < packets.size(); ++i) EXPECT_NE(packets[i].room(), r1) << packets[i].event;
    EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
  }
  EXPECT_EQ(room_count(), 3u);  // r1 and r3 for bob's client, r2 for alice's
}

TEST_F(HubTest, TheLastLocalClientOfARoomLeavingDropsTheRoom) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  EXPECT_EQ(room_count(), 2u);
  leave(r1, alice);
  ASSERT_TRUE(client->wait_for([](const packet& p) { return p.event == "member"; }));
  EXPECT_EQ(room_count(), 1u);
  EXPECT_EQ(bus_->channel_count(), 2u);  // room:r2 and user:alice
}

// ---------------------------------------------------------------------------------------------------------
// Races while attaching: the hub reads the user's rooms from the store, then joins them, then reads again.

TEST_F(HubTest, AMessageCommittedWhileAttachingIsCaughtUp) {
  // Committed and published after the first read, before the client is in r1's index: missed live,
  // so the second read must find it.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice || call != 1) return;
    auto c = db_->connect();
    for (const auto& m : store_quietly(*c, r1, bob, 1)) publish_message(m);
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 2));
  EXPECT_EQ(client->seqs(r1), range(1, 2));
}

TEST_F(HubTest, AMessageCommittedDuringTheSecondReadIsDelivered) {
  // Committed after the second read took its snapshot, published before the attach resumes: the client is in
  // r1's index by then (held), so the message is remembered and fetched when the room is released.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice || call != 2) return;
    auto c = db_->connect();
    for (const auto& m : store_quietly(*c, r1, bob, 1)) publish_message(m);
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 2));
  EXPECT_EQ(client->seqs(r1), range(1, 2));
}

TEST_F(HubTest, ALateRoomEventForARoomAlreadyJoinedDoesNotStallIt) {
  // The invite committed before the first read, but its "room" event is handled only after the attach joined
  // the room: the room must still be released and deliver.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice || call != 2) return;
    auto c = db_->connect();
    auto record = *c->find_room(r1);
    publish(user_channel(alice),
            encode_event("room", r1, record.last_seq, alice, "join", room_json(record, c->room_members(r1))));
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  ASSERT_TRUE(client->wait_for_event("room"));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
}

TEST_F(HubTest, ALeaveCommittedWhileAttachingLetsNoMessageOfTheRoomThrough) {
  auto other = std::make_shared<recorder>();
  attach(other, bob);  // r1 is subscribed here, so the hub sees the leave event
  // The first read still lists r1; the leave commits right after it and is handled before the client joins
  // r1's index. Then, during the second read, bob posts in r1.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice) return;
    auto c = db_->connect();
    if (call == 1) {
      c->remove_member(r1, alice);
      announce_leave(r1, alice);
    } else if (call == 2) {
      for (const auto& m : store_quietly(*c, r1, bob, 1)) publish_message(m);
    }
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  ASSERT_TRUE(other->wait_for_message(r1, 1));
  post(r2, carol);  // the marker
  ASSERT_TRUE(client->wait_for_message(r2, 1));
  for (const auto& p : client->packets()) EXPECT_NE(p.room(), r1) << p.event << " of a room alice left";
  EXPECT_EQ(room_count(), 3u);  // r1 and r3 for bob, r2 for alice
}

// Known gap, disabled until hub.hpp can mark a room as held (see the fix in hub::attach_on_strand): while a
// room is held, its messages are held, but its other events (typing, read, member, user, presence) still
// reach the client. Enable once room_cursor has a "held" flag that on_bus() checks for every event.
TEST_F(HubTest, ALeaveCommittedWhileAttachingLetsNoOtherEventOfTheRoomThrough) {
  auto other = std::make_shared<recorder>();
  attach(other, bob);
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice) return;
    if (call == 1) {
      db_->connect()->remove_member(r1, alice);
      announce_leave(r1, alice);
    } else if (call == 2) {
      typing(r1, bob);
    }
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  post(r2, carol);  // the marker
  ASSERT_TRUE(client->wait_for_message(r2, 1));
  for (const auto& p : client->packets()) EXPECT_NE(p.room(), r1) << p.event << " of a room alice left";
}

TEST_F(HubTest, ALeaveCommittedWhileAttachingWithNoOtherLocalMemberLetsNothingThrough) {
  // As above, but no other client here has r1: the hub is not subscribed to r1 when the leave is published.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice) return;
    auto c = db_->connect();
    if (call == 1) {
      c->remove_member(r1, alice);
      announce_leave(r1, alice);
    } else if (call == 2) {
      for (const auto& m : store_quietly(*c, r1, bob, 1)) publish_message(m);
    }
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  post(r2, carol);  // the marker
  ASSERT_TRUE(client->wait_for_message(r2, 1));
  for (const auto& p : client->packets()) EXPECT_NE(p.room(), r1) << p.event << " of a room alice left";
  EXPECT_EQ(room_count(), 1u);
}

TEST_F(HubTest, AJoinWhileAttachingIsKept) {
  // The first read does not list r3; alice is invited right after it, and the "room" event is handled
  // before the client's rooms are joined. The second read lists r3 again: it is kept, once.
  hooks_.after_room_seqs_of_user = [this](const std::string& user, int call) {
    if (user != alice || call != 1) return;
    auto c = db_->connect();
    c->add_member(r3, alice, store::member_role::member, t0);
    announce_join(*c, r3, alice);
  };
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  EXPECT_EQ(room_count(), 3u);
  post(r3, bob);
  ASSERT_TRUE(client->wait_for_message(r3, 1));
  EXPECT_EQ(client->seqs(r3), std::vector<std::int64_t>{1});
  EXPECT_EQ(client->count("room"), 1u);
}

// ---------------------------------------------------------------------------------------------------------
// The write generation: the confirming read is skipped only while the writer has changed nothing

class HubWithWriteGenerationTest : public HubTest {
 protected:
  HubWithWriteGenerationTest() {
    hub_->set_write_generation([this] { return writer_->generation(); });
  }
  // What the gateway does before the CONNECT answer: the generation, then the user's rooms.
  struct floors_read {
    hub::seq_map seqs;
    std::optional<std::uint64_t> generation;
  };
  floors_read read_floors(const std::string& user) {
    floors_read out{{}, hub_->write_generation()};
    for (auto& r : direct_->room_seqs_of_user(user)) out.seqs.emplace(r.room_id, r.last_seq);
    return out;
  }
  hub::session_id attach_after(const std::shared_ptr<recorder>& client, const std::string& user,
                               const floors_read& floors) {
    return wait(spawn([this, client, user, floors]() -> asio::awaitable<hub::session_id> {
      std::shared_ptr<subscriber> as_subscriber = client;
      std::string user_id = user;
      std::optional<hub::seq_map> seqs = floors.seqs;
      co_return co_await hub_->attach(std::move(as_subscriber), std::move(user_id), std::nullopt, std::move(seqs),
                                      floors.generation);
    }));
  }
  int rooms_reads(const std::string& user) {
    std::lock_guard lock(hooks_.mutex);
    return hooks_.rooms_reads[user];
  }
};

TEST_F(HubWithWriteGenerationTest, NothingWrittenSinceTheFloorsMeansNoSecondRead) {
  const auto floors = read_floors(alice);
  const int reads_before = rooms_reads(alice);
  auto client = std::make_shared<recorder>();
  attach_after(client, alice, floors);
  EXPECT_EQ(rooms_reads(alice), reads_before);  // the floors stood in for the confirming read
  EXPECT_EQ(room_count(), 2u);
  post(r1, bob);
  post(r2, carol);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  ASSERT_TRUE(client->wait_for_message(r2, 1));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});

  // Without the floors' generation the hub cannot know: it reads again.
  auto other = std::make_shared<recorder>();
  const auto bobs = read_floors(bob);
  const int bob_reads = rooms_reads(bob);
  attach(other, bob, std::nullopt, bobs.seqs);
  EXPECT_EQ(rooms_reads(bob), bob_reads + 1);
}

TEST_F(HubWithWriteGenerationTest, AnInviteCommittedAfterTheFloorsIsStillJoined) {
  const auto floors = read_floors(carol);  // r2, r3
  invite(r1, carol);                        // through the writer; its "room" event reached no client of carol's
  auto client = std::make_shared<recorder>();
  const int reads_before = rooms_reads(carol);
  attach_after(client, carol, floors);
  EXPECT_EQ(rooms_reads(carol), reads_before + 1);
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  EXPECT_EQ(client->seqs(r1), std::vector<std::int64_t>{1});
}

TEST_F(HubWithWriteGenerationTest, AMessageCommittedAfterTheFloorsIsCaughtUp) {
  const auto floors = read_floors(alice);
  post(r1, bob);  // published before the client is in r1's index: missed live
  auto client = std::make_shared<recorder>();
  const int reads_before = rooms_reads(alice);
  attach_after(client, alice, floors);
  EXPECT_EQ(rooms_reads(alice), reads_before + 1);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 2));
  EXPECT_EQ(client->seqs(r1), range(1, 2));
}

TEST_F(HubWithWriteGenerationTest, AGenerationReadWhileTheWriterRunsAJobIsNotTrusted) {
  // Taken while a job runs (which may commit after the floors' read), the generation does not move until the
  // job ends: equal is not enough, it must also be even.
  std::promise<void> release;
  auto released = release.get_future().share();
  auto busy = spawn([this, released]() -> asio::awaitable<int> {
    auto held = [released](store::connection&) {
      released.wait();
      return 0;
    };
    co_return co_await writer_->run(std::move(held));
  });
  std::uint64_t generation = writer_->generation();
  for (int i = 0; i < 2000 && generation % 2 == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    generation = writer_->generation();
  }
  ASSERT_EQ(generation % 2, 1u);
  const auto floors = read_floors(alice);
  ASSERT_EQ(floors.generation, generation);
  const int reads_before = rooms_reads(alice);
  auto client = std::make_shared<recorder>();
  attach_after(client, alice, floors);  // the job is still running: the generation has not moved
  EXPECT_EQ(writer_->generation(), generation);
  EXPECT_EQ(rooms_reads(alice), reads_before + 1);
  release.set_value();
  EXPECT_EQ(wait(std::move(busy)), 0);
}

// ---------------------------------------------------------------------------------------------------------
// Detach and presence

TEST_F(HubTest, DetachStopsDeliveryAndUnsubscribesEmptyChannels) {
  auto leaving = std::make_shared<recorder>(), staying = std::make_shared<recorder>();
  auto leaving_id = attach(leaving, alice);
  auto staying_id = attach(staying, bob);
  EXPECT_EQ(room_count(), 3u);           // r1 (both), r2 (alice), r3 (bob)
  EXPECT_EQ(bus_->channel_count(), 5u);  // those three rooms, user:alice, user:bob

  hub_->detach(leaving_id);
  EXPECT_EQ(room_count(), 2u);  // r1 and r3, for bob
  EXPECT_EQ(bus_->channel_count(), 3u);
  const auto had = leaving->size();
  post(r1, bob);
  ASSERT_TRUE(staying->wait_for_message(r1, 1));
  EXPECT_EQ(leaving->size(), had);

  hub_->detach(staying_id);
  hub_->detach(staying_id);  // twice: harmless
  EXPECT_EQ(room_count(), 0u);
  EXPECT_EQ(bus_->channel_count(), 0u);
}

// Presence arrives in windows (one batch per room per window), so "nothing more arrived" is checked with a
// later presence change as the marker: batches go out in order, so once the marker is there, any presence
// the hub would have sent before it is there too.

TEST_F(HubTest, PresenceOnTheFirstAttachAndAfterTheLastDetachOnly) {
  auto watcher = std::make_shared<recorder>();
  attach(watcher, bob);
  auto first = std::make_shared<recorder>(), second = std::make_shared<recorder>();
  auto first_id = attach(first, alice);
  ASSERT_TRUE(watcher->wait_for(is_presence(alice, true)));
  // The newcomer is told who is online already, in one snapshot (bob's change included, gone out in its batch
  // or not: the batch does not tell alice's client again).
  ASSERT_TRUE(first->wait_for(is_presence(bob, true)));
  EXPECT_TRUE(is_snapshot(first->packets().back()));
  EXPECT_EQ(presence_count(*first, bob, true), 1u);

  auto second_id = attach(second, alice);
  ASSERT_TRUE(second->wait_for(is_presence(bob, true)));
  hub_->detach(first_id);
  room_count();  // the detach was handled
  auto marker = std::make_shared<recorder>();
  attach(marker, carol);  // carol shares r3 with bob: her "online" reaches bob in a later window
  ASSERT_TRUE(watcher->wait_for(is_presence(carol, true)));
  EXPECT_EQ(presence_count(*watcher, alice, true), 1u);   // no second "online" for alice's second client
  EXPECT_EQ(presence_count(*watcher, alice, false), 0u);  // no "offline" while one client remains

  hub_->detach(second_id);
  ASSERT_TRUE(watcher->wait_for(is_presence(alice, false)));
  EXPECT_EQ(presence_count(*watcher, alice, true), 1u);
  EXPECT_EQ(presence_count(*watcher, alice, false), 1u);
  // The actor's own clients never get their own presence.
  for (const auto* client : {first.get(), second.get()}) {
    EXPECT_EQ(presence_count(*client, alice, true), 0u);
    EXPECT_EQ(presence_count(*client, alice, false), 0u);
  }
}

TEST_F(HubTest, TheSnapshotListsEveryOnlineCoMemberOnceAndNobodyElse) {
  // alice shares r1 and r4 with bob, r2 with carol; dave shares nothing with her.
  const auto dave = add_user("dave");
  const auto r4 = direct_->create_group_room(core::new_uuid(), "r4", alice, {bob}, t0).id;
  auto b = std::make_shared<recorder>(), c = std::make_shared<recorder>(), d = std::make_shared<recorder>();
  attach(b, bob);
  const auto c_id = attach(c, carol);
  attach(d, dave);
  ASSERT_TRUE(b->wait_for(is_presence(carol, true)));  // bob and carol share r3

  auto a = std::make_shared<recorder>();
  attach(a, alice);
  ASSERT_TRUE(a->wait_for_event("presence"));
  ASSERT_TRUE(b->wait_for(is_presence(alice, true)));
  ASSERT_TRUE(c->wait_for(is_presence(alice, true)));
  hub_->detach(c_id);  // the marker: carol going offline reaches alice in a later window
  ASSERT_TRUE(a->wait_for(is_presence(carol, false)));

  auto got = a->packets();
  ASSERT_EQ(a->count("presence"), 2u);
  const auto& snapshot = got.front();
  EXPECT_TRUE(is_snapshot(snapshot));
  std::vector<std::string> online;
  for (const auto& id : snapshot.data.at("online").as_array()) online.emplace_back(id.as_string());
  std::sort(online.begin(), online.end());
  std::vector<std::string> expected{bob, carol};  // bob once, though two rooms are shared; not dave, not alice
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(online, expected);
  EXPECT_TRUE(snapshot.data.at("offline").as_array().empty());
  EXPECT_FALSE(is_snapshot(got.back()));
  // bob shares r1 and r4 with alice: her "online" reaches him once.
  EXPECT_EQ(presence_count(*b, alice, true), 1u);
  EXPECT_EQ(d->count("presence"), 0u);  // dave shares no room with anyone here
}

TEST_F(HubTest, TheSnapshotIsQueuedBeforeTheAttachCompletes) {
  // So that the gateway's release of the CONNECT answer takes it along: one socket write, not a second one at
  // the next presence window.
  auto c = std::make_shared<recorder>(), b = std::make_shared<recorder>();
  attach(c, carol);
  attach(b, bob);
  ASSERT_TRUE(c->wait_for(is_presence(bob, true)));  // bob's change has gone out in its batch
  auto a = std::make_shared<recorder>();
  attach(a, alice);
  const auto got = a->packets();  // no waiting: what the attach queued before it completed
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(is_snapshot(got.front()));
  EXPECT_TRUE(lists(got.front(), "online", bob));
  EXPECT_TRUE(lists(got.front(), "online", carol));
  // As an answer to the client's connect: it does not make the socket a busy receiver of broadcasts.
  EXPECT_EQ(a->answer_events(), std::vector<std::string>{"presence"});
}

TEST_F(HubTest, AChangeStillWaitingForItsBatchIsInTheSnapshotAndNotToldAgain) {
  // A window long enough that bob's change is still waiting when alice's client attaches.
  hub_ = std::make_shared<hub>(ioc_.get_executor(), *bus_, *readers_, profiles_, encode,
                               std::chrono::milliseconds(300));
  auto c = std::make_shared<recorder>();
  const auto c_id = attach(c, carol);  // the first change goes out at once; the next ones wait for the window
  auto b = std::make_shared<recorder>();
  attach(b, bob);
  room_count();  // bob's "online" came back from the bus: it waits in r1's and r3's batch
  auto a = std::make_shared<recorder>();
  attach(a, alice);
  ASSERT_FALSE(a->packets().empty());
  EXPECT_TRUE(is_snapshot(a->packets().front()));
  EXPECT_TRUE(lists(a->packets().front(), "online", bob));
  ASSERT_TRUE(c->wait_for(is_presence(bob, true)));  // the batch went out: carol hears of bob there
  // Then a later change reaches alice's client, in the next window: carol going offline.
  hub_->detach(c_id);
  ASSERT_TRUE(a->wait_for(is_presence(carol, false)));
  EXPECT_EQ(presence_count(*a, bob, true), 1u);
  EXPECT_EQ(presence_count(*a, carol, true), 1u);
}

TEST_F(HubTest, AUserIsInTheSnapshotWhileAnyOfTheirClientsIsAttached) {
  // carol shares r3 with bob: she sees his changes leave in their window's batch. A snapshot leaves out a
  // change still waiting for its batch (the batch tells it), so each step below waits for the batch first.
  auto c = std::make_shared<recorder>();
  attach(c, carol);
  auto b1 = std::make_shared<recorder>(), b2 = std::make_shared<recorder>();
  const auto b1_id = attach(b1, bob);
  const auto b2_id = attach(b2, bob);
  ASSERT_TRUE(c->wait_for(is_presence(bob, true)));
  hub_->detach(b1_id);
  room_count();  // the detach was handled
  auto a1 = std::make_shared<recorder>();
  attach(a1, alice);
  ASSERT_TRUE(a1->wait_for(is_presence(bob, true)));  // b2 is still here
  EXPECT_TRUE(is_snapshot(a1->packets().front()));

  hub_->detach(b2_id);
  ASSERT_TRUE(c->wait_for(is_presence(bob, false)));
  auto a2 = std::make_shared<recorder>();
  attach(a2, alice);
  ASSERT_TRUE(a2->wait_for(is_presence(carol, true)));
  const auto snapshot = a2->packets().front();
  EXPECT_TRUE(is_snapshot(snapshot));
  EXPECT_FALSE(lists(snapshot, "online", bob));
  EXPECT_EQ(snapshot.data.at("online").as_array().size(), 1u);  // carol, and nobody else
}

TEST_F(HubTest, ClientsOfOneUserInTheSameRoomsShareOneEncodedSnapshot) {
  // A window long enough that no batch goes out between the two attaches: a batch changes what a snapshot is
  // built from. The second client's snapshot is then the first's bytes.
  hub_ = std::make_shared<hub>(ioc_.get_executor(), *bus_, *readers_, profiles_, encode, std::chrono::seconds(1));
  auto b = std::make_shared<recorder>();
  attach(b, bob);
  auto a1 = std::make_shared<recorder>(), a2 = std::make_shared<recorder>();
  attach(a1, alice);
  attach(a2, alice);
  ASSERT_TRUE(a1->wait_for(is_presence(bob, true)));
  ASSERT_TRUE(a2->wait_for(is_presence(bob, true)));
  ASSERT_TRUE(is_snapshot(a1->packets().front()));
  ASSERT_TRUE(is_snapshot(a2->packets().front()));
  EXPECT_EQ(a1->wires().front().get(), a2->wires().front().get());
}

TEST_F(HubTest, APresenceBatchIsEncodedOnceForEveryClientOfTheRoom) {
  auto c = std::make_shared<recorder>();
  attach(c, carol);
  auto b1 = std::make_shared<recorder>(), b2 = std::make_shared<recorder>();
  attach(b1, bob);
  attach(b2, bob);
  // carol (r3) is told of them in their window's batch: from then on, alice's change below is alone in the
  // next one and reaches them as r1's batch.
  ASSERT_TRUE(b1->wait_for(is_presence(carol, true)));
  ASSERT_TRUE(b2->wait_for(is_presence(carol, true)));
  ASSERT_TRUE(c->wait_for(is_presence(bob, true)));
  auto a = std::make_shared<recorder>();
  attach(a, alice);
  ASSERT_TRUE(b1->wait_for(is_presence(alice, true)));
  ASSERT_TRUE(b2->wait_for(is_presence(alice, true)));
  auto presence_wire = [this](const recorder& r) {
    auto packets = r.packets();
    auto wires = r.wires();
    for (std::size_t i = 0; i < packets.size(); ++i)
      if (lists(packets[i], "online", alice)) return wires[i];
    return wire{};
  };
  ASSERT_NE(presence_wire(*b1), nullptr);
  EXPECT_EQ(presence_wire(*b1).get(), presence_wire(*b2).get());
}

TEST_F(HubTest, ANewRoomTellsTheNewcomerWhoInItIsOnlineAndTheMembersThatTheNewcomerIs) {
  const auto dave = add_user("dave");
  auto a = std::make_shared<recorder>(), d = std::make_shared<recorder>();
  attach(a, alice);
  attach(d, dave);  // in no room with alice yet: no presence either way
  room_count();
  invite(r1, dave);
  ASSERT_TRUE(d->wait_for(is_presence(alice, true)));
  ASSERT_TRUE(a->wait_for(is_presence(dave, true)));
  EXPECT_EQ(presence_count(*d, alice, true), 1u);
  EXPECT_EQ(presence_count(*a, dave, true), 1u);
  EXPECT_EQ(presence_count(*d, dave, true), 0u);
}

TEST_F(HubTest, TypingIsNotDeliveredToTheActorsOwnClients) {
  auto first = std::make_shared<recorder>(), second = std::make_shared<recorder>();
  auto other = std::make_shared<recorder>();
  attach(first, alice);
  attach(second, alice);
  attach(other, bob);
  typing(r1, alice);
  typing(r1, bob);
  typing(r1, carol);  // the marker for bob (routed by room; carol's membership does not matter here)
  ASSERT_TRUE(first->wait_for_typing(r1, bob));
  ASSERT_TRUE(second->wait_for_typing(r1, bob));
  ASSERT_TRUE(other->wait_for_typing(r1, carol));
  auto typed_by = [](const packet& p, const std::string& user) {
    return p.event == "typing" && p.data.at("userId").as_string() == user;
  };
  for (auto* client : {first.get(), second.get()})
    for (const auto& p : client->packets()) EXPECT_FALSE(typed_by(p, alice));
  for (const auto& p : other->packets()) EXPECT_FALSE(typed_by(p, bob));
  EXPECT_TRUE(other->wait_for_typing(r1, alice));  // the others do get it
}

TEST_F(HubTest, AMalformedBusEventIsDropped) {
  auto client = std::make_shared<recorder>();
  attach(client, alice);
  publish(room_channel(r1), "not an event");
  publish(room_channel(r1), "message\t" + r1 + "\tx\t" + bob + "\t\n{}");
  post(r1, bob);
  ASSERT_TRUE(client->wait_for_message(r1, 1));
  EXPECT_EQ(client->size(), 1u);
}

}  // namespace
}  // namespace suda::chat
