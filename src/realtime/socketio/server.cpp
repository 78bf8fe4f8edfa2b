#include "realtime/socketio/server.hpp"

#include "core/log.hpp"
#include "realtime/socketio/client.hpp"
#include "realtime/socketio/packet.hpp"

#include <atomic>
#include <stdexcept>

namespace suda::realtime::socketio {

struct server::impl {
  // Shared with every client; mutable only until the first accept(), then read without a lock.
  std::shared_ptr<server_context> context;
  std::atomic<bool> serving{false};
};

server::server(server_options options) : impl_(std::make_shared<impl>()) {
  impl_->context = std::make_shared<server_context>();
  impl_->context->options = options;
}

server::~server() = default;

void server::add_namespace(std::string name, namespace_options options) {
  if (impl_->serving.load()) {
    throw std::logic_error("socketio::server: add_namespace(" + name + ") after connections were accepted");
  }
  if (!is_valid_namespace(name)) throw std::invalid_argument("socketio::server: invalid namespace name " + name);
  auto [it, added] = impl_->context->namespaces.emplace(std::move(name), std::move(options));
  if (!added) throw std::invalid_argument("socketio::server: namespace " + it->first + " registered twice");
}

void server::accept(std::shared_ptr<engineio::socket> connection) {
  if (!connection) return;
  impl_->serving.store(true);
  auto c = std::make_shared<client>(impl_->context, connection);
  c->start();
}

}  // namespace suda::realtime::socketio
