// The store suite: one set of tests, run against every backend (store.hpp states what they all guarantee).
// Each test gets a fresh, empty database of its own.
#include "core/ids.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace suda::store {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------------------

// A database made for one test: `url()` names it for open_database; the destructor removes it.
class scratch_database {
 public:
  virtual ~scratch_database() = default;
  virtual std::string url() const = 0;
};

// A new folder under the system temp folder. The database file sits in a subfolder that does not exist yet,
// so every test also checks that open_database creates it.
class sqlite_scratch final : public scratch_database {
 public:
  sqlite_scratch() : root_(std::filesystem::temp_directory_path() / ("suda-store-" + core::new_uuid())) {}
  ~sqlite_scratch() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  std::string url() const override { return "sqlite:" + (root_ / "data" / "suda.db").string(); }

 private:
  std::filesystem::path root_;
};

struct backend {
  std::string name;
  std::function<std::unique_ptr<scratch_database>()> make;
};

// Test names and failure messages show the backend's name.
void PrintTo(const backend& b, std::ostream* out) { *out << b.name; }

// Every backend the suite runs against. A PostgreSQL backend adds one line here (with a scratch_database
// that creates and drops a database of its own).
std::vector<backend> all_backends() {
  return {
      {"sqlite", [] { return std::make_unique<sqlite_scratch>(); }},
  };
}

// ---------------------------------------------------------------------------------------------------------
// Fixture and helpers
// ---------------------------------------------------------------------------------------------------------

constexpr millis t0 = 1'700'000'000'000;  // an arbitrary fixed "now", so times in assertions are exact

class StoreSuite : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    scratch_ = GetParam().make();
    open();
  }

  void open() {
    db_ = open_database(scratch_->url());
    conn_ = db_->connect();
  }
  // Closes every connection and the database, then opens it again from its URL.
  void reopen() {
    conn_.reset();
    db_.reset();
    open();
  }

  connection& store() { return *conn_; }
  database& db() { return *db_; }

  user_record add_user(const std::string& name, std::optional<std::string> email = std::nullopt) {
    new_user user;
    user.id = core::new_uuid();
    user.email = email.value_or(name + "@example.com");
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.display_name = name;
    user.created_at = t0;
    auto created = store().create_user(user);
    if (!created) throw std::runtime_error("create_user failed: " + created.error().message);
    return created.value();
  }

  room_record add_group(const user_record& creator, const std::vector<user_record>& members, millis at = t0,
                        std::string id = core::new_uuid()) {
    std::vector<std::string> ids;
    for (const auto& m : members) ids.push_back(m.id);
    return store().create_group_room(id, "a room", creator.id, ids, at);
  }

  static new_message message(const room_record& room, const user_record& author, std::string body,
                             std::optional<std::string> client_msg_id = std::nullopt, millis at = t0) {
    return new_message{core::new_uuid(), room.id, author.id, std::move(body), std::move(client_msg_id), at};
  }

  append_result append_one(const new_message& m) {
    auto results = store().append_messages({m});
    if (results.size() != 1) throw std::runtime_error("append_messages returned a wrong count");
    return results.front();
  }

  // Appends `count` messages by `author`, numbered "1".."count", in batches of `batch`.
  void append_many(const room_record& room, const user_record& author, int count, int batch = 100) {
    for (int first = 1; first <= count; first += batch) {
      std::vector<new_message> messages;
      for (int i = first; i < first + batch && i <= count; ++i) {
        messages.push_back(message(room, author, std::to_string(i)));
      }
      store().append_messages(messages);
    }
  }

 private:
  std::unique_ptr<scratch_database> scratch_;
  std::unique_ptr<database> db_;
  std::unique_ptr<connection> conn_;
};

std::vector<std::int64_t> seqs_of(const std::vector<message_record>& messages) {
  std::vector<std::int64_t> out;
  for (const auto& m : messages) out.push_back(m.seq);
  return out;
}

std::vector<std::string> names_of(const std::vector<user_record>& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u.display_name);
  return out;
}

const member_record* find_member(const std::vector<member_record>& members, const std::string& user_id) {
  auto found = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.user_id == user_id; });
  return found == members.end() ? nullptr : &*found;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, SignupStoresTheUserWithItsProfile) {
  new_user user{core::new_uuid(), "Mina@Example.com", "$argon2id$hash", "미나 🌸", t0};
  auto created = store().create_user(user);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->id, user.id);
  EXPECT_EQ(created->email, "Mina@Example.com");
  EXPECT_EQ(created->display_name, "미나 🌸");
  EXPECT_FALSE(created->avatar_version);
  EXPECT_EQ(created->created_at, t0);
  EXPECT_EQ(created->profile_updated_at, t0);

  auto found = store().find_user(user.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->email, "Mina@Example.com");  // kept as typed
  EXPECT_EQ(found->display_name, "미나 🌸");
  EXPECT_FALSE(found->avatar_version);
  EXPECT_EQ(found->created_at, t0);
  EXPECT_EQ(found->profile_updated_at, t0);
  EXPECT_EQ(store().find_email(user.id), "Mina@Example.com");
}

