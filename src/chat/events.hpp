#pragma once
// What travels on the bus: one chat event, encoded once by the node that committed it and decoded once by
// every node that delivers it. A short header line lets the hub route without parsing JSON:
//
//   <event>\t<room id>\t<seq>\t<user id>\t<action>\n<data: the JSON object clients receive>
//
// e.g. "message\t344b…\t13\t0b6f…\t\n{\"id\":…}". seq is 0 for events that are not messages.
#include "store/records.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace suda::chat {

struct event_view {
  std::string_view event;    // message, typing, read, member, room, presence, user
  std::string_view room_id;
  std::int64_t seq = 0;      // the message's seq; for "room" (joined), the room's last seq at the join
  std::string_view user_id;  // the author / actor / subject
  std::string_view action;   // "join" or "leave" for member and room events
  std::string_view data;     // JSON object text
};

std::string encode_event(std::string_view event, std::string_view room_id, std::int64_t seq,
                         std::string_view user_id, std::string_view action, const boost::json::object& data);
// nullopt when the payload is malformed (a bug or a foreign publisher): the hub logs and drops it.
std::optional<event_view> decode_event(std::string_view payload);

// A random id for an event published on several channels (presence, profile changes), carried in the
// action field, so that a client in several of those rooms gets it once.
std::string new_event_id();

// The bus channels: a room's events, and a user's own events (rooms they were added to).
std::string room_channel(std::string_view room_id);
std::string user_channel(std::string_view user_id);
// Every node's chat service listens here for log outs made on any node; the payload is the token hash.
inline constexpr std::string_view ended_sessions_channel = "sessions:ended";

// A message as sockets receive it: the stored message plus its author's display name and avatar.
struct author_profile {
  std::string display_name;
  std::optional<std::string> avatar_version;
};
boost::json::object message_event_data(const store::message_record& message, const author_profile& author);

}  // namespace suda::chat
