// Rooms: group rooms (the original's POST /api/room), 1:1 rooms, my rooms, members.
#include "chat/json.hpp"
#include "net/api/api_support.hpp"
#include "net/api/routes.hpp"

#include <boost/json/array.hpp>

namespace suda::net::api {
namespace json = boost::json;
using http::status;
using http::verb;

namespace {
json::object view_json(const chat::room_view& view) { return chat::room_json(view.room, view.members); }
}  // namespace

void add_room_routes(http::router& routes, chat::service& chat) {
  routes.add(verb::post, "/api/room", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto body = parse_body(ctx);
    auto title = optional_string(body, "title");
    if (!title) throw core::error_exception(core::bad_request("invalid_title", "A room needs a title"));
    auto view = (co_await chat.create_room(user_id, *title, optional_string_array(body, "members", 1000))).value();
    co_return reply(ctx, status::created, view_json(view));
  });

  routes.add(verb::post, "/api/dm/{user_id}", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto [view, created] = (co_await chat.open_direct(user_id, std::string(ctx.param("user_id")))).value();
    co_return reply(ctx, created ? status::created : status::ok, view_json(view));
  });

  routes.add(verb::get, "/api/rooms", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto rooms = (co_await chat.my_rooms(user_id)).value();
    json::array list;
    for (const auto& r : rooms) list.push_back(chat::room_summary_json(r));
    co_return reply(ctx, status::ok, json::object{{"rooms", std::move(list)}});
  });

  routes.add(verb::get, "/api/room/{id}", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto view = (co_await chat.room(user_id, std::string(ctx.param("id")))).value();
    co_return reply(ctx, status::ok, view_json(view));
  });

  routes.add(verb::post, "/api/room/{id}/members", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto body = parse_body(ctx);
    auto view =
        (co_await chat.invite(user_id, std::string(ctx.param("id")), required_string(body, "userId"))).value();
    co_return reply(ctx, status::ok, view_json(view));
  });

  routes.add(verb::delete_, "/api/room/{id}/members/me", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    (co_await chat.leave(user_id, std::string(ctx.param("id")))).value();
    co_return no_content(ctx);
  });
}

}  // namespace suda::net::api
