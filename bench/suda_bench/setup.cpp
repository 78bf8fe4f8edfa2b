#include "setup.hpp"

#include "http_client.hpp"

#include "core/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <future>

namespace suda::bench {
namespace asio = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

std::string field(const json::value& v, std::string_view name) {
  const auto* o = v.if_object();
  const auto* f = o ? o->if_contains(name) : nullptr;
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

// Shared by the workers of one phase: the next item to take, and whether any failed (then everyone stops).
struct work_queue {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
};

asio::awaitable<void> user_worker(const setup_target& target, std::size_t count, work_queue& queue,
                                  std::vector<bench_user>& users) {
  http_client http(co_await asio::this_coro::executor, target.server, target.host);
  for (std::size_t i = queue.next++; i < count && !queue.failed; i = queue.next++) {
    const std::string email = target.user_prefix + "-" + std::to_string(i) + "@bench.example";
    const std::string credentials =
        json::serialize(json::object{{"email", email}, {"password", target.password}});
    auto signed_up = co_await http.request(verb::post, "/api/user", credentials, "");
    // 409: the user exists from an earlier run against the same server; logging in still works.
    if (signed_up.status != 201 && signed_up.status != 200 && signed_up.status != 409) {
      core::log::error("bench", "sign-up of ", email, " failed: HTTP ", signed_up.status, " ", signed_up.body);
      queue.failed = true;
      co_return;
    }
    auto logged_in = co_await http.request(verb::post, "/api/session", credentials, "");
    if (logged_in.status != 200 && logged_in.status != 201) {
      core::log::error("bench", "login of ", email, " failed: HTTP ", logged_in.status, " ", logged_in.body,
                       logged_in.status == 429 ? " (start suda with a higher --login-rate-ip)" : "");
      queue.failed = true;
      co_return;
    }
    boost::system::error_code ec;
    auto body = json::parse(logged_in.body, ec);
    bench_user user;
    if (!ec) {
      user.token = field(body, "token");
      if (const auto* o = body.if_object(); o && o->contains("user")) user.id = field(o->at("user"), "id");
    }
    if (user.token.empty() || user.id.empty()) {
      core::log::error("bench", "login of ", email, " answered without token or user id: ", logged_in.body);
      queue.failed = true;
      co_return;
    }
    users[i] = std::move(user);
  }
}

asio::awaitable<void> room_worker(const setup_target& target, const plan& layout, const std::vector<bench_user>& users,
                                  work_queue& queue, std::vector<std::string>& rooms) {
  http_client http(co_await asio::this_coro::executor, target.server, target.host);
  for (std::size_t r = queue.next++; r < layout.room_users.size() && !queue.failed; r = queue.next++) {
    const auto& members = layout.room_users[r];
    if (members.empty()) continue;
    json::array others;
    for (std::size_t k = 1; k < members.size(); ++k) others.push_back(json::value(users[members[k]].id));
    const std::string body =
        json::serialize(json::object{{"title", "bench room " + std::to_string(r)}, {"members", std::move(others)}});
    auto created = co_await http.request(verb::post, "/api/room", body, users[members[0]].token);
    boost::system::error_code ec;
    auto answer = json::parse(created.body, ec);
    std::string id = ec ? std::string() : field(answer, "id");
    if ((created.status != 201 && created.status != 200) || id.empty()) {
      core::log::error("bench", "creating room ", r, " failed: HTTP ", created.status, " ", created.body);
      queue.failed = true;
      co_return;
    }
    rooms[r] = std::move(id);
  }
}

template <class Spawn>
bool run_workers(std::vector<asio::io_context*>& contexts, std::size_t workers, Spawn spawn) {
  std::vector<std::future<void>> done;
  for (std::size_t w = 0; w < workers; ++w) done.push_back(spawn(*contexts[w % contexts.size()]));
  bool ok = true;
  for (auto& f : done) {
    try {
      f.get();
    } catch (const std::exception& e) {
      core::log::error("bench", "setup worker failed: ", e.what());
      ok = false;
    }
  }
  return ok;
}

}  // namespace

std::optional<std::vector<bench_user>> create_users(std::vector<asio::io_context*> contexts, const setup_target& target,
                                                    std::size_t count) {
  std::vector<bench_user> users(count);
  work_queue queue;
  const std::size_t workers = std::max<std::size_t>(1, std::min(target.concurrency, count));
  const bool ok = run_workers(contexts, workers, [&](asio::io_context& ioc) {
    return asio::co_spawn(ioc, user_worker(target, count, queue, users), asio::use_future);
  });
  if (!ok || queue.failed) return std::nullopt;
  return users;
}

std::optional<std::vector<std::string>> create_rooms(std::vector<asio::io_context*> contexts, const setup_target& target,
                                                     const plan& layout, const std::vector<bench_user>& users) {
  std::vector<std::string> rooms(layout.room_users.size());
  work_queue queue;
  const std::size_t workers = std::max<std::size_t>(1, std::min(target.concurrency, rooms.size()));
  const bool ok = run_workers(contexts, workers, [&](asio::io_context& ioc) {
    return asio::co_spawn(ioc, room_worker(target, layout, users, queue, rooms), asio::use_future);
  });
  if (!ok || queue.failed) return std::nullopt;
  return rooms;
}

}  // namespace suda::bench