TEST_P(StoreSuite, SignupWithAnEmailTakenInAnotherCaseIsAConflict) {
  add_user("first", "Alice@Example.com");
  new_user again{core::new_uuid(), "alice@example.COM", "$argon2id$other", "second", t0 + 1};
  auto result = store().create_user(again);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::errc::conflict);
  EXPECT_EQ(result.error().code, "email_taken");
  EXPECT_EQ(result.error().message, "That email is already registered");
  // Nothing of the refused signup was kept.
  EXPECT_FALSE(store().find_user(again.id));
  EXPECT_FALSE(store().find_email(again.id));
  EXPECT_EQ(store().list_users("", std::nullopt, std::nullopt, 10).size(), 1u);
}

TEST_P(StoreSuite, CredentialsAreFoundWhateverTheCaseOfTheEmail) {
  auto alice = add_user("alice", "Alice@Example.com");
  for (std::string email : {"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.com"}) {
    auto credentials = store().find_credentials(email);
    ASSERT_TRUE(credentials) << email;
    EXPECT_EQ(credentials->user_id, alice.id);
    EXPECT_EQ(credentials->password_hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
  }
  EXPECT_FALSE(store().find_credentials("bob@example.com"));
  EXPECT_FALSE(store().find_credentials("alice@example.co"));
}

TEST_P(StoreSuite, UnknownUsersAreNotFound) {
  add_user("alice");
  EXPECT_FALSE(store().find_user(core::new_uuid()));
  EXPECT_FALSE(store().find_email(core::new_uuid()));
}

// ---------------------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, SessionIsFoundUntilItExpires) {
  auto alice = add_user("alice");
  store().create_session("hash-1", alice.id, t0, t0 + 1000);
  EXPECT_EQ(store().find_session_user("hash-1", t0), alice.id);
  EXPECT_EQ(store().find_session_user("hash-1", t0 + 999), alice.id);
  EXPECT_FALSE(store().find_session_user("hash-1", t0 + 1000));  // expires_at is the first instant it is invalid
  EXPECT_FALSE(store().find_session_user("hash-2", t0));
}

TEST_P(StoreSuite, FindSessionGivesItsUserAndExpiryUntilItExpires) {
  auto alice = add_user("alice");
  store().create_session("hash-1", alice.id, t0, t0 + 1000);
  auto found = store().find_session("hash-1", t0 + 999);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, alice.id);
  EXPECT_EQ(found->expires_at, t0 + 1000);
  EXPECT_FALSE(store().find_session("hash-1", t0 + 1000));
  EXPECT_FALSE(store().find_session("hash-2", t0));
  store().delete_session("hash-1");
  EXPECT_FALSE(store().find_session("hash-1", t0));
}

TEST_P(StoreSuite, DeletedSessionIsNotFound) {
  auto alice = add_user("alice");
  store().create_session("hash-1", alice.id, t0, t0 + 1000);
  store().create_session("hash-2", alice.id, t0, t0 + 1000);
  store().delete_session("hash-1");
  EXPECT_FALSE(store().find_session_user("hash-1", t0));
  EXPECT_EQ(store().find_session_user("hash-2", t0), alice.id);
  store().delete_session("hash-1");  // deleting twice is harmless
}

TEST_P(StoreSuite, DeleteExpiredSessionsKeepsLiveOnes) {
  auto alice = add_user("alice");
  store().create_session("old", alice.id, t0, t0 + 10);
  store().create_session("live", alice.id, t0, t0 + 1000);
  auto ended = store().delete_expired_sessions(t0 + 10, 100);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].token_hash, "old");
  EXPECT_EQ(ended[0].user_id, alice.id);
  // Asked at an earlier time, the expired session would still be valid: only deletion explains its absence.
  EXPECT_FALSE(store().find_session_user("old", t0));
  EXPECT_EQ(store().find_session_user("live", t0), alice.id);
  EXPECT_TRUE(store().delete_expired_sessions(t0 + 10, 100).empty());  // gone: not returned twice
}

TEST_P(StoreSuite, DeleteExpiredSessionsTakesAtMostTheLimitOldestFirst) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  store().create_session("third", bob.id, t0, t0 + 30);
  store().create_session("first", alice.id, t0, t0 + 10);
  store().create_session("second", alice.id, t0, t0 + 20);
  auto ended = store().delete_expired_sessions(t0 + 100, 2);
  ASSERT_EQ(ended.size(), 2u);
  std::vector<std::string> hashes{ended[0].token_hash, ended[1].token_hash};
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(hashes, (std::vector<std::string>{"first", "second"}));
  auto rest = store().delete_expired_sessions(t0 + 100, 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].token_hash, "third");
  EXPECT_EQ(rest[0].user_id, bob.id);
}

// ---------------------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, UpdateDisplayNameChangesTheNameAndItsTime) {
  auto alice = add_user("alice");
  auto updated = store().update_display_name(alice.id, "Alice Liddell", t0 + 500);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->display_name, "Alice Liddell");
  EXPECT_EQ(updated->profile_updated_at, t0 + 500);
  EXPECT_EQ(updated->created_at, t0);
  EXPECT_EQ(store().find_user(alice.id)->display_name, "Alice Liddell");
  EXPECT_EQ(names_of(store().list_users("alice l", std::nullopt, std::nullopt, 10)),
            std::vector<std::string>{"Alice Liddell"});
  EXPECT_FALSE(store().update_display_name(core::new_uuid(), "nobody", t0));
}

