// Accounts and sessions: sign-up (the original's POST /api/user), log in/out, my profile and avatar.
#include "chat/json.hpp"
#include "net/api/api_support.hpp"
#include "net/api/routes.hpp"
#include "net/http/cookies.hpp"

namespace suda::net::api {
namespace json = boost::json;
using http::status;
using http::verb;

void add_account_routes(http::router& routes, chat::service& chat, const core::config& config) {
  const bool secure = config.secure_cookies;

  routes.add(verb::get, "/api/health", [](request_context& ctx) -> asio::awaitable<generator> {
    co_return reply(ctx, status::ok, json::object{{"status", "ok"}});
  });

  routes.add(verb::post, "/api/user", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto body = parse_body(ctx);
    auto created = (co_await chat.sign_up(required_string(body, "email"), required_string(body, "password"))).value();
    co_return reply(ctx, status::created, chat::user_json(created.user, created.email));
  });

  routes.add(verb::post, "/api/session", [&chat, secure](request_context& ctx) -> asio::awaitable<generator> {
    auto body = parse_body(ctx);
    auto login = (co_await chat.log_in(required_string(body, "email"), required_string(body, "password"),
                                       ctx.remote_ip))
                     .value();
    json::object out{{"token", login.token}, {"user", chat::user_json(login.me.user, login.me.email)}};
    auto res = http::json_response(ctx.req, status::ok, out);
    res.set(http::beast_http::field::set_cookie, http::session_cookie(login.token, login.lifetime, secure));
    co_return res;
  });

  routes.add(verb::delete_, "/api/session", [&chat, secure](request_context& ctx) -> asio::awaitable<generator> {
    if (auto token = ctx.session_token()) co_await chat.log_out(*token);
    auto res = http::empty_response(ctx.req, status::no_content);
    res.set(http::beast_http::field::set_cookie, http::clear_session_cookie(secure));
    co_return res;
  });

  routes.add(verb::get, "/api/me", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto me = (co_await chat.me(co_await require_user(ctx, chat))).value();
    co_return reply(ctx, status::ok, chat::user_json(me.user, me.email));
  });

  routes.add(verb::patch, "/api/me", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto body = parse_body(ctx);
    auto me = (co_await chat.rename(user_id, required_string(body, "displayName"))).value();
    co_return reply(ctx, status::ok, chat::user_json(me.user, me.email));
  });

  routes.add(verb::put, "/api/me/avatar", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto type = ctx.req[http::beast_http::field::content_type];
    auto base = type.substr(0, type.find(';'));
    if (base != "image/jpeg" && base != "image/png" && base != "image/webp" && base != "image/gif")
      throw core::error_exception(core::make_error(core::errc::unsupported_media_type, "unsupported_media_type",
                                                   "Upload a JPEG, PNG, WebP or GIF image"));
    auto me = (co_await chat.set_avatar(user_id, ctx.req.body())).value();
    co_return reply(ctx, status::ok, chat::user_json(me.user, me.email));
  });
}

}  // namespace suda::net::api
