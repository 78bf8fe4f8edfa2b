#pragma once
// Serving Engine.IO servers through the HTTP server: polling requests are routes, WebSocket upgrades are
// dispatched by path, and a graceful stop waits for the Engine.IO connections to close. Shared by suda and
// suda-echo (the only code that knows both net/http and realtime/engineio).
#include "net/http/router.hpp"
#include "net/http/server.hpp"
#include "realtime/engineio/server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace suda::net::engineio_http {

// Routes GET, POST, OPTIONS (CORS preflight) and PUT on `path` (with or without a trailing slash) to the
// engine. PUT too: Engine.IO answers unsupported methods with its own 400, where the router would say 405.
void mount(http::router& routes, const std::string& path, realtime::engineio::server& engine);

// An upgrade handler for http::server that gives WebSocket requests on a mounted path to its engine
// (with the peer's address) and answers a JSON 404 on any other path.
http::server::upgrade_handler upgrade_dispatcher(
    std::vector<std::pair<std::string, realtime::engineio::server*>> mounts);

// Gives the engines' connections (already closed by shutdown()) up to `grace` to finish closing, then stops
// the io_context. Engine.IO has no "all closed" event, so the count is looked at every few milliseconds.
boost::asio::awaitable<void> stop_when_closed(boost::asio::io_context& ioc,
                                              std::vector<const realtime::engineio::server*> engines,
                                              std::chrono::milliseconds grace);

}  // namespace suda::net::engineio_http
