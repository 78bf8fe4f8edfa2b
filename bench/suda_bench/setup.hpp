#pragma once
// The setup phase, through the HTTP API the way a user would: sign up and log in every user (POST /api/user,
// POST /api/session), then create each room (POST /api/room with its members) as its first member.
// Bounded concurrency: `concurrency` keep-alive connections, each doing one request at a time.
#include "plan.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <vector>

namespace suda::bench {

struct bench_user {
  std::string id;
  std::string token;
};

struct setup_target {
  boost::asio::ip::tcp::endpoint server;
  std::string host;
  std::string user_prefix;  // emails are <prefix>-<n>@bench.example
  std::string password;
  std::size_t concurrency = 16;
};

// Both run their requests on `contexts` (round-robin) and block the calling thread until done, which must
// therefore not be one of the threads running those contexts. nullopt after the first failure (logged).
std::optional<std::vector<bench_user>> create_users(std::vector<boost::asio::io_context*> contexts,
                                                    const setup_target& target, std::size_t count);
std::optional<std::vector<std::string>> create_rooms(std::vector<boost::asio::io_context*> contexts,
                                                     const setup_target& target, const plan& layout,
                                                     const std::vector<bench_user>& users);

}  // namespace suda::bench
