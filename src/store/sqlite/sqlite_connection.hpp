#pragma once
// store::connection on one SQLite connection. Every statement is prepared once, in the constructor, and
// reused; writes that touch more than one row run in BEGIN IMMEDIATE transactions.
#include "store/sqlite/handle.hpp"
#include "store/sqlite/transaction.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace suda::store::sqlite {

class sqlite_connection final : public connection {
 public:
  // Opens the (already migrated) database file at `path`. Throws std::runtime_error on failure.
  explicit sqlite_connection(const std::string& path);
  ~sqlite_connection() override;

  core::result<user_record> create_user(const new_user& user) override;
  std::optional<credentials_record> find_credentials(std::string_view email) override;
  std::optional<user_record> find_user(std::string_view user_id) override;
  std::optional<std::string> find_email(std::string_view user_id) override;
  std::vector<user_record> list_users(std::string_view query, std::optional<std::string> after_name,
                                      std::optional<std::string> after_id, int limit) override;

  void create_session(std::string_view token_hash, std::string_view user_id, millis created_at,
                      millis expires_at) override;
  std::optional<std::string> find_session_user(std::string_view token_hash, millis now) override;
  std::optional<session_record> find_session(std::string_view token_hash, millis now) override;
  void delete_session(std::string_view token_hash) override;
  std::vector<ended_session> delete_expired_sessions(millis now, std::size_t limit) override;

  std::optional<user_record> update_display_name(std::string_view user_id, std::string_view name,
                                                 millis now) override;
  std::optional<user_record> set_avatar(std::string_view user_id, std::string_view version,
                                        std::string_view webp_256, std::string_view webp_64, millis now) override;
  std::optional<avatar_record> find_avatar(std::string_view user_id, int size) override;

  room_record create_group_room(std::string_view room_id, std::string_view title, std::string_view creator_id,
                                const std::vector<std::string>& member_ids, millis now) override;
  room_record get_or_create_direct_room(std::string_view new_room_id, std::string_view user_a,
                                        std::string_view user_b, millis now) override;
  std::optional<room_record> find_room(std::string_view room_id) override;
  std::vector<member_record> room_members(std::string_view room_id) override;
  std::optional<member_role> membership(std::string_view room_id, std::string_view user_id) override;
  bool add_member(std::string_view room_id, std::string_view user_id, member_role role, millis now) override;
  bool remove_member(std::string_view room_id, std::string_view user_id) override;
  std::vector<room_summary> rooms_of_user(std::string_view user_id) override;
  std::vector<std::string> room_ids_of_user(std::string_view user_id) override;
  std::vector<room_seq> room_seqs_of_user(std::string_view user_id) override;
  std::optional<std::int64_t> mark_read(std::string_view room_id, std::string_view user_id,
                                        std::int64_t seq) override;

  std::vector<append_result> append_messages(const std::vector<new_message>& batch) override;
  std::vector<message_record> history(std::string_view room_id, std::optional<std::int64_t> before,
                                      int limit) override;
  std::vector<message_record> messages_after(std::string_view room_id, std::int64_t after, int limit) override;

  void become_writer() override;
  void idle() override;

  // The underlying SQLite handle, for backend-specific tests and diagnostics only.
  sqlite3* native_handle() const noexcept { return db_.get(); }

 private:
  struct prepared;  // every statement of the connection (defined in the .cpp, next to their SQL)

  // Takes the write lock at once (see transaction.hpp).
  transaction begin_write();
  // A consistent snapshot for reads that take more than one statement.
  transaction begin_read();

  // What append_messages() remembers between batches, so a message costs one INSERT instead of three
  // lookups, an INSERT and an UPDATE: each room's last seq and the (room, user) pairs known to be members.
  // Valid only while no other connection writes: every batch first compares PRAGMA data_version (which
  // changes exactly when another connection committed) and forgets everything when it moved. This
  // connection's own membership removals erase their pair; a failed batch forgets everything.
  void forget_append_cache() noexcept;
  bool known_member(const std::string& room_id, const std::string& user_id) const;

  handle db_;                        // declared first: destroyed after the statements that use it
  std::unique_ptr<prepared> sql_;
  std::int64_t cached_data_version_ = -1;
  std::unordered_map<std::string, std::int64_t> last_seq_cache_;  // room id -> last seq committed
  std::unordered_set<std::string> member_cache_;                  // room id + '/' + user id
};

}  // namespace suda::store::sqlite
