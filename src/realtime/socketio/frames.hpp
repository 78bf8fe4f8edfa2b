#pragma once
// A Socket.IO packet as the Engine.IO frames that carry it: its text form, then each attachment as a
// binary frame. The frames of one packet must reach the wire together and in order, so several go
// through engineio::socket::send_all.
#include "core/error.hpp"
#include "realtime/engineio/socket.hpp"
#include "realtime/socketio/packet.hpp"

#include <vector>

namespace suda::realtime::socketio {

// Encodes `p` (EVENT/ACK with attachments become BINARY_EVENT/BINARY_ACK); fails as encode() does.
core::result<std::vector<engineio::frame>> to_frames(packet p);

// Queues the frames on `connection`: send() for one, send_all() for several. False when not queued.
bool send_frames(engineio::socket& connection, std::vector<engineio::frame> frames);

}  // namespace suda::realtime::socketio
