// The user directory and avatars.
#include "chat/json.hpp"
#include "chat/validation.hpp"
#include "net/api/api_support.hpp"
#include "net/api/routes.hpp"

#include <boost/json/array.hpp>

namespace suda::net::api {
namespace json = boost::json;
using http::status;
using http::verb;

void add_user_routes(http::router& routes, chat::service& chat) {
  routes.add(verb::get, "/api/users", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    co_await require_user(ctx, chat);
    int limit = chat::validate_limit(query_integer(ctx, "limit").value_or(chat::default_page_size)).value();
    auto page =
        (co_await chat.users(ctx.query("query").value_or(""), ctx.query("cursor"), limit)).value();
    json::array users;
    for (const auto& u : page.users) users.push_back(chat::user_json(u));
    json::object out{{"users", std::move(users)}};
    out["nextCursor"] = page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr);
    co_return reply(ctx, status::ok, std::move(out));
  });

  routes.add(verb::get, "/api/users/{id}", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto viewer = co_await require_user(ctx, chat);
    std::string id(ctx.param("id"));
    if (id == viewer) {
      auto me = (co_await chat.me(viewer)).value();
      co_return reply(ctx, status::ok, chat::user_json(me.user, me.email));
    }
    auto user = (co_await chat.user(id)).value();
    co_return reply(ctx, status::ok, chat::user_json(user));
  });

  // Avatars are public within the service's origin but not secret; the URL carries the version, so a
  // matching request is cached for a year and a new upload gets a new URL.
  routes.add(verb::get, "/api/users/{id}/avatar", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto size_param = query_integer(ctx, "size").value_or(256);
    if (size_param != 64 && size_param != 256)
      throw core::error_exception(core::bad_request("invalid_size", "size must be 64 or 256"));
    auto avatar = (co_await chat.avatar(std::string(ctx.param("id")), static_cast<int>(size_param))).value();
    const std::string etag = "\"" + avatar.version + "-" + std::to_string(size_param) + "\"";
    if (ctx.req[http::beast_http::field::if_none_match] == etag) {
      auto res = http::empty_response(ctx.req, status::not_modified);
      res.set(http::beast_http::field::etag, etag);
      co_return res;
    }
    http::response res{status::ok, ctx.req.version()};
    res.keep_alive(ctx.req.keep_alive());
    res.set(http::beast_http::field::content_type, "image/webp");
    res.set(http::beast_http::field::etag, etag);
    const bool versioned = ctx.query("v") == avatar.version;
    res.set(http::beast_http::field::cache_control,
            versioned ? "public, max-age=31536000, immutable" : "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(avatar.webp);
    res.prepare_payload();
    co_return res;
  });
}

}  // namespace suda::net::api