TEST_P(StoreSuite, SetAvatarStoresBothSizesAndTheVersion) {
  auto alice = add_user("alice");
  const std::string big("RIFF\0\0\0\0WEBPbig", 16);  // bytes, with zeros inside
  const std::string small("RIFF\0\x01\0\0WEBPsmall", 18);
  auto updated = store().set_avatar(alice.id, "v1", big, small, t0 + 100);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->avatar_version, "v1");
  EXPECT_EQ(updated->profile_updated_at, t0 + 100);
  EXPECT_EQ(store().find_user(alice.id)->avatar_version, "v1");

  auto a256 = store().find_avatar(alice.id, 256);
  ASSERT_TRUE(a256);
  EXPECT_EQ(a256->webp, big);
  EXPECT_EQ(a256->version, "v1");
  EXPECT_EQ(a256->updated_at, t0 + 100);
  auto a64 = store().find_avatar(alice.id, 64);
  ASSERT_TRUE(a64);
  EXPECT_EQ(a64->webp, small);
  EXPECT_FALSE(store().find_avatar(alice.id, 128));
}

TEST_P(StoreSuite, SetAvatarReplacesTheEarlierImages) {
  auto alice = add_user("alice");
  store().set_avatar(alice.id, "v1", "old-256", "old-64", t0);
  auto updated = store().set_avatar(alice.id, "v2", "new-256", "new-64", t0 + 1);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->avatar_version, "v2");
  EXPECT_EQ(store().find_avatar(alice.id, 256)->webp, "new-256");
  EXPECT_EQ(store().find_avatar(alice.id, 64)->webp, "new-64");
  EXPECT_EQ(store().find_avatar(alice.id, 64)->version, "v2");
}

TEST_P(StoreSuite, AvatarOfAnUnknownUserIsNotStored) {
  auto id = core::new_uuid();
  EXPECT_FALSE(store().set_avatar(id, "v1", "a", "b", t0));
  EXPECT_FALSE(store().find_avatar(id, 256));
  auto alice = add_user("alice");
  EXPECT_FALSE(store().find_avatar(alice.id, 256));  // no upload yet
}

// ---------------------------------------------------------------------------------------------------------
// Listing users
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, ListUsersMatchesAPrefixOfNameOrEmailIgnoringCase) {
  add_user("Alice", "alice@example.com");
  add_user("Bob", "bob@example.com");
  add_user("Carol", "ally@example.com");   // matches "al" by email
  add_user("Dalia", "d@example.com");      // "al" inside, not at the start: no match
  auto all = [&](std::string_view q) { return names_of(store().list_users(q, std::nullopt, std::nullopt, 50)); };
  EXPECT_EQ(all("al"), (std::vector<std::string>{"Alice", "Carol"}));
  EXPECT_EQ(all("AL"), (std::vector<std::string>{"Alice", "Carol"}));
  EXPECT_EQ(all("aLLy@"), (std::vector<std::string>{"Carol"}));
  EXPECT_EQ(all("bob@example.com"), (std::vector<std::string>{"Bob"}));
  EXPECT_EQ(all("dalia"), (std::vector<std::string>{"Dalia"}));
  EXPECT_EQ(all("x"), (std::vector<std::string>{}));
  EXPECT_EQ(all(""), (std::vector<std::string>{"Alice", "Bob", "Carol", "Dalia"}));
  EXPECT_EQ(store().list_users("", std::nullopt, std::nullopt, 2).size(), 2u);
  EXPECT_TRUE(store().list_users("", std::nullopt, std::nullopt, 0).empty());
}

TEST_P(StoreSuite, ListUsersTakesWildcardsInTheQueryLiterally) {
  add_user("100% real", "p1@example.com");
  add_user("100 percent", "p2@example.com");
  add_user("a_b", "p3@example.com");
  add_user("axb", "p4@example.com");
  add_user("back\\slash", "p5@example.com");
  add_user("backslash", "p6@example.com");
  auto all = [&](std::string_view q) { return names_of(store().list_users(q, std::nullopt, std::nullopt, 50)); };
  EXPECT_EQ(all("100%"), (std::vector<std::string>{"100% real"}));
  EXPECT_EQ(all("a_"), (std::vector<std::string>{"a_b"}));
  EXPECT_EQ(all("%"), (std::vector<std::string>{}));
  EXPECT_EQ(all("_"), (std::vector<std::string>{}));
  EXPECT_EQ(all("back\\"), (std::vector<std::string>{"back\\slash"}));
}

