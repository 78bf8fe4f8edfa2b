#pragma once
// The rows the store reads and writes. Plain values; times are milliseconds since the epoch (UTC).
#include "core/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace suda::store {

using core::millis;

struct user_record {
  std::string id;            // uuid
  std::string email;         // as typed at signup; uniqueness is case-insensitive
  std::string display_name;  // from the profile; defaults to the part of the email before '@'
  std::optional<std::string> avatar_version;  // set once an avatar was uploaded; changes with each upload
  millis created_at = 0;
  millis profile_updated_at = 0;
};

struct credentials_record {
  std::string user_id;
  std::string password_hash;  // libsodium's Argon2id string ($argon2id$v=19$m=...,t=...,p=1$salt$hash)
};

// A valid session: whose it is and the first instant it is no longer valid.
struct session_record {
  std::string user_id;
  millis expires_at = 0;
};

// A session that ran out and was deleted: whose it was, so that its holders can be told.
struct ended_session {
  std::string token_hash;
  std::string user_id;
};

struct new_user {
  std::string id;
  std::string email;
  std::string password_hash;
  std::string display_name;
  millis created_at = 0;
};

struct avatar_record {
  std::string version;
  std::string webp;  // the encoded image bytes
  millis updated_at = 0;
};

enum class room_kind { direct, group };
enum class member_role { owner, member };

struct member_record {
  std::string user_id;
  std::string display_name;
  std::optional<std::string> avatar_version;
  member_role role = member_role::member;
  millis joined_at = 0;
  std::int64_t last_read_seq = 0;
};

struct room_record {
  std::string id;
  std::string title;  // empty for direct rooms (clients show the other person's name)
  room_kind kind = room_kind::group;
  std::string created_by;
  millis created_at = 0;
  std::int64_t last_seq = 0;  // seq of the newest message, 0 when none
};

struct message_record {
  std::string id;
  std::string room_id;
  std::int64_t seq = 0;  // dense per room, starting at 1
  std::string user_id;
  std::string body;
  std::optional<std::string> client_msg_id;
  millis created_at = 0;
  std::optional<millis> edited_at;
  std::optional<millis> deleted_at;
};

// A room as listed in "my rooms": the room, its members, its newest message and my unread count.
struct room_summary {
  room_record room;
  std::vector<member_record> members;
  std::optional<message_record> last_message;
  std::int64_t unread_count = 0;
};

// A room of a user with its newest seq: what a realtime client needs to join the user's rooms.
struct room_seq {
  std::string room_id;
  std::int64_t last_seq = 0;  // seq of the newest message, 0 when none
};

struct new_message {
  std::string id;  // uuid chosen by the caller; ignored when client_msg_id repeats an earlier message
  std::string room_id;
  std::string user_id;
  std::string body;
  std::optional<std::string> client_msg_id;
  millis created_at = 0;
};

// Outcome of appending one message within a batch.
enum class append_status {
  stored,      // a new message, with the room's next seq
  duplicate,   // (room, author, client_msg_id) was seen before: `message` is the earlier one
  not_member,  // the author is not (or no longer) a member of the room
  no_room,     // the room does not exist
};

struct append_result {
  append_status status = append_status::stored;
  message_record message;  // valid for stored and duplicate
};

}  // namespace suda::store
