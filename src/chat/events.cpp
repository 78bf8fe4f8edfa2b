#include "chat/events.hpp"

#include "chat/json.hpp"
#include "core/ids.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace suda::chat {

std::string encode_event(std::string_view event, std::string_view room_id, std::int64_t seq,
                         std::string_view user_id, std::string_view action, const boost::json::object& data) {
  std::string out;
  out.reserve(128);
  out.append(event).push_back('\t');
  out.append(room_id).push_back('\t');
  out.append(std::to_string(seq)).push_back('\t');
  out.append(user_id).push_back('\t');
  out.append(action).push_back('\n');
  out += boost::json::serialize(data);
  return out;
}

std::optional<event_view> decode_event(std::string_view payload) {
  auto newline = payload.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::string_view header = payload.substr(0, newline);
  std::string_view fields[5];
  for (int i = 0; i < 5; ++i) {
    auto tab = header.find('\t');
    if ((tab == std::string_view::npos) != (i == 4)) return std::nullopt;  // exactly four tabs
    fields[i] = header.substr(0, tab);
    if (tab != std::string_view::npos) header.remove_prefix(tab + 1);
  }
  event_view out;
  out.event = fields[0];
  out.room_id = fields[1];
  auto [end, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), out.seq);
  if (ec != std::errc() || end != fields[2].data() + fields[2].size() || out.event.empty()) return std::nullopt;
  out.user_id = fields[3];
  out.action = fields[4];
  out.data = payload.substr(newline + 1);
  return out;
}

std::string new_event_id() { return core::new_token().substr(0, 16); }

std::string room_channel(std::string_view room_id) { return "room:" + std::string(room_id); }
std::string user_channel(std::string_view user_id) { return "user:" + std::string(user_id); }

boost::json::object message_event_data(const store::message_record& message, const author_profile& author) {
  boost::json::object data = message_json(message, 1);
  boost::json::object who(3);
  who.emplace("id", message.user_id);
  who.emplace("displayName", author.display_name);
  who.emplace("avatarUrl", avatar_url(message.user_id, author.avatar_version));
  data.emplace("author", std::move(who));
  return data;
}

}  // namespace suda::chat