TEST_P(StoreSuite, ListUsersPagesWithoutSkippingOrRepeating) {
  // 25 users on 5 names that differ only in case: page boundaries fall inside runs of equal names.
  std::set<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    std::string name = (i % 2 == 0 ? "user " : "USER ") + std::to_string(i % 5);
    ids.insert(add_user(name, "u" + std::to_string(i) + "@example.com").id);
  }
  add_user("someone else", "x@example.com");  // does not match the query

  std::vector<user_record> seen;
  std::optional<std::string> after_name, after_id;
  int pages = 0;
  for (;;) {
    auto page = store().list_users("user", after_name, after_id, 10);
    if (page.empty()) break;
    ++pages;
    ASSERT_LE(page.size(), 10u);
    seen.insert(seen.end(), page.begin(), page.end());
    after_name = page.back().display_name;
    after_id = page.back().id;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  std::set<std::string> seen_ids;
  for (const auto& u : seen) seen_ids.insert(u.id);
  EXPECT_EQ(seen_ids, ids);  // nothing skipped, nothing repeated

  // Ordered by name ignoring case, then by id; and the pages together equal one big page.
  for (std::size_t i = 1; i < seen.size(); ++i) {
    auto prev = std::pair(lower(seen[i - 1].display_name), seen[i - 1].id);
    auto here = std::pair(lower(seen[i].display_name), seen[i].id);
    EXPECT_LT(prev, here) << "at " << i;
  }
  auto one_page = store().list_users("user", std::nullopt, std::nullopt, 100);
  ASSERT_EQ(one_page.size(), seen.size());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(one_page[i].id, seen[i].id);
}

// ---------------------------------------------------------------------------------------------------------
// Rooms
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, GroupRoomHasItsCreatorAsOwnerAndTheOthersAsMembers) {
  auto alice = add_user("alice"), bob = add_user("bob"), carol = add_user("carol"), dave = add_user("dave");
  auto ghost = user_record{core::new_uuid(), "ghost@example.com", "ghost", {}, t0, t0};  // never stored
  auto room = store().create_group_room(core::new_uuid(), "Book club", alice.id, {bob.id, carol.id, ghost.id, alice.id},
                                        t0 + 5);
  EXPECT_EQ(room.title, "Book club");
  EXPECT_EQ(room.kind, room_kind::group);
  EXPECT_EQ(room.created_by, alice.id);
  EXPECT_EQ(room.created_at, t0 + 5);
  EXPECT_EQ(room.last_seq, 0);

  auto found = store().find_room(room.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->title, "Book club");
  EXPECT_EQ(found->kind, room_kind::group);
  EXPECT_EQ(found->created_by, alice.id);
  EXPECT_EQ(found->created_at, t0 + 5);

  auto members = store().room_members(room.id);
  ASSERT_EQ(members.size(), 3u);  // the unknown id was ignored, the creator counted once
  std::map<std::string, member_record> by_id;
  for (const auto& m : members) by_id[m.user_id] = m;
  EXPECT_EQ(by_id.at(alice.id).role, member_role::owner);
  EXPECT_EQ(by_id.at(bob.id).role, member_role::member);
  EXPECT_EQ(by_id.at(carol.id).display_name, "carol");
  EXPECT_EQ(by_id.at(carol.id).joined_at, t0 + 5);
  EXPECT_EQ(by_id.at(carol.id).last_read_seq, 0);

  EXPECT_EQ(store().membership(room.id, alice.id), member_role::owner);
  EXPECT_EQ(store().membership(room.id, bob.id), member_role::member);
  EXPECT_FALSE(store().membership(room.id, dave.id));
  EXPECT_FALSE(store().find_room(core::new_uuid()));
  EXPECT_EQ(store().room_ids_of_user(bob.id), std::vector<std::string>{room.id});
  EXPECT_TRUE(store().room_ids_of_user(dave.id).empty());
}

TEST_P(StoreSuite, DirectRoomIsCreatedOnceFromEitherSide) {
  auto alice = add_user("alice"), bob = add_user("bob"), carol = add_user("carol");
  auto first_id = core::new_uuid();
  auto first = store().get_or_create_direct_room(first_id, alice.id, bob.id, t0);
  EXPECT_EQ(first.id, first_id);
  EXPECT_EQ(first.kind, room_kind::direct);
  EXPECT_EQ(first.title, "");
  auto again = store().get_or_create_direct_room(core::new_uuid(), bob.id, alice.id, t0 + 1);
  EXPECT_EQ(again.id, first_id);
  EXPECT_EQ(again.created_at, t0);
  EXPECT_EQ(store().get_or_create_direct_room(core::new_uuid(), alice.id, bob.id, t0 + 2).id, first_id);

  EXPECT_EQ(store().membership(first_id, alice.id), member_role::member);
  EXPECT_EQ(store().membership(first_id, bob.id), member_role::member);
  EXPECT_EQ(store().room_members(first_id).size(), 2u);
  EXPECT_EQ(store().rooms_of_user(alice.id).size(), 1u);

  auto other = store().get_or_create_direct_room(core::new_uuid(), carol.id, alice.id, t0);
  EXPECT_NE(other.id, first_id);
  EXPECT_EQ(store().rooms_of_user(alice.id).size(), 2u);
  EXPECT_FALSE(store().membership(other.id, bob.id));
}

