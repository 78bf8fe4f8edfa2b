#pragma once
// The HTTP JSON API (docs in README.md, "The API"). Each file adds one group of routes.
#include "chat/service.hpp"
#include "core/config.hpp"
#include "net/http/router.hpp"

namespace suda::net::api {

void add_account_routes(http::router& routes, chat::service& chat, const core::config& config);
void add_user_routes(http::router& routes, chat::service& chat);
void add_room_routes(http::router& routes, chat::service& chat);
void add_message_routes(http::router& routes, chat::service& chat);

inline void add_all_routes(http::router& routes, chat::service& chat, const core::config& config) {
  add_account_routes(routes, chat, config);
  add_user_routes(routes, chat);
  add_room_routes(routes, chat);
  add_message_routes(routes, chat);
}

}  // namespace suda::net::api
