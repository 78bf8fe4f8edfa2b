#include "chat/json.hpp"

#include "core/clock.hpp"

#include <boost/json/array.hpp>

namespace suda::chat {
namespace json = boost::json;

json::value avatar_url(std::string_view user_id, const std::optional<std::string>& version) {
  if (!version) return nullptr;
  std::string url = "/api/users/";
  url += user_id;
  url += "/avatar?v=";
  url += *version;
  return json::string(url);
}

json::object user_json(const store::user_record& user, const std::optional<std::string>& email) {
  json::object out;
  out["id"] = user.id;
  if (email) out["email"] = *email;
  out["displayName"] = user.display_name;
  out["avatarUrl"] = avatar_url(user.id, user.avatar_version);
  out["createdAt"] = core::format_iso8601(user.created_at);
  return out;
}

json::object message_json(const store::message_record& m, std::size_t extra_fields) {
  // Sized once for every field (and the caller's extra ones): each message is encoded twice, and growing
  // the object rehashes it. emplace, not operator[]: the keys are new, so no lookup is needed.
  json::object out(9 + extra_fields);
  out.emplace("id", m.id);
  out.emplace("seq", m.seq);
  out.emplace("roomId", m.room_id);
  out.emplace("userId", m.user_id);
  out.emplace("message", m.body);
  out.emplace("createdAt", core::format_iso8601(m.created_at));
  if (m.client_msg_id)
    out.emplace("clientMsgId", *m.client_msg_id);
  else
    out.emplace("clientMsgId", nullptr);
  if (m.edited_at) out.emplace("editedAt", core::format_iso8601(*m.edited_at));
  if (m.deleted_at) out.emplace("deleted", true);
  return out;
}

std::string_view to_string(store::room_kind kind) noexcept {
  return kind == store::room_kind::direct ? "direct" : "group";
}

std::string_view to_string(store::member_role role) noexcept {
  return role == store::member_role::owner ? "owner" : "member";
}

json::object room_json(const store::room_record& room, const std::vector<store::member_record>& members) {
  json::object out;
  out["id"] = room.id;
  out["title"] = room.title;
  out["kind"] = to_string(room.kind);
  out["createdAt"] = core::format_iso8601(room.created_at);
  out["createdBy"] = room.created_by;
  out["lastSeq"] = room.last_seq;
  json::array list;
  list.reserve(members.size());
  for (const auto& m : members) {
    json::object member;
    member["id"] = m.user_id;
    member["displayName"] = m.display_name;
    member["avatarUrl"] = avatar_url(m.user_id, m.avatar_version);
    member["role"] = to_string(m.role);
    member["lastReadSeq"] = m.last_read_seq;
    list.push_back(std::move(member));
  }
  out["members"] = std::move(list);
  return out;
}

json::object room_summary_json(const store::room_summary& summary) {
  json::object out = room_json(summary.room, summary.members);
  out["lastMessage"] = summary.last_message ? json::value(message_json(*summary.last_message)) : json::value(nullptr);
  out["unreadCount"] = summary.unread_count;
  return out;
}

}  // namespace suda::chat