TEST_P(StoreSuite, DirectRoomIsCreatedOnceWhenTwoConnectionsAskAtTheSameTime) {
  std::vector<std::pair<user_record, user_record>> pairs;
  for (int i = 0; i < 8; ++i) pairs.emplace_back(add_user("a" + std::to_string(i)), add_user("b" + std::to_string(i)));

  auto one = db().connect(), two = db().connect();
  std::vector<std::string> from_one(pairs.size()), from_two(pairs.size());
  std::latch start(2);
  auto ask = [&](connection& conn, std::vector<std::string>& out, bool flip) {
    start.arrive_and_wait();  // both threads race from here
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto& [a, b] = pairs[i];
      out[i] = conn.get_or_create_direct_room(core::new_uuid(), flip ? b.id : a.id, flip ? a.id : b.id, t0).id;
    }
  };
  std::thread first([&] { ask(*one, from_one, false); });
  std::thread second([&] { ask(*two, from_two, true); });
  first.join();
  second.join();

  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(from_one[i], from_two[i]);
    EXPECT_EQ(store().rooms_of_user(pairs[i].first.id).size(), 1u);
    EXPECT_EQ(store().room_members(from_one[i]).size(), 2u);
  }
}

TEST_P(StoreSuite, MembersCanBeAddedAndRemoved) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto room = add_group(alice, {});
  EXPECT_TRUE(store().add_member(room.id, bob.id, member_role::member, t0 + 7));
  EXPECT_FALSE(store().add_member(room.id, bob.id, member_role::owner, t0 + 8));  // already in: unchanged
  EXPECT_EQ(store().membership(room.id, bob.id), member_role::member);
  auto members = store().room_members(room.id);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].user_id, bob.id);  // joined later, listed later
  EXPECT_EQ(members[1].joined_at, t0 + 7);
  EXPECT_EQ(store().room_ids_of_user(bob.id), std::vector<std::string>{room.id});

  EXPECT_TRUE(store().remove_member(room.id, bob.id));
  EXPECT_FALSE(store().remove_member(room.id, bob.id));
  EXPECT_FALSE(store().membership(room.id, bob.id));
  EXPECT_TRUE(store().room_ids_of_user(bob.id).empty());
  EXPECT_EQ(store().room_members(room.id).size(), 1u);
}

TEST_P(StoreSuite, RoomsOfUserListsTheMostRecentlyActiveFirst) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto older = add_group(alice, {bob}, t0 + 1);
  auto newer = add_group(alice, {bob}, t0 + 2);
  auto newest = add_group(bob, {alice}, t0 + 3);
  add_group(bob, {}, t0 + 4);  // not alice's
  // Two rooms created at the same time are ordered by id.
  auto tie_b = add_group(alice, {}, t0 - 10, "ffffffff-0000-4000-8000-000000000000");
  auto tie_a = add_group(alice, {}, t0 - 10, "00000000-0000-4000-8000-000000000000");

  auto ids = [&] {
    std::vector<std::string> out;
    for (const auto& s : store().rooms_of_user(alice.id)) out.push_back(s.room.id);
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<std::string>{newest.id, newer.id, older.id, tie_a.id, tie_b.id}));

  // A message moves its room to the top.
  append_one(message(older, bob, "hi", std::nullopt, t0 + 100));
  EXPECT_EQ(ids(), (std::vector<std::string>{older.id, newest.id, newer.id, tie_a.id, tie_b.id}));
  append_one(message(tie_b, alice, "note to self", std::nullopt, t0 + 50));
  EXPECT_EQ(ids(), (std::vector<std::string>{older.id, tie_b.id, newest.id, newer.id, tie_a.id}));
}

TEST_P(StoreSuite, RoomsOfUserShowsTheLastMessageMembersAndUnreadCount) {
  auto alice = add_user("alice"), bob = add_user("bob"), carol = add_user("carol");
  auto room = add_group(alice, {bob});
  auto quiet = add_group(alice, {carol}, t0 - 1);
  store().append_messages({message(room, bob, "b1"), message(room, alice, "a1"), message(room, bob, "b2"),
                           message(room, bob, "b3"), message(room, alice, "a2")});

  auto mine = store().rooms_of_user(alice.id);
  ASSERT_EQ(mine.size(), 2u);
  const room_summary& summary = mine[0];
  EXPECT_EQ(summary.room.id, room.id);
  EXPECT_EQ(summary.room.last_seq, 5);
  ASSERT_TRUE(summary.last_message);
  EXPECT_EQ(summary.last_message->body, "a2");
  EXPECT_EQ(summary.last_message->seq, 5);
  EXPECT_EQ(summary.last_message->user_id, alice.id);
  EXPECT_EQ(summary.unread_count, 3);  // bob's three; alice's own messages never count
  ASSERT_EQ(summary.members.size(), 2u);
  ASSERT_TRUE(find_member(summary.members, alice.id));
  EXPECT_EQ(find_member(summary.members, alice.id)->role, member_role::owner);
  ASSERT_TRUE(find_member(summary.members, bob.id));
  EXPECT_EQ(find_member(summary.members, bob.id)->display_name, "bob");
  EXPECT_EQ(find_member(summary.members, bob.id)->role, member_role::member);

  EXPECT_EQ(mine[1].room.id, quiet.id);
  EXPECT_FALSE(mine[1].last_message);
  EXPECT_EQ(mine[1].unread_count, 0);
  ASSERT_EQ(mine[1].members.size(), 2u);
  EXPECT_TRUE(find_member(mine[1].members, carol.id));
  EXPECT_FALSE(find_member(mine[1].members, bob.id));

  EXPECT_EQ(store().rooms_of_user(bob.id)[0].unread_count, 2);  // alice's two

  store().mark_read(room.id, alice.id, 3);  // read up to b2: only b3 is left
  EXPECT_EQ(store().rooms_of_user(alice.id)[0].unread_count, 1);
  store().mark_read(room.id, alice.id, 5);
  EXPECT_EQ(store().rooms_of_user(alice.id)[0].unread_count, 0);
  EXPECT_TRUE(store().rooms_of_user(core::new_uuid()).empty());
}

