#pragma once
// Runs a handler of the layer above (on_connection, an event handler, on_disconnect). A throwing handler
// is a bug there, but it must not take the connection, or the I/O thread, down with it: the exception is
// logged once, with the socket and the handler named, and the connection carries on.
#include "core/log.hpp"

#include <exception>
#include <string_view>
#include <utility>

namespace suda::realtime::socketio {

// `what` and `detail` name the handler, e.g. "the handler of event " and "message".
template <class Fn>
void guarded(std::string_view socket_id, std::string_view what, std::string_view detail, Fn&& fn) {
  try {
    std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    core::log::error("sio", "socket ", socket_id, ": ", what, detail, " threw: ", e.what());
  } catch (...) {
    core::log::error("sio", "socket ", socket_id, ": ", what, detail, " threw a non-standard exception");
  }
}

}  // namespace suda::realtime::socketio
