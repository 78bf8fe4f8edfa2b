// Messages: post (the original's POST /api/chat/{room_id}), history pages, read positions.
#include "chat/json.hpp"
#include "chat/validation.hpp"
#include "net/api/api_support.hpp"
#include "net/api/routes.hpp"

#include <boost/json/array.hpp>

namespace suda::net::api {
namespace json = boost::json;
using http::status;
using http::verb;

void add_message_routes(http::router& routes, chat::service& chat) {
  // 201 with the stored message once it is durable; 200 with the earlier message when clientMsgId repeats.
  routes.add(verb::post, "/api/chat/{room_id}", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto body = parse_body(ctx);
    auto posted = (co_await chat.post(user_id, std::string(ctx.param("room_id")), required_string(body, "message"),
                                      optional_string(body, "clientMsgId")))
                      .value();
    co_return reply(ctx, posted.created ? status::created : status::ok, chat::message_json(posted.message));
  });

  routes.add(verb::get, "/api/room/{room_id}/chat", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    int limit = chat::validate_limit(query_integer(ctx, "limit").value_or(chat::default_page_size)).value();
    auto before = query_integer(ctx, "before");
    if (before && *before < 1)
      throw core::error_exception(core::bad_request("invalid_before", "'before' must be a positive seq"));
    auto page = (co_await chat.history(user_id, std::string(ctx.param("room_id")), before, limit)).value();
    json::array messages;
    for (const auto& m : page.messages) messages.push_back(chat::message_json(m));
    co_return reply(ctx, status::ok, json::object{{"messages", std::move(messages)}, {"hasMore", page.has_more}});
  });

  routes.add(verb::post, "/api/room/{room_id}/read", [&chat](request_context& ctx) -> asio::awaitable<generator> {
    auto user_id = co_await require_user(ctx, chat);
    auto body = parse_body(ctx);
    auto* seq = body.if_contains("seq");
    if (!seq || !seq->is_int64())
      throw core::error_exception(core::bad_request("invalid_seq", "'seq' must be an integer"));
    auto stored = (co_await chat.mark_read(user_id, std::string(ctx.param("room_id")), seq->get_int64())).value();
    co_return reply(ctx, status::ok, json::object{{"roomId", ctx.param("room_id")}, {"lastReadSeq", stored}});
  });
}

}  // namespace suda::net::api