TEST_P(StoreSuite, RoomSeqsOfUserGivesEachRoomOfMineWithItsLastSeqOrderedById) {
  auto alice = add_user("alice"), bob = add_user("bob"), carol = add_user("carol");
  auto b = add_group(alice, {bob}, t0, "bbbbbbbb-0000-4000-8000-000000000000");
  auto a = add_group(bob, {alice}, t0 + 1, "aaaaaaaa-0000-4000-8000-000000000000");
  auto c = add_group(alice, {}, t0 + 2, "cccccccc-0000-4000-8000-000000000000");
  add_group(bob, {carol});  // not alice's
  auto direct = store().get_or_create_direct_room("00000000-0000-4000-8000-000000000000", carol.id, alice.id, t0);
  append_many(b, bob, 3);
  append_many(c, alice, 1);

  const std::vector<room_seq> expected{{direct.id, 0}, {a.id, 0}, {b.id, 3}, {c.id, 1}};
  auto mine = store().room_seqs_of_user(alice.id);
  ASSERT_EQ(mine.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(mine[i].room_id, expected[i].room_id) << i;
    EXPECT_EQ(mine[i].last_seq, expected[i].last_seq) << i;
  }
  // The interface's generic version (from rooms_of_user) says the same as the backend's own query.
  auto generic = store().connection::room_seqs_of_user(alice.id);
  ASSERT_EQ(generic.size(), mine.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(generic[i].room_id, mine[i].room_id);
    EXPECT_EQ(generic[i].last_seq, mine[i].last_seq);
  }

  // Leaving drops the room; a message moves its seq; a stranger has none.
  ASSERT_TRUE(store().remove_member(a.id, alice.id));
  append_many(b, alice, 2);
  mine = store().room_seqs_of_user(alice.id);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[1].room_id, b.id);
  EXPECT_EQ(mine[1].last_seq, 5);
  EXPECT_TRUE(store().room_seqs_of_user(core::new_uuid()).empty());
}

TEST_P(StoreSuite, MarkReadNeverMovesBackwardNorPastTheLastMessage) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto room = add_group(alice, {});
  append_many(room, alice, 5);
  EXPECT_EQ(store().mark_read(room.id, alice.id, 3), 3);
  EXPECT_EQ(store().mark_read(room.id, alice.id, 1), 3);   // backward: kept
  EXPECT_EQ(store().mark_read(room.id, alice.id, 99), 5);  // past the end: clamped
  EXPECT_EQ(store().mark_read(room.id, alice.id, -4), 5);
  EXPECT_EQ(store().room_members(room.id)[0].last_read_seq, 5);
  EXPECT_FALSE(store().mark_read(room.id, bob.id, 2));  // not a member
  EXPECT_FALSE(store().mark_read(core::new_uuid(), alice.id, 2));
  EXPECT_FALSE(store().membership(room.id, bob.id));     // and asking did not make bob one
}

// ---------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, SeqIsDensePerRoomAcrossBatches) {
  auto alice = add_user("alice");
  auto one = add_group(alice, {}), two = add_group(alice, {});
  auto first = store().append_messages({message(one, alice, "1.1"), message(two, alice, "2.1"),
                                        message(one, alice, "1.2")});
  auto second = store().append_messages({message(two, alice, "2.2"), message(one, alice, "1.3")});
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 2u);
  for (const auto& r : first) EXPECT_EQ(r.status, append_status::stored);
  // Results come back in input order.
  EXPECT_EQ(first[0].message.body, "1.1");
  EXPECT_EQ(first[0].message.seq, 1);
  EXPECT_EQ(first[1].message.seq, 1);
  EXPECT_EQ(first[2].message.seq, 2);
  EXPECT_EQ(second[0].message.seq, 2);
  EXPECT_EQ(second[1].message.seq, 3);
  EXPECT_EQ(store().find_room(one.id)->last_seq, 3);
  EXPECT_EQ(store().find_room(two.id)->last_seq, 2);
  EXPECT_EQ(seqs_of(store().messages_after(one.id, 0, 10)), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(store().append_messages({}).empty());

  // What append returns is what is stored.
  auto stored = store().messages_after(one.id, 0, 1).at(0);
  EXPECT_EQ(stored.id, first[0].message.id);
  EXPECT_EQ(stored.room_id, one.id);
  EXPECT_EQ(stored.user_id, alice.id);
  EXPECT_EQ(stored.body, "1.1");
  EXPECT_EQ(stored.created_at, t0);
  EXPECT_FALSE(stored.client_msg_id);
  EXPECT_FALSE(stored.edited_at);
  EXPECT_FALSE(stored.deleted_at);
}

