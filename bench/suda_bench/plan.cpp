#include "plan.hpp"

#include <algorithm>
#include <cmath>

namespace suda::bench {

plan make_plan(const plan_input& in) {
  plan p;
  p.users = in.users ? std::min(in.users, std::max<std::size_t>(in.clients, 1)) : in.clients;
  if (p.users == 0) p.users = 1;
  p.client_user.resize(in.clients);
  for (std::size_t c = 0; c < in.clients; ++c) p.client_user[c] = c % p.users;

  const std::size_t members = std::min(in.members_per_room, p.users);
  p.room_users.resize(in.rooms);
  std::vector<std::vector<std::size_t>> user_rooms(p.users);
  for (std::size_t r = 0; r < in.rooms; ++r) {
    for (std::size_t k = 0; k < members; ++k) {
      const std::size_t u = (r * members + k) % p.users;
      p.room_users[r].push_back(u);
      user_rooms[u].push_back(r);
    }
  }
  p.room_clients.resize(in.rooms);
  for (std::size_t c = 0; c < in.clients; ++c)
    for (std::size_t r : user_rooms[p.client_user[c]]) p.room_clients[r].push_back(c);

  // Slow clients: every k-th client, so each room loses about the same share of readers.
  p.slow.assign(in.clients, false);
  if (in.slow_fraction > 0 && in.clients > 0) {
    const auto count = static_cast<std::size_t>(std::llround(in.slow_fraction * static_cast<double>(in.clients)));
    if (count > 0) {
      const std::size_t step = std::max<std::size_t>(1, in.clients / count);
      for (std::size_t c = step - 1, marked = 0; c < in.clients && marked < count; c += step, ++marked) p.slow[c] = true;
    }
  }

  p.expected_deliveries.resize(in.rooms);
  for (std::size_t r = 0; r < in.rooms; ++r)
    p.expected_deliveries[r] = static_cast<std::uint32_t>(
        std::count_if(p.room_clients[r].begin(), p.room_clients[r].end(), [&](std::size_t c) { return !p.slow[c]; }));

  // Senders: round-robin over the rooms, each time the next reading client of that room.
  std::vector<std::size_t> next(in.rooms, 0);
  std::size_t idle_rounds = 0;
  for (std::size_t s = 0; p.senders.size() < in.senders && in.rooms > 0 && idle_rounds < in.rooms; ++s) {
    const std::size_t r = s % in.rooms;
    auto& list = p.room_clients[r];
    while (next[r] < list.size() && p.slow[list[next[r]]]) ++next[r];
    if (next[r] >= list.size()) {
      ++idle_rounds;  // this room has no reading client left to send
      continue;
    }
    idle_rounds = 0;
    p.senders.push_back(sender_slot{list[next[r]], r});
    ++next[r];
  }
  return p;
}

}  // namespace suda::bench
