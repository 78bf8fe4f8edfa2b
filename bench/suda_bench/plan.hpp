#pragma once
// Who is where in a run: which user each client (socket) logs in as, which users each room has, which clients
// send and into which room, and how many deliveries each room's message must produce. Pure arithmetic, so the
// loss accounting can be checked without a server.
//
// Membership is by user (as in the chat: a socket is in every room of its user). Room r takes the users
// [r*m, (r+1)*m) modulo the user count, so rooms are disjoint while rooms*m <= users. Client c logs in as user
// c % users: with fewer users than clients, each user has several sockets and every one of them receives
// the room's messages (sign-up costs an Argon2id hash on suda, so large runs share users to keep setup short).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace suda::bench {

struct plan_input {
  std::size_t clients = 0;
  std::size_t users = 0;  // 0: one user per client
  std::size_t rooms = 0;
  std::size_t members_per_room = 0;
  std::size_t senders = 0;        // 0: none
  double slow_fraction = 0;       // the first clients of every room's list that stop reading, as a fraction of all
};

struct sender_slot {
  std::size_t client = 0;
  std::size_t room = 0;
};

struct plan {
  std::size_t users = 0;
  std::vector<std::size_t> client_user;                    // client -> user
  std::vector<std::vector<std::size_t>> room_users;        // room -> its member users
  std::vector<std::vector<std::size_t>> room_clients;      // room -> the clients (sockets) that receive it
  std::vector<bool> slow;                                  // client -> stops reading during the measurement
  std::vector<std::uint32_t> expected_deliveries;          // room -> deliveries per message, slow clients excluded
  std::vector<sender_slot> senders;                        // never a slow client
};

plan make_plan(const plan_input& in);

}  // namespace suda::bench