TEST_P(StoreSuite, RepeatedClientMsgIdReturnsTheEarlierMessage) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto room = add_group(alice, {bob});
  auto other_room = add_group(alice, {});
  auto original = append_one(message(room, alice, "hello", "c-1", t0 + 1));
  ASSERT_EQ(original.status, append_status::stored);
  EXPECT_EQ(original.message.client_msg_id, "c-1");

  auto retry = append_one(message(room, alice, "hello (retried)", "c-1", t0 + 2));
  EXPECT_EQ(retry.status, append_status::duplicate);
  EXPECT_EQ(retry.message.id, original.message.id);
  EXPECT_EQ(retry.message.seq, 1);
  EXPECT_EQ(retry.message.body, "hello");
  EXPECT_EQ(retry.message.created_at, t0 + 1);

  // The key is (room, author, client id): another author or another room is a new message.
  EXPECT_EQ(append_one(message(room, bob, "bob's", "c-1")).status, append_status::stored);
  EXPECT_EQ(append_one(message(other_room, alice, "elsewhere", "c-1")).status, append_status::stored);
  // The duplicate used no seq.
  auto next = append_one(message(room, alice, "next", "c-2"));
  EXPECT_EQ(next.message.seq, 3);
  EXPECT_EQ(seqs_of(store().messages_after(room.id, 0, 10)), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_P(StoreSuite, RepeatedClientMsgIdWithinOneBatchIsADuplicate) {
  auto alice = add_user("alice");
  auto room = add_group(alice, {});
  auto results = store().append_messages({message(room, alice, "once", "c-1"), message(room, alice, "twice", "c-1"),
                                          message(room, alice, "no client id"), message(room, alice, "no id either")});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, append_status::stored);
  EXPECT_EQ(results[1].status, append_status::duplicate);
  EXPECT_EQ(results[1].message.id, results[0].message.id);
  EXPECT_EQ(results[1].message.body, "once");
  EXPECT_EQ(results[2].status, append_status::stored);  // messages without a client id never collide
  EXPECT_EQ(results[2].message.seq, 2);
  EXPECT_EQ(results[3].status, append_status::stored);
  EXPECT_EQ(results[3].message.seq, 3);
}

TEST_P(StoreSuite, MessagesOfNonMembersAndUnknownRoomsUseNoSeq) {
  auto alice = add_user("alice"), mallory = add_user("mallory");
  auto room = add_group(alice, {});
  room_record missing = room;
  missing.id = core::new_uuid();
  auto results = store().append_messages({message(room, alice, "1"), message(room, mallory, "intruder"),
                                          message(missing, alice, "nowhere"), message(room, alice, "2")});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, append_status::stored);
  EXPECT_EQ(results[1].status, append_status::not_member);
  EXPECT_EQ(results[2].status, append_status::no_room);
  EXPECT_EQ(results[3].status, append_status::stored);
  EXPECT_EQ(results[3].message.seq, 2);
  auto stored = store().messages_after(room.id, 0, 10);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1].body, "2");
  EXPECT_FALSE(store().find_room(missing.id));

  // A member who left can no longer post.
  store().remove_member(room.id, alice.id);
  EXPECT_EQ(append_one(message(room, alice, "gone")).status, append_status::not_member);
  EXPECT_EQ(store().find_room(room.id)->last_seq, 2);
}

// A backend may remember seqs and memberships between batches (the writer appends through one connection);
// what another connection changed in between must still count.
TEST_P(StoreSuite, AppendsSeeSeqsAndMembershipsChangedThroughAnotherConnection) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto room = add_group(alice, {bob});
  ASSERT_EQ(append_one(message(room, alice, "1")).message.seq, 1);
  ASSERT_EQ(append_one(message(room, bob, "2")).message.seq, 2);

  auto other = db().connect();
  ASSERT_EQ(other->append_messages({message(room, alice, "3")}).at(0).message.seq, 3);
  ASSERT_TRUE(other->remove_member(room.id, bob.id));

  EXPECT_EQ(append_one(message(room, alice, "4")).message.seq, 4);
  EXPECT_EQ(append_one(message(room, bob, "gone")).status, append_status::not_member);
  EXPECT_EQ(seqs_of(store().messages_after(room.id, 0, 10)), (std::vector<std::int64_t>{1, 2, 3, 4}));

  // And the other way round: a member added elsewhere may post at once.
  ASSERT_TRUE(other->add_member(room.id, bob.id, member_role::member, t0));
  EXPECT_EQ(append_one(message(room, bob, "back")).message.seq, 5);
}

TEST_P(StoreSuite, AMemberWhoLeftBetweenBatchesCannotPost) {
  auto alice = add_user("alice"), bob = add_user("bob");
  auto room = add_group(alice, {bob});
  ASSERT_EQ(append_one(message(room, bob, "hi")).status, append_status::stored);
  ASSERT_TRUE(store().remove_member(room.id, bob.id));
  EXPECT_EQ(append_one(message(room, bob, "still here?")).status, append_status::not_member);
  EXPECT_EQ(append_one(message(room, alice, "next")).message.seq, 2);
}

