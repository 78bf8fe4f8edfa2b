#pragma once
// The JSON shapes clients rely on (camelCase), built from store records. Shared by the HTTP API and the
// socket events so a message looks the same wherever it arrives.
#include "store/records.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace suda::chat {

// "/api/users/{id}/avatar?v={version}", or null when the user has no avatar.
boost::json::value avatar_url(std::string_view user_id, const std::optional<std::string>& version);

// {id, displayName, avatarUrl, createdAt} (+ email when given: only for its owner).
boost::json::object user_json(const store::user_record& user, const std::optional<std::string>& email = std::nullopt);
// {id, seq, roomId, userId, message, createdAt, clientMsgId, editedAt?, deleted?}
// `extra_fields`: room for fields the caller adds (message_event_data's author), so the object never grows.
boost::json::object message_json(const store::message_record& message, std::size_t extra_fields = 0);
// {id, title, kind, createdAt, createdBy, lastSeq, members:[{id, displayName, avatarUrl, role, lastReadSeq}]}
boost::json::object room_json(const store::room_record& room, const std::vector<store::member_record>& members);
// room_json + {lastMessage, unreadCount}
boost::json::object room_summary_json(const store::room_summary& summary);

std::string_view to_string(store::room_kind kind) noexcept;
std::string_view to_string(store::member_role role) noexcept;

}  // namespace suda::chat
