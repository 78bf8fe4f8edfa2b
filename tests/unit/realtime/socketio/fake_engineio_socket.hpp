#pragma once
// An in-memory engineio::socket for testing the Socket.IO layer without networking: it records what the
// upper layer sends and lets the test deliver text, binary and close events on the socket's strand, as
// the real Engine.IO server does.
#include "realtime/engineio/socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace suda::realtime::socketio::testing {

class fake_engineio_socket : public engineio::socket, public std::enable_shared_from_this<fake_engineio_socket> {
 public:
  struct sent_frame {
    std::string bytes;
    bool binary = false;
    int group = 0;  // frames queued by one send_all() share a group; each send() gets its own

    friend bool operator==(const sent_frame&, const sent_frame&) = default;
  };

  fake_engineio_socket(boost::asio::io_context& ioc, std::string id)
      : id_(std::move(id)), strand_(boost::asio::make_strand(ioc)) {
    info_.remote_ip = "192.0.2.7";
    info_.user_agent = "fake";
  }

  // ---- engineio::socket ----

  const std::string& id() const noexcept override { return id_; }
  const engineio::connection_info& info() const noexcept override { return info_; }
  boost::asio::any_io_executor get_executor() const override { return strand_; }

  bool send(engineio::frame message) override {
    std::lock_guard lock(mutex_);  // the upper layer may call from any thread
    if (close_reason_) return false;
    sent_.push_back(sent_frame{*message.bytes, message.binary, ++groups_});
    return true;
  }

  bool send_all(std::vector<engineio::frame> messages) override {
    std::lock_guard lock(mutex_);
    if (close_reason_) return false;
    ++groups_;
    for (auto& m : messages) sent_.push_back(sent_frame{*m.bytes, m.binary, groups_});
    return true;
  }

  // Recorded with the number of frames sent before, so a test sees where the hold began and ended.
  void hold_writes(std::chrono::milliseconds at_most) override {
    std::lock_guard lock(mutex_);
    hold_log_.push_back("hold " + std::to_string(at_most.count()) + " ms after " + std::to_string(sent_.size()));
  }
  void release_writes() override {
    std::lock_guard lock(mutex_);
    hold_log_.push_back("release after " + std::to_string(sent_.size()));
  }

  void close(std::string_view reason) override {
    {
      std::lock_guard lock(mutex_);
      if (close_reason_) return;
      close_reason_ = std::string(reason);
    }
    // As the real one: on_close follows, on the strand, with the reason Engine.IO reports for close().
    deliver_close("forced close");
  }

  void set_handlers(handlers h) override { handlers_ = std::move(h); }

  // ---- The test's side: events are posted to the strand; run the io_context to deliver them ----

  void inject_text(std::string text) {
    boost::asio::post(strand_, [self = shared_from_this(), text = std::move(text)]() mutable {
      if (!self->close_delivered_ && self->handlers_.on_text) self->handlers_.on_text(std::move(text));
    });
  }

  void inject_binary(std::string bytes) {
    boost::asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
      if (!self->close_delivered_ && self->handlers_.on_binary) self->handlers_.on_binary(std::move(bytes));
    });
  }

  // The transport ends on the client's side (or by ping timeout): no close() from the upper layer.
  void transport_close(std::string reason) {
    {
      std::lock_guard lock(mutex_);
      if (!close_reason_) close_reason_ = reason;
    }
    deliver_close(std::move(reason));
  }

  // ---- What was sent ----

  std::vector<sent_frame> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  // The text frames only, in order.
  std::vector<std::string> texts() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& f : sent_) {
      if (!f.binary) out.push_back(f.bytes);
    }
    return out;
  }
  std::size_t sent_count() const {
    std::lock_guard lock(mutex_);
    return sent_.size();
  }
  // The reason given to close() by the upper layer, or to transport_close(); nullopt while open.
  std::optional<std::string> close_reason() const {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }
  bool closed() const { return close_reason().has_value(); }
  std::vector<std::string> hold_log() const {
    std::lock_guard lock(mutex_);
    return hold_log_;
  }
  bool has_handlers() const { return static_cast<bool>(handlers_.on_text); }

 private:
  void deliver_close(std::string reason) {
    boost::asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] {
      if (self->close_delivered_) return;
      self->close_delivered_ = true;
      // Moved out and dropped after the call, as a real connection releases its handlers once closed.
      auto h = std::move(self->handlers_);
      self->handlers_ = handlers{};
      if (h.on_close) h.on_close(reason);
    });
  }

  const std::string id_;
  engineio::connection_info info_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  handlers handlers_;             // strand only
  bool close_delivered_ = false;  // strand only

  mutable std::mutex mutex_;  // guards what the upper layer's threads touch
  std::vector<sent_frame> sent_;
  int groups_ = 0;
  std::optional<std::string> close_reason_;
  std::vector<std::string> hold_log_;
};

}  // namespace suda::realtime::socketio::testing