TEST_P(StoreSuite, AFailedBatchUsesNoSeqOfTheRoomsItTouched) {
  auto alice = add_user("alice");
  auto room = add_group(alice, {});
  auto other = add_group(alice, {});
  ASSERT_EQ(append_one(message(room, alice, "1")).message.seq, 1);
  auto first = message(room, alice, "2");
  auto clash = message(other, alice, "clash");
  clash.id = first.id;  // the primary key clashes on the second insert: the batch fails after seq 2 was handed out
  EXPECT_THROW(store().append_messages({first, message(other, alice, "o1"), clash}), std::runtime_error);
  EXPECT_EQ(append_one(message(room, alice, "2 again")).message.seq, 2);
  EXPECT_EQ(append_one(message(other, alice, "o1 again")).message.seq, 1);
  EXPECT_EQ(store().find_room(room.id)->last_seq, 2);
  EXPECT_EQ(store().find_room(other.id)->last_seq, 1);
}

TEST_P(StoreSuite, AFailingBatchStoresNothing) {
  auto alice = add_user("alice");
  auto room = add_group(alice, {});
  auto first = message(room, alice, "first");
  auto clash = message(room, alice, "same id");
  clash.id = first.id;  // a storage failure inside the batch: the message id is the primary key
  try {
    store().append_messages({first, clash});
    ADD_FAILURE() << "the clash was not reported";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("UNIQUE"), std::string::npos) << e.what();  // the database's own words
  }
  EXPECT_TRUE(store().messages_after(room.id, 0, 10).empty());
  EXPECT_EQ(store().find_room(room.id)->last_seq, 0);

  // The connection is still usable, and seq starts where it should.
  EXPECT_EQ(append_one(first).message.seq, 1);
}

TEST_P(StoreSuite, HistoryPagesNewestFirstWithoutGapOrDuplicate) {
  auto alice = add_user("alice");
  auto room = add_group(alice, {});
  auto other = add_group(alice, {});
  append_many(room, alice, 250, 60);
  append_many(other, alice, 3);

  std::vector<std::int64_t> seen;
  std::optional<std::int64_t> before;
  std::vector<std::size_t> page_sizes;
  for (;;) {
    auto page = store().history(room.id, before, 100);
    if (page.empty()) break;
    page_sizes.push_back(page.size());
    for (std::size_t i = 1; i < page.size(); ++i) EXPECT_EQ(page[i].seq, page[i - 1].seq - 1);  // newest first
    for (const auto& m : page) {
      EXPECT_EQ(m.room_id, room.id);
      EXPECT_EQ(m.body, std::to_string(m.seq));
      seen.push_back(m.seq);
    }
    before = page.back().seq;
  }
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{100, 100, 50}));
  ASSERT_EQ(seen.size(), 250u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(250 - i));
  EXPECT_TRUE(store().history(room.id, 1, 100).empty());
  EXPECT_EQ(seqs_of(store().history(room.id, 4, 2)), (std::vector<std::int64_t>{3, 2}));
  EXPECT_TRUE(store().history(room.id, std::nullopt, 0).empty());
  EXPECT_TRUE(store().history(core::new_uuid(), std::nullopt, 10).empty());
}

TEST_P(StoreSuite, MessagesAfterReturnsTheOldestFirst) {
  auto alice = add_user("alice");
  auto room = add_group(alice, {});
  append_many(room, alice, 10);
  EXPECT_EQ(seqs_of(store().messages_after(room.id, 0, 4)), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(seqs_of(store().messages_after(room.id, 7, 100)), (std::vector<std::int64_t>{8, 9, 10}));
  EXPECT_TRUE(store().messages_after(room.id, 10, 100).empty());
  EXPECT_TRUE(store().messages_after(room.id, 0, 0).empty());
  EXPECT_EQ(store().messages_after(room.id, 4, 1).at(0).body, "5");
}

// ---------------------------------------------------------------------------------------------------------
// Migrations and persistence
// ---------------------------------------------------------------------------------------------------------

TEST_P(StoreSuite, ReopeningKeepsTheDataAndAppliesNoMigrationTwice) {
  auto alice = add_user("alice", "Alice@Example.com");
  auto bob = add_user("bob");
  auto room = add_group(alice, {bob});
  store().create_session("hash", alice.id, t0, t0 + 1000);
  append_one(message(room, alice, "before", "c-1"));

  reopen();
  reopen();  // a second re-open: still nothing to apply, nothing lost

  EXPECT_EQ(store().find_user(alice.id)->display_name, "alice");
  EXPECT_EQ(store().find_session_user("hash", t0), alice.id);
  EXPECT_EQ(store().find_room(room.id)->last_seq, 1);
  EXPECT_EQ(store().room_members(room.id).size(), 2u);
  // The constraints survived too: the email is still taken, the client id still remembered, seq continues.
  auto again = store().create_user({core::new_uuid(), "ALICE@example.com", "h", "alice 2", t0});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "email_taken");
  EXPECT_EQ(append_one(message(room, alice, "retry", "c-1")).status, append_status::duplicate);
  EXPECT_EQ(append_one(message(room, bob, "after")).message.seq, 2);
  EXPECT_EQ(store().history(room.id, std::nullopt, 10).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreSuite, ::testing::ValuesIn(all_backends()),
                         [](const ::testing::TestParamInfo<backend>& info) { return info.param.name; });

}  // namespace
}  // namespace suda::store
