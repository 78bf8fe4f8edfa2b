#pragma once
// The chat service on a real SQLite store, for the tests of the service and of what drives it: its store, writer,
// reader pool and CPU pool, its coroutines run on an io_context of their own thread.
#include "chat/service.hpp"

#include "bus/local_bus.hpp"
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

namespace suda::chat::test_support {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline constexpr auto patience = 30s;

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

}  // namespace suda::chat::test_support
