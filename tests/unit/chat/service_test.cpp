// chat::service on a real SQLite store: how authentication uses the session cache.
#include "chat/service.hpp"

#include "bus/local_bus.hpp"
#include "chat/events.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

namespace suda::chat {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto patience = 30s;

// The service with its store, writer, reader pool and CPU pool, its coroutines run on an io_context of their own
// thread. The session cache's clock runs `skew_` ahead of the wall clock, so a test can age its entries.
class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : root_(std::filesystem::temp_directory_path() / ("suda-service-" + core::new_uuid())) {
    db_ = store::open_database("sqlite:" + (root_ / "suda.db").string());
    direct_ = db_->connect();
    writer_ = std::make_unique<store::writer>(*db_);
    readers_ = std::make_unique<store::reader_pool>(*db_, 1);
    service_options options;
    options.session_cache.ttl = 60s;
    options.session_cache.clock = [this] { return core::now_ms() + skew_.load(); };
    service_ = std::make_unique<service>(*writer_, *readers_, cpu_, *bus_, profiles_, options);
    work_.emplace(asio::make_work_guard(ioc_));
    io_thread_ = std::thread([this] { ioc_.run(); });
  }

  ~ServiceTest() override {
    work_.reset();
    io_thread_.join();
    service_.reset();
    readers_.reset();
    writer_->stop();
    writer_.reset();
    cpu_.join();
    direct_.reset();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  template <class Fn>
  auto run(Fn fn) {
    auto future = asio::co_spawn(ioc_, std::move(fn), asio::use_future);
    if (future.wait_for(patience) != std::future_status::ready) throw std::runtime_error("timed out");
    return future.get();
  }

  // Signs up and logs in through the service; returns (user id, token).
  std::pair<std::string, std::string> log_in(const std::string& name) {
    const std::string email = name + "@example.com";
    return run([this, email]() -> asio::awaitable<std::pair<std::string, std::string>> {
      auto created = co_await service_->sign_up(email, "correct horse battery");
      auto login = co_await service_->log_in(email, "correct horse battery", "127.0.0.1");
      co_return std::pair{created.value().user.id, login.value().token};
    });
  }

  core::result<std::string> authenticate(const std::string& token) {
    return run([this, token]() -> asio::awaitable<core::result<std::string>> {
      co_return co_await service_->authenticate(token);
    });
  }

  void log_out(const std::string& token) {
    run([this, token]() -> asio::awaitable<core::result<bool>> { co_return co_await service_->log_out(token); });
  }

  std::filesystem::path root_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::connection> direct_;  // the test's own connection: changes the service does not see
  std::unique_ptr<store::writer> writer_;
  std::unique_ptr<store::reader_pool> readers_;
  asio::thread_pool cpu_{1};
  std::shared_ptr<bus::local_bus> bus_ = std::make_shared<bus::local_bus>();
  profile_cache profiles_;
  std::atomic<core::millis> skew_{0};
  std::unique_ptr<service> service_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread io_thread_;
};

TEST_F(ServiceTest, ALoggedInSessionIsAnsweredFromMemoryUntilTheTtl) {
  auto [alice, token] = log_in("alice");
  // Deleted behind the service's back (as another node would): only the cache can still answer.
  direct_->delete_session(core::hash_token(token));
  EXPECT_EQ(authenticate(token).value(), alice);
  skew_ = 60'000;  // the revocation made elsewhere is honoured once the entry's ttl ran out
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);
}

TEST_F(ServiceTest, ASessionReadFromTheStoreIsCachedAfterwards) {
  auto [alice, unused] = log_in("alice");
  const std::string token = core::new_token();
  direct_->create_session(core::hash_token(token), alice, core::now_ms(), core::now_ms() + 3'600'000);
  EXPECT_EQ(authenticate(token).value(), alice);  // a miss: read from the store
  direct_->delete_session(core::hash_token(token));
  EXPECT_EQ(authenticate(token).value(), alice);  // now a hit
}

TEST_F(ServiceTest, LogOutIsHonouredAtOnceAndOnlyForThatSession) {
  auto [alice, token] = log_in("alice");
  auto second = run([this]() -> asio::awaitable<std::string> {
    auto login = co_await service_->log_in("alice@example.com", "correct horse battery", "127.0.0.1");
    co_return login.value().token;
  });
  EXPECT_EQ(authenticate(token).value(), alice);
  EXPECT_EQ(authenticate(second).value(), alice);
  log_out(token);
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate(second).value(), alice);
}

TEST_F(ServiceTest, ALogOutCountsAsARevocationSoThatSocketsCheckTheirSessionsAgain) {
  auto [alice, token] = log_in("alice");
  const std::string hash = core::hash_token(token);
  const auto before = service_->session_revocations();
  EXPECT_EQ(service_->cached_session(hash).value().user_id, alice);
  log_out(token);
  EXPECT_NE(service_->session_revocations(), before);
  EXPECT_FALSE(service_->cached_session(hash));
  auto checked = run([this, hash]() -> asio::awaitable<core::result<store::session_record>> {
    co_return co_await service_->session_by_hash(hash);
  });
  EXPECT_EQ(checked.error().kind, core::errc::unauthorized);
}

TEST_F(ServiceTest, ASessionCarriesItsExpiryFromTheStoreAndFromMemoryAlike) {
  auto [alice, token] = log_in("alice");  // the default lifetime: 30 days
  const auto read = [this](std::string t) {
    return run([this, t]() -> asio::awaitable<core::result<store::session_record>> {
      co_return co_await service_->session(t);
    });
  };
  const auto from_memory = read(token).value();
  EXPECT_EQ(from_memory.user_id, alice);
  const core::millis thirty_days = 30LL * 24 * 3600 * 1000;
  EXPECT_NEAR(static_cast<double>(from_memory.expires_at - core::now_ms()), static_cast<double>(thirty_days), 60'000.0);
  // A session the cache has not seen: read from the store, with the expiry it was stored with.
  const std::string other = core::new_token();
  const core::millis expires = core::now_ms() + 5'000;
  direct_->create_session(core::hash_token(other), alice, core::now_ms(), expires);
  EXPECT_EQ(read(other).value().expires_at, expires);
  EXPECT_EQ(service_->cached_session(core::hash_token(other)).value().expires_at, expires);
}

TEST_F(ServiceTest, ALogOutOnAnotherNodeIsHonouredHereWhenTheBusTellsIt) {
  auto [alice, token] = log_in("alice");
  auto [bob, kept] = log_in("bob");
  const std::string hash = core::hash_token(token);
  // What another node's log out does: the row goes, and the token hash is published to every node.
  direct_->delete_session(hash);
  EXPECT_EQ(authenticate(token).value(), alice);  // still cached here: nothing told this node yet
  const auto before = service_->session_revocations();
  bus_->publish(std::string(ended_sessions_channel), std::make_shared<const std::string>(hash));
  EXPECT_NE(service_->session_revocations(), before);
  EXPECT_EQ(authenticate(token).error().kind, core::errc::unauthorized);  // at once, not after the ttl
  EXPECT_EQ(authenticate(kept).value(), bob);
}

TEST_F(ServiceTest, AnUnknownOrMalformedTokenIsUnauthorized) {
  log_in("alice");
  EXPECT_EQ(authenticate(core::new_token()).error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate("").error().kind, core::errc::unauthorized);
  EXPECT_EQ(authenticate(std::string(300, 'a')).error().kind, core::errc::unauthorized);
}

}  // namespace
}  // namespace suda::chat
